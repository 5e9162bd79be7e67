"""The production settings as bench/load.py runs them: on loopback, without the load balancer.

In production the balancer terminates TLS and the portal's cookies are HTTPS-only; the load
benchmark talks plain HTTP to gunicorn on 127.0.0.1, where a client would never send such
cookies back. Everything else (DEBUG off, WhiteNoise's manifest, JSON logs, persistent
connections) is production's.
"""

from portal.settings.production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
