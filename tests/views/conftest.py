import pytest


@pytest.fixture(autouse=True)
def english_interface(client):
    """Pages answer in English unless a test signs in with another interface language."""
    client.cookies["django_language"] = "en"
