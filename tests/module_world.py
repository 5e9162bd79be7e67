"""Data built once for a whole test module, inside a transaction rolled back at its end.

The access matrix and the form fuzz test each ask thousands of questions of one large set
of objects; building it per test would cost minutes. Each test still runs in a savepoint of
its own (pytest-django's ``db``), so no test's writes reach another.
"""

from collections.abc import Callable, Iterator

from django.db import transaction
from django.test import override_settings


def module_world(build: Callable, *, django_db_blocker, media_root) -> Iterator:
    """Yield ``build()``'s result, its uploads kept under ``media_root``; undo it all after."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
