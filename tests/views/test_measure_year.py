"""The year's measures page as headquarters and a branch read it: totals made of approved
returns only, rates computed from the summed parts, reception days counted from approved
events, drill-down to the units below, and which units have not reported a month."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Event, EventFormat, MeasureReturn, Membership, OrgUnit
from campaigns.seeding.measures import measures_catalogue_load
from campaigns.selectors.measure_year import measure_year, months_ended
from tests import factories as f

pytestmark = pytest.mark.django_db

YEAR = 2024
APPROVED = MeasureReturn.Status.APPROVED


@pytest.fixture
def catalogue(db):
    return measures_catalogue_load()


@pytest.fixture
def parts(catalogue):
    return {part.code: part for measure in catalogue.values() for part in measure.parts.all()}


@pytest.fixture
def hq_reviewer(org_tree):
    return f.MembershipFactory(org_unit=org_tree["hq"], role=Membership.Role.REVIEWER).user


@pytest.fixture
def branch_b_reviewer(org_tree):
    return f.MembershipFactory(org_unit=org_tree["branch_b"], role=Membership.Role.REVIEWER).user


def _return(unit, month, parts, status=APPROVED, **figures) -> MeasureReturn:
    measure_return = f.MeasureReturnFactory(
        org_unit=unit, month=dt.date(YEAR, month, 1), status=status
    )
    for code, value in figures.items():
        f.MeasureFigureFactory(measure_return=measure_return, part=parts[code], value=value)
    return measure_return


def _reception_day(unit, month, status=Event.Status.APPROVED) -> Event:
    return f.EventFactory(
        org_unit=unit,
        format=EventFormat.GM_RECEPTION_DAY,
        status=status,
        starts_at=dt.datetime(YEAR, month, 15, 9, tzinfo=timezone.get_current_timezone()),
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _card(html: str, code: str) -> str:
    """The text of a measure's line in "The year at a glance"."""
    found = re.search(rf'<li id="total-{code}">(.*?)</li>', html, re.S)
    assert found, code
    return _text(found.group(1))


def _page(client, user, unit, year=YEAR) -> str:
    client.force_login(user)
    response = client.get(reverse("measure_year", args=[year, unit.pk]))
    assert response.status_code == 200
    return response.text


def test_headquarters_sees_the_companys_rate_from_the_summed_parts_not_an_average(
    client, parts, org_tree, hq_reviewer
):
    # Branch A solves 1 of 10 calls (10 %), branch B 99 of 990 (10 %)... and 0 of 100 more.
    _return(org_tree["branch_a"], 1, parts, solved_by_phone=1, calls=10)
    _return(org_tree["central_b"], 1, parts, solved_by_phone=99, calls=990)
    _return(org_tree["sub_b"], 2, parts, solved_by_phone=0, calls=100)

    page = _page(client, hq_reviewer, org_tree["hq"])

    # 100 of 1,100 calls: 9.09 %; the average of the three returns' rates would be 6.67 %.
    assert "9.09 %" in _card(page, "remote_diagnosis")
    assert "6.67" not in page


def test_only_approved_returns_count(client, parts, org_tree, hq_reviewer):
    _return(org_tree["branch_a"], 1, parts, payouts=2, amount="100.50")
    _return(org_tree["branch_b"], 1, parts, MeasureReturn.Status.SUBMITTED, payouts=5, amount="999")
    _return(org_tree["branch_b"], 2, parts, MeasureReturn.Status.DRAFT, payouts=5, amount="999")

    card = _card(_page(client, hq_reviewer, org_tree["hq"]), "comfort_fund")

    assert "100.50 yuan" in card
    assert "999" not in card


def test_reception_days_are_counted_from_approved_reception_day_events(
    client, catalogue, org_tree, hq_reviewer
):
    for month in (1, 1, 3):
        _reception_day(org_tree["sub_a"], month)
    _reception_day(org_tree["branch_b"], 2)
    _reception_day(org_tree["branch_b"], 2, status=Event.Status.REPORTED)  # not yet approved
    f.EventFactory(org_unit=org_tree["branch_b"], status=Event.Status.APPROVED)  # a lecture

    summary = measure_year(user=hq_reviewer, year=YEAR, unit=org_tree["hq"])
    line = next(line for line in summary.lines if line.measure.code == "reception_days")

    assert line.total.value == 4
    assert [figure.value for figure in line.months[:3]] == [2, 1, 1]
    assert {row.unit.code: row.total.value for row in line.units} == {"BR-a": 3, "BR-b": 1}
    assert "4 sessions" in _card(_page(client, hq_reviewer, org_tree["hq"]), "reception_days")


