"""Job kinds for tests and benchmarks, loaded into a real worker with ``--include``.

They register through the same ``@job_runner`` as the product's own kinds.
"""

import os
import time

from campaigns.models import Job
from campaigns.services.jobs import JOB_RUNNERS, JobResult, job_runner


@job_runner("test_steps")
def steps(job, progress) -> JobResult:
    """Advance in ``steps`` steps of ``pause`` seconds, then return a small text file."""
    steps, pause = job.params.get("steps", 1), job.params.get("pause", 0)
    for step in range(1, steps + 1):
        time.sleep(pause)
        progress(int(100 * step / steps), f"step {step} of {steps}")
    return JobResult(filename="steps.txt", content=f"job {job.pk} done\n".encode())


# A worker started with TEST_JOB_PAUSE_SECONDS renders print runs as usual but pauses after
# each progress step, so that a test can kill it in the middle of a print job.
PAUSE_SECONDS = float(os.environ.get("TEST_JOB_PAUSE_SECONDS", "0"))
if PAUSE_SECONDS:
    print_run_render = JOB_RUNNERS[Job.Kind.PRINT_RUN]

    @job_runner(Job.Kind.PRINT_RUN)
    def print_run_render_with_pauses(job, progress) -> JobResult:
        def progress_then_pause(percent: int, message: str = "") -> None:
            progress(percent, message)
            time.sleep(PAUSE_SECONDS)

        return print_run_render(job, progress_then_pause)
