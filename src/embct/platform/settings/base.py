"""Settings for a demo, a developer and the tests; :mod:`.production` tightens them.

Everything is read from the environment through :mod:`.env`, with safe defaults:

``EMBCT_DATA_DIR``  where the SQLite database and uploaded files live
                    (default ``$XDG_DATA_HOME/embct`` or ``~/.local/share/embct``;
                    created 0700, the database files kept 0600)
``DATABASE_URL``    ``postgres://user:password@host:port/name`` for PostgreSQL;
                    unset means SQLite at ``$EMBCT_DATA_DIR/embct.sqlite3`` (WAL mode)
``DATABASE_MIGRATION_URL``  PostgreSQL only, optional: the owner role that ``migrate`` runs
                    as; ``DATABASE_URL`` is then the application role, which may only
                    INSERT and SELECT on the audit trail (README, "Two PostgreSQL roles")
``SECRET_KEY``      required in production; a fixed development key otherwise
``DEBUG``           off unless set to a true value
``ALLOWED_HOSTS``   comma-separated; default ``127.0.0.1,localhost``
``REDIS_URL``       ``redis://host:port/db``: the cache and the sessions in Redis, shared by
                    every ``embct serve`` on every host; unset, the single-host defaults
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path
from typing import Final

import phonenumbers
from csp.constants import NONE, SELF

from embct.platform.lib.crisis import DEFAULT_LINES, load_crisis_lines

from .env import (
    default_data_dir,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_rate,
    env_str,
    parse_database_url,
    redis_cache,
    sqlite_database,
)

PLATFORM_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

# A development key: production.py refuses to start with it.
DEVELOPMENT_SECRET_KEY = "embct-development-key-not-for-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY") or DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

DATA_DIR = env_path("EMBCT_DATA_DIR", default_data_dir())

_database_url = env_str("DATABASE_URL").strip()
DATABASES = {
    "default": parse_database_url(_database_url)
    if _database_url
    else sqlite_database(DATA_DIR / "embct.sqlite3")
}
# The owner role (same database): migrations run as it, the site as DATABASE_URL's role.
_migration_url = env_str("DATABASE_MIGRATION_URL").strip()
EMBCT_DATABASE_OWNER = parse_database_url(_migration_url) if _migration_url else None

INSTALLED_APPS = [
    "embct.platform.accounts",
    "embct.platform.core",
    "embct.platform.versions",
    "embct.platform.course",
    "embct.platform.care",
    "embct.platform.groups",
    "embct.platform.audit",
    "embct.platform.privacy",
    "embct.platform.security",
    "embct.platform.questionnaires",
    "embct.platform.research",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control: no-store on every page (health data); after WhiteNoise, so not on static.
    "embct.platform.core.caching.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The inactivity timeout without a session write per request (core/sessions.py).
    "embct.platform.core.sessions.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in user's own language (accounts.User.language) over LocaleMiddleware's guess.
    "embct.platform.accounts.middleware.UserLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "embct.platform.security.middleware.SecondFactorRequiredMiddleware",
    "embct.platform.security.middleware.PasswordChangeRequiredMiddleware",
    "embct.platform.security.middleware.AdminChangeNeedsRecentPasswordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A method the view does not take: the 405 page in the site's layout (core/methods.py).
    "embct.platform.core.methods.MethodNotAllowedPageMiddleware",
    # A locked or unavailable database: a 503 page that keeps the user's text.
    "embct.platform.core.dberrors.DatabaseErrorMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "embct.platform.urls"
WSGI_APPLICATION = "embct.platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PLATFORM_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "embct.platform.care.context_processors.unread_messages",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out username+address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# "Forgot password" links work once (Django's token follows the password) and for an hour.
PASSWORD_RESET_TIMEOUT = 60 * 60
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Interface languages. Each signed-in user has their own (accounts.User.language); anonymous
# visitors get their browser's choice or the language cookie (LocaleMiddleware). Language
# names are autonyms (shown in their own language), so they are not translated.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nl", "Nederlands")]
LOCALE_PATHS = [PLATFORM_DIR / "locale"]
# The language cookie (set by the language form) is read by the server only.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE: Final = "Lax"
TIME_ZONE = env_str("TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PLATFORM_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Outside production, files come from the app folders (finders); STATIC_ROOT is filled only
# by collectstatic, so its absence is expected here.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
MEDIA_ROOT = DATA_DIR / "media"
# Uploads are the platform user's alone, like the database (embct.platform.lib.private_files).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions end after an hour without activity, and with the browser. The session is not
# saved on every request: SessionRefreshMiddleware renews its expiry every few minutes.
SESSION_COOKIE_AGE = 60 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Staff log in with a second factor (embct.platform.security, django-otp): a TOTP app,
# with single-use backup codes. The issuer is the name the app shows.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "embct")
# Administrators manage devices (remove a lost phone's) but never see their secrets.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is locked for AXES_COOLOFF_MINUTES, or until an administrator
# deletes the attempt in Administration > Axes > Access attempts (or `manage.py axes_reset`).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "embct.platform.security.views.lockout"
AXES_CLIENT_IP_CALLABLE = "embct.platform.security.client_ip.client_ip"
AXES_VERBOSE = False

# Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere. A page that
# shows a self-contained report allows its own inline styles by hash
# (embct.platform.lib.csp.inline_style_sources).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "media-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Notification e-mails say only that something new is waiting; the console backend
# prints them in a demo. Set EMAIL_URL-style settings in production.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "embct <no-reply@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Addresses of the TLS proxies in front of gunicorn: for a request from one of them, the audit
# log takes the client's address from X-Forwarded-For (never trusted from anyone else).
EMBCT_TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# Whom to call now (embct.platform.lib.crisis): shown beside the inbox, on the week page and on
# the screening's answer. EMBCT_CRISIS_LINES is the path of a TOML file with the site's own
# lines; unset, the Dutch lines (113 Zelfmoordpreventie, the GP, 112).
_crisis_file = env_str("EMBCT_CRISIS_LINES").strip()
EMBCT_CRISIS_LINES = (
    load_crisis_lines(_crisis_file, [code for code, _name in LANGUAGES])
    if _crisis_file
    else DEFAULT_LINES
)

# The clinic's leads (user names of therapist accounts, comma-separated): every safety concern
# a therapist raises goes to them, and to the therapist's supervisor (care.services).
EMBCT_CLINIC_LEADS = env_list("EMBCT_CLINIC_LEADS", [])

# Demo accounts with printed passwords may be created (embct demo); production.py says no.
EMBCT_DEMO_ALLOWED = True

# Measurement and research (issue 7).
# "trial": WAI-SR at weeks 2, 5, 9; "every_session": after every session (routine care).
EMBCT_ASSESSMENT_MODE = env_str("EMBCT_ASSESSMENT_MODE", "trial")
# Instrument key -> licensed content pack file; without one, placeholder wording is shown.
EMBCT_CONTENT_PACKS: dict[str, str] = {
    key: value
    for key in ("wai", "hads", "mhc")
    if (value := env_str(f"EMBCT_CONTENT_PACK_{key.upper()}"))
}
# The secret randomization seed (keep it out of the database); randomizing refuses without.
_seed = env_str("EMBCT_RANDOMIZATION_SEED").strip()
if _seed and not _seed.lstrip("-").isdigit():
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"EMBCT_RANDOMIZATION_SEED={_seed!r} is not a whole number")
EMBCT_RANDOMIZATION_SEED: int | None = int(_seed) if _seed else None
# Randomization strata (sites), comma-separated; empty: unstratified.
EMBCT_SITES = env_list("EMBCT_SITES", [])
# Days a screening's telephone number is kept for the eligibility call when the person is not
# randomized by then (the daily `embct remind` blanks it; randomization blanks it at once).
EMBCT_SCREENING_CONTACT_DAYS = env_int("EMBCT_SCREENING_CONTACT_DAYS", 90, minimum=1)
# The public screening page says what the study is and who runs it, before it asks for a
# telephone number; blank: a neutral description in the reader's language.
EMBCT_STUDY_NAME = env_str("EMBCT_STUDY_NAME").strip()
EMBCT_STUDY_RUN_BY = env_str("EMBCT_STUDY_RUN_BY").strip()
# Eligibility calls: attempts without reaching the person before the entry may be closed as
# not reached (the number is then erased).
EMBCT_CALL_ATTEMPTS = env_int("EMBCT_CALL_ATTEMPTS", 3, minimum=1)
# What the researcher does when the eligibility interview excludes someone for suicidal
# thoughts or psychosis (shown with the exclusion); blank: a default in the reader's language.
EMBCT_REFERRAL_PROCEDURE = env_str("EMBCT_REFERRAL_PROCEDURE").strip()
# The public screening form: at most EMBCT_SCREENING_RATE submissions per client address
# (django-ratelimit, counted in the cache: "20/h", also /m or /d), and telephone numbers read
# as numbers of EMBCT_PHONE_REGION unless they start with + (stored as E.164, +31612345678).
EMBCT_SCREENING_RATE = env_rate("EMBCT_SCREENING_RATE", "20/h")
# "Forgot password": at most EMBCT_PASSWORD_RESET_RATE requests per client address (then a
# "try again later" page) and as many e-mails per address asked for (then the usual answer
# but no e-mail), so the form can neither flood someone's inbox nor be used to probe at speed.
EMBCT_PASSWORD_RESET_RATE = env_rate("EMBCT_PASSWORD_RESET_RATE", "5/h")
EMBCT_PHONE_REGION = env_str("EMBCT_PHONE_REGION", "NL").strip().upper()
if EMBCT_PHONE_REGION not in phonenumbers.SUPPORTED_REGIONS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"EMBCT_PHONE_REGION={EMBCT_PHONE_REGION!r} is not a region code such as NL, BE or DE"
    )
# The cache holds the rate-limit counts (screening form, password reset), the live report and
# the dashboard's study summary (research.live, keyed by the data's versions) and the patients'
# week pages (care.weekpage). One process (runserver, tests): in
# memory; production shares it between gunicorn's workers (settings/production.py). With
# REDIS_URL, every `embct serve` on every host shares one Redis: the cache, and the sessions
# (cached_db: read from Redis, written through to the database, so a Redis restart signs
# nobody out). Login lockouts (django-axes) are in the database, shared already.
REDIS_URL = env_str("REDIS_URL").strip()
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
