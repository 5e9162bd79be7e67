"""Totals of the measures over units and months: the parts are summed, then divided once.

The property test builds random returns, and checks every shown value the selector gives
against the value computed here, exactly (Fractions), from the raw parts; the tests after it
show that the naive average of the units' own rates would have been wrong.
"""

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from django.conf import settings as settings_module
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.models import MeasureFigure, MeasurePart, MeasureReturn, Membership, OrgUnit
from campaigns.seeding.measures import (
    demo_figures,
    measures_catalogue_load,
    measures_demo_load,
    reception_days_demo_load,
)
from campaigns.selectors.measure_year import measure_year
from campaigns.selectors.measures import measure_totals
from campaigns.services.measures import measure_return_save
from tests import factories as f

pytestmark = pytest.mark.django_db

YEAR = 2024
DEMO = json.loads((settings_module.BASE_DIR / "seeds" / "measures.json").read_text())["demo"]
UNITS = ["branch_a", "central_a", "sub_a", "branch_b", "central_b"]
HALF_A_CENT = Decimal("0.005")


@pytest.fixture
def catalogue(db):
    return measures_catalogue_load()


@pytest.fixture
def headquarters_reviewer(org_tree):
    user = f.UserFactory(username="hq-reviewer")
    f.MembershipFactory(user=user, org_unit=org_tree["hq"], role=Membership.Role.REVIEWER)
    return user


def _whole(high=10**6):
    return st.integers(min_value=0, max_value=high)


MINUTES = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)


@st.composite
def month_of_figures(draw) -> dict[str, Decimal]:
    """One unit's month: every part of the story's typed measures."""
    calls, mediated, complaints = draw(_whole()), draw(_whole()), draw(_whole())
    dispatches = draw(_whole())
    return {
        "calls": calls,
        "solved_by_phone": draw(_whole(calls)),
        "mediated": mediated,
        "resolved": draw(_whole(mediated)),
        "complaints": complaints,
        "settled_fast": draw(_whole(complaints)),
        "dispatches": dispatches,
        "response_minutes": draw(MINUTES) if dispatches else Decimal(0),
        "promoters": draw(_whole()),
        "passives": draw(_whole()),
        "detractors": draw(_whole()),
        "payouts": draw(_whole(1000)),
        "amount": draw(st.decimals(min_value=0, max_value=10**9, places=2)),
    }


RETURNS = st.dictionaries(
    keys=st.tuples(st.sampled_from(UNITS), st.integers(min_value=1, max_value=12)),
    values=month_of_figures(),
    min_size=1,
    max_size=8,
)


def _store(returns, org_tree, parts) -> None:
    made = MeasureReturn.objects.bulk_create(
        MeasureReturn(
            org_unit=org_tree[unit], month=dt.date(YEAR, month, 1), status="approved", version=3
        )
        for unit, month in returns
    )
    MeasureFigure.objects.bulk_create(
        MeasureFigure(measure_return=measure_return, part=parts[code], value=value)
        for measure_return, figures in zip(made, returns.values(), strict=True)
        for code, value in figures.items()
    )


def _exact(returns) -> dict[str, Fraction | None]:
    """Every measure's value computed here from the raw parts of every unit and month."""

    def total(code):
        return sum((Fraction(figures[code]) for figures in returns.values()), Fraction(0))

    def ratio(part, whole):
        return total(part) * 100 / total(whole) if total(whole) else None

    answers = total("promoters") + total("passives") + total("detractors")
    return {
        "remote_diagnosis": ratio("solved_by_phone", "calls"),
        "mediation_cases": ratio("resolved", "mediated"),
        "fast_settlement": ratio("settled_fast", "complaints"),
        "roadside_response": (
            total("response_minutes") / total("dispatches") if total("dispatches") else None
        ),
        "roadside_nps": (
            (total("promoters") - total("detractors")) * 100 / answers if answers else None
        ),
        "comfort_fund": total("amount"),
    }


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(returns=RETURNS)
def test_every_total_equals_the_value_computed_from_the_raw_parts(
    returns, catalogue, org_tree, headquarters_reviewer
):
    parts = {part.code: part for part in MeasurePart.objects.all()}
    with transaction.atomic():
        _store(returns, org_tree, parts)
        totals = {
            total.measure.code: total
            for total in measure_totals(user=headquarters_reviewer, year=YEAR)
        }
        transaction.set_rollback(True)

    for code, expected in _exact(returns).items():
        shown = totals[code].value
        if expected is None:
            assert shown is None, code
        else:
            assert abs(Fraction(shown) - expected) <= Fraction(HALF_A_CENT), code
    assert totals["comfort_fund"].sums["count"] == sum(r["payouts"] for r in returns.values())


