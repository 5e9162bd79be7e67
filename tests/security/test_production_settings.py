"""Production's cookies and transport settings, read from the settings as a server loads them."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.test_settings import PRODUCTION_ENV

TRANSPORT_AND_COOKIES = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "CSRF_COOKIE_SECURE": True,
    # The outbox reads it when it sends a report kept on the phone (production.py says why).
    "CSRF_COOKIE_HTTPONLY": False,
    "CSRF_COOKIE_SAMESITE": "Lax",
    "LANGUAGE_COOKIE_SECURE": True,
    "LANGUAGE_COOKIE_HTTPONLY": True,
    "LANGUAGE_COOKIE_SAMESITE": "Lax",
    "X_FRAME_OPTIONS": "DENY",
}
SESSION_LIMITS = {
    "SESSION_IDLE_TIMEOUT_MINUTES": 30,
    "SESSION_COOKIE_AGE": 30 * 60,
    "SESSION_ABSOLUTE_TIMEOUT_HOURS": 12,
}
NAMES = [*TRANSPORT_AND_COOKIES, *SESSION_LIMITS]


@pytest.fixture(scope="module")
def production_settings() -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {NAMES!r}}}))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**base, **PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_production_sends_every_cookie_secure_httponly_and_same_site_lax(production_settings):
    assert {name: production_settings[name] for name in TRANSPORT_AND_COOKIES} == (
        TRANSPORT_AND_COOKIES
    )


def test_production_sessions_end_after_30_minutes_idle_and_12_hours_in_all(production_settings):
    assert {name: production_settings[name] for name in SESSION_LIMITS} == SESSION_LIMITS
