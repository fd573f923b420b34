"""Backup and restore: the database and the photos together, into an empty database and folder.

The restore and the check run as separate processes of the application, as an operator would run
them: on PostgreSQL the restore logs in as the owner and the restored application as ``shien_app``.
"""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from coordinators import services
from coordinators.models import Certificate, Coordinator
from forms_pdf.models import IssuedDocument
from tests.lifecycle import CONTRACT_START
from tests.municipality.test_dbroles import APP_ROLE, OWNER_ROLE, ensure_role

pytestmark = pytest.mark.django_db(transaction=True)

# Run inside the restored application: what it serves, as JSON.
CHECK = """
import hashlib, json
from django.test import Client
from django.urls import reverse
from django.db import DatabaseError, transaction
from auditlog.models import LogEntry
from coordinators.models import Certificate, Coordinator
from forms_pdf.models import IssuedDocument
from municipality.models import User

counts = [Coordinator.objects.count(), Certificate.objects.count(), IssuedDocument.objects.count(),
          LogEntry.objects.filter(action__lt=3).count()]
client = Client()
client.force_login(User.objects.get(username="contractor_a"))
documents = {}
for pk in IssuedDocument.objects.values_list("pk", flat=True):
    response = client.get(reverse("documents:pdf", args=[pk]))
    documents[str(pk)] = [response.status_code, hashlib.sha256(response.content).hexdigest()]
photos = {}
for coordinator in Coordinator.objects.all():
    with coordinator.photo.open("rb") as handle:
        photos[str(coordinator.pk)] = hashlib.sha256(handle.read()).hexdigest()
try:
    with transaction.atomic():
        IssuedDocument.objects.update(title="x")
    update = "allowed"
except DatabaseError as error:
    update = str(error).splitlines()[0]
print(json.dumps({
    "counts": counts,
    "documents": documents, "photos": photos, "update": update,
}))
"""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run_app(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DJANGO_READ_DOT_ENV": "0",
             "ALLOWED_HOSTS": "testserver", "CELERY_BROKER_URL": "memory://", **env},
    )


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def issued(media_root, accepted, city_user):
    """A coordinator with a photo, an accepted 選任届 (form 1) and a certificate (form 2), committed."""
    services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=CONTRACT_START)
    coordinator = Coordinator.objects.get()
    return {
        "counts": [Coordinator.objects.count(), Certificate.objects.count(), IssuedDocument.objects.count(),
                   LogEntry.objects.filter(action__lt=3).count()],
        "documents": {str(d.pk): [200, sha256(bytes(d.pdf))] for d in IssuedDocument.objects.all()},
        "photos": {str(coordinator.pk): sha256((media_root / coordinator.photo.name).read_bytes())},
    }


def backup_then_restore(tmp_path, issued, target_env: dict[str, str], app_env: dict[str, str]) -> dict:
    archive = tmp_path / "backup.tar"
    call_command("backup", output=str(archive))
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert any(name.startswith("media/coordinators/photos/") for name in names)
    assert manifest["database"]["tables"]["forms_pdf_issueddocument"] == 2
    assert len(manifest["media"]["files"]) == 1

    restored_media = tmp_path / "restored-media"
    env = {**target_env, "MEDIA_ROOT": str(restored_media)}
    result = run_app(env, "restore", str(archive))
    assert result.returncode == 0, result.stderr
    assert "復元しました" in result.stdout

    # A second restore into what is no longer empty is refused, and changes nothing.
    again = run_app(env, "restore", str(archive))
    assert again.returncode != 0
    assert "空ではありません" in again.stderr

    if "DATABASE_MIGRATE_URL" in target_env:
        # The next step of a restore: migrate as the owner, which grants the application's role again.
        migrated = run_app(env, "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr
        assert f"ロール {APP_ROLE} の権限を設定しました" in migrated.stdout

    served = run_app({**app_env, "MEDIA_ROOT": str(restored_media)}, "shell", "-c", CHECK)
    assert served.returncode == 0, served.stderr
    return json.loads(served.stdout.strip().splitlines()[-1])


@pytest.mark.postgres
def test_backup_restores_into_a_fresh_database_served_by_the_application_role(tmp_path, issued):
    ensure_role(APP_ROLE)
    ensure_role(OWNER_ROLE)
    name = f"shien_restore_{uuid.uuid4().hex[:12]}"
    params = connection.settings_dict
    server = f"{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}" OWNER {OWNER_ROLE}')
    try:
        served = backup_then_restore(
            tmp_path, issued,
            target_env={"DATABASE_URL": f"postgres://{APP_ROLE}@{server}/{name}",
                        "DATABASE_MIGRATE_URL": f"postgres://{OWNER_ROLE}@{server}/{name}"},
            app_env={"DATABASE_URL": f"postgres://{APP_ROLE}@{server}/{name}"},
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert served.pop("update").startswith("permission denied for table forms_pdf_issueddocument")
    assert served == issued


def test_backup_restores_the_embedded_sqlite_database(tmp_path, issued):
    if connection.vendor != "sqlite":
        pytest.skip("埋め込み構成（SQLite）のデータベースで実行したときだけのテストです")
    database = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    served = backup_then_restore(tmp_path, issued, target_env={"DATABASE_URL": database},
                                 app_env={"DATABASE_URL": database})
    assert served.pop("update") == "allowed"  # SQLite has no roles: the application alone keeps documents
    assert served == issued


def test_restore_checks_every_hash_before_it_writes_anything(tmp_path, issued):
    archive = tmp_path / "backup.tar"
    call_command("backup", output=str(archive))
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("media/"):
                data = data[:-1] + bytes([data[-1] ^ 1])  # one bit of the photo
            target.addfile(member, io.BytesIO(data))
    empty = tmp_path / "empty.sqlite3"
    result = run_app({"DATABASE_URL": f"sqlite:///{empty}", "MEDIA_ROOT": str(tmp_path / "new-media")},
                     "restore", str(damaged))
    assert result.returncode != 0
    assert "壊れています" in result.stderr
    assert not (tmp_path / "new-media").exists()
    assert not empty.exists() or empty.stat().st_size == 0


def test_backup_never_overwrites_a_file(tmp_path, media_root):
    archive = tmp_path / "backup.tar"
    archive.write_bytes(b"earlier backup")
    with pytest.raises(CommandError, match="既にあります"):
        call_command("backup", output=str(archive))
    assert archive.read_bytes() == b"earlier backup"


@pytest.mark.django_db(transaction=True)  # the backup takes its own snapshot transaction on PostgreSQL
def test_backup_writes_a_new_private_file_and_follows_no_link(tmp_path, media_root):
    import os
    import stat

    secret = tmp_path / "elsewhere.txt"
    secret.write_bytes(b"not to be overwritten")
    (tmp_path / "planted.tar.partial").symlink_to(secret)
    with pytest.raises(CommandError, match="残っています"):
        call_command("backup", output=str(tmp_path / "planted.tar"))
    assert secret.read_bytes() == b"not to be overwritten"
    assert not (tmp_path / "planted.tar").exists()

    call_command("backup", output=str(tmp_path / "fresh.tar"))
    mode = stat.S_IMODE(os.stat(tmp_path / "fresh.tar").st_mode)
    assert mode == 0o600
    assert not (tmp_path / "fresh.tar.partial").exists()
