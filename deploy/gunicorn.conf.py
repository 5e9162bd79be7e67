"""gunicorn's settings for the portal's web processes (README, "Deploying").

    .venv/bin/gunicorn --config deploy/gunicorn.conf.py

Each value can be changed from the environment (GUNICORN_*), so that one file serves every
machine. The portal runs behind a load balancer or reverse proxy that buffers request
bodies (photos come from phones on slow networks): a sync worker serves one request at a
time and must not wait for a slow client.
"""

import os


def _number(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _cores() -> int:
    # The cores this process may use (a container's or a cgroup's share), not the machine's.
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


wsgi_app = "portal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# gunicorn's rule for sync workers, 2 x cores + 1, capped: each worker keeps a database
# connection and some 100-150 MB, and the database's max_connections is shared with the
# Celery workers and the other web machines.
workers = _number("GUNICORN_WORKERS", min(2 * _cores() + 1, _number("GUNICORN_MAX_WORKERS", 9)))
worker_class = "sync"

# Below the usual 60 s of a load balancer's idle timeout, so that a stuck request is ended by
# gunicorn (logged, worker replaced) before the balancer gives up on it and answers 504
# without a trace here. Every long piece of work runs as a job on a Celery worker.
timeout = _number("GUNICORN_TIMEOUT", 30)
# A worker told to stop (a deploy, a restart) finishes its request within this time.
graceful_timeout = _number("GUNICORN_GRACEFUL_TIMEOUT", 25)
# Each worker is replaced after about this many requests, at different counts thanks to the
# jitter so that they do not all restart at once: what a long-lived process leaks goes too.
max_requests = _number("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _number("GUNICORN_MAX_REQUESTS_JITTER", 100)

# The access log on standard output, with the request id the portal gives each request
# (portal/logs.py writes its JSON line with the same id); gunicorn's own messages beside it.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'

# The addresses whose X-Forwarded-* headers gunicorn believes (the proxy or load balancer in
# front); Django's own settings decide about X-Forwarded-Proto and the client address.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# The workers' heartbeat files in memory: a slow or full disk must not make gunicorn think
# its workers hung. gunicorn makes them with mkstemp, so a shared folder is safe here.
MEMORY_FOLDER = "/dev/shm"  # noqa: S108 - see above
if os.path.isdir(MEMORY_FOLDER):
    worker_tmp_dir = MEMORY_FOLDER
