"""Signing in and out, password change and reset, and the lockout after repeated failures."""

import re

import pytest
from axes.utils import reset
from django.core import mail
from django.urls import reverse

from campaigns.models import AuditEntry
from tests.factories import MembershipFactory, UserFactory

PASSWORD = "correct-horse-battery"


def _sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.fixture
def organizer(db):
    return MembershipFactory(user__username="aba-organizer").user


def test_signing_in_leads_to_the_home_page(client, organizer):
    response = _sign_in(client, "aba-organizer", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_password_shows_the_form_again_with_a_message(client, organizer):
    response = _sign_in(client, "aba-organizer", "not-the-password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["form"]["username"].value() == "aba-organizer"


def test_pages_ask_for_sign_in_first(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_signing_out_needs_a_post_and_ends_the_session(client, organizer):
    client.force_login(organizer)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_five_failures_lock_the_account_on_that_address_with_a_clear_page(client, organizer):
    for _ in range(5):
        _sign_in(client, "aba-organizer", "wrong-password")

    response = _sign_in(client, "aba-organizer", PASSWORD)

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]


def test_a_lockout_does_not_shut_out_colleagues_behind_the_same_proxy(client, organizer):
    MembershipFactory(user__username="aba-reviewer")
    for _ in range(5):
        _sign_in(client, "aba-organizer", "wrong-password")

    assert _sign_in(client, "aba-reviewer", PASSWORD).status_code == 302


def test_an_administrator_can_unlock_an_account(client, organizer):
    for _ in range(5):
        _sign_in(client, "aba-organizer", "wrong-password")
    assert _sign_in(client, "aba-organizer", PASSWORD).status_code == 429

    reset(username="aba-organizer")

    assert _sign_in(client, "aba-organizer", PASSWORD).status_code == 302


def test_password_change_checks_the_validators(client, organizer):
    client.force_login(organizer)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "yak-butter-tea-315",
            "new_password2": "yak-butter-tea-315",
        },
    )
    assert response.status_code == 302
    organizer.refresh_from_db()
    assert organizer.check_password("yak-butter-tea-315")


def test_password_reset_sends_a_link_to_a_known_address(client, db):
    UserFactory(username="hn-organizer", email="hn@example.cn")
    response = client.post(reverse("password_reset"), {"email": "hn@example.cn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def _locked_out(client) -> None:
    for _ in range(5):
        _sign_in(client, "aba-organizer", "wrong-password")
    assert _sign_in(client, "aba-organizer", PASSWORD).status_code == 429


def test_the_lockout_page_says_that_a_new_password_lifts_the_lock(client, organizer):
    client.cookies["django_language"] = "en"
    for _ in range(5):
        _sign_in(client, "aba-organizer", "wrong-password")
    page = _sign_in(client, "aba-organizer", PASSWORD).content.decode()
    assert "that lifts the lock at once" in page
    assert f'href="{reverse("password_reset")}"' in page


def test_a_new_password_from_the_emailed_link_lifts_the_lock_and_is_audited(client, organizer):
    organizer.email = "aba@example.cn"
    organizer.save()
    _locked_out(client)

    client.post(reverse("password_reset"), {"email": "aba@example.cn"})
    link = re.search(r"/accounts/reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body).group(0)
    form = client.get(link, follow=True)
    new = "yak-butter-tea-315"
    saved = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert saved.url == reverse("password_reset_complete")

    assert _sign_in(client, "aba-organizer", new).status_code == 302
    entry = AuditEntry.objects.get(action="portal.user.password_reset")
    assert entry.actor == organizer
    assert entry.data["attempts_cleared"] >= 1


def test_a_reset_link_that_is_not_used_lifts_nothing(client, organizer):
    organizer.email = "aba@example.cn"
    organizer.save()
    _locked_out(client)
    client.post(reverse("password_reset"), {"email": "aba@example.cn"})

    assert _sign_in(client, "aba-organizer", PASSWORD).status_code == 429
    assert not AuditEntry.objects.filter(action="portal.user.password_reset").exists()
