from django.db import migrations


def create_settings_row(apps, schema_editor):
    # The settings are one row that always exists; the city fills it in the admin.
    Municipality = apps.get_model("municipality", "Municipality")
    Municipality.objects.get_or_create(
        pk=1,
        defaults={
            "name": "〇〇市",
            "mayor_title": "〇〇市長",
            "certificate_department": "〇〇市福祉部高齢福祉介護課",
            "coordinator_term": "生活支援コーディネーター",
            "second_layer_basis": "日常生活圏域",
            "plan_name": "〇〇市高齢者福祉計画・介護保険事業計画",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("municipality", "0001_initial")]

    operations = [migrations.RunPython(create_settings_row, migrations.RunPython.noop)]
