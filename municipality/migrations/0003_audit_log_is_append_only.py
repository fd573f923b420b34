from django.db import migrations

# On PostgreSQL the database refuses to change or delete audit-log entries. The one
# update allowed is the one Django makes itself: clearing the actor of a deleted user.
CREATE = """
CREATE OR REPLACE FUNCTION auditlog_logentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '監査ログは削除できません（id=%）。', OLD.id;
    END IF;
    IF (to_jsonb(NEW) - 'actor_id') IS DISTINCT FROM (to_jsonb(OLD) - 'actor_id') OR NEW.actor_id IS NOT NULL
       AND NEW.actor_id IS DISTINCT FROM OLD.actor_id THEN
        RAISE EXCEPTION '監査ログは変更できません（id=%）。', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auditlog_logentry_append_only
    BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION auditlog_logentry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS auditlog_logentry_append_only ON auditlog_logentry;
DROP FUNCTION IF EXISTS auditlog_logentry_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("municipality", "0002_municipality_required_training_within_days"),
        ("auditlog", "__latest__"),
    ]

    operations = [migrations.RunPython(create, drop)]
