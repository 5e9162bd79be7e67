"""For benchmarks that build their own data: Django set up on a test database of their own.

The test database is made on the configured database (DATABASE_URL), or as an SQLite file of
the benchmark's own in /tmp, so that a test run using the default test database is not
disturbed; it is dropped afterwards.
"""

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def django_setup(name: str) -> None:
    """Set up Django with the test settings; ``name`` names the SQLite file."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("TEST_SQLITE_NAME", str(Path(tempfile.gettempdir()) / f"{name}.sqlite3"))
    import django

    django.setup()


def in_test_database(run: Callable[[], None]) -> None:
    """Run ``run`` on a freshly made test database, dropped afterwards."""
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
