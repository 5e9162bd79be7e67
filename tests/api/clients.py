"""The API as a signed-in user's client asks it."""

from rest_framework.test import APIClient


def signed_in_api(user, language: str = "en") -> APIClient:
    """An API client signed in as ``user``, asking in ``language``."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client
