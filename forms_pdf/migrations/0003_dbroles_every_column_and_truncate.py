from django.db import migrations

# Every column of an issued document is immutable, not only its bytes: a changed title or
# organisation would move the document into another organisation's scope. TRUNCATE skips row
# triggers, so a statement trigger refuses it too. A superuser may truncate: it can drop any trigger
# anyway, and the test suite empties the tables that way between transactional tests. The
# application's own role has neither UPDATE, DELETE nor TRUNCATE on the table (grant_app_role).
CREATE = """
CREATE OR REPLACE FUNCTION forms_pdf_issued_document_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '発行済みの書類は削除できません（id=%）。', OLD.id;
    END IF;
    RAISE EXCEPTION '発行済みの書類は変更できません（id=%）。', OLD.id;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION forms_pdf_issued_document_no_truncate() RETURNS trigger AS $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION '発行済みの書類は削除できません（TRUNCATE）。';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER forms_pdf_issued_document_no_truncate
    BEFORE TRUNCATE ON forms_pdf_issueddocument
    FOR EACH STATEMENT EXECUTE FUNCTION forms_pdf_issued_document_no_truncate();
"""
# Back to 0002: only the bytes and the data protected, no statement trigger.
DROP = """
DROP TRIGGER IF EXISTS forms_pdf_issued_document_no_truncate ON forms_pdf_issueddocument;
DROP FUNCTION IF EXISTS forms_pdf_issued_document_no_truncate();
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
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("forms_pdf", "0002_issued_documents_are_immutable")]

    operations = [migrations.RunPython(create, drop)]
