"""The main navigation: each person is offered the sections their roles give them work in, and
the section of the page they are on is marked."""

import re

import pytest
from django.urls import reverse

from campaigns.models import Membership
from portal.access import SECTION_ACTIONS
from portal.navigation import SECTIONS, section_of
from tests import factories as f

pytestmark = pytest.mark.django_db

ORGANIZER, REVIEWER, TRANSLATOR, ADMIN = (
    Membership.Role.ORGANIZER,
    Membership.Role.REVIEWER,
    Membership.Role.TRANSLATOR,
    Membership.Role.ADMIN,
)
EVENTS, REVIEW, COVERAGE, PARTNERS = "/events/", "/events/review/", "/coverage/", "/partners/"
HANDOUTS, AUDIT, MEMBERS = "/materials/", "/audit/", "/members/"
MEASURES = "/measures/"

# Written from the roles' work, not from the product's table: who plans, reviews, translates,
# administers, and what headquarters adds (its members read the audit log).
SECTIONS_BY_ROLE = [
    (ORGANIZER, "sub_a", [EVENTS, COVERAGE, PARTNERS, HANDOUTS, MEASURES]),
    (ORGANIZER, "hq", [EVENTS, COVERAGE, PARTNERS, HANDOUTS, MEASURES, AUDIT]),
    (REVIEWER, "branch_a", [EVENTS, REVIEW, COVERAGE, PARTNERS, HANDOUTS, MEASURES]),
    (REVIEWER, "hq", [EVENTS, REVIEW, COVERAGE, PARTNERS, HANDOUTS, MEASURES, AUDIT]),
    (TRANSLATOR, "branch_a", [HANDOUTS]),
    (TRANSLATOR, "hq", [HANDOUTS, AUDIT]),
    (ADMIN, "branch_a", [EVENTS, COVERAGE, AUDIT, MEMBERS]),
    (ADMIN, "hq", [EVENTS, COVERAGE, AUDIT, MEMBERS]),
]


def main_navigation(html: str) -> list[tuple[str, str | None]]:
    """(href, aria-current) of each link of the page's main navigation, in order."""
    nav = re.search(r'<nav class="main-nav"[^>]*>(.*?)</nav>', html, re.DOTALL)
    if nav is None:
        return []
    return [
        (href, current)
        for href, current in re.findall(
            r'<a href="([^"]+)"(?: aria-current="([^"]+)")?>', nav.group(1)
        )
    ]


def hrefs(html: str) -> list[str]:
    return [href for href, _current in main_navigation(html)]


@pytest.mark.parametrize(("role", "unit", "expected"), SECTIONS_BY_ROLE)
def test_each_role_is_offered_exactly_the_sections_it_works_in(
    client, org_tree, role, unit, expected
):
    client.force_login(f.MembershipFactory(role=role, org_unit=org_tree[unit]).user)

    assert hrefs(client.get(reverse("home")).text) == expected


def test_an_organizer_has_no_review_queue_and_a_translator_no_coverage(client, org_tree):
    organizer = f.MembershipFactory(role=ORGANIZER, org_unit=org_tree["sub_a"]).user
    translator = f.MembershipFactory(role=TRANSLATOR, org_unit=org_tree["sub_a"]).user

    client.force_login(organizer)
    assert REVIEW not in hrefs(client.get(reverse("home")).text)
    client.force_login(translator)
    assert COVERAGE not in hrefs(client.get(reverse("home")).text)
    assert EVENTS not in hrefs(client.get(reverse("home")).text)


def test_two_roles_are_offered_the_sections_of_both(client, org_tree):
    user = f.MembershipFactory(role=TRANSLATOR, org_unit=org_tree["branch_a"]).user
    f.MembershipFactory(user=user, role=ADMIN, org_unit=org_tree["sub_a"])

    client.force_login(user)

    assert hrefs(client.get(reverse("home")).text) == [EVENTS, COVERAGE, HANDOUTS, AUDIT, MEMBERS]


def test_a_superuser_is_offered_every_section(admin_client):
    assert hrefs(admin_client.get(reverse("home")).text) == [
        EVENTS,
        REVIEW,
        COVERAGE,
        PARTNERS,
        HANDOUTS,
        MEASURES,
        AUDIT,
        MEMBERS,
    ]


def test_someone_without_a_role_is_offered_no_section_but_keeps_their_account_links(client, db):
    client.force_login(f.UserFactory())

    page = client.get(reverse("home")).text

    assert 'class="main-nav"' not in page
    assert f'href="{reverse("password_change")}"' in page


def test_the_section_of_the_page_is_marked_as_current(client, org_tree):
    reviewer = f.MembershipFactory(role=REVIEWER, org_unit=org_tree["hq"]).user
    event = f.EventFactory(org_unit=org_tree["sub_a"])
    client.force_login(reviewer)

    on_review_queue = main_navigation(client.get(reverse("review_queue")).text)
    on_event = main_navigation(client.get(reverse("event_detail", args=[event.pk])).text)
    on_home = main_navigation(client.get(reverse("home")).text)

    assert [link for link in on_review_queue if link[1]] == [(REVIEW, "page")]
    # A page inside a section marks it, but not as the page itself.
    assert [link for link in on_event if link[1]] == [(EVENTS, "true")]
    assert not [link for link in on_home if link[1]]


@pytest.mark.parametrize(
    ("url_name", "section"),
    [
        ("event_list", "events"),
        ("event_report", "events"),
        ("events_import", "events"),
        ("review_queue", "review"),
        ("event_approve_bulk", "review"),
        ("coverage_region", "coverage"),
        ("targets_edit", "coverage"),
        ("agreement_edit", "partners"),
        ("edition_editor", "handouts"),
        ("print_run_detail", "handouts"),
        ("member_add", "members"),
        ("audit_log", "audit"),
        ("measure_return_detail", "measures"),
        ("measure_review_queue", "measures"),
        ("mediation_room_edit", "measures"),
        ("mediator_create", "measures"),
        ("job_list", None),
        ("home", None),
    ],
)
def test_each_page_belongs_to_the_section_a_person_would_look_for_it_in(url_name, section):
    found = section_of(url_name)
    assert (found.key if found else None) == section


def test_every_section_the_access_rules_name_is_in_the_navigation():
    assert {section.key for section in SECTIONS} == {*SECTION_ACTIONS, "audit"}
    for section in SECTIONS:
        reverse(section.url_name)
