from django.db import migrations

# TRUNCATE skips the row trigger of 0003, so a statement trigger refuses it. A superuser may
# truncate: it can drop any trigger anyway, and the test suite empties the tables that way between
# transactional tests. The application's own role has no TRUNCATE privilege at all (grant_app_role).
CREATE = """
CREATE OR REPLACE FUNCTION auditlog_logentry_no_truncate() RETURNS trigger AS $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION '監査ログは削除できません（TRUNCATE）。';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auditlog_logentry_no_truncate
    BEFORE TRUNCATE ON auditlog_logentry
    FOR EACH STATEMENT EXECUTE FUNCTION auditlog_logentry_no_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS auditlog_logentry_no_truncate ON auditlog_logentry;
DROP FUNCTION IF EXISTS auditlog_logentry_no_truncate();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("municipality", "0004_municipality_is_designated_city_and_more")]

    operations = [migrations.RunPython(create, drop)]
