"""The test suite: the embedded configuration with fast hashing and captured mail.

``DATABASE_URL`` and ``CELERY_BROKER_URL`` still come from the environment, so CI
runs the same suite against PostgreSQL and Redis.
"""

from .base import *  # noqa: F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECRET_KEY = env("SECRET_KEY", default="test-secret-key-not-for-deployment-0123456789abcdef")
# Static files straight from the source folders: tests need no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# The folder broker of the embedded configuration gets a folder of its own for tests,
# so a test run never eats tasks queued by a running development server.
if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    import tempfile
    from pathlib import Path

    _queue = Path(tempfile.mkdtemp(prefix="celery-test-"))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        "store_processed": False,
    }

# On SQLite the test database is a file, not shared memory: the live server's threads then
# open their own connections instead of sharing (and closing) the test thread's one.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    VAR_DIR.mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405

# The test database is created and migrated as DATABASE_URL's user (tests/municipality/test_dbroles.py
# grants the application's role itself), never through an owner URL meant for a real database.
DATABASE_OWNER = None
