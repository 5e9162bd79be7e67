"""The test suite: development settings made fast and quiet."""

import json

from portal.settings.development import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Tests run tasks in-process even where CI sets a broker; the real-worker tests switch to
# Redis themselves (tests/jobs/test_real_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
# A worker started by a test sends what it sends (its sweeps) to the queue it reads, which
# is that test session's own (tests/jobs/real_worker.py).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("TEST_JOB_QUEUE", "celery")  # noqa: F405
# Every task and job on that one queue, unless a test routes kinds of job to queues of its
# own (tests/jobs/test_queues.py passes them to its workers as JSON).
CELERY_TASK_ROUTES = {}
JOB_QUEUES = json.loads(os.environ.get("TEST_JOB_QUEUES", "{}"))  # noqa: F405
# A worker process started by a test must open the same database as the test: SQLite's
# default in-memory test database cannot be shared, a file can.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # TEST_SQLITE_NAME lets two test runs in one checkout keep out of each other's way.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.environ.get("TEST_SQLITE_NAME", str(BASE_DIR / "test-db.sqlite3"))  # noqa: F405
    }
