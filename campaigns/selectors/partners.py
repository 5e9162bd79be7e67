"""Reads about partners: the list with its flags, a partner's page, and agreement checks."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Case,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import (
    Event,
    OrgUnit,
    Partner,
    PartnerAgreement,
    PartnerService,
    ScreeningType,
    ServiceType,
)
from portal.access import filter_by_action, visible_to

ENDING_SOON_DAYS = 30

SERVICE_WARNINGS = {
    "no_agreement_on_date": _("No agreement with %(partner)s covers %(date)s."),
    "county_not_covered": _("No agreement with %(partner)s covers %(county)s on %(date)s."),
    "service_not_offered": _("The agreement with %(partner)s does not include %(service)s."),
}


class AgreementState:
    """How an agreement stands on a given day, as annotated by ``partner_agreements``."""

    EXPIRED = "expired"
    UPCOMING = "upcoming"
    ENDING_SOON = "ending_soon"
    CURRENT = "current"


def partner_units_editable(*, user) -> QuerySet[OrgUnit]:
    """The org units ``user`` may add partners for."""
    return filter_by_action(OrgUnit.objects.all(), user, "partner.edit")


def partner_filter_units(*, user) -> QuerySet[OrgUnit]:
    """The units the partner list can be narrowed to: those owning a partner the user sees."""
    # Scoped through the partners: a branch's hospital is shared with its sub-branches, so
    # the branch is a useful filter to them although the unit itself is outside their scope.
    return OrgUnit.objects.filter(pk__in=visible_to(user, Partner).values("org_unit"))


def _current(today: dt.date) -> Q:
    return Q(starts_on__lte=today, ends_on__gte=today)


def partner_list(
    *,
    user,
    today: dt.date,
    kind: str = "",
    org_unit: OrgUnit | None = None,
    search: str = "",
    within_days: int = ENDING_SOON_DAYS,
) -> QuerySet[Partner]:
    """Visible partners, filtered, each with ``has_current_agreement`` and ``ends_soon``.

    ``ends_soon``: a current agreement exists and no agreement of the partner runs past
    ``today + within_days`` (a signed renewal silences the flag).
    """
    agreements = PartnerAgreement.objects.filter(partner=OuterRef("pk"))
    partners = (
        visible_to(user, Partner)
        .select_related("org_unit")
        .annotate(
            has_current_agreement=Exists(agreements.filter(_current(today))),
            covered_until=Subquery(agreements.order_by("-ends_on").values("ends_on")[:1]),
        )
        .annotate(
            ends_soon=Case(
                When(
                    has_current_agreement=True,
                    covered_until__lte=today + dt.timedelta(days=within_days),
                    then=Value(True),
                ),
                default=Value(False),
            )
        )
        .order_by("name", "pk")
    )
    if kind:
        partners = partners.filter(kind=kind)
    if org_unit is not None:
        partners = partners.filter(org_unit=org_unit)
    if search:
        partners = partners.filter(name__icontains=search)
    return partners


def partner_agreements(
    *, user, partner: Partner, today: dt.date, within_days: int = ENDING_SOON_DAYS
) -> list[PartnerAgreement]:
    """The partner's agreements, newest first, each with ``state`` and ``service_labels``."""
    agreements = list(
        visible_to(user, PartnerAgreement)
        .filter(partner=partner)
        .annotate(
            state=Case(
                When(ends_on__lt=today, then=Value(AgreementState.EXPIRED)),
                When(starts_on__gt=today, then=Value(AgreementState.UPCOMING)),
                When(
                    ends_on__lte=today + dt.timedelta(days=within_days),
                    then=Value(AgreementState.ENDING_SOON),
                ),
                default=Value(AgreementState.CURRENT),
            )
        )
        .prefetch_related("counties")
        .order_by("-starts_on", "-pk")
    )
    labels = dict(ServiceType.choices)
    for agreement in agreements:
        agreement.service_labels = [
            labels[value] for value in agreement.services if value in labels
        ]
    return agreements


