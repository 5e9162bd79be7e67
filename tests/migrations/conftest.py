import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def migrate_to(transactional_db):
    """Move the test database to ``targets`` and return the models as they were there; the
    database is put back to the latest migrations afterwards, as the rest of the suite
    expects it."""
    yield _migrate
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
