"""A server on the internet. Refuses to start without its own secret and host names."""

import os

from django.core.exceptions import ImproperlyConfigured

from portal.logs import logging_settings
from portal.settings.base import *  # noqa: F403


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production.")
    return value


DEBUG = False
SECRET_KEY = _required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in _required("DJANGO_ALLOWED_HOSTS").split(",")]
CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS if not host.startswith(".")]

SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SECURE_SSL_REDIRECT", "true").lower() == "true"
# Behind a TLS-terminating proxy the request arrives over HTTP; the proxy says so here.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True  # the messages cookie follows the session cookie's flags
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
# The phone's outbox (static/js/outbox-core.js) reads the CSRF cookie at the moment it sends a
# report kept on the phone: a page written before a sign-in carries an outdated token, and the
# service worker sends with no page at all. HttpOnly on this cookie would protect nothing: a
# script able to read it could read the token from any page's form anyway (Django's docs,
# CSRF_COOKIE_HTTPONLY). htmx still sends the token base.html writes into hx-headers.
CSRF_COOKIE_HTTPONLY = False

# Static files are served by the application itself, compressed and with far-future caching.
MIDDLEWARE = [*MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)

# One JSON object a line on standard output, for the log collector (portal/logs.py).
LOGGING = logging_settings(
    json_lines=os.environ.get("DJANGO_LOG_FORMAT", "json") == "json",
    level=os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
)
