// Every admin page. Django's autocomplete fields (select2) draw a combobox named only by the value
// chosen, so an empty one has no name for a screen reader (axe: aria-input-field-name). Each gets
// the label of the field it stands for, whenever select2 draws it (also in rows added later).
"use strict";
(function () {
  function nameComboboxes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const label = select.id && document.querySelector('label[for="' + select.id + '"]');
      const container = select.nextElementSibling;
      if (!label || !container) {
        return;
      }
      const name = label.textContent.replace(/[:：]\s*$/, "").trim();
      // The combobox and the read-only text inside it that shows the chosen value.
      container.querySelectorAll('.select2-selection[role="combobox"], .select2-selection__rendered[role="textbox"]')
        .forEach(function (part) {
          if (!part.hasAttribute("aria-label")) {
            part.setAttribute("aria-label", name);
          }
        });
    });
  }
  // select2 draws its boxes when jQuery is ready (asynchronously, sometimes after "load") and again
  // for rows added later: name them whenever the page changes.
  document.addEventListener("DOMContentLoaded", function () {
    nameComboboxes();
    new MutationObserver(nameComboboxes).observe(document.body, {childList: true, subtree: true});
  });
})();
