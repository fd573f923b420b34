/*
 * The change form of a periodic task (定期処理のスケジュール) in the admin: django-celery-beat's
 * inline script (admin/djcelery/change_periodictask_form.html), as a file for the
 * Content-Security-Policy. As there, the row "日時指定の内容" is hidden and the help under
 * 日時指定（crontab） tells what the chosen schedule means once it is changed.
 */
"use strict";
{
    const $ = django.jQuery;
    const readableCrontabs = JSON.parse(document.getElementById("readable-crontabs").textContent);
    const help = $(".field-crontab .help");
    const originalCrontabHelp = help.text().trim();

    const updateCrontabHelp = function(additional) {
        help.empty().append(document.createTextNode(originalCrontabHelp));
        if (additional) {
            help.append("<br>", document.createTextNode("内容：" + additional));
        }
    };

    $(".field-crontab_translation").hide();
    $(".field-crontab").change(function() {
        updateCrontabHelp(readableCrontabs[$("#id_crontab").val()]);
    });
}
