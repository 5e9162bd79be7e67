"""The deployment files kept in the repository (README, "Deploying") agree with the settings."""

import os
import re
import runpy
import subprocess
import sys

import pytest
from django.conf import settings

from portal.settings import base as production_defaults

GUNICORN_CONFIG = settings.BASE_DIR / "deploy" / "gunicorn.conf.py"
# The idle timeout of most load balancers (nginx's proxy_read_timeout, cloud balancers).
LOAD_BALANCER_TIMEOUT_SECONDS = 60


def _gunicorn(monkeypatch, **environ) -> dict:
    for name in [name for name in os.environ if name.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONFIG))


def test_gunicorn_starts_two_workers_a_core_and_one_more_at_most_nine(monkeypatch):
    cores = len(os.sched_getaffinity(0))
    assert _gunicorn(monkeypatch)["workers"] == min(2 * cores + 1, 9)
    assert _gunicorn(monkeypatch, GUNICORN_WORKERS="2")["workers"] == 2


def test_gunicorn_ends_a_stuck_request_before_the_load_balancer_gives_up(monkeypatch):
    config = _gunicorn(monkeypatch)
    assert config["timeout"] < LOAD_BALANCER_TIMEOUT_SECONDS
    assert config["graceful_timeout"] < LOAD_BALANCER_TIMEOUT_SECONDS


def test_gunicorn_replaces_its_workers_at_staggered_counts_and_logs_to_stdout(monkeypatch):
    config = _gunicorn(monkeypatch, GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.10")
    assert config["max_requests"] > 0
    assert 0 < config["max_requests_jitter"] < config["max_requests"]
    assert config["accesslog"] == "-"
    assert "x-request-id" in config["access_log_format"]
    assert config["forwarded_allow_ips"] == "10.0.0.10"
    assert config["wsgi_app"] == settings.WSGI_APPLICATION.replace(".application", ":application")


def test_the_procfile_runs_a_worker_for_every_queue_and_one_beat():
    procfile = (settings.BASE_DIR / "Procfile").read_text()
    queues = set(re.findall(r"worker --queues (\w+)", procfile))
    expected = {
        *production_defaults.JOB_QUEUES.values(),
        production_defaults.CELERY_TASK_DEFAULT_QUEUE,
    }
    assert queues == expected
    assert len(re.findall(r"^beat: .* beat\b", procfile, re.MULTILINE)) == 1
    assert "gunicorn --config deploy/gunicorn.conf.py" in procfile


@pytest.mark.parametrize("package", ["gunicorn", "python-json-logger"])
def test_the_production_packages_are_pinned(package):
    requirements = (settings.BASE_DIR / "requirements.txt").read_text()
    assert re.search(rf"^{package}==\d", requirements, re.MULTILINE)


def _settings_under(environ: dict[str, str], expression: str) -> str:
    code = (
        f"import django; django.setup(); from django.conf import settings as s; print({expression})"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_database_connections_are_kept_and_checked_before_reuse_as_the_environment_says():
    postgres = {"DATABASE_URL": "postgres://portal@db.internal:5432/portal"}
    database = (
        "(lambda d: (d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], d['OPTIONS']['connect_timeout']))"
        "(s.DATABASES['default'])"
    )
    assert _settings_under(postgres, database) == "(60, True, 5)"
    assert (
        _settings_under(
            {**postgres, "DATABASE_CONN_MAX_AGE": "0", "DATABASE_CONNECT_TIMEOUT": "2"}, database
        )
        == "(0, True, 2)"
    )
