"""Consumer-protection measures: the catalogue of what branches report each month, their
monthly returns (reviewed like event reports), mediation rooms and third-party mediators.

Rates and averages are never stored: a measure keeps the parts they are made of (solved and
total calls, total minutes and dispatches, promoters, passives and detractors), the parts
are summed over units and months, and the shown value is computed from the sums
(``Measure.value_from``). An average of averages would weigh a branch of ten dispatches
like one of ten thousand.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from campaigns import bounds
from campaigns.models.constraints import FieldCheck
from campaigns.models.states import StatusMachine
from portal.access import OrgScopedQuerySet

HUNDRED = Decimal(100)
# Shown values keep two decimals: 6.38 %, 24.00 minutes, 97.80 NPS.
SHOWN = Decimal("0.01")


class CatalogueQuerySet(models.QuerySet):
    """The catalogue is the company's: every signed-in user reads it; admins extend it."""

    def visible_to(self, user) -> CatalogueQuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.all()


class NamedInThreeLanguages:
    """A catalogue entry named in Chinese, Tibetan and English (``name_zh``, ``name_bo``,
    ``name_en``)."""

    @property
    def name(self) -> str:
        """The name in the interface's language (Chinese where none is written)."""
        language = (get_language() or "zh-hans").lower()
        if language.startswith("bo") and self.name_bo:
            return self.name_bo
        if language.startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class Measure(NamedInThreeLanguages, models.Model):
    """A consumer-protection measure the company reports on, and how its shown value is
    computed from its parts."""

    class Unit(models.TextChoices):
        CASES = "cases", _("cases")
        YUAN = "yuan", _("yuan")
        MINUTES = "minutes", _("minutes")
        PEOPLE = "people", _("people")
        SESSIONS = "sessions", _("sessions")
        PERCENT = "percent", _("percent")

    class Computation(models.TextChoices):
        # The parts' roles each computation needs are in COMPUTATION_ROLES below.
        SUM = "sum", _("sum of the figure")
        RATIO = "ratio", _("rate: part of a whole, in percent")
        MEAN = "mean", _("mean: total divided by count")
        NPS = "nps", _("net promoter score")
        COUNT_AMOUNT = "count_amount", _("count and amount")

    class Source(models.TextChoices):
        TYPED = "typed", _("typed in the monthly return")
        EVENTS = "events", _("counted from events")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_bo = models.CharField(_("Tibetan name"), max_length=200, blank=True)
    name_bo_needs_review = models.BooleanField(
        _("Tibetan name needs native review"),
        default=True,
        help_text=_(
            "Set while the Tibetan name was written by us and not yet checked by a native reader."
        ),
    )
    name_en = models.CharField(_("English name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    computation = models.CharField(_("computation"), max_length=16, choices=Computation.choices)
    source = models.CharField(
        _("source"),
        max_length=16,
        choices=Source.choices,
        default=Source.TYPED,
        help_text=_("Counted from events: never typed into a monthly return."),
    )
    # For a source of events: the event format whose reports are counted (phase 2 counts them).
    event_format = models.CharField(_("event format counted"), max_length=32, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive measures are no longer asked for.")
    )

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self) -> str:
        return self.name

    @property
    def is_typed(self) -> bool:
        return self.source == self.Source.TYPED

    def parts_by_role(self) -> dict[str, MeasurePart]:
        return {part.role: part for part in self.parts.all()}

    def clean(self) -> None:
        percent_only = {self.Computation.RATIO, self.Computation.NPS}
        if self.computation in percent_only and self.unit != self.Unit.PERCENT:
            raise ValidationError({"unit": _("A rate or a net promoter score is in percent.")})
        if self.source == self.Source.EVENTS and not self.event_format:
            raise ValidationError(
                {"event_format": _("Say which event format is counted for this measure.")}
            )

    def value_from(self, sums: Mapping[str, Decimal | int | None]) -> Decimal | None:
        """The shown value, computed from the parts summed over any units and months
        (``sums``: part role -> sum); None where a part it divides by is 0 or missing."""
        return shown_value(self.computation, sums)


class MeasurePart(NamedInThreeLanguages, models.Model):
    """One figure a measure is made of, as typed in a monthly return."""

    class Role(models.TextChoices):
        VALUE = "value", _("the figure itself")
        NUMERATOR = "numerator", _("part (numerator)")
        DENOMINATOR = "denominator", _("whole (denominator)")
        TOTAL = "total", _("total to divide")
        COUNT = "count", _("count")
        PROMOTERS = "promoters", _("promoters")
        PASSIVES = "passives", _("passives")
        DETRACTORS = "detractors", _("detractors")
        AMOUNT = "amount", _("amount in yuan")

    class Kind(models.TextChoices):
        WHOLE = "whole", _("whole number")
        MONEY = "money", _("amount in yuan, two decimals")
        MINUTES = "minutes", _("minutes, two decimals")

    measure = models.ForeignKey(
        Measure, models.CASCADE, related_name="parts", verbose_name=_("measure")
    )
    code = models.SlugField(_("code"), max_length=40)
    role = models.CharField(_("role in the computation"), max_length=16, choices=Role.choices)
    kind = models.CharField(_("kind of number"), max_length=16, choices=Kind.choices)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_bo = models.CharField(_("Tibetan name"), max_length=200, blank=True)
    name_bo_needs_review = models.BooleanField(_("Tibetan name needs native review"), default=True)
    name_en = models.CharField(_("English name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        ordering = ["measure__position", "measure__code", "position", "pk"]
        verbose_name = _("measure part")
        verbose_name_plural = _("measure parts")
        constraints = [
            models.UniqueConstraint(fields=["measure", "code"], name="measure_part_code_once"),
            models.UniqueConstraint(fields=["measure", "role"], name="measure_part_role_once"),
        ]

    def __str__(self) -> str:
        return f"{self.measure.name_zh} · {self.name_zh}"

    @property
    def is_whole(self) -> bool:
        return self.kind == self.Kind.WHOLE


# The parts each computation is made of, by role.
COMPUTATION_ROLES: dict[str, frozenset[str]] = {
    Measure.Computation.SUM: frozenset({MeasurePart.Role.VALUE}),
    Measure.Computation.RATIO: frozenset(
        {MeasurePart.Role.NUMERATOR, MeasurePart.Role.DENOMINATOR}
    ),
    Measure.Computation.MEAN: frozenset({MeasurePart.Role.TOTAL, MeasurePart.Role.COUNT}),
    Measure.Computation.NPS: frozenset(
        {MeasurePart.Role.PROMOTERS, MeasurePart.Role.PASSIVES, MeasurePart.Role.DETRACTORS}
    ),
    Measure.Computation.COUNT_AMOUNT: frozenset({MeasurePart.Role.COUNT, MeasurePart.Role.AMOUNT}),
}


def _rounded(value: Decimal) -> Decimal:
    return value.quantize(SHOWN, rounding=ROUND_HALF_UP)


def shown_value(computation: str, sums: Mapping[str, Decimal | int | None]) -> Decimal | None:
    """What a measure shows, from the sums of its parts: the figure (sum), part/whole × 100
    (ratio), total/count (mean), (promoters − detractors)/(all answers) × 100 (NPS), the
    amount (count and amount: the count is shown beside it). None when nothing divides."""
    roles = MeasurePart.Role

    def part(role) -> Decimal:
        return Decimal(sums.get(role) or 0)

    if computation == Measure.Computation.SUM:
        return None if sums.get(roles.VALUE) is None else part(roles.VALUE)
    if computation == Measure.Computation.COUNT_AMOUNT:
        return None if sums.get(roles.AMOUNT) is None else part(roles.AMOUNT)
    if computation == Measure.Computation.RATIO:
        whole = part(roles.DENOMINATOR)
        return _rounded(part(roles.NUMERATOR) * HUNDRED / whole) if whole else None
    if computation == Measure.Computation.MEAN:
        count = part(roles.COUNT)
        return _rounded(part(roles.TOTAL) / count) if count else None
    if computation == Measure.Computation.NPS:
        answers = part(roles.PROMOTERS) + part(roles.PASSIVES) + part(roles.DETRACTORS)
        if not answers:
            return None
        return _rounded((part(roles.PROMOTERS) - part(roles.DETRACTORS)) * HUNDRED / answers)
    raise ValueError(computation)


class MeasureReturnQuerySet(OrgScopedQuerySet):
    owner_path = "org_unit__path"


class MeasureReturn(StatusMachine, models.Model):
    """A unit's figures of the measures for one month, sent for review like an event report."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned")

    TRANSITION_REFUSED = _("A %(current)s monthly return cannot become %(target)s.")
    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.APPROVED, Status.RETURNED},
        Status.RETURNED: {Status.SUBMITTED},
        Status.APPROVED: set(),
    }
    # Statuses in which the unit may still change its figures.
    EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})

    org_unit = models.ForeignKey(
        "campaigns.OrgUnit",
        models.PROTECT,
        related_name="measure_returns",
        verbose_name=_("org unit"),
    )
    # The first day of the month reported.
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    review_note = models.TextField(_("review note"), blank=True)
    # Figures loaded by the seeds for the demo, never reported by anyone.
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MeasureReturnQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "org_unit__path"]
        verbose_name = _("monthly measures return")
        verbose_name_plural = _("monthly measures returns")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "month"], name="measure_return_once"),
            FieldCheck(
                condition=Q(month__day=1) & bounds.days_within("month"),
                fields=("month",),
                name="measure_return_first_of_month",
                violation_error_message=_("A return is for a whole month."),
            ),
            models.CheckConstraint(
                condition=bounds.lengths_within(bounds.NOTE_LENGTH, "review_note"),
                name="measure_return_note_in_bounds",
                violation_error_message=_("The note is too long."),
            ),
        ]
        indexes = [models.Index(fields=["status", "month"], name="measure_return_status_month")]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.month:%Y-%m}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class MeasureFigureQuerySet(OrgScopedQuerySet):
    owner_path = "measure_return__org_unit__path"


class MeasureFigure(models.Model):
    """One part's figure in a monthly return: a whole number, or yuan or minutes with two
    decimals, never a float."""

    measure_return = models.ForeignKey(
        MeasureReturn, models.CASCADE, related_name="figures", verbose_name=_("monthly return")
    )
    part = models.ForeignKey(
        MeasurePart, models.PROTECT, related_name="figures", verbose_name=_("measure part")
    )
    value = models.DecimalField(
        _("figure"),
        max_digits=bounds.MONEY_MAX_DIGITS,
        decimal_places=bounds.MONEY_DECIMAL_PLACES,
    )

    objects = MeasureFigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("measure figure")
        verbose_name_plural = _("measure figures")
        constraints = [
            models.UniqueConstraint(
                fields=["measure_return", "part"], name="measure_figure_once_per_part"
            ),
            FieldCheck(
                condition=Q(value__gte=0),
                fields=("value",),
                name="measure_figure_not_negative",
                violation_error_message=_("A figure cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part}: {self.value}"


class MediationRoomQuerySet(OrgScopedQuerySet):
    owner_path = "org_unit__path"


class MediationRoom(models.Model):
    """A "Fengqiao" mediation room (枫桥经验调解室) a unit runs: where, since when, open or not."""

    org_unit = models.ForeignKey(
        "campaigns.OrgUnit",
        models.PROTECT,
        related_name="mediation_rooms",
        verbose_name=_("org unit"),
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("where"), max_length=300)
    opened_on = models.DateField(_("opened on"))
    is_open = models.BooleanField(_("open"), default=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = MediationRoomQuerySet.as_manager()

    class Meta:
        ordering = ["org_unit__path", "name"]
        verbose_name = _("mediation room")
        verbose_name_plural = _("mediation rooms")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "name"], name="mediation_room_name_once"),
            FieldCheck(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                fields=("closed_on",),
                name="mediation_room_closes_after_opening",
                violation_error_message=_("A room cannot close before it opened."),
            ),
            FieldCheck(
                condition=Q(is_open=True, closed_on__isnull=True) | Q(is_open=False),
                fields=("closed_on",),
                name="mediation_room_open_has_no_closing_day",
                violation_error_message=_("An open room has no closing day."),
            ),
            models.CheckConstraint(
                condition=bounds.days_within("opened_on"),
                name="mediation_room_opened_in_bounds",
                violation_error_message=bounds.DAY_REFUSED,
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MediatorQuerySet(OrgScopedQuerySet):
    owner_path = "org_unit__path"


class Mediator(models.Model):
    """A third-party mediator of a unit's pool: a professional contact, not a customer."""

    org_unit = models.ForeignKey(
        "campaigns.OrgUnit", models.PROTECT, related_name="mediators", verbose_name=_("org unit")
    )
    name = models.CharField(_("name"), max_length=100)
    field = models.CharField(_("field"), max_length=200, help_text=_("e.g. law, motor claims"))
    organisation = models.CharField(_("organisation"), max_length=200)
    contact = models.CharField(_("work contact"), max_length=100, blank=True)
    active = models.BooleanField(_("in the pool"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = MediatorQuerySet.as_manager()

    class Meta:
        ordering = ["org_unit__path", "name"]
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "name", "organisation"], name="mediator_once_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"
