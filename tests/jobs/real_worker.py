"""Starting a real Celery worker process against Redis and the test database."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

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


def send_tasks_through_redis(*, broker_url: str = "") -> None:
    """Switch this process from in-process tasks to sending them to the test queue."""
    _forget_broker_connections()
    app.conf.update(
        task_always_eager=False,
        # The write URL: Celery reads broker_url from the environment first, where CI sets it.
        broker_write_url=broker_url or redis_url(),
        task_default_queue=QUEUE,
        broker_transport_options={
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
        },
    )


def run_tasks_in_process() -> None:
    _forget_broker_connections()
    app.conf.update(task_always_eager=True, broker_write_url=None)


def start_worker(
    *,
    pool: str = "solo",
    visibility_timeout: int = VISIBILITY_TIMEOUT_SECONDS,
    job_settings: dict[str, float] | None = None,
    queues: tuple[str, ...] = (QUEUE,),
    job_queues: dict[str, str] | None = None,
) -> subprocess.Popen:
    """A ``celery worker`` on the test queue, or on ``queues``; ``job_settings`` are JOB_*
    settings for it, ``job_queues`` its JOB_QUEUES (each kind of job's queue)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_ENV": "test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url(),
        "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TEST_JOB_QUEUE": QUEUE,
        "TEST_JOB_QUEUES": json.dumps(job_queues or {}),
        **{name: str(value) for name, value in (job_settings or {}).items()},
    }
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker",
        "--queues", ",".join(queues), "--pool", pool, "--concurrency", "1", "--loglevel", "WARNING",
        "--include", "tests.jobs.worker_jobs",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True)


def kill(worker: subprocess.Popen) -> None:
    """SIGKILL: the worker gets no chance to hand its task back."""
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def kill_main_process(worker: subprocess.Popen) -> None:
    """SIGKILL to the main process alone, as an operator's ``kill -9`` or the OOM killer does.

    Its pool children die with it (Celery asks the kernel for that), and nothing hands the
    task back to the broker.
    """
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def kill_pool_child(worker: subprocess.Popen) -> None:
    """SIGKILL to the prefork pool child running the task (Linux: found through /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (command) state ppid ...: the command may hold spaces, so split after it.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == worker.pid:
            children.append(int(stat.parent.name))
    assert len(children) == 1, f"expected one pool child, found {children}"
    os.kill(children[0], signal.SIGKILL)


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
