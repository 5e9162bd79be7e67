"""Signed-in sessions end after 30 minutes without a request and 12 hours after signing in."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone, translation

from portal.sessions import EXPIRY_MOVED_AT, SIGNED_IN_AT, signed_out_message
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def organizer(db):
    return MembershipFactory(user__username="aba-organizer").user


@pytest.fixture
def signed_in(client, organizer):
    client.cookies["django_language"] = "en"
    client.force_login(organizer)
    return client


def _session_row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def _ago(client, key, **elapsed):
    session = client.session
    session[key] = (timezone.now() - dt.timedelta(**elapsed)).isoformat()
    session.save()


def _signed_in_ago(client, **elapsed):
    _ago(client, SIGNED_IN_AT, **elapsed)


def _expires_in(client, **remaining):
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + dt.timedelta(**remaining)
    )


def test_signing_in_records_the_time_and_a_30_minute_cookie(client, organizer):
    before = timezone.now()
    response = client.post(reverse("login"), {"username": "aba-organizer", "password": PASSWORD})
    assert response.cookies["sessionid"]["max-age"] == 30 * 60
    assert before <= dt.datetime.fromisoformat(client.session[SIGNED_IN_AT]) <= timezone.now()


def test_a_request_moves_the_idle_limit_30_minutes_ahead(signed_in):
    _ago(signed_in, EXPIRY_MOVED_AT, minutes=29)
    _expires_in(signed_in, minutes=1)

    response = signed_in.get(reverse("home"))

    assert response.cookies["sessionid"]["max-age"] == 30 * 60
    remaining = _session_row(signed_in).expire_date - timezone.now()
    assert remaining > dt.timedelta(minutes=29, seconds=50)


def test_requests_within_a_minute_leave_the_session_unwritten(signed_in):
    _ago(signed_in, EXPIRY_MOVED_AT, seconds=30)
    _expires_in(signed_in, minutes=29, seconds=30)
    expire_date = _session_row(signed_in).expire_date

    response = signed_in.get(reverse("home"))

    assert "sessionid" not in response.cookies
    assert _session_row(signed_in).expire_date == expire_date


def test_a_session_idle_for_30_minutes_is_over(signed_in):
    _expires_in(signed_in, seconds=-1)
    response = signed_in.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_session_just_under_12_hours_old_goes_on(signed_in):
    _signed_in_ago(signed_in, hours=11, minutes=59)
    assert signed_in.get(reverse("home")).status_code == 200


def test_after_12_hours_the_user_is_signed_out_and_told_why(signed_in):
    _signed_in_ago(signed_in, hours=12, seconds=1)

    response = signed_in.get(reverse("event_list"), follow=True)

    assert response.redirect_chain[0] == (f"{reverse('login')}?next=/events/", 302)
    assert "_auth_user_id" not in signed_in.session
    assert "12 hours have passed since you signed in" in response.content.decode()


def test_the_message_comes_in_the_users_language(signed_in):
    signed_in.cookies["django_language"] = "bo"
    _signed_in_ago(signed_in, hours=13)

    response = signed_in.get(reverse("home"), follow=True)

    with translation.override("bo"):
        expected = signed_out_message()
    assert [str(message) for message in response.context["messages"]] == [expected]


def test_after_12_hours_an_htmx_request_sends_the_whole_page_to_sign_in(signed_in):
    _signed_in_ago(signed_in, hours=13)
    response = signed_in.get(reverse("notification_list"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("login")


def test_after_12_hours_a_post_is_not_carried_out(signed_in):
    _signed_in_ago(signed_in, hours=13)
    response = signed_in.post(reverse("notifications_read"))
    assert response.status_code == 302
    assert response.url == reverse("login")


def test_a_signed_in_session_without_a_sign_in_time_is_signed_out(signed_in):
    session = signed_in.session
    del session[SIGNED_IN_AT]
    session.save()
    response = signed_in.get(reverse("home"))
    assert response.url.startswith(reverse("login"))


IDLE_MESSAGE = "You were signed out after 30 minutes without activity."


def _signed_in_by_hand(client):
    client.cookies["django_language"] = "en"
    client.post(reverse("login"), {"username": "aba-organizer", "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 200


def _later(monkeypatch, **elapsed):
    """The whole site, sessions included, ``elapsed`` later."""
    moment = timezone.now() + dt.timedelta(**elapsed)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_a_user_signed_out_for_being_idle_is_told_why_on_the_sign_in_page(
    client, organizer, monkeypatch
):
    _signed_in_by_hand(client)
    _later(monkeypatch, minutes=31)

    response = client.get(reverse("event_list"), follow=True)

    assert response.redirect_chain[0] == (f"{reverse('login')}?next=/events/", 302)
    assert IDLE_MESSAGE in response.content.decode()
    assert IDLE_MESSAGE not in client.get(reverse("login")).content.decode()  # told once


def test_signing_out_by_hand_is_not_taken_for_being_idle(client, organizer, monkeypatch):
    _signed_in_by_hand(client)
    client.post(reverse("logout"))
    _later(monkeypatch, minutes=31)

    assert IDLE_MESSAGE not in client.get(reverse("login")).content.decode()


def test_the_sign_in_page_says_nothing_of_idleness_to_a_new_visitor(client, organizer):
    client.cookies["django_language"] = "en"
    assert IDLE_MESSAGE not in client.get(reverse("login")).content.decode()


def test_a_session_ended_otherwise_before_the_idle_limit_is_not_said_to_be_idle(
    client, organizer, monkeypatch
):
    _signed_in_by_hand(client)
    Session.objects.all().delete()  # ended on the server, say by an administrator
    _later(monkeypatch, minutes=5)

    response = client.get(reverse("event_list"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert IDLE_MESSAGE not in response.content.decode()


def test_after_12_hours_the_sign_in_page_gives_that_reason_not_idleness(
    client, organizer, monkeypatch
):
    _signed_in_by_hand(client)
    _signed_in_ago(client, hours=12, seconds=1)

    response = client.get(reverse("event_list"), follow=True)
    _later(monkeypatch, minutes=31)

    assert "12 hours have passed since you signed in" in response.content.decode()
    assert IDLE_MESSAGE not in response.content.decode()
    assert IDLE_MESSAGE not in client.get(reverse("login")).content.decode()
