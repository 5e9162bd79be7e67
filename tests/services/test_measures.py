"""The monthly measures return: figures, the review's status machine, roles, stale versions,
notices and the audit log; mediation rooms and mediators."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from campaigns.errors import InvalidState, InvalidTransition, NotAllowed, StaleEdit
from campaigns.models import (
    AuditEntry,
    MeasureFigure,
    MeasureReturn,
    Membership,
    Notification,
)
from campaigns.seeding.measures import measures_catalogue_load
from campaigns.services import measures as services
from tests import factories as f

pytestmark = pytest.mark.django_db

MARCH = dt.date(2025, 3, 1)


@pytest.fixture
def catalogue(db):
    return measures_catalogue_load()


def _parts(catalogue) -> dict[str, int]:
    """Part code -> part id, over the whole catalogue."""
    return {part.code: part.pk for measure in catalogue.values() for part in measure.parts.all()}


@pytest.fixture
def people(org_tree):
    organizer = f.UserFactory(username="aba-organizer")
    f.MembershipFactory(
        user=organizer, org_unit=org_tree["central_a"], role=Membership.Role.ORGANIZER
    )
    reviewer = f.UserFactory(username="branch-reviewer")
    f.MembershipFactory(user=reviewer, org_unit=org_tree["branch_a"], role=Membership.Role.REVIEWER)
    return organizer, reviewer


FIGURES = {
    "resolved": 8,
    "mediated": 10,
    "payouts": 2,
    "amount": Decimal("1500.50"),
    "settled_fast": 5,
    "complaints": 9,
    "response_minutes": Decimal("480.00"),
    "dispatches": 20,
    "promoters": 90,
    "passives": 8,
    "detractors": 2,
    "solved_by_phone": 3,
    "calls": 47,
}


def _saved(catalogue, org_tree, organizer, **changes):
    measure_return = services.measure_return_open(
        user=organizer, org_unit_id=org_tree["central_a"].pk, month=MARCH
    )
    parts = _parts(catalogue)
    figures = {parts[code]: value for code, value in (FIGURES | changes).items()}
    return services.measure_return_save(
        user=organizer,
        return_id=measure_return.pk,
        expected_version=measure_return.version,
        figures=figures,
    )


def test_a_return_is_saved_submitted_and_approved_with_an_audit_entry_each(
    catalogue, org_tree, people
):
    organizer, reviewer = people
    saved = _saved(catalogue, org_tree, organizer)
    assert saved.figures.count() == len(FIGURES)
    assert saved.figures.get(part__code="amount").value == Decimal("1500.50")

    submitted = services.measure_return_submit(
        user=organizer, return_id=saved.pk, expected_version=saved.version
    )
    approved = services.measure_return_approve(
        user=reviewer, return_id=saved.pk, expected_version=submitted.version
    )

    assert approved.status == MeasureReturn.Status.APPROVED
    assert list(
        AuditEntry.objects.filter(object_id=str(saved.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "campaigns.measure_return.opened",
        "campaigns.measure_return.saved",
        "campaigns.measure_return.submitted",
        "campaigns.measure_return.approved",
    ]


def test_a_returned_return_is_corrected_and_resubmitted_and_its_organizer_is_told(
    catalogue, org_tree, people, django_capture_on_commit_callbacks
):
    organizer, reviewer = people
    saved = _saved(catalogue, org_tree, organizer)
    submitted = services.measure_return_submit(
        user=organizer, return_id=saved.pk, expected_version=saved.version
    )
    with django_capture_on_commit_callbacks(execute=True):
        returned = services.measure_return_send_back(
            user=reviewer,
            return_id=saved.pk,
            note="救援派单数与系统不符，请核对。",
            expected_version=submitted.version,
        )
    assert returned.status == MeasureReturn.Status.RETURNED
    notice = Notification.objects.get(recipient=organizer)
    assert notice.kind == Notification.Kind.MEASURES_RETURNED
    assert "救援派单数与系统不符" in notice.text

    parts = _parts(catalogue)
    corrected = services.measure_return_save(
        user=organizer,
        return_id=saved.pk,
        expected_version=returned.version,
        figures={parts[code]: value for code, value in (FIGURES | {"dispatches": 24}).items()},
    )
    resubmitted = services.measure_return_submit(
        user=organizer, return_id=saved.pk, expected_version=corrected.version
    )
    assert resubmitted.status == MeasureReturn.Status.SUBMITTED
    assert resubmitted.review_note == ""
    assert MeasureFigure.objects.get(measure_return=saved, part__code="dispatches").value == 24


def test_a_change_based_on_an_older_version_is_refused_and_changes_nothing(
    catalogue, org_tree, people
):
    organizer, _reviewer = people
    saved = _saved(catalogue, org_tree, organizer)
    parts = _parts(catalogue)
    with pytest.raises(StaleEdit):
        services.measure_return_save(
            user=organizer,
            return_id=saved.pk,
            expected_version=saved.version - 1,
            figures={parts["dispatches"]: 99},
        )
    assert MeasureFigure.objects.get(measure_return=saved, part__code="dispatches").value == 20


def test_an_approved_return_can_no_longer_be_changed_or_returned(catalogue, org_tree, people):
    organizer, reviewer = people
    saved = _saved(catalogue, org_tree, organizer)
    submitted = services.measure_return_submit(
        user=organizer, return_id=saved.pk, expected_version=saved.version
    )
    approved = services.measure_return_approve(
        user=reviewer, return_id=saved.pk, expected_version=submitted.version
    )
    with pytest.raises(InvalidState):
        services.measure_return_save(
            user=organizer, return_id=saved.pk, expected_version=approved.version, figures={}
        )
    with pytest.raises(InvalidTransition):
        services.measure_return_send_back(
            user=reviewer, return_id=saved.pk, note="晚了", expected_version=approved.version
        )


def test_a_draft_cannot_be_approved(catalogue, org_tree, people):
    organizer, reviewer = people
    saved = _saved(catalogue, org_tree, organizer)
    with pytest.raises(InvalidTransition):
        services.measure_return_approve(
            user=reviewer, return_id=saved.pk, expected_version=saved.version
        )


def test_an_empty_return_cannot_be_submitted(catalogue, org_tree, people):
    organizer, _reviewer = people
    empty = services.measure_return_open(
        user=organizer, org_unit_id=org_tree["central_a"].pk, month=MARCH
    )
    with pytest.raises(ValidationError, match="Enter the month"):
        services.measure_return_submit(
            user=organizer, return_id=empty.pk, expected_version=empty.version
        )


def test_an_organizer_cannot_approve_and_a_reviewer_cannot_report(catalogue, org_tree, people):
    organizer, reviewer = people
    saved = _saved(catalogue, org_tree, organizer)
    with pytest.raises(NotAllowed):
        services.measure_return_open(
            user=reviewer, org_unit_id=org_tree["central_a"].pk, month=MARCH
        )
    submitted = services.measure_return_submit(
        user=organizer, return_id=saved.pk, expected_version=saved.version
    )
    with pytest.raises(NotAllowed):
        services.measure_return_approve(
            user=organizer, return_id=saved.pk, expected_version=submitted.version
        )


def test_a_return_of_another_branch_is_missing_not_forbidden(catalogue, org_tree, people):
    organizer, _reviewer = people
    other = f.MeasureReturnFactory(org_unit=org_tree["central_b"], month=MARCH)
    with pytest.raises(MeasureReturn.DoesNotExist):
        services.measure_return_submit(
            user=organizer, return_id=other.pk, expected_version=other.version
        )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"solved_by_phone": 50, "calls": 47}, "solved_by_phone", "larger than the whole"),
        ({"amount": Decimal("-1")}, "amount", "cannot be negative"),
        ({"amount": Decimal("10.005")}, "amount", "at most two decimals"),
        ({"dispatches": Decimal("2.5")}, "dispatches", "whole number"),
        ({"dispatches": 0}, "response_minutes", "needs the count"),
        ({"payouts": 0}, "amount", "needs the number of payouts"),
        ({"passives": None}, "passives", "promoters, passives and detractors together"),
        # A whole or a count alone would pull the company's rate or mean down once summed.
        ({"solved_by_phone": None}, "solved_by_phone", "Give the part too"),
        ({"response_minutes": None}, "response_minutes", "Give the total too"),
        ({"amount": None}, "amount", "Give the amount paid too"),
    ],
)
def test_figures_that_break_a_rule_are_refused_at_their_box_and_nothing_is_saved(
    catalogue, org_tree, people, changes, field, message
):
    organizer, _reviewer = people
    parts = _parts(catalogue)
    with pytest.raises(ValidationError) as refusal:
        _saved(catalogue, org_tree, organizer, **changes)
    errors = refusal.value.message_dict
    assert message in " ".join(errors[f"part_{parts[field]}"])
    assert not MeasureFigure.objects.exists()


def test_a_whole_of_none_needs_no_part(catalogue, org_tree, people):
    organizer, _reviewer = people
    _saved(
        catalogue,
        org_tree,
        organizer,
        calls=0,
        solved_by_phone=None,
        dispatches=0,
        response_minutes=None,
        payouts=0,
        amount=None,
    )
    assert MeasureFigure.objects.filter(part__code="calls", value=0).exists()


def test_a_month_that_has_not_begun_cannot_be_opened(catalogue, org_tree, people):
    organizer, _reviewer = people
    with pytest.raises(ValidationError, match="not begun"):
        services.measure_return_open(
            user=organizer, org_unit_id=org_tree["central_a"].pk, month=dt.date(2100, 1, 1)
        )


def test_opening_a_month_twice_gives_the_same_return(catalogue, org_tree, people):
    organizer, _reviewer = people
    first = services.measure_return_open(
        user=organizer, org_unit_id=org_tree["central_a"].pk, month=dt.date(2025, 3, 17)
    )
    again = services.measure_return_open(
        user=organizer, org_unit_id=org_tree["central_a"].pk, month=MARCH
    )
    assert first.pk == again.pk
    assert first.month == MARCH


def test_a_room_closes_with_a_day_and_a_stale_edit_is_refused(org_tree, people):
    organizer, _reviewer = people
    unit = org_tree["central_a"]
    values = {
        "name": "阿坝枫桥经验调解室",
        "address": "马尔康市营业部二楼",
        "opened_on": dt.date(2024, 5, 1),
        "is_open": True,
        "closed_on": None,
    }
    room = services.mediation_room_create(user=organizer, org_unit=unit, **values)
    closed = services.mediation_room_update(
        user=organizer,
        room_id=room.pk,
        expected_version=room.version,
        org_unit=unit,
        **(values | {"is_open": False, "closed_on": dt.date(2025, 1, 31)}),
    )
    assert not closed.is_open
    with pytest.raises(StaleEdit):
        services.mediation_room_update(
            user=organizer, room_id=room.pk, expected_version=room.version, org_unit=unit, **values
        )
    with pytest.raises(ValidationError, match="open room has no closing day"):
        services.mediation_room_update(
            user=organizer,
            room_id=room.pk,
            expected_version=closed.version,
            org_unit=unit,
            **(values | {"closed_on": dt.date(2025, 1, 31)}),
        )


def test_a_reviewer_cannot_add_a_mediator(org_tree, people):
    _organizer, reviewer = people
    with pytest.raises(NotAllowed):
        services.mediator_create(
            user=reviewer,
            org_unit=org_tree["central_a"],
            name="王律师",
            field="保险法",
            organisation="阿坝州律师协会",
            contact="",
            active=True,
        )


def test_every_seeded_measure_is_one_an_admin_could_save(catalogue):
    for measure in catalogue.values():
        measure.full_clean()
        assert measure.name_bo_needs_review  # our Tibetan, until a native reader checks it


def test_a_rate_in_cases_is_refused():
    measure = f.MeasureFactory.build(
        code="rate-in-cases", computation="ratio", unit="cases", name_en="x"
    )
    with pytest.raises(ValidationError, match="in percent"):
        measure.full_clean()
