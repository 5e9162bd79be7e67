"""Consumer-protection measures: every write of a unit's monthly return (its figures, its
review) and of its mediation rooms and mediators.

Each service takes the acting user, looks the object up inside the user's scope (outside it
is missing, like one that does not exist), checks the role, refuses a change based on an
older version, and writes an audit entry, as campaigns/services/events.py does for events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns import bounds
from campaigns.errors import InvalidState, StaleEdit
from campaigns.models import (
    Measure,
    MeasureFigure,
    MeasurePart,
    MeasureReturn,
    MediationRoom,
    Mediator,
    OrgUnit,
)
from campaigns.models.measures import COMPUTATION_ROLES
from campaigns.services.audit import audit_record
from campaigns.services.notifications import measures_returned_notify
from portal.access import require, visible_to

STALE_RETURN = gettext_lazy(
    "Someone else saved this monthly return after you opened it (now version %(version)s). "
    "Your changes were not saved; they are still in the form. Open the return again in a "
    "new tab to see what changed, then save once more."
)
STALE_RECORD = gettext_lazy(
    "Someone else saved this after you opened it. Your changes were not saved; they are "
    "still in the form. Open the page again in a new tab to see what changed."
)
ROLES = MeasurePart.Role


def figure_field(part: MeasurePart) -> str:
    """The name a part's figure has in forms and in the errors of ``measure_return_save``."""
    return f"part_{part.pk}"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _return_for_update(*, user, return_id: int, expected_version: int) -> MeasureReturn:
    measure_return = (
        visible_to(user, MeasureReturn)
        .select_for_update(of=("self",))
        .select_related("org_unit")
        .get(pk=return_id)
    )
    if measure_return.version != expected_version:
        raise StaleEdit(STALE_RETURN % {"version": measure_return.version}, current=measure_return)
    return measure_return


def _save(measure_return: MeasureReturn, *fields: str) -> None:
    measure_return.version += 1
    measure_return.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def measure_return_open(*, user, org_unit_id: int, month: dt.date) -> MeasureReturn:
    """The unit's return for the month, started as a draft if there is none yet."""
    org_unit = visible_to(user, OrgUnit).get(pk=org_unit_id)
    require(user, "measures.report", org_unit)
    month = month_start(month)
    bounds.day_in_range(month)
    if month > month_start(timezone.localdate()):
        raise ValidationError({"month": _("A month that has not begun has no figures yet.")})
    measure_return, created = MeasureReturn.objects.get_or_create(
        org_unit=org_unit, month=month, defaults={"created_by": user}
    )
    if created:
        audit_record(actor=user, obj=measure_return, action="campaigns.measure_return.opened")
    return measure_return


def typed_parts():
    """The parts asked for in a monthly return: those of the active measures typed in it."""
    return (
        MeasurePart.objects.filter(measure__active=True, measure__source=Measure.Source.TYPED)
        .select_related("measure")
        .order_by("measure__position", "measure__code", "position", "pk")
    )


def _check_value(part: MeasurePart, value: Decimal) -> str | None:
    """Why ``value`` cannot be ``part``'s figure, or None."""
    if value < 0:
        return _("A figure cannot be negative.")
    if value > bounds.MONEY_HIGH:
        return _("This figure is too large.")
    if part.is_whole and value != value.to_integral_value():
        return _("Give a whole number.")
    if value.as_tuple().exponent < -bounds.MONEY_DECIMAL_PLACES:
        return _("Give at most two decimals.")
    return None


def _check_ratio(figure, field) -> dict:
    part, whole = figure(ROLES.NUMERATOR), figure(ROLES.DENOMINATOR)
    if part is not None and (whole is None or part > whole):
        return {
            field(ROLES.NUMERATOR): _("The part cannot be larger than the whole it is counted in.")
        }
    # A whole without its part would lower the company's rate once summed.
    if whole and part is None:
        return {field(ROLES.NUMERATOR): _("Give the part too (0 where there was none).")}
    return {}


def _check_mean(figure, field) -> dict:
    total, count = figure(ROLES.TOTAL), figure(ROLES.COUNT)
    if total and not count:
        return {field(ROLES.TOTAL): _("A total needs the count it is divided by.")}
    if count and total is None:
        return {field(ROLES.TOTAL): _("Give the total too: the count alone divides nothing.")}
    return {}


def _check_count_amount(figure, field) -> dict:
    amount, count = figure(ROLES.AMOUNT), figure(ROLES.COUNT)
    if amount and not count:
        return {field(ROLES.AMOUNT): _("An amount paid needs the number of payouts.")}
    if count and amount is None:
        return {field(ROLES.AMOUNT): _("Give the amount paid too (0.00 where nothing was paid).")}
    return {}


