"""Accounts: password rules, the lockout after failed sign-ins, unlocking, and the sign-in log."""

import datetime as dt
import json
import logging

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.test import Client, RequestFactory
from django.urls import reverse

from campaigns.models import AuditEntry
from campaigns.services.accounts import (
    sign_in_wait,
    user_sign_in_failure_record,
    user_sign_in_unlock,
)
from portal.accounts import client_address
from tests.factories import USER_PASSWORD, MembershipFactory, OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db

OFFICE_PROXY = "10.20.0.1"
WRONG = "not-the-password"


def _sign_in(client, username, password, address=OFFICE_PROXY, **headers):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        headers=headers,
    )


def _fail_five_times(client, username, address=OFFICE_PROXY, **headers):
    for _ in range(5):
        _sign_in(client, username, WRONG, address, **headers)


@pytest.fixture
def organizer():
    return MembershipFactory(user__username="aba-organizer").user


@pytest.fixture
def colleague():
    return MembershipFactory(user__username="aba-reviewer").user


@pytest.mark.parametrize(
    "password",
    ["yak-tea", "aba-organizer1", "password123", "3151592026"],
    ids=["too-short", "like-the-user-name", "common", "only-digits"],
)
def test_weak_passwords_are_refused(organizer, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=organizer)


def test_a_long_uncommon_password_is_accepted(organizer):
    validate_password("yak-butter-tea-315", user=organizer)


def test_five_wrong_passwords_lock_that_account_on_that_address(client, organizer):
    _fail_five_times(client, "aba-organizer")

    response = _sign_in(client, "aba-organizer", USER_PASSWORD)

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "该账号在此设备上登录失败次数过多，已被锁定一小时。"),
        ("bo", "ཆུ་ཚོད་གཅིག་རིང་ཟྭ་བརྒྱབ་ཡོད།"),
        ("en", "It is locked for one hour."),
    ],
)
def test_the_lockout_page_says_why_in_the_users_language(client, organizer, language, expected):
    _fail_five_times(client, "aba-organizer")

    response = _sign_in(client, "aba-organizer", USER_PASSWORD, **{"accept-language": language})

    assert response.status_code == 429
    assert f'<html lang="{language}">' in response.text
    assert expected in response.text


def test_one_users_lockout_does_not_lock_a_colleague_behind_the_same_proxy(
    client, organizer, colleague
):
    _fail_five_times(client, "aba-organizer")

    assert _sign_in(Client(), "aba-reviewer", USER_PASSWORD).status_code == 302
    assert _sign_in(client, "aba-organizer", USER_PASSWORD).status_code == 429


def test_without_trusted_proxies_a_forwarded_for_header_does_not_change_the_key(
    client, settings, organizer
):
    settings.TRUSTED_PROXY_COUNT = 0
    for number in range(5):
        _sign_in(client, "aba-organizer", WRONG, **{"x-forwarded-for": f"203.0.113.{number}"})

    response = _sign_in(
        client, "aba-organizer", USER_PASSWORD, **{"x-forwarded-for": "198.51.100.9"}
    )

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OFFICE_PROXY}


