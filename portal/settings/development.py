"""A developer's machine: DEBUG on, a fixed development secret, local hosts only."""

import os

from portal.settings.base import *  # noqa: F403

DEBUG = True
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "development-only-secret-key-not-for-production-use-0123456789"
)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