def _month(unit, month, parts, **figures):
    measure_return = f.MeasureReturnFactory(
        org_unit=unit, month=dt.date(YEAR, month, 1), status=MeasureReturn.Status.APPROVED
    )
    for code, value in figures.items():
        f.MeasureFigureFactory(measure_return=measure_return, part=parts[code], value=value)


def test_a_mean_over_branches_weighs_each_dispatch_not_each_branch(
    catalogue, org_tree, headquarters_reviewer
):
    parts = {part.code: part for part in MeasurePart.objects.all()}
    # Branch A: 10 dispatches of 20 minutes each; branch B: 90 of 30 minutes each.
    _month(org_tree["branch_a"], 1, parts, dispatches=10, response_minutes=200)
    _month(org_tree["branch_b"], 1, parts, dispatches=90, response_minutes=2700)

    totals = {t.measure.code: t for t in measure_totals(user=headquarters_reviewer, year=YEAR)}

    naive_average = (Decimal(20) + Decimal(30)) / 2
    assert totals["roadside_response"].value == Decimal("29.00")
    assert totals["roadside_response"].value != naive_average


def test_a_rate_over_months_is_the_summed_part_of_the_summed_whole(
    catalogue, org_tree, headquarters_reviewer
):
    parts = {part.code: part for part in MeasurePart.objects.all()}
    # January: 1 of 2 calls solved (50 %); February: 9 of 198 (4.5 %).
    _month(org_tree["central_a"], 1, parts, solved_by_phone=1, calls=2)
    _month(org_tree["central_a"], 2, parts, solved_by_phone=9, calls=198)

    totals = {t.measure.code: t for t in measure_totals(user=headquarters_reviewer, year=YEAR)}

    assert totals["remote_diagnosis"].value == Decimal("5.00")  # 10 of 200, not 27.27


def test_a_nps_over_branches_is_computed_from_the_summed_answers(
    catalogue, org_tree, headquarters_reviewer
):
    parts = {part.code: part for part in MeasurePart.objects.all()}
    _month(org_tree["branch_a"], 3, parts, promoters=1, passives=0, detractors=1)  # NPS 0
    _month(org_tree["branch_b"], 3, parts, promoters=98, passives=0, detractors=0)  # NPS 100

    totals = {t.measure.code: t for t in measure_totals(user=headquarters_reviewer, year=YEAR)}

    assert totals["roadside_nps"].value == Decimal("98.00")  # (99 - 1) / 100, not 50


def test_totals_count_approved_returns_of_the_users_subtree_only(catalogue, org_tree):
    parts = {part.code: part for part in MeasurePart.objects.all()}
    _month(org_tree["central_a"], 1, parts, dispatches=10, response_minutes=100)
    _month(org_tree["central_b"], 1, parts, dispatches=10, response_minutes=900)
    submitted = f.MeasureReturnFactory(
        org_unit=org_tree["central_a"], month=dt.date(YEAR, 2, 1), status="submitted"
    )
    f.MeasureFigureFactory(measure_return=submitted, part=parts["dispatches"], value=10)
    reviewer_a = f.UserFactory()
    f.MembershipFactory(
        user=reviewer_a, org_unit=org_tree["branch_a"], role=Membership.Role.REVIEWER
    )

    totals = {t.measure.code: t for t in measure_totals(user=reviewer_a, year=YEAR)}

    assert totals["roadside_response"].sums == {"total": 100, "count": 10}


# --- the seeded demo reproduces the story --------------------------------------------


@pytest.fixture
def seeded_demo(catalogue, db):
    headquarters = f.OrgUnitFactory(code="HQ", kind=OrgUnit.Kind.HQ)
    sub_branches = {"HN-CS": "HN", "SC-ABA": "SC"}
    for code in DEMO["units"]:
        if code not in sub_branches:
            f.OrgUnitFactory(code=code, kind=OrgUnit.Kind.BRANCH, parent=headquarters)
    for code, branch in sub_branches.items():
        f.OrgUnitFactory(
            code=code,
            kind=OrgUnit.Kind.CENTRAL_SUB_BRANCH,
            parent=OrgUnit.objects.get(code=branch),
        )
    measures_demo_load()
    return f.UserFactory(is_superuser=True)


def test_the_seeded_demo_gives_the_storys_company_wide_figures(seeded_demo):
    totals = {t.measure.code: t for t in measure_totals(user=seeded_demo, year=YEAR)}

    assert totals["roadside_response"].value == Decimal("24.00")
    assert totals["roadside_nps"].value == Decimal("97.80")
    assert totals["remote_diagnosis"].sums["numerator"] == 300
    assert totals["remote_diagnosis"].value == Decimal("6.40")
    # Every unit every month, but the few left unreported for the timeliness list.
    unreported = len(DEMO["unreported"])
    assert MeasureReturn.objects.filter(is_demo=True).count() == 34 * 12 - unreported


