"""The audit page: who did what to which object, for headquarters and unit administrators."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import AuditEntry, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db

ADMIN, ORGANIZER = Membership.Role.ADMIN, Membership.Role.ORGANIZER
REVIEWER, TRANSLATOR = Membership.Role.REVIEWER, Membership.Role.TRANSLATOR


def _signed_in(client, role, unit):
    user = f.MembershipFactory(role=role, org_unit=unit).user
    client.force_login(user)
    return client


def _objects(response) -> list[str]:
    """The objects of the listed entries, leaving out the viewer's own sign-in."""
    return [
        row.entry.object_repr
        for row in response.context["rows"]
        if row.entry.action != "portal.user.signed_in"
    ]


def _at(entry, day: dt.date, hour: int = 10):
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=moment)


@pytest.fixture
def entries(org_tree):
    """One entry owned at each of several levels, and one about a company-wide object."""
    made = {
        name: f.AuditEntryFactory(org_unit=org_tree[name], object_repr=f"{name} entry")
        for name in ("hq", "branch_a", "sub_a", "branch_b")
    }
    made["company"] = f.AuditEntryFactory(org_unit=None, object_repr="company entry")
    for day, entry in enumerate(made.values(), start=1):
        _at(entry, dt.date(2025, 3, day))
    return made


def test_headquarters_sees_every_entry_newest_first(client, org_tree, entries):
    client = _signed_in(client, REVIEWER, org_tree["hq"])

    response = client.get(reverse("audit_log"))

    assert response.status_code == 200
    assert _objects(response) == [
        "company entry",
        "branch_b entry",
        "sub_a entry",
        "branch_a entry",
        "hq entry",
    ]


def test_a_branch_administrator_sees_the_entries_of_their_subtree_only(client, org_tree, entries):
    client = _signed_in(client, ADMIN, org_tree["branch_a"])

    response = client.get(reverse("audit_log"))

    assert response.status_code == 200
    assert _objects(response) == ["sub_a entry", "branch_a entry"]


@pytest.mark.parametrize("role", [ORGANIZER, REVIEWER, TRANSLATOR])
def test_other_roles_outside_headquarters_are_refused(client, org_tree, entries, role):
    client = _signed_in(client, role, org_tree["branch_a"])

    assert client.get(reverse("audit_log")).status_code == 403


def test_a_translator_at_headquarters_may_read_it(client, org_tree, entries):
    client = _signed_in(client, TRANSLATOR, org_tree["hq"])

    assert client.get(reverse("audit_log")).status_code == 200