def test_a_branch_drills_down_to_its_units_and_sees_nothing_of_another_branch(
    client, parts, org_tree, hq_reviewer, branch_b_reviewer
):
    _return(org_tree["branch_a"], 1, parts, dispatches=10, response_minutes="300.00")
    _return(org_tree["central_b"], 1, parts, dispatches=10, response_minutes="200.00")
    _return(org_tree["sub_b"], 1, parts, dispatches=30, response_minutes="400.00")

    headquarters = _page(client, hq_reviewer, org_tree["hq"])
    branch_link = reverse("measure_year", args=[YEAR, org_tree["branch_b"].pk])
    assert branch_link in headquarters
    assert "18.00 minutes" in _card(headquarters, "roadside_response")  # 900 / 50

    branch = _page(client, hq_reviewer, org_tree["branch_b"])
    assert "15.00 minutes" in _card(branch, "roadside_response")  # 600 / 40
    assert reverse("measure_year", args=[YEAR, org_tree["central_b"].pk]) in branch

    # Branch B's reviewer sees branch B, and neither the company nor branch A.
    own = _page(client, branch_b_reviewer, org_tree["branch_b"])
    assert "15.00 minutes" in _card(own, "roadside_response")
    for unit in (org_tree["hq"], org_tree["branch_a"]):
        response = client.get(reverse("measure_year", args=[YEAR, unit.pk]))
        assert response.status_code == 404


def test_a_unit_reporting_for_itself_has_its_own_row_beside_its_subunits(
    parts, org_tree, hq_reviewer
):
    _return(org_tree["branch_a"], 1, parts, payouts=1, amount="10.00")
    _return(org_tree["central_a"], 1, parts, payouts=2, amount="20.00")

    summary = measure_year(user=hq_reviewer, year=YEAR, unit=org_tree["branch_a"])
    line = next(line for line in summary.lines if line.measure.code == "comfort_fund")

    assert [(row.unit.code, row.own, row.total.value) for row in line.units] == [
        ("BR-a", True, Decimal("10.00")),
        ("CSB-a", False, Decimal("20.00")),
    ]
    assert line.total.value == Decimal("30.00")


def test_units_that_have_not_reported_an_ended_month_are_listed(
    client, parts, org_tree, hq_reviewer
):
    for month in range(1, 13):
        _return(org_tree["branch_a"], month, parts, payouts=0)
    for month in range(1, 11):
        _return(org_tree["branch_b"], month, parts, payouts=0)
    _return(org_tree["branch_b"], 11, parts, MeasureReturn.Status.SUBMITTED, payouts=0)
    _return(org_tree["branch_b"], 12, parts, MeasureReturn.Status.DRAFT, payouts=0)

    summary = measure_year(user=hq_reviewer, year=YEAR, unit=org_tree["hq"])

    # A submitted month counts as sent; a draft does not.
    assert [(row.unit.code, row.missing) for row in summary.late_units] == [("BR-b", [12])]
    assert summary.missing_by_month()[10:] == [(11, 0), (12, 1)]
    page = _page(client, hq_reviewer, org_tree["hq"])
    late_list = re.search(r'<ul class="late-units">(.*?)</ul>', page, re.S).group(1)
    assert org_tree["branch_b"].name in late_list
    assert org_tree["branch_a"].name not in late_list


def test_a_branch_with_no_return_at_all_is_late_every_ended_month(parts, org_tree, hq_reviewer):
    _return(org_tree["branch_a"], 1, parts, payouts=0)

    summary = measure_year(user=hq_reviewer, year=YEAR, unit=org_tree["hq"])

    late = {row.unit.code: row.missing for row in summary.late_units}
    assert late["BR-b"] == list(range(1, 13))
    assert late["BR-a"] == list(range(2, 13))


