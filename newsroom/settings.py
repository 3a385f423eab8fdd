"""Settings for Newsroom.

Everything that differs between machines comes from environment variables (listed in
README.md and .env.example). Defaults are safe: debug is off, and without debug a
SECRET_KEY must be given.
"""

import ipaddress
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_networks(name: str, default: str) -> list[str]:
    """Addresses or networks ("127.0.0.1,10.0.0.0/24"); a wrong one stops the start."""
    entries = env_list(name, default)
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as error:
            raise ImproperlyConfigured(f"{name}: {error}") from None
    return entries


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Before the admin: its login form and user links come from accounts/templates/admin/.
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "taggit",
    "django_ckeditor_5",
    "reversion",
    "newsroom",
    "images",
    "articles",
    "readership",
    "ads",
    "weather",
    "audit",
    "notifications",
    "redirects",
    "wordpress",
    "jobs",
    "django_tasks",
    "django_tasks_db",
    "django_prometheus",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]

MIDDLEWARE = [
    # First: load balancers ask /healthz and /readyz by IP address over plain http, before
    # the https redirect and the Host check; /metrics too (newsroom/health.py).
    "newsroom.health.HealthMiddleware",
    # The request id in every log line and in the response (newsroom/logging.py).
    "newsroom.logging.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Above whitenoise and the 304s: CSP and CORP headers on every response.
    "newsroom.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsroom.middleware.RejectNullCharactersMiddleware",
    # Reading pages read a replica (if there are any), from their first query on.
    "newsroom.replicas.ReplicaMiddleware",
    # Above the session: it answers 304s before any view and drops a reader's Vary: Cookie.
    "newsroom.caching.HttpCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Old addresses (a WordPress site's) answer 301 where the site has nothing.
    "redirects.middleware.RedirectMiddleware",
    # The sender's address for the audit log's entries written without a request at hand.
    "audit.middleware.AuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost but for axes: counts responses by view and status, the lockout page's too.
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

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
                "newsroom.context_processors.site",
                "newsroom.context_processors.cache_versions",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Browser tests share the test database with the live server's thread. In a file (not
    # SQLite's shared in-memory database) concurrent access waits instead of failing.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"newsroom-test-{os.getpid()}.sqlite3")
    }
    # The web server, the worker and its heartbeat write at the same time: a transaction
    # takes the write lock as it begins and waits for it, rather than failing with
    # "database is locked" when its first write comes after another process's.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