def test_signing_in_comes_first(client, db):
    response = client.get(reverse("audit_log"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_navigation_links_to_it_only_for_those_allowed(client, org_tree):
    link = f'href="{reverse("audit_log")}"'
    admin = f.MembershipFactory(role=ADMIN, org_unit=org_tree["sub_a"]).user
    organizer = f.MembershipFactory(role=ORGANIZER, org_unit=org_tree["sub_a"]).user

    client.force_login(admin)
    assert link in client.get(reverse("event_list")).text
    client.force_login(organizer)
    assert link not in client.get(reverse("event_list")).text


def test_a_row_says_who_did_what_to_which_object_where(client, org_tree):
    organizer = f.UserFactory(username="aba-organizer", first_name="卓玛")
    event = f.EventFactory(org_unit=org_tree["sub_a"], title="红原牧场宣讲")
    f.AuditEntryFactory(
        actor=organizer,
        action="campaigns.event.returned",
        object_type="campaigns.event",
        object_id=str(event.pk),
        object_repr=event.title,
        org_unit=org_tree["sub_a"],
        comment="Please add the number of herders.",
    )
    client = _signed_in(client, REVIEWER, org_tree["hq"])

    page = client.get(reverse("audit_log")).text

    assert "Event report returned to the organizer" in page
    assert f'<a href="{reverse("event_detail", args=[event.pk])}">红原牧场宣讲</a>' in page
    assert "by 卓玛" in page
    assert org_tree["sub_a"].name in page
    assert "Please add the number of herders." in page


def test_an_export_of_personal_information_shows_the_reason_given(client, org_tree):
    f.AuditEntryFactory(
        action="campaigns.signin.exported",
        org_unit=org_tree["sub_a"],
        comment="Follow-up calls for the screening day",
        data={"sign_ins": 32, "reason": "Follow-up calls for the screening day"},
    )
    client = _signed_in(client, ADMIN, org_tree["branch_a"])

    response = client.get(reverse("audit_log"))

    (row,) = [r for r in response.context["rows"] if r.entry.action.endswith(".exported")]
    assert row.reason == "Follow-up calls for the screening day"
    assert row.details == "Sign-ins: 32"
    assert "Sign-in list exported with personal information" in response.text
    assert "Reason given:" in response.text
    assert response.text.count("Follow-up calls for the screening day") == 1


def test_entries_without_a_page_or_an_actor_are_shown_as_text(client, org_tree):
    f.AuditEntryFactory(
        action="campaigns.signin.purged",
        object_type="campaigns.signin",
        object_id="*",
        object_repr="sign-ins",
        org_unit=None,
        data={"count": 12},
    )
    client = _signed_in(client, REVIEWER, org_tree["hq"])

    response = client.get(reverse("audit_log"), {"action": "campaigns.signin.purged"})

    (row,) = response.context["rows"]
    assert (row.actor, row.object_url, row.details) == ("the system", "", "Number: 12")
    assert "company-wide" in response.text


@pytest.fixture
def varied(org_tree):
    """Entries that differ in one thing each from a plain one."""
    reviewer = f.UserFactory(username="sc-reviewer")
    base = {
        "org_unit": org_tree["sub_a"],
        "actor": f.UserFactory(username="aba-organizer"),
        "action": "campaigns.event.planned",
    }
    made = {
        "plain": f.AuditEntryFactory(**base, object_repr="plain"),
        "actor": f.AuditEntryFactory(**{**base, "actor": reviewer}, object_repr="actor"),
        "action": f.AuditEntryFactory(
            **{**base, "action": "campaigns.event.approved"}, object_repr="action"
        ),
        "object_type": f.AuditEntryFactory(
            **base, object_type="campaigns.partner", object_repr="object_type"
        ),
        "unit": f.AuditEntryFactory(
            **{**base, "org_unit": org_tree["branch_b"]}, object_repr="unit"
        ),
        "date": f.AuditEntryFactory(**base, object_repr="date"),
    }
    for entry in made.values():
        _at(entry, dt.date(2025, 3, 10))
    _at(made["date"], dt.date(2025, 3, 20), hour=23)
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "sc-rev"}, ["actor"]),
        ({"action": "campaigns.event.approved"}, ["action"]),
        ({"object_type": "campaigns.partner"}, ["object_type"]),
        ({"unit": "BR-b"}, ["unit"]),
        ({"since": "2025-03-11"}, ["date"]),
        ({"since": "2025-03-20", "until": "2025-03-20"}, ["date"]),
        (
            {"until": "2025-03-19", "unit": "BR-a", "action": "campaigns.event.planned"},
            ["plain", "actor", "object_type"],
        ),
    ],
    ids=["actor", "action", "object-type", "unit", "since", "one-day", "combined"],
)
def test_filters_narrow_the_list(client, org_tree, varied, query, expected):
    client = _signed_in(client, REVIEWER, org_tree["hq"])

    response = client.get(reverse("audit_log"), query)

    assert sorted(_objects(response)) == sorted(expected)


def test_a_unit_the_user_cannot_see_is_refused_next_to_the_field(client, org_tree, varied):
    client = _signed_in(client, ADMIN, org_tree["branch_a"])

    response = client.get(reverse("audit_log"), {"unit": "BR-b"})

    assert response.context["form"].errors["unit"]
    assert "unit" not in _objects(response)


