import pytest

from tests.api.clients import signed_in_api


@pytest.fixture
def api():
    """``api(user, language="en")``: an API client signed in as ``user``."""
    return signed_in_api
