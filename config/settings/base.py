"""Settings shared by every configuration.

Every value comes from the environment (or a ``.env`` file beside ``manage.py``)
through django-environ. The defaults form the *embedded* configuration: SQLite, and a
private Redis on a Unix socket as the Celery broker, so that ``bash bin/dev run`` starts
the web server, the worker and beat with nothing else installed or running.
``production.py`` removes the defaults that must never reach a real deployment.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config import embedded_broker

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV", default=True):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Only for the embedded configuration; production.py demands a real one.
SECRET_KEY = env("SECRET_KEY", default="insecure-embedded-default-do-not-deploy")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.apps.MunicipalityAdminConfig",  # the admin, titled with the municipality's name
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "auditlog",
    "csp",
    "import_export",  # reading ledgers for imports (municipality/importing.py)
    "config.apps.CeleryBeatConfig",
    "municipality",
    "coordinators",
    "activities",
    "councils",
    "consultations",
    "reminders",
    "forms_pdf",
    "portal",  # the top layer: start page, guide, navigation, password and error pages
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Texts written term("…コーディネーター…") read the municipality's own term (municipality/terms.py).
    "municipality.terms.CoordinatorTermMiddleware",
    # Before WhiteNoise, so static files get the Permissions-Policy and keep their own caching.
    "municipality.middleware.PrivacyHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Inside auditlog's: a page's reads of case records, one entry per record at the request's end.
    "municipality.middleware.OneReadEntryPerRecordMiddleware",
    # Last, as django-axes asks: it turns a lockout into the Japanese lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------
# An absolute path: a worker started from another folder must open the same file.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers (web, worker,
    # beat) wait for each other instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The owner of the tables (PostgreSQL): only migrate, grant_app_role, backup and restore log in as it;
# the application's DATABASE_URL role may not change the audit log or issued documents (municipality/dbroles.py).
DATABASE_OWNER = env.db("DATABASE_MIGRATE_URL") if env("DATABASE_MIGRATE_URL", default="") else None

# --- Users, login, passwords ----------------------------------------------------
AUTH_USER_MODEL = "municipality.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
# Reset mails per hour: for one address, and from one client address (whatever the addresses asked
# for). A request over a limit gets the same answer and sends nothing (portal/services.py).
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=3)
PASSWORD_RESET_LIMIT_PER_CLIENT = env.int("PASSWORD_RESET_LIMIT_PER_CLIENT", default=10)

# Sessions: the data is sensitive, so a session ends with the browser and after 8 hours.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling (django-axes): 5 failures for one user name from one address
# lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a reverse proxy, set the number of proxies: the client address is then read
# from X-Forwarded-For. Without it only REMOTE_ADDR counts, so a forged header changes nothing.
if env("AXES_IPWARE_PROXY_COUNT", default=""):
    AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT")
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_VERBOSE = False

# --- Language and time ----------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
# Japanese for packages that ship none (django-celery-beat's admin: 定期処理).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# A meeting's paper (資料: PDF, xlsx, docx, PNG, JPEG) may be at most this many bytes
# (councils/paper_files.py); the message names the limit.
MEETING_PAPER_MAX_BYTES = env.int("MEETING_PAPER_MAX_BYTES", default=10 * 1024 * 1024)
if MEETING_PAPER_MAX_BYTES < 1024:
    raise ImproperlyConfigured("MEETING_PAPER_MAX_BYTES must be at least 1024 bytes.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "municipality.staticfiles.RememberedUrlsManifestStorage"},
}

# --- Mail ------------------------------------------------------------------------
# Embedded default: mail is not sent but written to files under var/mail/ (one file per sending
# round), so the demo's reminders can be read without a mail server and without flooding the console.
vars().update(env.email_url("EMAIL_URL", default="filemail://"))
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A hung mail server must not hold a worker longer than the outbox waits before it retries a
# row left in 送信中 (reminders/services.py: STALE_SENDING, 15 minutes).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# The address of the application as users reach it: links in mail sent without a request.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- Celery ----------------------------------------------------------------------
# Embedded default: a private redis-server on a Unix socket under var/redis/, which `bash bin/dev run`
# starts beside web, worker and beat (config/embedded_broker.py). The same transport as production,
# without a server to install or run by hand.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=embedded_broker.url(embedded_broker.SOCKET))
# A hung broker (accepts, never answers) must not hang a web request: with Celery's defaults a publish
# blocked for over 150 s (measured); with these it fails in about 6 s.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 3,
    "socket_connect_timeout": 3,
    "max_retries": 2,
    "visibility_timeout": 60 * 60,
}
# A web request publishes with its own connection: tight timeouts, no retry (municipality/jobs.py).
# Measured: a hung broker then costs the request 2 s, a refused connection nothing.
CELERY_PUBLISH_TRANSPORT_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 2, "max_retries": 0}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "municipality.tasks.record_worker_heartbeat",
        "schedule": timedelta(minutes=1),
    },
}
# The reminder jobs are not listed here: beat would write this schedule over the database's at
# every start, undoing what city staff set in the admin. A migration creates them once
# (reminders/migrations/0003_periodic_tasks.py).

# Days before a council term ends, a meeting, a certificate or contract ends when reminders go
# out. Each is a window: a term 45 days away gets the "60 days" reminder if it has not had it.
def _days(name: str, default: str) -> list[int]:
    value = env(name, default=default)
    try:
        days = sorted({int(d) for d in value.split(",")}, reverse=True)
    except ValueError:
        days = []
    if not days or min(days) < 1:
        raise ImproperlyConfigured(f"{name} must list whole numbers of days, 1 or more (e.g. {default}), not {value!r}")
    return days


REMINDER_TERM_DAYS = _days("REMINDER_TERM_DAYS", "120,60,30")
REMINDER_MEETING_DAYS = _days("REMINDER_MEETING_DAYS", "7,1")
REMINDER_EXPIRY_DAYS = _days("REMINDER_EXPIRY_DAYS", "60,30")

# Days after a meeting by which its minutes should be approved, and published; past them the
# council's secretariat is reminded (weekly while it lasts).
MINUTES_APPROVE_DAYS = env.int("MINUTES_APPROVE_DAYS", default=30)
MINUTES_PUBLISH_DAYS = env.int("MINUTES_PUBLISH_DAYS", default=45)
if not 1 <= MINUTES_APPROVE_DAYS <= MINUTES_PUBLISH_DAYS <= 365:
    raise ImproperlyConfigured("MINUTES_APPROVE_DAYS and MINUTES_PUBLISH_DAYS must be 1 to 365 days, the approval "
                               f"not after the publication, not {MINUTES_APPROVE_DAYS} and {MINUTES_PUBLISH_DAYS}")

# Seed 003 支援会議 ③: a case marked urgent gets a 支援会議 within this many days; after that its
# assigned staff and team lead are reminded.
CASE_URGENT_MEETING_DAYS = env.int("CASE_URGENT_MEETING_DAYS", default=3)
if not 1 <= CASE_URGENT_MEETING_DAYS <= 60:
    raise ImproperlyConfigured(f"CASE_URGENT_MEETING_DAYS must be 1 to 60 days, not {CASE_URGENT_MEETING_DAYS}")

# Functions giving the ids of further areas a user works in (see municipality/scoping.py).
SCOPE_AREA_PROVIDERS = ["coordinators.scoping.coordinator_areas"]

# --- Audit log (django-auditlog) -----------------------------------------------------
# Every model is logged, except framework bookkeeping that changes on its own.
AUDITLOG_INCLUDE_ALL_MODELS = True
AUDITLOG_EXCLUDE_TRACKING_MODELS = (
    "sessions",
    "contenttypes",
    "admin",
    "axes",
    "django_celery_beat",
    "municipality.workerheartbeat",
    "municipality.passwordresetrequest",  # holds an address typed by anyone, for a day at most
    "municipality.formsubmission",  # one-time form tokens (municipality/once.py)
    "municipality.importjob",  # a large file's rows while the worker runs it; the import is an ImportRun
    "reminders",
)
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    # An issued PDF is logged by its hash; the bytes and the snapshot stay in their row.
    {"model": "forms_pdf.issueddocument", "exclude_fields": ["pdf", "snapshot"]},
    # A file made in the background (forms_pdf.GeneratedFile): who asked for what, not its bytes.
    {"model": "forms_pdf.generatedfile", "exclude_fields": ["content"]},
    # Case records (要配慮個人情報): the log says which fields changed, never their values, so
    # that the append-only log holds no personal data and anonymisation removes it for good.
    {"model": "consultations.case", "mask_fields": [
        "person_name", "person_kana", "person_birth_date", "person_address", "person_phone", "presenting_problems"]},
    {"model": "consultations.householdmember", "mask_fields": ["name", "relation", "birth_date", "note"]},
    {"model": "consultations.assessment", "mask_fields": [
        "situation", "strengths", "issues", "household_situation", "life_history", "background", "wishes"]},
    {"model": "consultations.supportplan", "mask_fields": ["goals", "policy", "contents", "wishes"]},
    {"model": "consultations.planrole", "mask_fields": ["role"]},
    {"model": "consultations.caseconference", "mask_fields": [
        "situation_change", "plan_evaluation", "achievement", "termination_evaluation", "follow_up_method",
        "suspension_reason"]},
    {"model": "consultations.supportmeeting", "mask_fields": ["shared", "policy"]},
    {"model": "consultations.supportmeetingattendee", "mask_fields": ["name", "organisation"]},
    {"model": "consultations.referral", "mask_fields": ["purpose", "shared", "return_reason"]},
    # --- sheets ---
    {"model": "consultations.assessmentanswer", "mask_fields": ["text"]},
    {"model": "consultations.plangoal", "mask_fields": ["text"]},
    {"model": "consultations.supportitem", "mask_fields": ["bearer", "content", "frequency"]},
    {"model": "consultations.evaluation", "mask_fields": ["overall"]},
    {"model": "consultations.evaluationgoal", "mask_fields": ["change"]},
)
# A masked value is replaced whole, so nothing of it reaches the log.
AUDITLOG_MASK_CALLABLE = "municipality.audit.mask_whole"
AUDITLOG_EXCLUDE_TRACKING_FIELDS = ("last_login",)
AUDITLOG_MASK_TRACKING_FIELDS = ("password",)
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_USE_FK_STRING_REPRESENTATION = True
# Each request gets an id of its own (要求ID on an entry's page): the entries it wrote list together.
AUDITLOG_CID_GETTER = "municipality.audit.request_id"

# --- Security ------------------------------------------------------------------------
# Every asset is served by the application itself: the policy allows nothing else.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "portal.error_pages.csrf_failure"  # Japanese, in the site's look
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features the site never uses, denied to every page (municipality/middleware.py). A photo is
# chosen with a file input, which works without the camera feature.
# Only names Chromium knows: an unknown one costs a console warning on every page.
PERMISSIONS_POLICY = [
    "accelerometer", "autoplay", "browsing-topics", "camera", "clipboard-read", "display-capture",
    "encrypted-media", "geolocation", "gyroscope", "hid", "idle-detection", "local-fonts", "magnetometer",
    "microphone", "midi", "otp-credentials", "payment", "picture-in-picture", "publickey-credentials-get",
    "screen-wake-lock", "serial", "usb", "window-management", "xr-spatial-tracking",
]

# --- Logging ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint narrates every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- 重層的支援 ----------------------------------------------------------------------------
# Retention (保存期間) of each kind of case record, in whole years after the case was closed (終結・中断).
# `anonymise_closed_cases` strips each kind's personal data once its period has passed (nothing is
# deleted), and the 個人情報ファイル簿 prints these same periods (consultations/retention.py).
# CASE_RETENTION_YEARS (default 5) is the period of every kind not given in CASE_RETENTION, which
# takes a JSON object in the environment, e.g. CASE_RETENTION='{"timeline": 10}'.
CASE_RETENTION_YEARS = env.int("CASE_RETENTION_YEARS", default=5)
CASE_RETENTION: dict[str, int] = {
    kind: CASE_RETENTION_YEARS
    for kind in ("case", "assessment", "plan", "timeline", "referral", "support_meeting", "evacuation")
} | env.json("CASE_RETENTION", default={})
_RETENTION_KINDS = ("case", "assessment", "plan", "timeline", "referral", "support_meeting", "evacuation")
for _kind, _years in CASE_RETENTION.items():
    if _kind not in _RETENTION_KINDS:
        raise ImproperlyConfigured(f"CASE_RETENTION: unknown kind {_kind!r} (known: {', '.join(_RETENTION_KINDS)})")
    if not isinstance(_years, int) or isinstance(_years, bool) or not 1 <= _years <= 100:
        raise ImproperlyConfigured(f"CASE_RETENTION[{_kind!r}] must be whole years from 1 to 100, not {_years!r}")
# The 個人情報ファイル簿 entry of the case file (個人情報保護法 第74条・第75条): what the law asks the
# municipality to state and the code cannot know. The items recorded, the 要配慮 mark, the regular
# recipients and the retention come from the code (consultations/file_register.py). Each key may be
# overridden from the environment as CASE_FILE_REGISTER_<KEY> (e.g. CASE_FILE_REGISTER_DEPARTMENT).
CASE_FILE_REGISTER: dict[str, str] = {
    key: env.str(f"CASE_FILE_REGISTER_{key.upper()}", default=value) for key, value in {
        "name": "重層的支援体制整備事業 相談支援記録ファイル",
        "body": "汐見市長",
        "department": "汐見市 福祉部 福祉総合相談課",
        "purpose": ("社会福祉法第106条の4に基づく重層的支援体制整備事業（包括的相談支援事業、多機関協働事業、"
                    "アウトリーチ等を通じた継続的支援事業、参加支援事業）において、相談者への支援の実施、"
                    "支援プランの作成・評価、関係機関との連携及び支援会議の運営のために利用する。"),
        "range": "汐見市の重層的支援体制整備事業に相談があった者及びその世帯員",
        "collection": "本人、家族からの聞き取り及び申込書等の提出、関係機関からの連携（本人の同意又は法令に基づくもの）",
        "office": "汐見市 総務部 総務課 情報公開・個人情報保護窓口（汐見市汐見町1番1号 市役所本庁舎2階）",
        "correction": "なし",
        "kind": "法第60条第2項第1号（電算処理ファイル）",
        "unlisted": "",
        "note": "",
    }.items()
}
# Legal bases for sharing case information that the municipality adds to the built-in ones
# (consultations/legal_bases.py): [{"code": ..., "label": ..., "article": ..., "duty": ...}].
CASE_EXTRA_LEGAL_BASES: list[dict[str, str]] = []
# An approval of an unmasked output is used within this many days of the team lead's decision, so
# that what is printed is what the lead saw (a later need is a new request).
CASE_APPROVAL_VALID_DAYS = env.int("CASE_APPROVAL_VALID_DAYS", default=14)
if not 1 <= CASE_APPROVAL_VALID_DAYS <= 90:
    raise ValueError("CASE_APPROVAL_VALID_DAYS は 1〜90 の日数で指定してください。")

# --- Demo data -----------------------------------------------------------------------
# load_demo_data refuses to run where this is off (production turns it off).
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=True)

# --- Case work (重層的支援) ---------------------------------------------------------
# A case with an active plan whose 支援経過 has had no entry for this many days is brought to its
# assigned staff as a notice (consultations/reminders.py).
CASE_SILENT_DAYS = env.int("CASE_SILENT_DAYS", default=30)
if not 1 <= CASE_SILENT_DAYS <= 365:
    raise ValueError("CASE_SILENT_DAYS は 1〜365 の日数で指定してください。")