def test_the_seeded_units_own_means_differ_so_an_average_of_them_would_be_wrong(seeded_demo):
    means = [
        t.value
        for unit in OrgUnit.objects.exclude(code="HQ")
        .filter(measure_returns__isnull=False)
        .distinct()
        for t in measure_totals(user=seeded_demo, year=YEAR, org_unit=unit)
        if t.measure.code == "roadside_response" and unit.parent.code == "HQ"
    ]
    assert len(set(means)) > 1
    assert sum(means) / len(means) != Decimal("24.00")


def test_the_demo_figures_share_out_every_total_exactly():
    spec = {
        "year": YEAR,
        "units": {"A": 3, "B": 1},
        "months": [1, 2],
        "slower": {"B": 3},
        "totals": {"m": {"dispatches": 101, "response_minutes": "2424.00"}},
    }
    figures = demo_figures(spec)
    assert sum(cell["dispatches"] for cell in figures.values()) == 101
    assert sum(cell["response_minutes"] for cell in figures.values()) == Decimal("2424.00")


def test_totals_are_summed_in_one_query_however_many_returns(
    catalogue, org_tree, headquarters_reviewer, django_assert_num_queries
):
    from campaigns.selectors.measures import figure_sums

    parts = {part.code: part for part in MeasurePart.objects.all()}
    for month in range(1, 7):
        _month(org_tree["central_a"], month, parts, dispatches=10, response_minutes=100)
    headquarters_reviewer._access_scope = None  # read the scope inside the count
    with django_assert_num_queries(2):  # the scope, then the sums
        sums = figure_sums(user=headquarters_reviewer, year=YEAR)
    assert sums[catalogue["roadside_response"].pk] == {"count": 60, "total": 600}


def test_every_demo_return_is_one_its_unit_could_have_typed(seeded_demo):
    """Each demo return passes the rules a unit's own return must (no part above its whole,
    no amount without payouts, no minutes without dispatches): saved again through the
    service as a draft, none is refused."""
    MeasureReturn.objects.update(status=MeasureReturn.Status.DRAFT)
    returns = MeasureReturn.objects.prefetch_related("figures")
    for measure_return in returns:
        figures = {figure.part_id: figure.value for figure in measure_return.figures.all()}
        measure_return_save(
            user=seeded_demo,
            return_id=measure_return.pk,
            expected_version=measure_return.version,
            figures=figures,
        )
    assert MeasureFigure.objects.filter(value__lt=0).count() == 0


def test_the_year_page_gives_the_storys_figures_with_the_demo_reception_days(seeded_demo):
    for unit in OrgUnit.objects.exclude(code="HQ"):
        unit.service_area.add(f.RegionFactory())
    reception_days_demo_load()
    summary = measure_year(user=seeded_demo, year=YEAR, unit=OrgUnit.objects.get(code="HQ"))
    values = {line.measure.code: line.total for line in summary.lines}

    assert values["roadside_response"].value == Decimal("24.00")
    assert values["roadside_nps"].value == Decimal("97.80")
    assert values["remote_diagnosis"].sums["numerator"] == 300
    assert values["remote_diagnosis"].value == Decimal("6.40")
    assert values["reception_days"].value == DEMO["reception_days"]["sessions"] > 3000
    # The few months left unreported show in the timeliness list.
    late = {(row.unit.code, month) for row in summary.late_units for month in row.missing}
    assert late == {tuple(cell) for cell in DEMO["unreported"]}


def test_loading_the_demo_again_leaves_a_units_own_return_alone(seeded_demo):
    beijing = OrgUnit.objects.get(code="BJ")
    march = MeasureReturn.objects.get(org_unit=beijing, month=dt.date(YEAR, 3, 1))
    march.delete()
    own = f.MeasureReturnFactory(org_unit=beijing, month=dt.date(YEAR, 3, 1))

    measures_demo_load()

    own.refresh_from_db()
    assert (own.status, own.is_demo, own.figures.count()) == ("draft", False, 0)


def test_the_demo_reception_days_are_made_again_only_when_they_differ_from_the_seeds(
    seeded_demo,
):
    from campaigns.models import Event

    for unit in OrgUnit.objects.exclude(code="HQ"):
        unit.service_area.add(f.RegionFactory())
    sessions = DEMO["reception_days"]["sessions"]
    assert reception_days_demo_load() == sessions
    first = set(Event.objects.values_list("pk", flat=True))

    assert reception_days_demo_load() == sessions
    assert set(Event.objects.values_list("pk", flat=True)) == first  # left as they were

    Event.objects.filter(pk=min(first)).delete()  # one went missing
    assert reception_days_demo_load() == sessions
    assert Event.objects.count() == sessions