# Read replicas (newsroom/replicas.py, PostgreSQL streaming replication): reading pages
# read one of them; staff, forms, the worker and every write use the primary. Bans after a
# change wait until every replica has replayed it, at most REPLICA_BAN_WAIT seconds (then
# the worker retries them).
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS")
REPLICA_BAN_WAIT = float(os.environ.get("REPLICA_BAN_WAIT", "10"))
for _number, _url in enumerate(DATABASE_REPLICA_URLS):
    DATABASES[f"replica{_number}"] = {
        **dj_database_url.parse(
            _url,
            conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
            conn_health_checks=True,
        ),
        # Tests run without replicas of their test database: the alias reads the primary.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["newsroom.replicas.ReplicaRouter"] if DATABASE_REPLICA_URLS else []
if DATABASE_REPLICA_URLS and not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs PostgreSQL (DATABASE_URL).")
for _database in DATABASES.values():
    if _database["ENGINE"].endswith("postgresql"):
        # No JIT compilation: a page's statements take milliseconds, and a high row estimate
        # (a search window's words in many years) once had PostgreSQL spend 14 ms compiling a
        # 2 ms query.
        _options = _database.setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
# The same backends, wrapped by django-prometheus: connections and statements in /metrics.
# (Their names still end in "sqlite3" and "postgresql".)
for _database in DATABASES.values():
    if _database["ENGINE"] in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
        _database["ENGINE"] = _database["ENGINE"].replace("django.db.", "django_prometheus.db.")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A file-based cache is shared by all gunicorn workers of one machine without another
# service to run; site-wide parts (navigation, promo box), app-cache versions and the
# ads' click de-duplication live there. With several app servers, REDIS_URL (e.g.
# redis://127.0.0.1:6379/0) switches to Redis so that all of them share it.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # While Redis is down the site serves without it (newsroom/cache.py); a Redis that
    # hangs costs a request at most REDIS_TIMEOUT seconds, not the page.
    _redis_timeout = float(os.environ.get("REDIS_TIMEOUT", "0.5"))
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": 300,
            "OPTIONS": {
                "socket_connect_timeout": _redis_timeout,
                "socket_timeout": _redis_timeout,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": os.environ.get(
                "CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"
            ),
            "LOCATION": os.environ.get("CACHE_LOCATION", str(BASE_DIR / "var" / "cache")),
            "TIMEOUT": 300,
        }
    }
    # The same backends, their gets, hits and misses counted for /metrics (newsroom/cache.py).
    CACHES["default"]["BACKEND"] = {
        "django.core.cache.backends.filebased.FileBasedCache": "newsroom.cache.FileBasedCache",
        "django.core.cache.backends.locmem.LocMemCache": "newsroom.cache.LocMemCache",
    }.get(CACHES["default"]["BACKEND"], CACHES["default"]["BACKEND"])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff logins (accounts/). django-axes refuses an account after LOGIN_FAILURE_LIMIT failed
# logins, and an address (newsroom.net.client_network) after as many failures on any accounts,
# for LOGIN_COOLOFF_MINUTES. It refuses before the password is hashed, so guesses against a
# locked account cost no CPU. Administrators unlock in the admin ("Zugriffsversuche").
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Staff log in through the admin's login page and land on its start page, also when a
# `next` address is refused as unsafe (Django's default would be /accounts/profile/).
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each one alone, not the pair
AXES_CLIENT_IP_CALLABLE = "newsroom.net.client_network"  # an IPv6 /64 counts as one
# No log line for every login (the audit log has them), no banner on every manage.py run.
AXES_VERBOSE = False
# A colleague's successful login clears the typos counted against a shared office address.
AXES_RESET_ON_SUCCESS = True
# Guesses during a lockout are refused unrecorded: the lock ends when the page said it would.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Successful logins are the audit log's business; axes would keep every address forever.
AXES_DISABLE_ACCESS_LOG = True
# Two-factor login (django-otp): an authenticator app (TOTP) and one-time recovery codes.
# Required for administrators and the Chef vom Dienst, offered to everyone else; only
# `make run` turns the requirement off, so that its demo logins work without a phone.
OTP_REQUIRED = env_bool("OTP_REQUIRED", True)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Newsroom")
# Not even an administrator reads a colleague's secret key in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# German first: one language, German formats, Berlin time.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    # Files written whole or not at all: a full disk leaves no truncated image behind.
    "default": {"BACKEND": "newsroom.uploads.WholeFileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# Media in S3-compatible object storage (newsroom/storage.py): MEDIA_STORAGE=s3 keeps uploads
# and renditions in a bucket that all app servers share; "disk" (the default) in MEDIA_ROOT.
# Readers still get /media/ on the portal's own address: Varnish fetches it from the bucket
# (deploy/varnish/). The bucket's settings carry django-storages' names and are read in
# either mode, so `manage.py move_media` can copy between the two. The access keys come
# from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or boto3's other sources).
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "disk").strip().lower()
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None  # None: AWS itself
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
# Path style (https://host/bucket/key) works with every S3-compatible service.
AWS_S3_ADDRESSING_STYLE = os.environ.get("AWS_S3_ADDRESSING_STYLE", "path")
# Seconds to connect to the bucket and to wait for each answer: a hung bucket costs a
# request seconds, not a worker.
MEDIA_STORAGE_TIMEOUT = float(os.environ.get("MEDIA_STORAGE_TIMEOUT", "5"))
if MEDIA_STORAGE == "s3":
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    STORAGES["default"] = {"BACKEND": "newsroom.storage.MediaS3Storage"}
elif MEDIA_STORAGE != "disk":
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be disk or s3, not {MEDIA_STORAGE!r}.")

