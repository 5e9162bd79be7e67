"""Settings come from the environment; production refuses to start half-configured."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from portal.checks import public_url_check

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k3v9-!production-secret-for-the-deploy-check-only-x7q2m8z4w1",
    "DJANGO_ALLOWED_HOSTS": "portal.example.cn",
    "PORTAL_PUBLIC_URL": "https://portal.example.cn",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check_with_no_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_ALLOWED_HOSTS"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_with_nothing_set_the_portal_uses_sqlite_and_runs_tasks_in_process():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG)"
    )
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "CELERY_BROKER_URL"}
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "True"]


def test_an_unknown_environment_name_is_refused():
    result = _manage("check", env={"DJANGO_ENV": "staging"})
    assert result.returncode != 0
    assert "DJANGO_ENV must be one of" in result.stderr


@pytest.mark.parametrize(
    ("public_url", "error"),
    [("", "portal.E001"), ("http://portal.example.cn", "portal.E003")],
    ids=["missing", "not-https"],
)
def test_production_refuses_a_public_url_that_printed_qr_codes_could_not_open(public_url, error):
    result = _manage("check", env=PRODUCTION_ENV | {"PORTAL_PUBLIC_URL": public_url})
    assert result.returncode != 0
    assert error in result.stderr


def test_development_prints_qr_codes_to_the_local_server():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.PORTAL_PUBLIC_URL)"
    )
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k != "PORTAL_PUBLIC_URL"
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("public_url", "debug", "errors"),
    [
        ("https://portal.example.cn", False, []),
        ("https://portal.example.cn/outreach/", False, []),
        ("http://127.0.0.1:8000", True, []),
        ("http://127.0.0.1:8000", False, ["portal.E003"]),
        ("portal.example.cn", True, ["portal.E002"]),
        ("https://portal.example.cn/?from=qr", False, ["portal.E002"]),
        ("ftp://portal.example.cn", True, ["portal.E002"]),
    ],
)
def test_the_public_url_check(settings, public_url, debug, errors):
    settings.PORTAL_PUBLIC_URL = public_url
    settings.DEBUG = debug
    assert [error.id for error in public_url_check(None)] == errors