def _check_nps(figure, field) -> dict:
    answers = (ROLES.PROMOTERS, ROLES.PASSIVES, ROLES.DETRACTORS)
    missing = [role for role in answers if figure(role) is None]
    if missing and len(missing) < len(answers):
        return {
            field(missing[0]): _(
                "Give promoters, passives and detractors together (0 where there were none)."
            )
        }
    return {}


# The rules on a measure's figures taken together, by computation.
MEASURE_CHECKS = {
    Measure.Computation.RATIO: _check_ratio,
    Measure.Computation.MEAN: _check_mean,
    Measure.Computation.COUNT_AMOUNT: _check_count_amount,
    Measure.Computation.NPS: _check_nps,
}


def _check_measure(measure: Measure, given: Mapping[str, tuple[MeasurePart, Decimal]]) -> dict:
    """The refusals of one measure's figures taken together, by field."""
    check = MEASURE_CHECKS.get(measure.computation)
    if check is None or not COMPUTATION_ROLES[measure.computation] <= set(given):
        return {}  # a catalogue still being extended: its measure is checked part by part
    return check(lambda role: given[role][1], lambda role: figure_field(given[role][0]))


def measure_figures_refused(
    *, parts: Iterable[MeasurePart], figures: Mapping[int, Decimal | int | None]
) -> dict[str, str]:
    """Why a return's figures cannot be saved, by field (``figure_field``); empty when
    they can. Each figure is checked, then each measure's figures together."""
    errors: dict[str, str] = {}
    by_measure: dict[int, dict[str, tuple[MeasurePart, Decimal | None]]] = {}
    for part in parts:
        raw = figures.get(part.pk)
        value = None if raw is None else Decimal(raw)
        by_measure.setdefault(part.measure_id, {})[part.role] = (part, value)
        if value is not None and (refusal := _check_value(part, value)):
            errors[figure_field(part)] = refusal
    if not errors:
        for given in by_measure.values():
            measure = next(iter(given.values()))[0].measure
            errors |= _check_measure(measure, given)
    return errors


@transaction.atomic
def measure_return_save(
    *,
    user,
    return_id: int,
    expected_version: int,
    figures: Mapping[int, Decimal | int | None],
) -> MeasureReturn:
    """Replace a draft or returned return's figures (``figures``: part id -> figure, None for
    not given). Each figure and each measure's figures together are checked; nothing is
    saved unless all are right."""
    measure_return = _return_for_update(
        user=user, return_id=return_id, expected_version=expected_version
    )
    require(user, "measures.report", measure_return.org_unit)
    _require_editable(measure_return)
    parts = {part.pk: part for part in typed_parts()}
    unknown = set(figures) - set(parts)
    if unknown:
        raise ValidationError(_("These figures are not asked for: %(parts)s") % {"parts": unknown})
    errors = measure_figures_refused(parts=parts.values(), figures=figures)
    if errors:
        raise ValidationError(errors)
    # The figures of a measure no longer asked for stay as they were reported.
    measure_return.figures.filter(part__in=list(parts)).delete()
    MeasureFigure.objects.bulk_create(
        MeasureFigure(measure_return=measure_return, part=part, value=Decimal(figures[part.pk]))
        for part in parts.values()
        if figures.get(part.pk) is not None
    )
    _save(measure_return)
    audit_record(actor=user, obj=measure_return, action="campaigns.measure_return.saved")
    return measure_return


def _require_editable(measure_return: MeasureReturn) -> None:
    if not measure_return.is_editable:
        raise InvalidState(
            _("A %(status)s monthly return can no longer be changed.")
            % {"status": measure_return.get_status_display()},
            code="not_editable",
        )


@transaction.atomic
def measure_return_submit(*, user, return_id: int, expected_version: int) -> MeasureReturn:
    """Send a draft or returned monthly return for review."""
    measure_return = _return_for_update(
        user=user, return_id=return_id, expected_version=expected_version
    )
    require(user, "measures.report", measure_return.org_unit)
    measure_return.transition(to=MeasureReturn.Status.SUBMITTED)
    if not measure_return.figures.exists():
        raise ValidationError(
            _("Enter the month's figures before you submit them (0 where there were none)."),
            code="return_empty",
        )
    measure_return.submitted_at = timezone.now()
    measure_return.submitted_by = user
    # The reviewer's note has been answered; the audit log keeps it.
    measure_return.review_note = ""
    _save(measure_return, "status", "submitted_at", "submitted_by", "review_note")
    audit_record(actor=user, obj=measure_return, action="campaigns.measure_return.submitted")
    return measure_return