# Background work (jobs/): tasks wait in the database the site already has (django-tasks'
# database backend) until `manage.py worker` runs them; `make run` starts one. A task that
# fails is tried again after TASK_RETRY_BACKOFF seconds, doubled each time up to
# TASK_RETRY_BACKOFF_MAX, at most TASK_MAX_ATTEMPTS times (a task may ask for more); the
# tasks of a worker that has not been heard of for TASK_WORKER_TIMEOUT seconds (killed, its
# machine gone) are given to another one.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
TASK_MAX_ATTEMPTS = int(os.environ.get("TASK_MAX_ATTEMPTS", "8"))
TASK_RETRY_BACKOFF = float(os.environ.get("TASK_RETRY_BACKOFF", "10"))
TASK_RETRY_BACKOFF_MAX = float(os.environ.get("TASK_RETRY_BACKOFF_MAX", "3600"))
TASK_WORKER_TIMEOUT = float(os.environ.get("TASK_WORKER_TIMEOUT", "60"))
# Finished tasks are kept this many days for the admin, then deleted (the schedule's
# purge_tasks); failed ones too, unless retried.
TASK_RETENTION_DAYS = int(os.environ.get("TASK_RETENTION_DAYS", "14"))
# The recurring jobs, run by the workers (jobs.schedule): a management command every
# `every` seconds or daily `at` (Berlin time). They replace the cron lines of earlier
# versions; each command also still runs by hand.
TASK_SCHEDULE = {
    "refresh_weather": {"command": "refresh_weather", "every": 15 * 60},
    "send_notifications": {"command": "send_notifications", "every": 60},
    "backup": {"command": "backup", "at": os.environ.get("BACKUP_AT", "03:15")},
    "purge_audit_log": {"command": "purge_audit_log", "at": "03:45"},
    "purge_ad_contacts": {"command": "purge_ad_contacts", "at": "03:50"},
    "purge_kept_uploads": {"command": "purge_kept_uploads", "at": "03:55"},
    "purge_tasks": {"command": "purge_tasks", "at": "04:00"},
    "clearsessions": {"command": "clearsessions", "at": "04:05"},
}

# Uploads: every image (lead images, author photos, editor images, logos, banners)
# passes newsroom.images.validate_image within these limits.
IMAGE_UPLOAD_MAX_BYTES = int(os.environ.get("IMAGE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
IMAGE_UPLOAD_MAX_PIXELS = int(os.environ.get("IMAGE_UPLOAD_MAX_PIXELS", 40_000_000))
# Renditions never change under their address (images.renditions): browsers keep them a year.
RENDITION_MAX_AGE = 365 * 24 * 3600
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o644

# Backups (manage.py backup / restore, newsroom/backup.py): one archive per run holding the
# database and MEDIA_ROOT together. After each run only the newest BACKUP_KEEP are kept
# (0: all). Not inside MEDIA_ROOT, which the proxy serves to anyone.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / "var" / "backups"))
BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "14"))
# Uploaded WordPress exports wait here for the worker (wordpress.ImportRun); never inside
# MEDIA_ROOT, which the proxy serves to anyone. Web server and worker must share it.
WORDPRESS_IMPORT_DIR = Path(os.environ.get("WORDPRESS_IMPORT_DIR", BASE_DIR / "var" / "imports"))

