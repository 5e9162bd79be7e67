"""Coverage summaries stay equal to what the events add up to, after any sequence of
changes through the services (plan, update, report, submit, approve, return, cancel,
delete, import), and the rebuild command gives the same rows however often it runs."""

import contextlib
import datetime as dt
import io
import itertools
import threading
import time

import hypothesis
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from campaigns.errors import InvalidState, NotAllowed, StaleEdit
from campaigns.imports.events_sheet import columns, template_workbook
from campaigns.models import CoverageSummary, Event, Membership
from campaigns.models.coverage import FIGURES
from campaigns.selectors import coverage
from campaigns.selectors.events import EventFilters
from campaigns.selectors.regulator import regulator_statistics
from campaigns.services import events as services
from campaigns.services.coverage import summaries_computed
from campaigns.services.imports import events_import
from tests import factories as f
from tests.events_world import BEIJING, member

pytestmark = pytest.mark.django_db

UNITS = ("central_a", "sub_a")
COUNTIES = ("513233", "513201")
# Two days in each of two weeks, so that date changes move events between weekly rows and
# within them (where the latest event of a row may leave it).
DAYS = [dt.date(2025, 3, 10), dt.date(2025, 3, 12), dt.date(2025, 3, 17), dt.date(2025, 3, 19)]
HOURS = st.sampled_from([9, 14])
IN_PERSON_FORMATS = ("lecture", "stall", "salon")
ONLINE = (("livestream", "livestream"), ("wechat_article", "other"))
# The sheet's Chinese labels of a few venue types and formats.
SHEET_VENUES = ("乡村/农牧区", "社区")
SHEET_FORMATS = ("讲座", "摆摊")


class Summaries:
    """The world the changes act on: two units serving two counties, their people."""

    def __init__(self, org_tree):
        self.counties = {
            "513233": f.RegionFactory(code="513233", name_zh="红原县", ethnic_area=True),
            "513201": f.RegionFactory(code="513201", name_zh="马尔康市"),
        }
        for name in ("branch_a", "central_a", "sub_a"):
            org_tree[name].service_area.add(*self.counties.values())
        self.units = org_tree
        self.campaign = f.CampaignFactory(
            starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 3, 31)
        )
        self.organizer = member(org_tree["central_a"], Membership.Role.ORGANIZER, "organizer")
        self.reviewer = member(org_tree["branch_a"], Membership.Role.REVIEWER, "reviewer")
        self.hq_reviewer = member(org_tree["hq"], Membership.Role.REVIEWER, "hq-reviewer")
        self.template = template_workbook(county_choices=list(COUNTIES))


@pytest.fixture
def summaries_world(org_tree):
    return Summaries(org_tree)


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BEIJING)


def _channel_fields(kind: int, venue: str) -> dict:
    if kind < len(IN_PERSON_FORMATS):
        return {"channel": "offline", "format": IN_PERSON_FORMATS[kind], "venue_type": venue}
    channel, event_format = ONLINE[kind - len(IN_PERSON_FORMATS)]
    return {"channel": channel, "format": event_format, "venue_type": venue}


def _event(world, pick: int, *statuses: str) -> Event | None:
    """One of the events, among those in ``statuses`` if given: a change most sequences
    could not make (approving a planned event) would leave most sequences short."""
    events = Event.objects.filter(campaign=world.campaign).order_by("pk")
    if statuses:
        events = events.filter(status__in=statuses)
    events = list(events)
    return events[pick % len(events)] if events else None


def plan(world, unit, county, day, hour, kind, venue):
    services.event_plan(
        user=world.organizer,
        campaign=world.campaign,
        org_unit=world.units[UNITS[unit]],
        county=world.counties[COUNTIES[county]],
        title="宣讲",
        venue_name="安曲牧场",
        starts_at=_moment(DAYS[day], hour),
        topics=["anti_fraud"],
        **_channel_fields(kind, venue),
    )


def update(world, pick, unit, county, day, hour, kind, venue):
    event = _event(world, pick)
    if event is None:
        return
    services.event_plan_update(
        user=world.organizer,
        event_id=event.pk,
        expected_version=event.version,
        topics=["anti_fraud"],
        org_unit=world.units[UNITS[unit]],
        county=world.counties[COUNTIES[county]],
        starts_at=_moment(DAYS[day], hour),
        **_channel_fields(kind, venue),
    )


