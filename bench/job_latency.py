"""How long a trivial job takes from enqueue to done through Redis and a real worker.

Runs against a throw-away test database made from the configured one (DATABASE_URL, or
SQLite), and the broker in CELERY_BROKER_URL (default redis://127.0.0.1:6379/0).
Prints the median and p95 of 20 jobs; the last line is `job_latency_median_ms=N`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/job_latency.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_ENV"] = "test"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

RUNS = 20


def main() -> None:
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    from campaigns.models import Job, Membership, OrgUnit
    from campaigns.services.jobs import job_enqueue
    from portal.models import User
    from tests.jobs import real_worker, worker_jobs  # noqa: F401 - registers test_steps

    if reason := real_worker.redis_unreachable_reason():
        sys.exit(reason)
    unit = OrgUnit.objects.create(code="BENCH", name="bench", kind=OrgUnit.Kind.HQ)
    owner = User.objects.create(username="bench")
    Membership.objects.create(user=owner, org_unit=unit, role=Membership.Role.ORGANIZER)
    real_worker.send_tasks_through_redis()
    worker = real_worker.start_worker()
    try:
        # A first job warms the worker up (imports, database connection): not counted.
        warm = job_enqueue(kind="test_steps", owner=owner, org_unit=unit)
        real_worker.wait_for(
            lambda: Job.objects.get(pk=warm.pk).is_finished, timeout=60, interval=0.002
        )
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            job = job_enqueue(kind="test_steps", owner=owner, org_unit=unit)
            real_worker.wait_for(
                lambda job=job: Job.objects.filter(pk=job.pk, status="succeeded").exists(),
                timeout=60,
                interval=0.002,
            )
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        real_worker.stop(worker)
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    timings.sort()
    print(f"database={connection.vendor} runs={RUNS}")
    p95 = timings[int(0.95 * RUNS) - 1]
    print(f"min_ms={timings[0]:.1f} p95_ms={p95:.1f} max_ms={timings[-1]:.1f}")
    print(f"job_latency_median_ms={statistics.median(timings):.1f}")


if __name__ == "__main__":
    main()