# Security. Production runs behind a TLS-terminating proxy; set SECURE_SSL_REDIRECT=false
# only when the proxy already redirects.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # CKEditor's upload script reads the token from the cookie
# A refused form (stale token) offers the typed text back for sending again.
CSRF_FAILURE_VIEW = "newsroom.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# EMAIL_BACKEND delivers (SMTP in production); the site's code only enqueues each mail
# (jobs.mail), and the worker delivers it, retrying while the server refuses.
# EMAIL_QUEUE=false delivers within the request, as before the queue.
EMAIL_DELIVERY_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_BACKEND = (
    "jobs.mail.QueuedEmailBackend" if env_bool("EMAIL_QUEUE", True) else EMAIL_DELIVERY_BACKEND
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "redaktion@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# LOG_FORMAT=json: one JSON object per line (for a log collector) instead of the plain
# message; either way each record carries the request's id (newsroom/logging.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "newsroom.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "newsroom.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# Weather (issue: weather widget). Bright Sky serves the DWD's open data without a key.
# WEATHER_PROVIDER: "brightsky" (live DWD data) or "demo" (invented data, no network).
# Data is fetched only by `manage.py refresh_weather`; pages never wait for the service.
WEATHER_PROVIDER = os.environ.get("WEATHER_PROVIDER", "brightsky")
WEATHER_BASE_URL = os.environ.get("WEATHER_BASE_URL", "https://api.brightsky.dev")
WEATHER_TIMEOUT = float(os.environ.get("WEATHER_TIMEOUT", "5"))  # seconds per request
WEATHER_RETRIES = int(os.environ.get("WEATHER_RETRIES", "2"))  # extra attempts after a failure
WEATHER_RETRY_BACKOFF = float(os.environ.get("WEATHER_RETRY_BACKOFF", "2"))  # seconds, doubled
# Older data is hidden on the site rather than shown as if it were current.
WEATHER_MAX_AGE_MINUTES = int(os.environ.get("WEATHER_MAX_AGE_MINUTES", "90"))
# Answers from a station farther away than this are refused (it is not the town's weather).
WEATHER_MAX_STATION_DISTANCE_KM = float(os.environ.get("WEATHER_MAX_STATION_DISTANCE_KM", "50"))
# A refresh asks for this many places at a time and starts no request after the budget
# (seconds), so a slow service cannot make a run outlast the 15-minute schedule.
WEATHER_CONCURRENCY = int(os.environ.get("WEATHER_CONCURRENCY", "4"))
WEATHER_REFRESH_BUDGET = float(os.environ.get("WEATHER_REFRESH_BUDGET", "600"))
# Without PostgreSQL, scheduled commands lock a file here so that runs never overlap.
RUN_LOCK_DIR = Path(os.environ.get("RUN_LOCK_DIR", BASE_DIR / "var" / "locks"))

# Rich text: CKEditor 5 offers exactly what newsroom.sanitize keeps.
CKEDITOR_5_FILE_UPLOAD_PERMISSION = "staff"
CK_EDITOR_5_UPLOAD_FILE_VIEW_NAME = "articles:editor-upload"
CKEDITOR_5_UPLOAD_FILE_TYPES = ["jpeg", "png", "gif", "webp"]


# django-ckeditor-5 loads every plugin of its build. Without a toolbar button they still act
# on shortcuts (Ctrl+U), typing ("~~", "---"), pasting (Word formatting, video links) and
# drag handles (image size); the sanitizer would then drop the result on saving. Removing
# them keeps the editor to what readers will see.
_CKEDITOR_REMOVED_PLUGINS = [
    "Alignment", "Code", "CodeBlock", "Font", "GeneralHtmlSupport", "Highlight",
    "HorizontalLine", "HtmlEmbed", "ImageResize", "ImageStyle", "IndentBlock",
    "ListProperties", "MediaEmbed", "Mention", "PageBreak", "SourceEditing", "Strikethrough",
    "Style", "Subscript", "Superscript", "TableCellProperties", "TableProperties", "TodoList",
    "Underline",
]  # fmt: skip


def _ckeditor_config(toolbar: list[str], levels: int, label: str) -> dict:
    headings = [{"model": "paragraph", "title": "Absatz", "class": "ck-heading_paragraph"}] + [
        {"model": f"heading{n}", "view": f"h{n}", "title": f"Überschrift {n}",
         "class": f"ck-heading_heading{n}"}
        for n in range(2, 2 + levels)
    ]  # fmt: skip
    return {
        "language": "de",
        # What screen readers call the editing area (CKEditor's default is English).
        "label": label,
        "removePlugins": _CKEDITOR_REMOVED_PLUGINS,
        "toolbar": {"items": toolbar},
        "heading": {"options": headings},
        "image": {"toolbar": ["imageTextAlternative", "toggleImageCaption"]},
        "table": {"contentToolbar": ["tableColumn", "tableRow", "mergeTableCells"]},
        "link": {"defaultProtocol": "https://"},
    }


_TEXT_TOOLS = ["heading", "|", "bold", "italic", "link", "|", "bulletedList", "numberedList",
               "blockQuote"]  # fmt: skip
CKEDITOR_5_CONFIGS = {
    # Job ad descriptions: the "basic" allowlist of newsroom.sanitize, nothing more.
    "basic": _ckeditor_config(
        ["bold", "italic", "link", "|", "bulletedList", "numberedList", "|", "undo", "redo"],
        levels=0,
        label="Beschreibung",
    ),
    # Static pages (Impressum, ...): text only.
    "default": _ckeditor_config([*_TEXT_TOOLS, "|", "undo", "redo"], levels=2, label="Text"),
    # Article bodies: also images (uploaded through our own view) and tables.
    "article": _ckeditor_config(
        [*_TEXT_TOOLS, "|", "imageUpload", "insertTable", "|", "undo", "redo"],
        levels=3,
        label="Artikeltext",
    ),
}

# Ads (issue: sponsored job ads and banners). Run dates are Berlin calendar days.
ADS_TIME_ZONE = "Europe/Berlin"
# Contact data of rejected and ended job ads is deleted this many days later
# (manage.py purge_ad_contacts, run daily).
ADS_CONTACT_RETENTION_DAYS = int(os.environ.get("ADS_CONTACT_RETENTION_DAYS", "90"))
# Public submissions per IP address and per e-mail address within the window.
ADS_SUBMIT_LIMIT_PER_IP = int(os.environ.get("ADS_SUBMIT_LIMIT_PER_IP", "5"))
ADS_SUBMIT_LIMIT_PER_EMAIL = int(os.environ.get("ADS_SUBMIT_LIMIT_PER_EMAIL", "3"))
ADS_SUBMIT_LIMIT_WINDOW_HOURS = int(os.environ.get("ADS_SUBMIT_LIMIT_WINDOW_HOURS", "24"))
# Number of proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR),
# for every limit by address (ads, logins). ADS_TRUSTED_PROXY_COUNT is its former name.
TRUSTED_PROXY_COUNT = int(
    os.environ.get("TRUSTED_PROXY_COUNT", os.environ.get("ADS_TRUSTED_PROXY_COUNT", "0"))
)
# Only these proxies' forwarded addresses are believed (addresses or networks, e.g.
# "127.0.0.1,10.0.0.0/24"): a request reaching gunicorn directly from anywhere else counts
# as its own address, however it rotates X-Forwarded-For.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", "127.0.0.0/8,::1")
# Health checks and metrics (newsroom/health.py). /readyz waits at most this many seconds
# for the database, cache, storage and queue (asked at the same time). /metrics answers
# only these addresses or networks, asking directly or through TRUSTED_PROXIES; 404 to
# anyone else.
READINESS_TIMEOUT = float(os.environ.get("READINESS_TIMEOUT", "0.5"))
METRICS_ALLOWED_IPS = env_networks("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
# Impression reports (one per page view) counted per address and minute; beyond, ignored.
ADS_IMPRESSION_REPORTS_PER_MINUTE = int(os.environ.get("ADS_IMPRESSION_REPORTS_PER_MINUTE", "30"))
# "Meistgelesen": reads of one article from one address (an IPv6 /64) count once within
# this time (readership/), so a script posting reads cannot push an article up.
READ_REPEAT_MINUTES = int(os.environ.get("READ_REPEAT_MINUTES", "30"))
# Longest run an employer may book through the public form.
ADS_MAX_RUN_DAYS = int(os.environ.get("ADS_MAX_RUN_DAYS", "90"))
# Address of the public site for links in e-mails (to employers, ad staff, journalists).
# In debug, `make run`'s own address, on whatever PORT it was given.
SITE_URL = os.environ.get(
    "SITE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}" if DEBUG else ""
).rstrip("/")

# HTTP caching of reading pages (newsroom/caching.py). Anonymous readers' pages may be kept
# by browsers for HTTP_CACHE_MAX_AGE seconds and by a shared proxy for HTTP_CACHE_S_MAXAGE;
# every change bans the affected pages in the proxy at once, so the proxy's time can be
# long. A browser's copy cannot be banned: by default it asks again every time (a 304
# costs no SQL), so a journalist who just logged in, or a reader, never sees an old page.
# The top bar's weather lags by up to S_MAXAGE (a weather refresh bans only /wetter/).
HTTP_CACHE_MAX_AGE = int(os.environ.get("HTTP_CACHE_MAX_AGE", "0"))
HTTP_CACHE_S_MAXAGE = int(os.environ.get("HTTP_CACHE_S_MAXAGE", "300"))
HTTP_CACHE_STALE_WHILE_REVALIDATE = int(os.environ.get("HTTP_CACHE_STALE_WHILE_REVALIDATE", "30"))
HTTP_CACHE_STALE_IF_ERROR = int(os.environ.get("HTTP_CACHE_STALE_IF_ERROR", "86400"))
HTTP_CACHE_EXCLUDED_PATHS = ("/admin/",)
# Site-wide parts (navigation, footer, latest articles, weather widget) in the app cache;
# a change gives them a new key, so this only bounds how long unused ones linger.
HTTP_CACHE_FRAGMENT_TIMEOUT = int(os.environ.get("HTTP_CACHE_FRAGMENT_TIMEOUT", "86400"))
# The proxies to ban changed pages in (Varnish's purge listener, e.g.
# "http://127.0.0.1:6083"), and how: a class with `purge(tags)`, constructed with these
# URLs. Empty: no proxy in front of the app.
HTTP_CACHE_PURGE_URLS = env_list("HTTP_CACHE_PURGE_URLS")
HTTP_CACHE_PURGE_BACKEND = os.environ.get(
    "HTTP_CACHE_PURGE_BACKEND", "newsroom.caching.VarnishBanPurger"
)
# A second ban this many seconds later catches a page rendered from the old data that
# reached the proxy just after the first one (0: no second ban).
HTTP_CACHE_PURGE_REPEAT_AFTER = float(os.environ.get("HTTP_CACHE_PURGE_REPEAT_AFTER", "1"))
# A save waits at most this many seconds for its bans (they take a millisecond when the
# proxy is well); a ban that fails is retried by the worker until the proxy takes it.
HTTP_CACHE_PURGE_WAIT = float(os.environ.get("HTTP_CACHE_PURGE_WAIT", "0.25"))

# Audit log of staff actions (audit/): entries older than this many days are deleted by
# `manage.py purge_audit_log` (run daily).
AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "365"))

# Notifications (notifications/): the first e-mail to someone goes out at once; what
# follows within this many minutes is gathered into one digest.
NOTIFICATION_DIGEST_MINUTES = int(os.environ.get("NOTIFICATION_DIGEST_MINUTES", "5"))
