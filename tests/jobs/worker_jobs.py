"""Job kinds for tests and benchmarks, loaded into a real worker with ``--include``.

They register through the same ``@job_runner`` as the product's own kinds.
"""

import time

from campaigns.services.jobs import JobResult, job_runner


@job_runner("test_steps")
def steps(job, progress) -> JobResult:
    """Advance in ``steps`` steps of ``pause`` seconds, then return a small text file."""
    steps, pause = job.params.get("steps", 1), job.params.get("pause", 0)
    for step in range(1, steps + 1):
        time.sleep(pause)
        progress(int(100 * step / steps), f"step {step} of {steps}")
    return JobResult(filename="steps.txt", content=f"job {job.pk} done\n".encode())
