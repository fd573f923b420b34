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
    "staticfiles": {"BACKEND": "municipality.staticfiles.RememberedUrlsStaticFilesStorage"},
}
SECRET_KEY = env("SECRET_KEY", default="test-secret-key-not-for-deployment-0123456789abcdef")
# Static files straight from the source folders: tests need no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# The embedded broker gets an instance of its own for tests, in a temporary folder: a test run never
# eats tasks queued by a running development server. tests/conftest.py starts it for the session.
TEST_BROKER_SOCKET = None
if not env("CELERY_BROKER_URL", default=""):
    import tempfile
    from pathlib import Path

    from config import embedded_broker

    TEST_BROKER_SOCKET = Path(tempfile.mkdtemp(prefix="shien-broker-")) / "redis.sock"
    CELERY_BROKER_URL = embedded_broker.url(TEST_BROKER_SOCKET)

# On SQLite the test database is a file, not shared memory: the live server's threads then
# open their own connections instead of sharing (and closing) the test thread's one.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    VAR_DIR.mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405

# The test database is created and migrated as DATABASE_URL's user (tests/municipality/test_dbroles.py
# grants the application's role itself), never through an owner URL meant for a real database.
DATABASE_OWNER = None