@transaction.atomic
def measure_return_approve(*, user, return_id: int, expected_version: int) -> MeasureReturn:
    """Accept a submitted monthly return."""
    measure_return = _return_for_update(
        user=user, return_id=return_id, expected_version=expected_version
    )
    require(user, "measures.review", measure_return.org_unit)
    measure_return.transition(to=MeasureReturn.Status.APPROVED)
    _save(measure_return, "status")
    audit_record(actor=user, obj=measure_return, action="campaigns.measure_return.approved")
    return measure_return


@transaction.atomic
def measure_return_send_back(
    *, user, return_id: int, note: str, expected_version: int
) -> MeasureReturn:
    """Send a submitted monthly return back to its unit with a note saying what to fix."""
    measure_return = _return_for_update(
        user=user, return_id=return_id, expected_version=expected_version
    )
    require(user, "measures.review", measure_return.org_unit)
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say what the unit should fix.")})
    measure_return.transition(to=MeasureReturn.Status.RETURNED)
    measure_return.review_note = note
    measure_return.full_clean(exclude=["created_by", "submitted_by"])
    _save(measure_return, "status", "review_note")
    audit_record(
        actor=user, obj=measure_return, action="campaigns.measure_return.returned", comment=note
    )
    transaction.on_commit(
        lambda: measures_returned_notify(measure_return=measure_return, note=note)
    )
    return measure_return


# --- mediation rooms and mediators ---------------------------------------------------

ROOM_FIELDS = ("name", "address", "opened_on", "is_open", "closed_on")
MEDIATOR_FIELDS = ("name", "field", "organisation", "contact", "active")


def _unit_for_report(user, org_unit: OrgUnit) -> OrgUnit:
    if not visible_to(user, OrgUnit).filter(pk=org_unit.pk).exists():
        raise OrgUnit.DoesNotExist
    require(user, "measures.report", org_unit)
    return org_unit


def _record_create(model, fields, action, *, user, org_unit: OrgUnit, values):
    """A new room or mediator of ``org_unit`` with ``values`` of ``fields``; the audit entry
    is ``<action>.created``."""
    _unit_for_report(user, org_unit)
    record = model(org_unit=org_unit, **{name: values[name] for name in fields})
    record.full_clean()
    record.save()
    audit_record(actor=user, obj=record, action=f"{action}.created")
    return record


def _record_update(
    model, fields, action, *, user, record_id: int, expected_version: int, org_unit, values
):
    """A room or mediator changed to ``values`` of ``fields``, possibly moved to another
    unit the user reports for; the audit entry is ``<action>.updated``."""
    record = visible_to(user, model).select_for_update().get(pk=record_id)
    require(user, "measures.report", record.org_unit)
    _unit_for_report(user, org_unit)
    if record.version != expected_version:
        raise StaleEdit(STALE_RECORD, current=record)
    record.org_unit = org_unit
    for name in fields:
        setattr(record, name, values[name])
    record.version += 1
    record.full_clean()
    record.save()
    audit_record(actor=user, obj=record, action=f"{action}.updated")
    return record


@transaction.atomic
def mediation_room_create(*, user, org_unit: OrgUnit, **values) -> MediationRoom:
    """Record a mediation room a unit runs (``values``: the ROOM_FIELDS)."""
    return _record_create(
        MediationRoom,
        ROOM_FIELDS,
        "campaigns.mediation_room",
        user=user,
        org_unit=org_unit,
        values=values,
    )


@transaction.atomic
def mediation_room_update(
    *, user, room_id: int, expected_version: int, org_unit: OrgUnit, **values
) -> MediationRoom:
    """Change a mediation room: where it is, or that it closed (``values``: the ROOM_FIELDS)."""
    return _record_update(
        MediationRoom,
        ROOM_FIELDS,
        "campaigns.mediation_room",
        user=user,
        record_id=room_id,
        expected_version=expected_version,
        org_unit=org_unit,
        values=values,
    )


@transaction.atomic
def mediator_create(*, user, org_unit: OrgUnit, **values) -> Mediator:
    """Add a third-party mediator to a unit's pool (``values``: the MEDIATOR_FIELDS)."""
    return _record_create(
        Mediator, MEDIATOR_FIELDS, "campaigns.mediator", user=user, org_unit=org_unit, values=values
    )


@transaction.atomic
def mediator_update(
    *, user, mediator_id: int, expected_version: int, org_unit: OrgUnit, **values
) -> Mediator:
    """Change a mediator's details, or take them out of the pool (``values``: the
    MEDIATOR_FIELDS)."""
    return _record_update(
        Mediator,
        MEDIATOR_FIELDS,
        "campaigns.mediator",
        user=user,
        record_id=mediator_id,
        expected_version=expected_version,
        org_unit=org_unit,
        values=values,
    )
