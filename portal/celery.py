"""The Celery app. Broker: CELERY_BROKER_URL (Redis); without one, tasks run in-process."""

import logging
import os
import threading

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

logger = logging.getLogger(__name__)

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class JobSweep(bootsteps.StartStopStep):
    """Every worker sweeps for jobs nobody is on (campaigns.services.jobs.jobs_requeue_stale).

    Beat sends the same sweep, but as a message that waits behind busy workers' jobs and
    that nobody sends while beat is down: a thread of each worker's main process takes a
    dead worker's job over in time whatever beat does, and sweeps once as the worker starts.
    """

    # Started once the pool has forked its children, which then hold no copy of the thread.
    requires = ("celery.worker.components:Pool",)

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        self.stopping = threading.Event()

    def start(self, worker) -> None:
        # What a worker sends goes to the broker, even under settings that run tasks
        # in-process for the web (the test settings do).
        worker.app.conf.task_always_eager = False
        threading.Thread(target=self.sweep_until_stopped, name="job-sweep", daemon=True).start()

    def stop(self, worker) -> None:
        self.stopping.set()

    def sweep_until_stopped(self) -> None:
        from django.conf import settings
        from django.db import connection

        from campaigns.services.jobs import jobs_requeue_stale

        while not self.stopping.is_set():
            try:
                if sent := jobs_requeue_stale():
                    logger.warning("sent %s stale or unsent jobs again", sent)
            except Exception:
                logger.exception("the job sweep failed; it runs again shortly")
            finally:
                # Not kept open between sweeps: a pool child forked meanwhile would share it.
                connection.close()
            self.stopping.wait(settings.JOB_SWEEP_SECONDS)


app.steps["worker"].add(JobSweep)
