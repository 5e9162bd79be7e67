"""A developer's machine: DEBUG on, a fixed development secret, local hosts only."""

import os

from portal.settings.base import *  # noqa: F403

DEBUG = True
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "development-only-secret-key-not-for-production-use-0123456789"
)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# Where `make run` serves the portal: the QR codes of handouts printed here lead to it.
PORTAL_PUBLIC_URL = os.environ.get("PORTAL_PUBLIC_URL", "").strip() or "http://127.0.0.1:8000"
