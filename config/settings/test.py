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
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
