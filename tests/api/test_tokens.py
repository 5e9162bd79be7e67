"""API tokens: a user makes and revokes their own; a machine signs in with one."""

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns.models import AuditEntry
from campaigns.services.tokens import api_token_create, api_token_revoke
from portal.models import ApiToken

pytestmark = pytest.mark.django_db


def _machine(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")


def test_a_token_signs_a_machine_in_within_its_users_scope(world):
    _token, key = api_token_create(user=world.organizer, name="县支公司报表系统")
    response = _machine(key).get("/api/v1/events/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [world.event.pk]
    _other, other_key = api_token_create(user=world.other_organizer, name="长沙")
    assert _machine(other_key).get(f"/api/v1/events/{world.event.pk}/").status_code == 404


def test_only_a_hash_of_the_key_is_kept(world):
    token, key = api_token_create(user=world.organizer, name="app")
    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in (stored.key_hash, stored.key_prefix, str(stored))
    assert stored.key_prefix == key[:8]


def test_a_revoked_token_is_refused(world):
    token, key = api_token_create(user=world.organizer, name="app")
    api_token_revoke(user=world.organizer, token_id=token.pk)
    response = _machine(key).get("/api/v1/events/")
    assert response.status_code == 401
    assert response.json()["detail"] == "This token is unknown or was revoked."
    assert AuditEntry.objects.filter(action="portal.api_token.revoked").count() == 1


def test_an_unknown_key_is_refused(world):
    assert _machine("not-a-key").get("/api/v1/events/").status_code == 401


def test_a_user_cannot_revoke_another_users_token(world):
    token, _key = api_token_create(user=world.organizer, name="app")
    with pytest.raises(ApiToken.DoesNotExist):
        api_token_revoke(user=world.other_organizer, token_id=token.pk)


def test_use_is_recorded(world):
    token, key = api_token_create(user=world.organizer, name="app")
    _machine(key).get("/api/v1/events/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_profile_page_shows_a_new_key_once_and_revokes(client, world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.organizer)
    page = client.post(reverse("api_tokens"), {"name": "报表系统"}).content.decode()
    token = world.organizer.api_tokens.get()
    assert "shown only this once" in page
    assert f"{token.key_prefix}" in page
    again = client.get(reverse("api_tokens")).content.decode()
    assert "shown only this once" not in again
    client.post(reverse("api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_needs_a_name(client, world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.organizer)
    page = client.post(reverse("api_tokens"), {"name": "  "}).content.decode()
    assert "This field is required." in page
    assert not world.organizer.api_tokens.exists()


def test_another_users_token_cannot_be_revoked_through_the_page(client, world):
    token, _key = api_token_create(user=world.organizer, name="app")
    client.force_login(world.other_organizer)
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404


def test_a_user_with_the_most_tokens_is_told_to_revoke_one(client, world, monkeypatch):
    monkeypatch.setattr("campaigns.services.tokens.MAX_ACTIVE_TOKENS", 1)
    api_token_create(user=world.organizer, name="first")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.organizer)
    page = client.post(reverse("api_tokens"), {"name": "second"}).content.decode()
    assert "You have 1 tokens already; revoke one you no longer use." in page
    assert world.organizer.api_tokens.count() == 1
