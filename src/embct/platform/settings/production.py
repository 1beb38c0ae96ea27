"""Production settings: everything in :mod:`.base`, plus HTTPS-only cookies, HSTS and a
refusal to start without a real ``SECRET_KEY``.

Use with ``DJANGO_SETTINGS_MODULE=embct.platform.settings.production`` behind a TLS proxy
that sets ``X-Forwarded-Proto``.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEVELOPMENT_SECRET_KEY, SECRET_KEY
from .env import env_bool, env_int, env_list

if not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production, "
        'for example: python -c "import secrets; print(secrets.token_urlsafe(64))"'
    )
if len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY has fewer than 5 distinct characters")

DEBUG = env_bool("DEBUG", default=False)
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
EMBCT_DEMO_ALLOWED = False
# Without REDIS_URL (base.py), gunicorn's workers on this one host share the rate-limit counts
# and the live report through files in the data directory (FileBasedCache: its increments are
# not atomic, so a burst may slip a few past).
if not REDIS_URL:  # noqa: F405
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),  # noqa: F405
        }
    }
# No proxy is trusted unless TRUSTED_PROXIES names it (as in base.py): trusting 127.0.0.1 by
# default let any client choose its address (X-Forwarded-For) through a proxy on this host that
# passes the header on instead of appending to it, and so dodge the login throttle and write
# a false address into the audit log. Set it to the proxy's address once that proxy appends
# the client's address to X-Forwarded-For (nginx: $proxy_add_x_forwarded_for).
EMBCT_TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
