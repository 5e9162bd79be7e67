"""All or nothing, proven: a sheet of good rows with one bad row among them saves none of
them, neither new events nor changes to existing ones, nor sign-ins."""

import pytest
from django.utils import translation

from campaigns.models import AuditEntry, Event, SignIn
from campaigns.services import signins as sign_in_services
from tests.imports.test_events_import import GOOD, PLANNED, run, sheet
from tests.services.test_signins import sheet as sign_in_sheet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("bad_at", [0, 2, 4], ids=["first", "middle", "last"])
def test_one_bad_row_among_good_ones_saves_no_event(world, bad_at):
    assert run(world, sheet(PLANNED | {"external_ref": "OLD-1"})).saved
    old = Event.objects.get(external_ref="OLD-1")
    entries = AuditEntry.objects.count()
    rows = [
        GOOD | {"external_ref": "OLD-1", "title": "改过的名称"},  # an update
        GOOD | {"external_ref": "NEW-1"},
        GOOD | {"external_ref": "NEW-2", "audience_women": 0},
        GOOD | {"external_ref": "NEW-3", "county": "513233"},
    ]
    rows.insert(bad_at, GOOD | {"external_ref": "BAD-1", "audience_youth": "很多"})

    result = run(world, sheet(*rows), submit=True)

    assert [problem.row for problem in result.problems] == [3 + bad_at]
    assert not Event.objects.exclude(pk__in=[old.pk, world.event.pk]).exists()
    old.refresh_from_db()
    assert (old.title, old.version, old.status) == (PLANNED["title"], 1, Event.Status.PLANNED)
    assert AuditEntry.objects.count() == entries


def test_a_report_refused_when_submitted_undoes_the_whole_import(world):
    """Submitting is the last step: a report the submit service refuses (an online event
    counts its reach online, not by audience) takes every row saved before it back out."""
    online = PLANNED | {"external_ref": "LIVE-1", "channel": "livestream", "venue_name": None}
    online |= {"head_count": 50}  # an online event reports its reach, not a head count

    result = run(world, sheet(GOOD, online), submit=True)

    assert [(p.row, p.column) for p in result.problems] == [(4, "A 外部编号")]
    assert "before you submit it" in result.problems[0].reason
    assert not Event.objects.filter(external_ref__in=["HY-2024-001", "LIVE-1"]).exists()
    assert not AuditEntry.objects.filter(action__startswith="campaigns.event.import").exists()


def test_one_bad_row_among_good_ones_saves_no_sign_in(world):
    rows = [
        ("卓玛", "13812341234", "妇女", "是"),
        ("扎西", 13912341234, "农牧民", "是"),
        ("拉姆", "13712341234", "妇女", "否"),  # did not agree
        ("次仁", "13612341234", "农牧民", "是"),
    ]

    result = sign_in_services.sign_ins_import(
        user=world.organizer, event_id=world.event.pk, data=sign_in_sheet(*rows)
    )

    assert [problem.row for problem in result.problems] == [4]
    assert not SignIn.objects.exists()
    assert not AuditEntry.objects.filter(action="campaigns.signin.imported").exists()