def test_behind_one_trusted_proxy_the_forwarded_address_is_the_key(client, settings, organizer):
    settings.TRUSTED_PROXY_COUNT = 1
    _fail_five_times(client, "aba-organizer", **{"x-forwarded-for": "203.0.113.7"})

    locked = _sign_in(client, "aba-organizer", USER_PASSWORD, **{"x-forwarded-for": "203.0.113.7"})
    elsewhere = _sign_in(
        client, "aba-organizer", USER_PASSWORD, **{"x-forwarded-for": "203.0.113.8"}
    )

    assert locked.status_code == 429
    assert elsewhere.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "203.0.113.7", OFFICE_PROXY),
        (1, "203.0.113.7", "203.0.113.7"),
        # The client wrote the left entry itself; only the proxy's own entry counts.
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.20.0.9", "203.0.113.7"),
        (2, "203.0.113.7", OFFICE_PROXY),  # fewer entries than proxies: a proxy was skipped
        (1, "not-an-address", OFFICE_PROXY),
        (1, "", OFFICE_PROXY),
    ],
)
def test_the_client_address_is_read_only_as_far_as_trusted_proxies_vouch(
    settings, proxies, forwarded_for, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get(
        "/", REMOTE_ADDR=OFFICE_PROXY, HTTP_X_FORWARDED_FOR=forwarded_for
    )

    assert client_address(request) == expected


def test_an_administrator_unlocks_sign_in_from_the_user_admin(admin_client, client, organizer):
    _fail_five_times(client, "aba-organizer")
    assert _sign_in(client, "aba-organizer", USER_PASSWORD).status_code == 429

    response = admin_client.post(
        reverse("admin:portal_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [organizer.pk]},
    )

    assert response.status_code == 302
    assert _sign_in(client, "aba-organizer", USER_PASSWORD).status_code == 302
    entry = AuditEntry.objects.get(action="portal.user.sign_in_unlocked")
    assert entry.object_id == str(organizer.pk)
    assert entry.actor.username == "admin"
    assert entry.data["attempts_cleared"] == 1


def test_an_administrator_cannot_unlock_someone_outside_their_subtree(organizer):
    branch = OrgUnitFactory(kind="branch", parent=OrgUnitFactory())
    branch_admin = MembershipFactory(role="admin", org_unit=branch).user

    with pytest.raises(PermissionDenied):
        user_sign_in_unlock(actor=branch_admin, user_id=organizer.pk)


def test_a_sign_in_is_audited_and_logged_with_name_and_address_never_the_password(
    client, organizer, caplog
):
    with caplog.at_level(logging.INFO, logger="portal.accounts"):
        assert _sign_in(client, "aba-organizer", USER_PASSWORD).status_code == 302

    entry = AuditEntry.objects.get(action="portal.user.signed_in")
    assert entry.actor == organizer
    assert entry.object_id == str(organizer.pk)
    assert entry.data == {"username": "aba-organizer", "address": OFFICE_PROXY}
    assert USER_PASSWORD not in json.dumps(entry.data) + entry.comment
    assert "aba-organizer" in caplog.text
    assert OFFICE_PROXY in caplog.text
    assert USER_PASSWORD not in caplog.text


def test_a_failed_sign_in_is_audited_and_logged_with_the_name_tried(client, organizer, caplog):
    with caplog.at_level(logging.INFO, logger="portal.accounts"):
        _sign_in(client, "aba-organizer", WRONG)

    entry = AuditEntry.objects.get(action="portal.user.sign_in_failed")
    assert entry.actor is None
    assert entry.object_id == str(organizer.pk)
    assert entry.data == {
        "username": "aba-organizer",
        "address": OFFICE_PROXY,
        "locked_out": False,
    }
    assert WRONG not in json.dumps(entry.data) + entry.comment
    assert [r.levelname for r in caplog.records if r.name == "portal.accounts"] == ["WARNING"]
    assert "aba-organizer" in caplog.text
    assert WRONG not in caplog.text


def test_a_failed_sign_in_with_an_unknown_name_is_audited_without_an_object(client, db):
    UserFactory(username="someone-else")

    _sign_in(client, "nobody-here", WRONG)

    entry = AuditEntry.objects.get(action="portal.user.sign_in_failed")
    assert (entry.object_type, entry.object_id, entry.object_repr) == (
        "portal.user",
        "",
        "nobody-here",
    )
    assert entry.data["username"] == "nobody-here"


def test_the_failure_that_locks_the_account_and_those_refused_after_it_are_marked(
    client, organizer
):
    _fail_five_times(client, "aba-organizer")
    _sign_in(client, "aba-organizer", USER_PASSWORD)

    flags = list(
        AuditEntry.objects.filter(action="portal.user.sign_in_failed")
        .order_by("pk")
        .values_list("data__locked_out", flat=True)
    )
    assert flags == [False, False, False, False, True, True]


# --- guessing at one account from many addresses: slowed down, never locked ----------------

ELSEWHERE = "198.51.100.7"


def _fail_from_many_addresses(username, count):
    for number in range(count):
        _sign_in(Client(), username, WRONG, f"203.0.113.{number + 1}")


def _time_passes(seconds):
    AuditEntry.objects.update(created_at=F("created_at") - dt.timedelta(seconds=seconds))


def test_wrong_passwords_from_many_addresses_make_the_next_try_wait(client, organizer):
    _fail_from_many_addresses("aba-organizer", 10)

    refused = _sign_in(
        client, "aba-organizer", USER_PASSWORD, ELSEWHERE, **{"accept-language": "en"}
    )
    _time_passes(6)
    admitted = _sign_in(client, "aba-organizer", USER_PASSWORD, ELSEWHERE)

    assert refused.status_code == 200
    assert "Wait 5 seconds, then try again." in refused.text
    assert admitted.status_code == 302


def test_tries_refused_while_waiting_neither_count_nor_lock_the_address(client, organizer):
    _fail_from_many_addresses("aba-organizer", 10)
    for _ in range(6):  # more than the lockout's five
        _sign_in(client, "aba-organizer", USER_PASSWORD, ELSEWHERE)
    _time_passes(6)

    assert _sign_in(client, "aba-organizer", USER_PASSWORD, ELSEWHERE).status_code == 302
    assert not AccessAttempt.objects.filter(ip_address=ELSEWHERE).exists()
    assert AuditEntry.objects.filter(data__slowed=True).count() == 6


def test_the_owners_usual_address_is_not_slowed_by_guesses_elsewhere(organizer):
    assert _sign_in(Client(), "aba-organizer", USER_PASSWORD).status_code == 302
    _fail_from_many_addresses("aba-organizer", 30)

    assert _sign_in(Client(), "aba-organizer", USER_PASSWORD, ELSEWHERE).status_code == 200
    assert _sign_in(Client(), "aba-organizer", USER_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("failures", "after_seconds", "wait"),
    [(9, 0, 0), (10, 0, 5), (11, 0, 10), (11, 10, 0), (40, 0, 300), (40, 299, 1), (40, 300, 0)],
)
def test_the_wait_doubles_with_each_failure_and_never_passes_five_minutes(
    organizer, failures, after_seconds, wait
):
    for number in range(failures):
        user_sign_in_failure_record(
            username="aba-organizer", address=f"203.0.113.{number + 1}", locked_out=False
        )
    last = AuditEntry.objects.latest("created_at").created_at

    assert (
        sign_in_wait(
            username="aba-organizer",
            address=ELSEWHERE,
            now=last + dt.timedelta(seconds=after_seconds),
        )
        == wait
    )
