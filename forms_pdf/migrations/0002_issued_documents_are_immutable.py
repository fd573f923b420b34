from django.db import migrations

# On PostgreSQL the database itself refuses to change or delete an issued document.
# (SQLite, the embedded demo database, relies on the application alone: Django's test
# flush there deletes rows one table at a time, which such a trigger would block.)
CREATE = """
CREATE OR REPLACE FUNCTION forms_pdf_issued_document_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '発行済みの書類は削除できません（id=%）。', OLD.id;
    END IF;
    IF NEW.snapshot IS DISTINCT FROM OLD.snapshot OR NEW.pdf IS DISTINCT FROM OLD.pdf
       OR NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.kind IS DISTINCT FROM OLD.kind
       OR NEW.issued_at IS DISTINCT FROM OLD.issued_at OR NEW.filename IS DISTINCT FROM OLD.filename
       OR NEW.size IS DISTINCT FROM OLD.size THEN
        RAISE EXCEPTION '発行済みの書類は変更できません（id=%）。', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER forms_pdf_issued_document_immutable
    BEFORE UPDATE OR DELETE ON forms_pdf_issueddocument
    FOR EACH ROW EXECUTE FUNCTION forms_pdf_issued_document_immutable();
"""
DROP = """
DROP TRIGGER IF EXISTS forms_pdf_issued_document_immutable ON forms_pdf_issueddocument;
DROP FUNCTION IF EXISTS forms_pdf_issued_document_immutable();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("forms_pdf", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
