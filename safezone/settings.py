"""SafeZone settings: one file, driven by environment variables.

Environment:
  DATABASE_URL    database (default: SQLite file under var/)
  SECRET_KEY      signing key (default: generated once into var/secret_key)
  ALLOWED_HOSTS   comma-separated host names (default: 127.0.0.1,localhost)
  DEBUG           "1"/"true" to turn debug on (default: off)
  HTTPS           "1"/"true" when served over TLS: secure cookies, HSTS, redirect
  SAFEZONE_DEMO   "1" to allow the demo accounts to sign in (make run sets it)
  SAFEZONE_VAR_DIR  where local state lives (default: ./var)
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    """True when the variable says yes (1, true, yes, on)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


VAR_DIR = Path(os.environ.get("SAFEZONE_VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret(variable: str, filename: str) -> str:
    """A secret from the environment, or one generated into var/ on first run and kept."""
    if os.environ.get(variable):
        return os.environ[variable]
    path = VAR_DIR / filename
    if not path.exists():
        # Written with owner-only permissions; never committed (var/ is ignored).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _secret_key() -> str:
    """The key from SECRET_KEY, or one generated into var/ on first run and kept."""
    return _local_secret("SECRET_KEY", "secret_key")


SECRET_KEY = _secret_key()
DEBUG = env_flag("DEBUG")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
SAFEZONE_DEMO = env_flag("SAFEZONE_DEMO")


def _database(url: str) -> dict:
    """Django DATABASES["default"] from a DATABASE_URL, or a clear error."""
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several types for bad input
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database address SafeZone understands ({exc}). "
            "Use sqlite:///path/to/file.sqlite3 or postgres://user:password@host:5432/name."
        ) from None
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL names an unsupported database ({engine or 'unknown'}): "
            "SafeZone runs on SQLite or PostgreSQL."
        )
    if engine == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # WAL lets readers go on while one writer writes; IMMEDIATE takes the write
            # lock at BEGIN so two writers queue instead of failing half-way.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'safezone.sqlite3'}"
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    # Background tasks (batch linkage): Django's task API and its database queue, run by `manage.py db_worker`.
    "django_tasks",
    "django_tasks_db",
    "safezone.directory",
    "safezone.accounts",
    "safezone.access",
    "safezone.audit",
    "safezone.people",
    "safezone.linkage",
    "safezone.cases",
    "safezone.assessments",
    "safezone.meetings",
    "safezone.portal",
    "safezone.hotline",
    "safezone.schools",
    "safezone.imports",
    "safezone.stats",
    "safezone.programmes",
    "safezone.demo",
]

MIDDLEWARE = [
    "safezone.common.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "safezone.common.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "safezone.accounts.middleware.SessionLimitsMiddleware",
    "safezone.accounts.middleware.RequireMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns lockouts into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safezone.urls"
WSGI_APPLICATION = "safezone.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safezone.common.context_processors.safezone",
            ],
            "libraries": {"ui": "safezone.common.ui_tags"},
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses locked-out usernames before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "safezone.accounts.backends.SafeZoneBackend",
    # Object permissions (`user.has_perm("case.view", case)`) answered by the access policy.
    "rules.permissions.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "cases:my_work"
LOGOUT_REDIRECT_URL = "account_login"

# Sign-in with django-allauth: usernames, no self-registration, MFA for every role that reads
# personal data (safezone.accounts.middleware.RequireMFAMiddleware).
ACCOUNT_ADAPTER = "safezone.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = int(os.environ.get("SAFEZONE_REAUTH_SECONDS", "300"))
MFA_ADAPTER = "safezone.accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "SafeZone"
MFA_TOTP_TOLERANCE = 1
MFA_PASSKEY_LOGIN_ENABLED = False
# WebAuthn wants https; browsers treat localhost as secure, a demo on plain http needs this.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or SAFEZONE_DEMO