def test_a_long_log_is_paginated(client, org_tree):
    entries = [
        f.AuditEntryFactory(org_unit=org_tree["sub_a"], object_repr=f"entry {n}") for n in range(31)
    ]
    for minute, entry in enumerate(entries):
        AuditEntry.objects.filter(pk=entry.pk).update(
            created_at=dt.datetime(2025, 3, 1, 8, minute, tzinfo=timezone.get_default_timezone())
        )
    client = _signed_in(client, ADMIN, org_tree["branch_a"])

    first = client.get(reverse("audit_log"), {"unit": "SB-a"})
    second = client.get(reverse("audit_log"), {"unit": "SB-a", "page": 2})

    assert _objects(first)[:2] == ["entry 30", "entry 29"]
    assert len(_objects(first)) == 30
    assert _objects(second) == ["entry 0"]
    assert "Page 2 of 2" in second.text


def test_an_empty_log_says_so(client, org_tree):
    client = _signed_in(client, ADMIN, org_tree["branch_a"])

    response = client.get(reverse("audit_log"))

    assert "Nothing has been recorded yet." in response.text


def test_a_filter_matching_nothing_says_so_and_offers_to_clear_it(client, org_tree, entries):
    client = _signed_in(client, REVIEWER, org_tree["hq"])

    response = client.get(reverse("audit_log"), {"actor": "nobody"})

    assert "No entry matches these filters." in response.text
    assert "Clear filters" in response.text


def test_the_page_reads_a_fixed_number_of_queries(client, org_tree, django_assert_max_num_queries):
    for number in range(30):
        f.AuditEntryFactory(
            actor=f.UserFactory(),
            org_unit=org_tree["sub_a" if number % 2 else "central_a"],
            action="campaigns.signin.exported",
            data={"reason": "follow-up", "sign_ins": number},
        )
    client = _signed_in(client, ADMIN, org_tree["branch_a"])

    # Session, user, roles, scope, the unit filter, unread notifications, the count and the
    # page with its actors and units: none of them per entry.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("audit_log"), {"unit": "BR-a"})

    assert len(response.context["rows"]) == 30


@pytest.mark.parametrize(
    ("action", "object_type", "data", "expected"),
    [
        (
            "campaigns.membership.granted",
            "campaigns.membership",
            {"username": "dolma", "role": "organizer"},
            "User name: dolma; Role: organizer",
        ),
        (
            "campaigns.partner.updated",
            "campaigns.partner",
            {"changed": ["name", "contact_phone"]},
            "Changed: Name, Contact phone",
        ),
        (
            "campaigns.agreement.created",
            "campaigns.partneragreement",
            {"services": ["health_screening"], "counties": [], "document": True},
            "Services offered: health screening; Counties: —; Signed document: Yes",
        ),
        (
            "campaigns.target.set",
            "campaigns.campaigntarget",
            {"before": None, "after": {"events": 3, "people_reached": 120}},
            "Before: —; After: Events: 3, People reached: 120",
        ),
        (
            "campaigns.edition.block_saved",
            "campaigns.materialedition",
            {"position": 2, "changed": ["text_bo"]},
            "Position: 2; Changed: Tibetan text",
        ),
        (
            "campaigns.event.photo_added",
            "campaigns.event",
            {"width": 1600, "bytes": 345678},
            "Width: 1600; Size: 337.6\xa0KB",
        ),
        (
            "admin.campaigns.partner.changed",
            "campaigns.partner",
            {"changes": [{"changed": {"fields": ["Name"]}}]},
            "Changes: Changed Name.",
        ),
    ],
    ids=["choice", "field-names", "services-and-yes", "nested-figures", "block", "size", "admin"],
)
def test_an_entrys_data_is_shown_as_labels_and_values(
    client, org_tree, action, object_type, data, expected
):
    f.AuditEntryFactory(
        action=action, object_type=object_type, org_unit=org_tree["sub_a"], data=data
    )
    client = _signed_in(client, REVIEWER, org_tree["hq"])

    response = client.get(reverse("audit_log"))

    (row,) = [row for row in response.context["rows"] if row.entry.action == action]
    assert row.details == expected