def test_a_unit_below_a_branch_owes_only_the_months_it_started(parts, org_tree, hq_reviewer):
    for month in range(1, 13):
        _return(org_tree["branch_a"], month, parts, payouts=0)
        _return(org_tree["branch_b"], month, parts, payouts=0)
    _return(org_tree["sub_a"], 4, parts, MeasureReturn.Status.DRAFT, payouts=0)
    _return(org_tree["sub_a"], 5, parts, payouts=0)

    summary = measure_year(user=hq_reviewer, year=YEAR, unit=org_tree["hq"])

    assert [(row.unit.code, row.missing) for row in summary.late_units] == [("SB-a", [4])]


def test_a_page_with_no_unit_owing_returns_says_so_rather_than_all_sent(
    client, catalogue, org_tree, hq_reviewer
):
    page = _page(client, hq_reviewer, org_tree["sub_a"])
    timeliness = re.search(r'<section class="card" id="timeliness">(.*?)</section>', page, re.S)
    assert "owes a monthly return" in timeliness.group(1)
    assert "Every unit has sent" not in timeliness.group(1)


def test_reception_days_are_counted_in_the_month_they_began_in_china(
    catalogue, org_tree, hq_reviewer
):
    # 00:30 on 1 March in China is still February in UTC.
    f.EventFactory(
        org_unit=org_tree["branch_a"],
        format=EventFormat.GM_RECEPTION_DAY,
        status=Event.Status.APPROVED,
        starts_at=dt.datetime(YEAR, 3, 1, 0, 30, tzinfo=timezone.get_current_timezone()),
    )

    summary = measure_year(user=hq_reviewer, year=YEAR, unit=org_tree["hq"])
    line = next(line for line in summary.lines if line.measure.code == "reception_days")

    assert [figure.value for figure in line.months[1:3]] == [0, 1]


def test_months_not_yet_ended_are_not_due():
    assert months_ended(2026, dt.date(2026, 12, 7)) == 11
    assert months_ended(2025, dt.date(2026, 12, 7)) == 12
    assert months_ended(2027, dt.date(2026, 12, 7)) == 0


def test_a_year_without_figures_says_so(client, catalogue, org_tree, hq_reviewer):
    page = _page(client, hq_reviewer, org_tree["hq"], year=2023)
    assert "No approved figures for 2023 yet." in page


def test_the_page_opens_at_the_newest_year_with_returns_from_the_users_own_unit(
    client, parts, org_tree, branch_b_reviewer
):
    _return(org_tree["sub_b"], 5, parts, payouts=0)
    client.force_login(branch_b_reviewer)

    response = client.get(reverse("measure_year_home"))

    assert response.url == reverse("measure_year", args=[YEAR, org_tree["branch_b"].pk])


def test_a_user_without_a_role_is_told_so(client, db):
    client.force_login(f.UserFactory())
    response = client.get(reverse("measure_year_home"))
    assert response.status_code == 200
    assert 'class="card empty"' in response.text


def test_the_page_reads_in_a_fixed_number_of_queries_however_many_returns(
    client, parts, org_tree, hq_reviewer, django_assert_max_num_queries
):
    client.force_login(hq_reviewer)
    url = reverse("measure_year", args=[YEAR, org_tree["hq"].pk])
    _return(org_tree["branch_a"], 1, parts, payouts=1, amount="1.00")
    client.get(url)  # the session and the scope are read once
    for unit in OrgUnit.objects.exclude(kind=OrgUnit.Kind.HQ):
        for month in range(2, 13):
            _return(unit, month, parts, payouts=1, amount="1.00", calls=3, solved_by_phone=1)
            _reception_day(unit, month)
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert "67.00 yuan" in _card(response.text, "comfort_fund")


def test_a_year_without_reception_day_events_counts_none_rather_than_not_reported(
    client, parts, org_tree, hq_reviewer
):
    _return(org_tree["branch_a"], 1, parts, payouts=0)

    page = _page(client, hq_reviewer, org_tree["hq"])

    assert "0 sessions" in _card(page, "reception_days")
    summary = measure_year(user=hq_reviewer, year=YEAR, unit=org_tree["hq"])
    reception = next(line for line in summary.lines if line.measure.code == "reception_days")
    assert not reception.has_figures
