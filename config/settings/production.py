"""Production: PostgreSQL, Redis, SMTP, HTTPS. Nothing here has a default that could leak."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("SECRET_KEY")  # no default: a deployment without one must not start
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 3,
    "socket_connect_timeout": 3,
    "max_retries": 2,
    "visibility_timeout": 60 * 60,
}
CELERY_WORKER_ENABLE_REMOTE_CONTROL = True
vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SITE_URL = env("SITE_URL")  # e.g. https://shien.example.lg.jp: links in reminder mails
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("", address) for address in env.list("ADMIN_EMAILS", default=[])]

# HTTPS everywhere. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER_NAME.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
if env("SECURE_PROXY_SSL_HEADER_NAME", default=""):
    SECURE_PROXY_SSL_HEADER = (env("SECURE_PROXY_SSL_HEADER_NAME"), "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# The header only allows a submission to the preload list; nothing is submitted by it.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True

DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=False)
