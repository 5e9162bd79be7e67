"""One head count per event in the sheet: the groups are "of whom" figures under it, and a
row breaking that is refused at the group's cell by the report service's own rule."""

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from campaigns.imports.events_sheet import column_labels, columns, template_workbook
from campaigns.models import Event
from tests.imports.test_events_import import GOOD, PLANNED, run, sheet

pytestmark = pytest.mark.django_db

KEYS = [column.key for column in columns()]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _problems(result) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.reason) for p in result.problems]


def test_the_template_asks_for_the_head_count_then_the_groups_of_whom():
    events = load_workbook(io.BytesIO(template_workbook(county_choices=[])))["活动"]
    headers = [cell.value for cell in events[1]]

    at = KEYS.index("head_count")
    assert headers[at] == "到场人数"
    assert all(key.startswith("audience_") for key in KEYS[at + 2 : at + 13])
    assert headers[KEYS.index("audience_women")] == "其中：妇女"
    assert "一人可同时计入多类" in events.cell(row=1, column=at + 1).comment.text


def test_overlapping_groups_under_one_head_count_are_saved_as_they_are(world):
    assert run(world, sheet(GOOD)).saved  # 70 came: 60 herders, 35 women

    event = Event.objects.get(external_ref=GOOD["external_ref"])
    assert (event.head_count, event.people_reached) == (70, 70)
    assert (event.audience_farmers_herders, event.audience_women) == (60, 35)


def test_a_group_above_the_head_count_is_refused_at_the_groups_cell(world):
    result = run(world, sheet(GOOD | {"head_count": 50}))

    assert _problems(result) == [
        (
            3,
            column_labels()["audience_farmers_herders"],
            "At most the head count (50): a group is part of it.",
        )
    ]
    assert result.problems[0].value == "60"
    assert not Event.objects.filter(external_ref=GOOD["external_ref"]).exists()


def test_groups_without_a_head_count_are_refused_at_each_group(world):
    result = run(world, sheet(GOOD | {"head_count": None}))

    reason = "Give the head count first: this group is part of it."
    assert sorted(_problems(result)) == sorted(
        [
            (3, column_labels()["audience_farmers_herders"], reason),
            (3, column_labels()["audience_women"], reason),
        ]
    )
    assert not Event.objects.filter(external_ref=GOOD["external_ref"]).exists()


def test_the_reason_is_the_report_services_in_the_users_language(world):
    with translation.override("zh-hans"):
        result = run(world, sheet(GOOD | {"head_count": 50}))
        expected = translation.gettext(
            "At most the head count (%(head_count)s): a group is part of it."
        ) % {"head_count": 50}
    assert result.problems[0].reason == expected


def test_a_bad_head_count_is_its_only_problem(world):
    """The groups are checked against a head count once it can be read."""
    result = run(world, sheet(GOOD | {"head_count": "七十"}))

    assert [(p.row, p.column) for p in result.problems] == [(3, column_labels()["head_count"])]


def test_an_online_row_reports_its_reach_not_groups(world):
    online = PLANNED | {"channel": "livestream", "venue_name": None, "online_reach": 12_000}

    refused = run(world, sheet(online | {"audience_youth": 300}))
    assert _problems(refused) == [
        (
            3,
            column_labels()["audience_youth"],
            "An online event reports its reach, not audience groups.",
        )
    ]

    assert run(world, sheet(online), submit=True).saved
    event = Event.objects.get(external_ref=online["external_ref"])
    assert (event.online_reach, event.head_count, event.people_reached) == (12_000, None, 12_000)
    assert event.status == Event.Status.REPORTED


def test_a_head_count_alone_is_a_report_that_may_be_submitted(world):
    result = run(world, sheet(PLANNED | {"head_count": 40}), submit=True)

    assert result.submitted == 1
    event = Event.objects.get(external_ref=PLANNED["external_ref"])
    assert (event.status, event.people_reached) == (Event.Status.REPORTED, 40)


def test_importing_a_row_confirms_a_derived_head_count_like_saving_the_report(world):
    assert run(world, sheet(GOOD)).saved
    Event.objects.filter(external_ref=GOOD["external_ref"]).update(head_count_derived=True)

    assert run(world, sheet(GOOD | {"head_count": 80})).updated == 1

    event = Event.objects.get(external_ref=GOOD["external_ref"])
    assert (event.head_count, event.head_count_derived) == (80, False)