# Lockout after repeated failures (django-axes): per username and address, so a stranger
# cannot lock a colleague out from elsewhere.
AXES_FAILURE_LIMIT = int(os.environ.get("SAFEZONE_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("SAFEZONE_LOCKOUT_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_VERBOSE = False
# One lockout, not two: allauth's own cache-based limit on failed sign-ins is off (axes keeps
# its count in the database, across restarts and processes). allauth's other limits stay.
ACCOUNT_RATE_LIMITS = {"login_failed": None}

# Sessions: idle timeout 15 minutes, absolute lifetime 12 hours (DOMAIN.md security targets).
SAFEZONE_IDLE_TIMEOUT = int(os.environ.get("SAFEZONE_IDLE_TIMEOUT", str(15 * 60)))
SAFEZONE_SESSION_MAX_AGE = int(os.environ.get("SAFEZONE_SESSION_MAX_AGE", str(12 * 60 * 60)))
SESSION_COOKIE_AGE = SAFEZONE_SESSION_MAX_AGE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Secure cookies and HSTS unless debugging, or running the local demo over plain http (where
# some browsers would drop secure cookies from 127.0.0.1 and nobody could sign in).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG and (env_flag("HTTPS") or not SAFEZONE_DEMO)
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
if env_flag("HTTPS"):
    # Behind a TLS-terminating proxy: redirect plain http and trust its header.
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: nothing but our own files; no inline scripts or styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Bootstrap draws check marks and select arrows with data: SVG images.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "safezone_language"
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing folder
STATICFILES_DIRS = [BASE_DIR / "static"]
# Whitenoise serves straight from the source folders, so a checkout runs without collectstatic.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated call then gets 401 with WWW-Authenticate, not 403.
        "safezone.accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SafeZone API",
    "DESCRIPTION": (
        "Read access to cases, persons and what hangs on a case (assessments, plan, referrals, closure). "
        "Every call is checked by the access policy and audited."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CaseKindEnum": "safezone.cases.models.Case.Kind",
        "IdentifierKindEnum": "safezone.people.models.Identifier.Kind",
        "PersonNameKindEnum": "safezone.people.models.PersonName.Kind",
        "CaseStatusEnum": "safezone.cases.models.Case.Status",
        "ReferralStatusEnum": "safezone.cases.models.Referral.Status",
        "PlanActionStatusEnum": "safezone.cases.models.PlanAction.Status",
        "ClosureStatusEnum": "safezone.cases.models.Closure.Status",
        "ServiceKindEnum": "safezone.cases.models.ServiceDelivery.Kind",
        "MeetingStatusEnum": "safezone.meetings.models.Meeting.Status",
        "MeetingKindEnum": "safezone.meetings.models.Meeting.Kind",
        "ContactStatusEnum": "safezone.hotline.models.Contact.Status",
        "SafetyAnswerEnum": "safezone.hotline.models.Answer",
        "PersonSexEnum": "safezone.people.models.Sex",
        "CallerSexEnum": "safezone.hotline.api.CALLER_SEX",
    },
}

# Lists in the web interface; a list counts its rows up to this many, then says "more than".
SAFEZONE_PAGE_SIZE = 25
SAFEZONE_LIST_COUNT_CAP = int(os.environ.get("SAFEZONE_LIST_COUNT_CAP", "10000"))
# Person search (issue 5): how many persons sharing a key with the query are scored; the score
# (0..1, people.matching) a person needs to be shown; and the higher score a person the user
# may not see needs before the search says which agencies know them ("flag and tag").
SAFEZONE_SEARCH_CANDIDATES = int(os.environ.get("SAFEZONE_SEARCH_CANDIDATES", "200"))


def _numbers(name: str, default: str, cast) -> tuple:
    """A comma-separated list of numbers from the environment, e.g. "5,10"."""
    return tuple(cast(v) for v in os.environ.get(name, default).split(",") if v.strip())


SAFEZONE_SEARCH_MIN_SCORE = float(os.environ.get("SAFEZONE_SEARCH_MIN_SCORE", "0.65"))
SAFEZONE_FLAG_MIN_SCORE = float(os.environ.get("SAFEZONE_FLAG_MIN_SCORE", "0.85"))
# A feed or list links a row to a known person only above this score, with the same birth date.
SAFEZONE_MATCH_SCORE = float(os.environ.get("SAFEZONE_MATCH_SCORE", "0.95"))
# Record linkage (issue 5): the trained model (Splink JSON with our version), used by link_files
# and the register's batch linkage when present; trained anew on the input otherwise.
# Pairs at or above the review threshold go to the data steward's queue; at or above the
# auto-merge threshold they merge by themselves (off unless set: a wrong merge hides a person).
SAFEZONE_LINKAGE_REVIEW_THRESHOLD = float(os.environ.get("SAFEZONE_LINKAGE_REVIEW_THRESHOLD", "0.8"))
_auto = os.environ.get("SAFEZONE_LINKAGE_AUTO_MERGE_THRESHOLD", "")
SAFEZONE_LINKAGE_AUTO_MERGE_THRESHOLD = float(_auto) if _auto else None
SAFEZONE_LINKAGE_MODEL = Path(os.environ.get("SAFEZONE_LINKAGE_MODEL") or VAR_DIR / "linkage" / "model.json")
# The engine batch linkage runs on: "duckdb" in the process, or "spark" (pyspark, Java 17) for a
# registry beyond one machine; SAFEZONE_SPARK_MASTER names the cluster (default: local, all cores).
# A linkage run that has not moved for this long is taken as dead (its worker was killed).
SAFEZONE_LINKAGE_STALE_HOURS = int(os.environ.get("SAFEZONE_LINKAGE_STALE_HOURS", "6"))
# The helpline: callers are recognised by a keyed hash of their number (the key outside the
# database), and the telephone exchange signs its calls to the PBX hook with a shared secret.
SAFEZONE_CALLER_HASH_KEY = _local_secret("SAFEZONE_CALLER_HASH_KEY", "caller_hash_key")
SAFEZONE_PBX_SECRET = _local_secret("SAFEZONE_PBX_SECRET", "pbx_secret")
# How far a PBX call's timestamp may be from now (seconds): older signed calls are replays.
SAFEZONE_PBX_MAX_SKEW = int(os.environ.get("SAFEZONE_PBX_MAX_SKEW", "300"))
# A callback not reached is tried again an hour later, this many times in all.
SAFEZONE_CALLBACK_ATTEMPTS = int(os.environ.get("SAFEZONE_CALLBACK_ATTEMPTS", "3"))
# Where the portal's quick exit sends a visitor (a neutral page: the weather).
SAFEZONE_QUICK_EXIT_URL = os.environ.get("SAFEZONE_QUICK_EXIT_URL", "https://yandex.ru/pogoda/")
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
SAFEZONE_LINKAGE_BACKEND = os.environ.get("SAFEZONE_LINKAGE_BACKEND", "duckdb")
# An export carries at most this many rows (narrow the filters for more): exports leak.
SAFEZONE_EXPORT_MAX_ROWS = int(os.environ.get("SAFEZONE_EXPORT_MAX_ROWS", "5000"))
# The largest file an import reads (checked before reading it); larger feeds are split.
SAFEZONE_IMPORT_MAX_BYTES = int(os.environ.get("SAFEZONE_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
# Extra folders of questionnaire versions (besides safezone/assessments/instruments), separated by ":".
SAFEZONE_INSTRUMENT_DIRS = [d for d in os.environ.get("SAFEZONE_INSTRUMENT_DIRS", "").split(os.pathsep) if d]
# How long a break-glass access lasts.
SAFEZONE_BREAK_GLASS_HOURS = int(os.environ.get("SAFEZONE_BREAK_GLASS_HOURS", "8"))
# Police-reported incidents in 12 months that call for a multi-agency meeting referral.
SAFEZONE_MEETING_POLICE_INCIDENTS = int(os.environ.get("SAFEZONE_MEETING_POLICE_INCIDENTS", "3"))
# Retention schedule: per case kind, what happens to a closed case and how many years after closure,
# e.g. SAFEZONE_RETENTION="dv=anonymise:5,child=anonymise:10,labour=anonymise:10,trafficking=delete:10".
SAFEZONE_RETENTION = {
    kind: {"action": rule.split(":")[0], "years": int(rule.split(":")[1])}
    for kind, rule in (
        item.split("=")
        for item in os.environ.get(
            "SAFEZONE_RETENTION", "dv=anonymise:5,child=anonymise:10,labour=anonymise:10,trafficking=anonymise:10"
        ).split(",")
        if item.strip()
    )
}
# Council of Europe standard: one family place in a shelter per 10,000 inhabitants.
SAFEZONE_SHELTER_PLACES_PER_10000 = float(os.environ.get("SAFEZONE_SHELTER_PLACES_PER_10000", "1"))
# Member agencies of a meeting reach its agenda's cases until this many days after the meeting.
# School early warning (ABC, DOMAIN.md): absence per quarter in % of enrolled days (counted from
# SAFEZONE_EW_MIN_DAYS enrolled days on), disciplinary referrals and suspensions per school year,
# core-subject failures per quarter. Each pair is the first value of "at risk" and of "high";
# a trend alert is raised within SAFEZONE_EW_TREND_MARGIN percentage points of "at risk".
SAFEZONE_EW_MIN_DAYS = int(os.environ.get("SAFEZONE_EW_MIN_DAYS", "30"))
SAFEZONE_EW_CHRONIC_ABSENCE_PCT = float(os.environ.get("SAFEZONE_EW_CHRONIC_ABSENCE_PCT", "10"))
SAFEZONE_EW_ABSENCE_PCT = _numbers("SAFEZONE_EW_ABSENCE_PCT", "5,10", float)
SAFEZONE_EW_REFERRALS = _numbers("SAFEZONE_EW_REFERRALS", "2,6", int)
SAFEZONE_EW_SUSPENSIONS = _numbers("SAFEZONE_EW_SUSPENSIONS", "1,2", int)
SAFEZONE_EW_FAILURES = _numbers("SAFEZONE_EW_FAILURES", "1,2", int)
SAFEZONE_EW_TREND_MARGIN = float(os.environ.get("SAFEZONE_EW_TREND_MARGIN", "1.5"))
# A flag's task for the social pedagogue is due this many days after it is raised.
SAFEZONE_EW_TASK_DAYS = int(os.environ.get("SAFEZONE_EW_TASK_DAYS", "10"))
# Child-labour monitoring: days from identification to referral, from referral to protection,
# from protection to verification; then follow-ups this many months after verification.
SAFEZONE_LABOUR_STEP_DAYS = _numbers("SAFEZONE_LABOUR_STEP_DAYS", "7,30,60", int)
SAFEZONE_LABOUR_FOLLOW_UP_MONTHS = _numbers("SAFEZONE_LABOUR_FOLLOW_UP_MONTHS", "1,3,6,12", int)
SAFEZONE_MEETING_REACH_DAYS = int(os.environ.get("SAFEZONE_MEETING_REACH_DAYS", "90"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")}},
}

# Statistics (issue 8). The key of the projection's pseudonyms (keyed hashes) lives outside the
# database: SAFEZONE_STATS_KEY, or var/stats_key generated on first run. Changing it rewrites every
# pseudonym (run `manage.py stats_refresh --full`).
SAFEZONE_STATS_KEY = _local_secret("SAFEZONE_STATS_KEY", "stats_key")
# Disclosure control: counts from 1 to SAFEZONE_STATS_MIN_CELL - 1 are suppressed (some bodies use
# 10); zeros are published unless SAFEZONE_STATS_SUPPRESS_ZEROS; where agreed, a cell from fewer
# reporting agencies than SAFEZONE_STATS_MIN_AGENCIES is suppressed (1: the rule is off).
SAFEZONE_STATS_MIN_CELL = int(os.environ.get("SAFEZONE_STATS_MIN_CELL", "5"))
SAFEZONE_STATS_SUPPRESS_ZEROS = env_flag("SAFEZONE_STATS_SUPPRESS_ZEROS")
SAFEZONE_STATS_MIN_AGENCIES = int(os.environ.get("SAFEZONE_STATS_MIN_AGENCIES", "1"))
# The statistics' (element, day) indexes carry the counted columns (INCLUDE) on PostgreSQL; SQLite
# builds them without, which is what we want there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
# PostgreSQL memory for one statistics query's sorts and hashes (SET LOCAL work_mem).
SAFEZONE_STATS_WORK_MEM = os.environ.get("SAFEZONE_STATS_WORK_MEM", "64MB")

# API keys (accounts.ApiToken) expire this many days after they are issued unless the command
# that issues one says otherwise; a used key's "last used" time is written at most this often.
SAFEZONE_API_TOKEN_DAYS = int(os.environ.get("SAFEZONE_API_TOKEN_DAYS", "90"))
SAFEZONE_API_TOKEN_TOUCH_SECONDS = 300

# What the access policy derives from case teams, break-glass, seals and districts is cached per
# process under the access stamp that the database renews on every write to those tables
# (access.AccessStamp); the time limit only bounds memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "access": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "safezone-access",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}
SAFEZONE_ACCESS_CACHE = "access"
SAFEZONE_ACCESS_CACHE_SECONDS = 600
