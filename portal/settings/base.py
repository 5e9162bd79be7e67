"""Settings shared by every environment.

Everything that differs between machines comes from the environment:

DATABASE_URL        e.g. postgres://postgres@127.0.0.1:5432/portal;
                    unset: SQLite in the project folder
CELERY_BROKER_URL   e.g. redis://127.0.0.1:6379/0; unset: tasks run in-process
DJANGO_ENV          development (default), production or test
DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS   required when DJANGO_ENV=production
PORTAL_PUBLIC_URL   the portal's public address (https://…), required in production;
                    development: http://127.0.0.1:8000
DJANGO_MEDIA_ROOT   the folder of uploads, photos, PDFs and job results on the local disk
                    (default media/), used while no STORAGE_S3_* variable is set, in
                    production too; then every web process and worker must share it

Files on an S3-compatible object storage service (AWS S3, Aliyun OSS, Tencent COS, Huawei
OBS, MinIO) instead, through django-storages (portal/settings/object_storage.py). The first
five are required together: a partial set stops the portal at start.
STORAGE_S3_BUCKET           the bucket, private (the portal signs every URL it hands out)
STORAGE_S3_ENDPOINT_URL     e.g. https://s3.cn-north-1.amazonaws.com.cn,
                            https://oss-cn-chengdu.aliyuncs.com, http://127.0.0.1:9000
STORAGE_S3_ACCESS_KEY, STORAGE_S3_SECRET_KEY   the keys of an account that may read,
                            write, list and delete in the bucket
STORAGE_S3_REGION           e.g. cn-north-1, oss-cn-chengdu, us-east-1 (MinIO)
STORAGE_S3_ADDRESSING_STYLE virtual (bucket.host/key, default; Aliyun OSS requires it) or
                            path (host/bucket/key: MinIO)
STORAGE_S3_SIGNED_URL_SECONDS   how long a download link the portal signed stays valid,
                            1 to 3600; default 300
No custom domain: django-storages would hand out unsigned URLs through one.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured

from portal.logs import logging_settings
from portal.settings.object_storage import default_storage_from

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "portal",
    "campaigns",
]

# Widgets may use the project's templates (the county picker's datalist).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

MIDDLEWARE = [
    # First: every response, a redirect to https included, carries its request id and is
    # logged with its whole duration.
    "portal.logs.request_log_middleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Names the signed-in user of each page, for the service worker (portal/offline.py).
    "portal.offline.offline_user_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After authentication, messages and htmx: it holds sessions to their time limits.
    "portal.sessions.SessionLifetimeMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by authentication into a page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "portal.context_processors.interface",
            ],
        },
    },
]

# Persistent connections, checked before reuse: each web and worker process keeps its one
# connection for DATABASE_CONN_MAX_AGE seconds (0: a new one per request) and tests it before
# a request reuses it, so a database restart costs no failed request. Not psycopg's pool:
# a gunicorn sync worker or a Celery pool child serves one request at a time, so one kept
# connection per process is all a pool would hold, without a pool's extra package and the
# idle connections it keeps per process. Connections in use: web processes x gunicorn
# workers + one per Celery pool child, which must stay under PostgreSQL's max_connections.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"].get("ENGINE", "").endswith("postgresql"):
    # Coverage groups 100,000 events at a time; PostgreSQL's default of 4 MB per sort makes
    # those sorts spill to disk. Per sort and per connection, so kept modest.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c work_mem={os.environ.get('DATABASE_WORK_MEM', '32MB')}"
    )
    # A database that does not answer fails a request (and /readyz) in seconds, instead of
    # holding a web worker until the load balancer gives up.
    DATABASES["default"]["OPTIONS"]["connect_timeout"] = int(
        os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Then the slowdown per account across addresses (campaigns/services/accounts.py).
    "portal.accounts.AccountSlowdownBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "portal.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in lockout (django-axes): five failures for one account from one address lock that
# pair for an hour. Keying on the pair, not the address alone, keeps one county office
# behind a shared proxy from being locked out as a whole by one colleague's typos.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client address is REMOTE_ADDR unless a trusted proxy count is configured: a
# forwarded-for header that any client can write must not decide whose lock is whose.
# portal/accounts.py resolves it, for the lockout and for the sign-in log alike.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "portal.accounts.client_address"
# A try the slowdown refused unchecked is no failure of that address (portal/accounts.py).
AXES_WHITELIST_CALLABLE = "portal.accounts.refused_unchecked"

# Interface languages. Simplified Chinese is the default; Tibetan (bo) strings are written
# by us and await a native reader's review (see locale/bo and the banner in base.html).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("bo", "བོད་ཡིག"),
    ("en", "English"),
]
# Django ships no language information for Tibetan; without it get_language_info("bo")
# raises KeyError and the language switcher cannot name the language.
LANG_INFO.setdefault("bo", {"bidi": False, "code": "bo", "name": "Tibetan", "name_local": "བོད་ཡིག"})
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Uploads and job results are served only by views that check who asks (no URL serves
# MEDIA_ROOT); inside the static files they would be anyone's.
if any(
    MEDIA_ROOT.resolve().is_relative_to(Path(folder).resolve())
    for folder in [STATIC_ROOT, *STATICFILES_DIRS]
):
    raise ImproperlyConfigured("DJANGO_MEDIA_ROOT must lie outside the static files folders.")
# The portal's public address, as a reader's phone opens it: the printed QR codes lead to
# PORTAL_PUBLIC_URL + /h/<token>/, and the same address is printed beside them. Required, and
# https, when DEBUG is off (portal/checks.py); development sets a local default.
PORTAL_PUBLIC_URL = os.environ.get("PORTAL_PUBLIC_URL", "").strip()
# The print fonts cut down to the common characters, made on a worker's first render
# (campaigns/printing/fonts.py); any folder the workers may write, kept between restarts.
PRINT_FONT_DIR = Path(os.environ.get("DJANGO_PRINT_FONT_DIR", BASE_DIR / "var" / "print-fonts"))
STORAGES = {
    # Every file goes through this storage (FileField, default_storage), never a path: a
    # download may be served by another process, or machine, than the one that wrote it.
    "default": default_storage_from(os.environ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A signed-in session ends after SESSION_IDLE_TIMEOUT_MINUTES without a request, and in any
# case SESSION_ABSOLUTE_TIMEOUT_HOURS after signing in. portal/sessions.py moves the idle
# expiry forward at most once a minute instead of SESSION_SAVE_EVERY_REQUEST, which would
# write the session on every htmx poll and autosave.
SESSION_IDLE_TIMEOUT_MINUTES = 30
SESSION_ABSOLUTE_TIMEOUT_HOURS = 12
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MINUTES * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts, styles and images from the portal itself
# only. No page has inline script, inline event handlers or style attributes, and htmx is
# told neither to eval nor to inject its indicator <style> (the htmx-config meta tag in
# base.html). The API docs page adds data: images for Swagger UI's icons
# (campaigns/api/urls.py). The same policy holds in development, so a violation shows
# before it ships.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "portal@localhost")

REST_FRAMEWORK = {
    # Deny by default; every queryset is scoped with visible_to (campaigns/api/views.py).
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON nested deeper than any request needs, or holding text the database cannot
    # store, is a 400 (campaigns/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "campaigns.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # The token first: a request without credentials is then told how to send them (401).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "campaigns.api.pagination.Pages",
    "EXCEPTION_HANDLER": "campaigns.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Outreach portal API",
    "DESCRIPTION": "Events, coverage data and handouts of the financial-education campaigns.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page are for people who use the API: signed in (README).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the drf-spectacular-sidecar package: served by the portal, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status"; each gets a name of its own in the schema.
    "ENUM_NAME_OVERRIDES": {
        "EventStatusEnum": "campaigns.models.Event.Status",
        "EditionStatusEnum": "campaigns.models.MaterialEdition.Status",
        "JobStatusEnum": "campaigns.models.Job.Status",
        "MeasureReturnStatusEnum": "campaigns.models.MeasureReturn.Status",
        "TopicEnum": "campaigns.models.Topic",
        # The offline reports' answers (campaigns/api/serializers.py), one status each.
        "OfflineStoredEnum": ["stored"],
        "OfflineConflictEnum": ["conflict"],
        "OfflineRefusalEnum": ["gone", "conflict"],
        "OfflineInvalidEnum": ["invalid"],
    },
}

# Celery: with no broker the embedded default runs every task in-process, so a laptop or
# a small office server needs neither Redis nor a worker.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True  # results live in Job records, not in the broker
# Workers log through LOGGING like the web, JSON lines in production, not Celery's format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
# The longest job (a large export or print run) must finish well inside these limits.
CELERY_TASK_SOFT_TIME_LIMIT = 15 * 60
CELERY_TASK_TIME_LIMIT = 16 * 60
# A task is acknowledged only after it ran, and handed back to the queue if its worker
# process dies, so a killed worker loses no job. Jobs count their attempts and give up
# after JOB_MAX_ATTEMPTS, so a job that kills its worker every time fails visibly.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands an unacknowledged task to another worker after the visibility timeout: it
# must be longer than the hard time limit and than any countdown or retry delay.
CELERY_TASK_RETRY_BACKOFF_MAX = 10 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", str(2 * 60 * 60))),
    # With the broker down, a request that orders a job answers within seconds instead of
    # hanging: the job is saved all the same, and the sweep sends it once the broker is back.
    "socket_connect_timeout": 3,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
# The visibility timeout above is no way to find a dead worker's job: shorter than the
# longest job, it would start live jobs twice. Instead the run that holds a job writes a
# heartbeat every JOB_HEARTBEAT_SECONDS; each worker (and beat) sweeps every
# JOB_SWEEP_SECONDS and sends again a running job silent for JOB_HEARTBEAT_TIMEOUT_SECONDS.
# So a job whose worker died is taken over within timeout + sweep + heartbeat (100 s by
# default), with or without beat. The timeout allows for a few beats lost to a busy database.
JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "10"))
JOB_HEARTBEAT_TIMEOUT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_TIMEOUT_SECONDS", "60"))
JOB_SWEEP_SECONDS = float(os.environ.get("JOB_SWEEP_SECONDS", "30"))
if JOB_HEARTBEAT_TIMEOUT_SECONDS < 3 * JOB_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "JOB_HEARTBEAT_TIMEOUT_SECONDS must be at least 3 x JOB_HEARTBEAT_SECONDS, or live jobs "
        "would be taken over from their workers."
    )
# A worker child that grows past this (KiB) is replaced after its current task.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 512 * 1024
# One queue per kind of work, each read by its own worker (README, "Deploying"): a print run
# that renders for minutes never holds up an import someone is waiting for. A job's queue
# follows its kind (campaigns.services.jobs.job_queue); the scheduled tasks, all short, go
# to the default queue, which the default worker reads.
CELERY_TASK_DEFAULT_QUEUE = "default"
JOB_QUEUES = {
    "print_run": "print",
    "events_export": "export",
    "regulator_sheet": "export",
    "coverage_summary": "export",
    "events_import": "import",
    "measures_import": "import",
}
CELERY_TASK_ROUTES = {
    name: {"queue": CELERY_TASK_DEFAULT_QUEUE}
    for name in [
        "campaigns.tasks.jobs_requeue_stale",
        "campaigns.tasks.overdue_reports_remind",
        "campaigns.tasks.review_digests_send",
        "campaigns.tasks.retention_purge",
    ]
}
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-jobs": {
        "task": "campaigns.tasks.jobs_requeue_stale",
        "schedule": JOB_SWEEP_SECONDS,
        # Workers sweep by themselves too: a sweep that waited longer than this is useless.
        "options": {"expires": JOB_SWEEP_SECONDS},
    },
    "remind-organizers-of-overdue-reports": {
        "task": "campaigns.tasks.overdue_reports_remind",
        "schedule": crontab(hour=8, minute=0),
    },
    "send-reviewers-their-weekly-digest": {
        "task": "campaigns.tasks.review_digests_send",
        "schedule": crontab(hour=8, minute=30, day_of_week="mon"),
    },
    "purge-expired-personal-data": {
        "task": "campaigns.tasks.retention_purge",
        "schedule": crontab(hour=2, minute=15),
    },
}

# Background jobs and scheduled work.
JOB_MAX_ATTEMPTS = 3
# A job sent this long ago that no worker has started is sent again (the message was lost).
JOB_STALE_AFTER_MINUTES = 10
JOB_RESULT_RETENTION_DAYS = 30
REPORT_OVERDUE_AFTER_DAYS = int(os.environ.get("REPORT_OVERDUE_AFTER_DAYS", "3"))
SIGN_IN_RETENTION_DAYS = int(os.environ.get("SIGN_IN_RETENTION_DAYS", "180"))

# Event photos. An upload larger than PHOTO_MAX_BYTES or with more than PHOTO_MAX_PIXELS is
# refused before it is decoded (a small file can declare a huge image: a decompression
# bomb). Accepted photos are re-encoded no longer than PHOTO_MAX_SIDE on their longest side,
# with a thumbnail of PHOTO_THUMBNAIL_SIDE. The web server's request body limit (nginx
# client_max_body_size) must allow several photos of PHOTO_MAX_BYTES in one upload.
PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(8 * 1024 * 1024)))
PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", str(40_000_000)))
PHOTO_MAX_SIDE = 2560
PHOTO_THUMBNAIL_SIDE = 480

# Log lines (portal/logs.py): plain for a developer, one JSON object a line in production
# (DJANGO_LOG_FORMAT=json|plain), each with the id of the request it belongs to.
LOGGING = logging_settings(
    json_lines=os.environ.get("DJANGO_LOG_FORMAT", "plain") == "json",
    level=os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
)
# The load balancer's X-Request-ID is believed only where a proxy in front of the portal
# writes it (DJANGO_TRUST_REQUEST_ID; by default when DJANGO_TRUSTED_PROXY_COUNT is set).
REQUEST_ID_TRUSTED = (
    os.environ.get("DJANGO_TRUST_REQUEST_ID", str(TRUSTED_PROXY_COUNT > 0)).lower() == "true"
)
