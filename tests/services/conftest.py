import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    """Service tests read refusals in English; the pages' tests cover the other languages."""
    with translation.override("en"):
        yield
