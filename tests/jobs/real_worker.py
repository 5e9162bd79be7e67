"""Starting a real Celery worker process against Redis and the test database."""

import os
import signal
import subprocess
import sys
import time
import uuid

from django.conf import settings
from django.db import connection

from portal.celery import app

# One queue per test session, so that a developer's own worker on the same Redis takes
# none of these jobs, and these workers none of theirs.
QUEUE = f"test-jobs-{uuid.uuid4().hex[:8]}"
# Short, so that a task whose worker was killed is handed to the next worker in seconds.
VISIBILITY_TIMEOUT_SECONDS = 5


def redis_url() -> str:
    return os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"


def redis_unreachable_reason() -> str:
    import redis

    try:
        redis.Redis.from_url(redis_url(), socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        return f"no Redis answers at {redis_url()} ({error}); CI always has one"
    return ""


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _forget_broker_connections() -> None:
    # Celery acquires a producer even for in-process tasks, and keeps the pool and the
    # queue routing it made then: drop them so the new broker and queue take effect.
    app._pool = None
    app.__dict__.pop("amqp", None)


def send_tasks_through_redis() -> None:
    """Switch this process from in-process tasks to sending them to the test queue."""
    _forget_broker_connections()
    app.conf.update(
        task_always_eager=False,
        broker_url=redis_url(),
        task_default_queue=QUEUE,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_SECONDS},
    )


def run_tasks_in_process() -> None:
    _forget_broker_connections()
    app.conf.task_always_eager = True


def start_worker() -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_ENV": "test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url(),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_SECONDS),
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker",
        "--queues", QUEUE, "--pool", "solo", "--loglevel", "WARNING",
        "--include", "tests.jobs.worker_jobs",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True)


def kill(worker: subprocess.Popen) -> None:
    """SIGKILL: the worker gets no chance to hand its task back."""
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill(worker)


def wait_for(condition, *, timeout: float, interval: float = 0.1):
    """Poll ``condition`` until it returns something true, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"still waiting after {timeout} s")