def report(world, pick, head_count, women, staff):
    event = _event(world, pick, *Event.EDITABLE)
    if event is None:
        return
    online = event.channel != "offline"
    services.event_report_save(
        user=world.organizer,
        event_id=event.pk,
        expected_version=event.version,
        figures={
            "head_count": None if online else head_count,
            "online_reach": head_count * 10 if online else None,
            "staff_count": staff,
        },
        audience={} if online else {"women": min(women, head_count), "elderly": head_count // 2},
    )


ACTED_ON = {
    "submit": Event.EDITABLE,
    "approve": {"reported"},
    "return": {"reported"},
    "cancel": {"planned"},
}


def review(world, pick, action):
    event = _event(world, pick, *ACTED_ON[action])
    if event is None:
        return
    arguments = {"event_id": event.pk, "expected_version": event.version}
    if action == "submit":
        services.event_submit(user=world.organizer, **arguments)
    elif action == "approve":
        services.event_approve(user=world.reviewer, **arguments)
    elif action == "return":
        services.event_return(user=world.reviewer, note="再补充", **arguments)
    elif action == "cancel":
        services.event_cancel(user=world.organizer, reason="天气", **arguments)


def reported(world, unit, county, day, hour, kind, venue, head_count, approved):
    """A whole report at once (planned, reported, submitted, perhaps approved): most random
    sequences of single steps would count no event at all."""
    plan(world, unit, county, day, hour, kind, venue)
    pick = Event.objects.count() - 1
    report(world, pick, head_count, head_count // 2, head_count % 7)
    review(world, pick, "submit")
    if approved:
        review(world, 0, "approve")


def delete(world, pick):
    event = _event(world, pick)
    if event is not None:
        event.delete()


def sheet_import(world, ref, county, day, head_count, venue, submit):
    book = load_workbook(io.BytesIO(world.template))
    keys = [column.key for column in columns()]
    row = {
        "external_ref": f"IMP-{ref}",
        "title": "导入的宣讲",
        "county": COUNTIES[county],
        "venue_name": "社区中心",
        "venue_type": SHEET_VENUES[venue],
        "format": SHEET_FORMATS[venue],
        "starts_at": dt.datetime.combine(DAYS[day], dt.time(9)),
        "topics": "反诈",
        "head_count": head_count,
        "audience_women": head_count // 3,
    }
    book.worksheets[0].append([row.get(key) for key in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    events_import(
        user=world.organizer,
        org_unit_id=world.units["central_a"].pk,
        campaign_id=world.campaign.pk,
        data=buffer.getvalue(),
        submit=submit,
    )


picks = st.integers(0, 50)
CHANGES = st.one_of(
    st.tuples(
        st.just(plan),
        st.integers(0, 1),
        st.integers(0, 1),
        st.integers(0, len(DAYS) - 1),
        HOURS,
        st.integers(0, len(IN_PERSON_FORMATS) + len(ONLINE) - 1),
        st.sampled_from(["village", "community", "campus"]),
    ),
    st.tuples(
        st.just(update),
        picks,
        st.integers(0, 1),
        st.integers(0, 1),
        st.integers(0, len(DAYS) - 1),
        HOURS,
        st.integers(0, len(IN_PERSON_FORMATS) + len(ONLINE) - 1),
        st.sampled_from(["village", "community", "campus"]),
    ),
    st.tuples(st.just(report), picks, st.integers(0, 300), st.integers(0, 300), st.integers(0, 9)),
    st.tuples(st.just(review), picks, st.sampled_from(list(ACTED_ON))),
    st.tuples(
        st.just(reported),
        st.integers(0, 1),
        st.integers(0, 1),
        st.integers(0, len(DAYS) - 1),
        HOURS,
        st.integers(0, len(IN_PERSON_FORMATS) + len(ONLINE) - 1),
        st.sampled_from(["village", "community", "campus"]),
        st.integers(0, 300),
        st.booleans(),
    ),
    st.tuples(st.just(delete), picks),
    st.tuples(
        st.just(sheet_import),
        st.integers(0, 2),
        st.integers(0, 1),
        st.integers(0, len(DAYS) - 1),
        st.integers(1, 200),
        st.integers(0, 1),
        st.booleans(),
    ),
)
# What a service may refuse in a random sequence (a report of an approved event, a plan
# moved to a county the unit does not serve...): refused changes change nothing.
REFUSALS = (ValidationError, InvalidState, NotAllowed, StaleEdit)


def stored_summaries() -> dict:
    """The summary rows that count an event, by key; the rows left empty hold nothing."""
    rows = {}
    for row in CoverageSummary.objects.all():
        figures = {name: getattr(row, name) for name in FIGURES}
        if row.events == 0:
            assert not any(figures.values()), row
            assert row.last_event is None, row
            continue
        rows[row.key()] = {**figures, "last_event": row.last_event}
    return rows


def computed_summaries() -> dict:
    """The summary rows computed afresh from the events, as the rebuild writes them."""
    rows = {}
    for computed in summaries_computed(Event):
        row = CoverageSummary(**computed)
        rows[row.key()] = {name: computed[name] for name in (*FIGURES, "last_event")}
    return rows


def coverage_read(world, monkeypatch, *, live: bool) -> list:
    """What every coverage reader says of the world, for its branch and its headquarters:
    from the summaries, or (``live``) from the events, as a filtered view reads them."""
    with monkeypatch.context() as patched:
        if live:
            patched.setattr(coverage, "summaries_answer", lambda *args, **kwargs: False)
        said = []
        for unit, include_reported in itertools.product(("hq", "branch_a"), (False, True)):
            arguments = {
                "user": world.reviewer if unit == "branch_a" else world.hq_reviewer,
                "campaign": world.campaign,
                "unit": world.units[unit],
                "filters": EventFilters(),
                "include_reported": include_reported,
            }
            said += [
                coverage.unit_coverage(**arguments),
                coverage.coverage_mix(**arguments),
                regulator_figures(regulator_statistics(**arguments)),
            ]
            if unit == "branch_a":
                said += [
                    coverage.region_coverage(**arguments),
                    coverage.county_coverage(**arguments),
                    *(
                        coverage.county_figures(**arguments, county=county)
                        for county in world.counties.values()
                    ),
                ]
        return said


def regulator_figures(statistics) -> list:
    return [statistics.totals, *statistics.rows]


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.lists(CHANGES, min_size=4, max_size=20))
def test_summaries_equal_the_events_after_any_sequence_of_changes(
    summaries_world, monkeypatch, changes
):
    with transaction.atomic():
        for change, *arguments in changes:
            with contextlib.suppress(REFUSALS):
                change(summaries_world, *arguments)
        counted = Event.objects.filter(status__in=["approved", "reported"])
        hypothesis.event(f"events counted: {min(counted.count(), 3)}")
        assert stored_summaries() == computed_summaries()
        assert coverage_read(summaries_world, monkeypatch, live=False) == coverage_read(
            summaries_world, monkeypatch, live=True
        )
        transaction.set_rollback(True)  # the next example starts from the same world


def test_a_date_moved_to_another_week_moves_the_event_between_weekly_rows(summaries_world):
    world = summaries_world
    plan(world, 0, 0, 0, 10, 0, "village")
    event = Event.objects.get()
    update(world, 0, 0, 0, len(DAYS) - 1, 10, 0, "village")
    (row,) = CoverageSummary.objects.filter(events__gt=0)
    assert row.week == dt.date(2025, 3, 17)
    assert row.last_event == Event.objects.get(pk=event.pk).starts_at
    assert CoverageSummary.objects.get(week=dt.date(2025, 3, 10)).events == 0


def test_rebuild_command_repairs_the_summaries_and_gives_the_same_rows_again(summaries_world):
    world = summaries_world
    plan(world, 0, 0, 0, 10, 0, "village")
    plan(world, 1, 1, 3, 11, 3, "campus")
    before = stored_summaries()
    CoverageSummary.objects.update(events=99, people_reached=7)  # damaged by hand

    call_command("rebuild_coverage_summaries", stdout=io.StringIO())
    assert stored_summaries() == before
    call_command("rebuild_coverage_summaries", campaign=world.campaign.pk, stdout=io.StringIO())
    assert stored_summaries() == before == computed_summaries()


def test_plans_late_by_hours_this_week_count_as_overdue_from_the_events(
    summaries_world, monkeypatch, settings
):
    world = summaries_world
    overdue_before = timezone.now() - dt.timedelta(days=settings.REPORT_OVERDUE_AFTER_DAYS)
    for starts_at in (
        overdue_before - dt.timedelta(minutes=1),  # late: in the week of the overdue line
        overdue_before + dt.timedelta(hours=1),  # not yet
        overdue_before - dt.timedelta(days=8),  # late: a week before, a summary row's worth
    ):
        f.EventFactory(
            campaign=world.campaign,
            org_unit=world.units["sub_a"],
            county=world.counties["513233"],
            starts_at=starts_at,
        )
    arguments = {
        "user": world.hq_reviewer,
        "campaign": world.campaign,
        "unit": world.units["branch_a"],
        "filters": EventFilters(),
    }

    table = coverage.unit_coverage(**arguments)
    (counties,) = [row for row in coverage.county_coverage(**arguments) if row.figures.overdue]

    assert table.totals.figures.overdue == 2
    assert counties.figures.overdue == 2
    assert coverage_read(world, monkeypatch, live=False) == coverage_read(
        world, monkeypatch, live=True
    )


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_row", ["existing", "new"])
def test_two_transactions_moving_one_summary_row_lose_neither_change(org_tree, same_row):
    """The second waits for the first's row lock (or its new row), then adds to what the
    first left: on PostgreSQL, where two transactions really run at once."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    world = Summaries(org_tree)
    first, second, already_reported = (
        f.EventFactory(
            campaign=world.campaign,
            org_unit=world.units["sub_a"],
            county=world.counties["513233"],
            starts_at=_moment(DAYS[0], 9),
        )
        for _ in range(3)
    )
    if same_row == "existing":  # the row both move into holds an event already
        already_reported.status = Event.Status.REPORTED
        already_reported.save()
    else:  # a row both create
        already_reported.delete()
    first_saved, release_first = threading.Event(), threading.Event()

    def change(event_id: int, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                event = Event.objects.select_for_update().get(pk=event_id)
                event.starts_at, event.status = _moment(DAYS[1], 14), Event.Status.REPORTED
                event.save()
                if hold:
                    first_saved.set()
                    assert release_first.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=change, args=(first.pk,), kwargs={"hold": True})
    holder.start()
    assert first_saved.wait(timeout=30)
    waiter = threading.Thread(target=change, args=(second.pk,), kwargs={"hold": False})
    waiter.start()
    for _ in range(600):  # until the second waits for the first's lock (30 s at most)
        if _waiting_for_a_lock():
            break
        time.sleep(0.05)
    else:
        pytest.fail("the second transaction never waited for the first")
    release_first.set()
    holder.join(timeout=30)
    waiter.join(timeout=30)

    assert stored_summaries() == computed_summaries()
    reported = 3 if same_row == "existing" else 2
    assert CoverageSummary.objects.get(status="reported").events == reported


def test_an_event_read_without_the_fields_it_counts_by_moves_the_summaries_when_saved(
    summaries_world,
):
    world = summaries_world
    plan(world, 0, 0, 0, 9, 0, "village")
    event = Event.objects.only("pk", "title").get()
    event.status = Event.Status.CANCELLED
    event.save()

    assert stored_summaries() == computed_summaries()
    assert CoverageSummary.objects.get(status="cancelled").events == 1


def test_a_deleted_event_leaves_the_summaries(summaries_world):
    world = summaries_world
    plan(world, 0, 0, 0, 9, 0, "village")
    plan(world, 0, 0, 0, 14, 0, "village")

    Event.objects.filter(starts_at__hour=14).delete()  # through the queryset, too

    assert stored_summaries() == computed_summaries()
    (row,) = CoverageSummary.objects.all()
    assert (row.events, row.last_event) == (1, Event.objects.get().starts_at)