def partner_services_delivered(*, user, partner: Partner) -> QuerySet[PartnerService]:
    """What the partner did at events the user can see, latest event first."""
    return (
        visible_to(user, PartnerService)
        .filter(partner=partner)
        .select_related("event", "event__county")
        .order_by("-event__starts_at", "-pk")
    )


@dataclass(frozen=True)
class ScreeningTotal:
    screening_type: str
    label: str
    screened: int
    referred: int


def partner_screening_totals(*, user, partner: Partner) -> list[ScreeningTotal]:
    """People screened and referred by the partner, per screening type, at visible events."""
    rows = (
        partner_services_delivered(user=user, partner=partner)
        .exclude(screening_type="")
        .order_by()
        .values("screening_type")
        .annotate(screened_total=Sum("screened"), referred_total=Sum("referred"))
        .order_by("screening_type")
    )
    labels = dict(ScreeningType.choices)
    return [
        ScreeningTotal(
            screening_type=row["screening_type"],
            label=labels.get(row["screening_type"], row["screening_type"]),
            screened=row["screened_total"] or 0,
            referred=row["referred_total"] or 0,
        )
        for row in rows
    ]


def agreements_ending_soon(
    *, user, today: dt.date, within_days: int = ENDING_SOON_DAYS
) -> QuerySet[PartnerAgreement]:
    """Visible agreements ending in the next ``within_days`` days with no later one to follow."""
    later = PartnerAgreement.objects.filter(
        partner=OuterRef("partner"), ends_on__gt=OuterRef("ends_on")
    )
    return (
        visible_to(user, PartnerAgreement)
        .filter(ends_on__gte=today, ends_on__lte=today + dt.timedelta(days=within_days))
        .exclude(Exists(later))
        .select_related("partner", "partner__org_unit")
        .order_by("ends_on", "pk")
    )


def partner_service_warnings(*, services: Iterable[PartnerService]) -> dict[int, list[str]]:
    """Warnings for services of an event that no agreement of their partner covers.

    Maps the pk of each service with a problem to its messages; covered services are left
    out. At most four queries whatever the number of services: events with their counties
    (unless loaded), partners, their agreements and the agreements' counties.
    """
    services = list(services)
    if not services:
        return {}
    # The event page has the event and its county loaded already; read them only if not.
    events = {
        service.event_id: service.event
        for service in services
        if PartnerService.event.is_cached(service) and Event.county.is_cached(service.event)
    }
    if missing := {service.event_id for service in services} - events.keys():
        events.update(Event.objects.select_related("county").in_bulk(missing))
    # Partners and agreements are read without the viewer's scope: a branch's hospital may
    # serve at an outlet's event, and the outlet's organizer must still learn that no
    # agreement covers it.
    partners = Partner.objects.prefetch_related(
        Prefetch("agreements", queryset=PartnerAgreement.objects.order_by()),
        "agreements__counties",
    ).in_bulk({service.partner_id for service in services})

    warnings: dict[int, list[str]] = {}
    for service in services:
        message = _service_warning(service, events[service.event_id], partners[service.partner_id])
        if message:
            warnings[service.pk] = [message]
    return warnings


def _service_warning(service: PartnerService, event: Event, partner: Partner) -> str:
    """The first problem found, from the broadest (no agreement that day) to the narrowest."""
    day = timezone.localdate(event.starts_at)
    params = {
        "partner": partner.name,
        "date": day.isoformat(),
        "county": event.county.name_zh,
        "service": service.get_service_type_display(),
    }
    agreements = partner.agreements.all()
    on_date = [a for a in agreements if a.starts_on <= day <= a.ends_on]
    if not on_date:
        return str(SERVICE_WARNINGS["no_agreement_on_date"]) % params
    in_county = [a for a in on_date if any(c.pk == event.county_id for c in a.counties.all())]
    if not in_county:
        return str(SERVICE_WARNINGS["county_not_covered"]) % params
    if not any(service.service_type in a.services for a in in_county):
        return str(SERVICE_WARNINGS["service_not_offered"]) % params
    return ""
