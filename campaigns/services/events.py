"""Planning, reporting and reviewing events: every write and status change of an event.

Each service takes the acting user, looks the event up inside the user's scope (so an event
outside it is missing, exactly like one that does not exist), checks the user's role for the
action, refuses a save based on an older version, and writes an audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.errors import InvalidState, NotAllowed, StaleEdit, row_errors
from campaigns.models import (
    AudienceCount,
    AudienceGroup,
    Campaign,
    Channel,
    Event,
    EventTopic,
    MaterialEdition,
    MaterialUse,
    OrgUnit,
    Partner,
    PartnerService,
    Region,
)
from campaigns.models.events import (
    ENDS_BEFORE_START,
    PLAN_FIELDS,
    REPORT_FIGURES,
    audience_column,
)
from campaigns.services.audit import audit_record
from campaigns.services.notifications import report_returned_notify
from campaigns.services.photos import event_photos_add
from portal.access import can, require, visible_to

# The statuses in which the organizer may still change the plan and the report (the
# importer reads them here too).
EDITABLE = Event.EDITABLE
# A change refused because someone else saved the event first.
STALE_EDIT = gettext_lazy(
    "Someone else saved this event after you opened it (now version %(version)s). "
    "Your changes were not saved; they are still in the form. Open the event again "
    "in a new tab to see what changed, then save once more."
)


@dataclass(frozen=True)
class HandoutGiven:
    edition: MaterialEdition
    copies: int


@dataclass(frozen=True)
class PartnerServiceReport:
    partner: Partner
    service_type: str
    screening_type: str = ""
    people_served: int | None = None
    screened: int | None = None
    referred: int | None = None


def _event_for_update(*, user, event_id: int, expected_version: int) -> Event:
    """The event, locked for the change, if it is still at the version the person saw: a
    change made from a page or a request that saw none, or an older one, is refused."""
    event = (
        visible_to(user, Event)
        .select_for_update(of=("self",))
        .select_related("org_unit", "campaign")
        .get(pk=event_id)
    )
    if event.version != expected_version:
        raise StaleEdit(STALE_EDIT % {"version": event.version}, current=event)
    return event


def _require_editable(event: Event) -> None:
    if not event.is_editable:
        raise InvalidState(
            _("A %(status)s event can no longer be changed.")
            % {"status": event.get_status_display()},
            code="not_editable",
        )


def _check_plan(*, user, event: Event, topics: Iterable[str], expected_partners) -> None:
    if not can(user, "event.plan", event.org_unit):
        raise ValidationError(
            {"org_unit": _("You cannot plan events for %(unit)s.") % {"unit": event.org_unit}}
        )
    if not event.org_unit.service_counties().filter(pk=event.county_id).exists():
        raise ValidationError(
            {
                "county": _("%(county)s is not in the service area of %(unit)s.")
                % {"county": event.county, "unit": event.org_unit}
            }
        )
    _check_topics(topics)
    visible_partners = visible_to(user, Partner)
    if any(not visible_partners.filter(pk=p.pk).exists() for p in expected_partners):
        raise ValidationError({"expected_partners": _("Choose partners of your own units.")})
    _check_venue(event)
    _check_times(event)
    # The id is held unique by the database: two sends of one offline report at once meet
    # there, where campaigns/services/offline.py takes the second for the first.
    event.full_clean(exclude=["created_by", "reported_by", "uuid"])


def _check_times(event: Event) -> None:
    # The database refuses it too, but as the whole event's fault: said here, it sits at
    # the end time on the form and under "ends_at" in the API's answer.
    if event.ends_at is not None and event.ends_at < event.starts_at:
        raise ValidationError({"ends_at": ENDS_BEFORE_START})


def _check_topics(topics: Iterable[str]) -> None:
    if not topics:
        raise ValidationError({"topics": _("Choose at least one topic.")})


def _check_venue(event: Event) -> None:
    if not event.is_online and not event.venue_name.strip():
        raise ValidationError({"venue_name": _("Name the venue of an event held in person.")})


def _set_topics(event: Event, topics: Iterable[str]) -> None:
    topics = set(topics)
    event.topic_rows.exclude(topic__in=topics).delete()
    existing = set(event.topic_rows.values_list("topic", flat=True))
    EventTopic.objects.bulk_create(
        [EventTopic(event=event, topic=topic) for topic in sorted(topics - existing)]
    )


@transaction.atomic
def event_plan(
    *,
    user,
    campaign: Campaign,
    org_unit: OrgUnit,
    county: Region,
    title: str,
    venue_type: str,
    format: str,
    starts_at: dt.datetime,
    topics: Iterable[str],
    venue_name: str = "",
    language: str = "zh",
    channel: str = Channel.OFFLINE,
    ends_at: dt.datetime | None = None,
    expected_partners: Iterable[Partner] = (),
    uuid: UUID | None = None,
) -> Event:
    """Plan a new event for an org unit the user organizes; ``uuid``, the id a phone made
    for it, else a new one."""
    expected_partners = list(expected_partners)
    topics = list(topics)
    event = Event(
        campaign=campaign,
        org_unit=org_unit,
        county=county,
        title=title.strip(),
        venue_name=venue_name.strip(),
        venue_type=venue_type,
        format=format,
        language=language,
        channel=channel,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=user,
    )
    if uuid is not None:
        event.uuid = uuid
    _check_plan(user=user, event=event, topics=topics, expected_partners=expected_partners)
    event.save()
    _set_topics(event, topics)
    event.expected_partners.set(expected_partners)
    audit_record(actor=user, obj=event, action="campaigns.event.planned")
    return event


@transaction.atomic
def event_plan_update(
    *,
    user,
    event_id: int,
    expected_version: int,
    topics: Iterable[str],
    expected_partners: Iterable[Partner] = (),
    **fields,
) -> Event:
    """Change the plan of a planned or returned event."""
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"Not plan fields: {sorted(unknown)}")
    event = _event_for_update(user=user, event_id=event_id, expected_version=expected_version)
    require(user, "event.plan", event.org_unit)
    _require_editable(event)
    changed = sorted(name for name, value in fields.items() if getattr(event, name) != value)
    for name, value in fields.items():
        setattr(event, name, value.strip() if isinstance(value, str) else value)
    expected_partners = list(expected_partners)
    topics = list(topics)
    _check_plan(user=user, event=event, topics=topics, expected_partners=expected_partners)
    event.version += 1
    event.save()
    _set_topics(event, topics)
    event.expected_partners.set(expected_partners)
    audit_record(
        actor=user, obj=event, action="campaigns.event.plan_changed", data={"fields": changed}
    )
    return event


def _check_handouts(user, handouts: list[HandoutGiven]) -> None:
    editions = visible_to(user, MaterialEdition).filter(status=MaterialEdition.Status.APPROVED)
    seen = set()
    for row, handout in enumerate(handouts, start=1):
        if handout.edition.pk in seen:
            raise ValidationError(
                {"handouts": _("Row %(row)s: this edition is listed twice.") % {"row": row}}
            )
        seen.add(handout.edition.pk)
        if not editions.filter(pk=handout.edition.pk).exists():
            raise ValidationError(
                {
                    "handouts": _("Row %(row)s: only approved editions of your units' handouts.")
                    % {"row": row}
                }
            )
        if handout.copies < 1:
            raise ValidationError(
                {"handouts": _("Row %(row)s: copies must be at least 1.") % {"row": row}}
            )


@transaction.atomic
def event_report_save(
    *,
    user,
    event_id: int,
    expected_version: int,
    figures: dict[str, int | None],
    audience: dict[str, int | None],
    handouts: Iterable[HandoutGiven] | None = None,
    partner_services: Iterable[PartnerServiceReport] | None = None,
    summary: str = "",
    photos: Sequence[UploadedFile] = (),
    photo_caption: str = "",
) -> Event:
    """Save what an event reached, without sending it for review yet.

    An audience group left out or given as None is "not counted", which differs from 0.
    Handouts and partner services given replace the event's; None leaves them as they are
    (an API client that sends only the counts must not wipe what the page recorded).
    ``photos`` are added with the report, all or none: a refused file refuses the save
    (named under "photos"; a refused ``photo_caption`` under "caption").
    """
    event = _event_for_update(user=user, event_id=event_id, expected_version=expected_version)
    require(user, "event.report", event.org_unit)
    _require_editable(event)
    unknown = (set(figures) - set(REPORT_FIGURES)) | (set(audience) - set(AudienceGroup.values))
    if unknown:
        raise TypeError(f"Unknown report fields: {sorted(unknown)}")
    event.summary = summary.strip()
    handouts = None if handouts is None else list(handouts)
    partner_services = None if partner_services is None else list(partner_services)
    event_report_check(
        user=user,
        event=event,
        figures=figures,
        audience=audience,
        handouts=handouts,
        partner_services=partner_services,
    )
    counted = {group: count for group, count in audience.items() if count is not None}
    event.version += 1
    event.save()

    event.audience_counts.exclude(group__in=counted).delete()
    for group, count in counted.items():
        AudienceCount.objects.update_or_create(event=event, group=group, defaults={"count": count})

    if handouts is not None:
        _handouts_replace(event, handouts)
    if partner_services is not None:
        _partner_services_replace(event, partner_services)
    audit_record(actor=user, obj=event, action="campaigns.event.report_saved")
    # Last: nothing that could still fail comes after the photos' files are written.
    event_photos_add(user=user, event=event, uploads=photos, caption=photo_caption)
    return event


def event_report_check(
    *,
    user,
    event: Event,
    figures: Mapping[str, int | None],
    audience: Mapping[str, int | None],
    handouts: list[HandoutGiven] | None = None,
    partner_services: list[PartnerServiceReport] | None = None,
) -> None:
    """Every rule a report keeps, checked before anything is saved: one ValidationError
    names every field and row at fault, so that a person on a phone fixes all of them in one
    go. Puts the figures on ``event`` in memory; writes nothing, so the report form can also
    ask it about the fields it accepted while refusing others."""
    errors: dict = {}

    def collect(check) -> None:
        nonlocal errors
        try:
            check()
        except ValidationError as error:
            errors = error.update_error_dict(errors)

    counted = {group: count for group, count in audience.items() if count is not None}
    if any(count < 0 for count in counted.values()):
        raise ValidationError({"audience": _("Counts are whole numbers of 0 or more.")})
    event_figures_set(
        event, figures={name: figures.get(name) for name in REPORT_FIGURES}, counted=counted
    )
    collect(lambda: _check_groups(event, counted))
    # The database's constraint on groups says in one sentence what the check above said
    # at each group: ask the constraints only when the groups passed.
    groups_refused = bool(errors)
    collect(
        lambda: event.full_clean(
            exclude=["created_by", "reported_by"], validate_constraints=not groups_refused
        )
    )
    if handouts is not None:
        collect(lambda: _check_handouts(user, handouts))
    if partner_services is not None:
        collect(lambda: _check_partner_services(user, event, partner_services))
    if errors:
        raise ValidationError(errors)


def event_figures_set(
    event: Event, *, figures: Mapping[str, int | None], counted: Mapping[str, int]
) -> None:
    """Put a report's figures and audience counts on ``event`` (in memory) as every report
    keeps them: an online event has no head count, one held in person no online reach, and
    people reached follows. It checks nothing; ``event_rules_check`` does."""
    for name, value in figures.items():
        setattr(event, name, value)
    if event.is_online:
        event.head_count = None
    else:
        event.online_reach = None
    # Whoever saves the report has seen the head count: confirmed, or corrected.
    event.head_count_derived = False
    event.record_audience(counted)


def event_rules_check(event: Event, *, topics: Iterable[str], counted: Mapping[str, int]) -> None:
    """The rules of planning and reporting that need no database, as ``event_plan`` and
    ``event_report_save`` apply them, for a caller that checks many events before saving
    them at once (the sheet import): the event may still be changed, it has a topic, an
    event held in person names its venue, it ends after it starts, and its audience groups
    are within its head count. Raises one ValidationError naming every field at fault."""
    errors: dict = {}
    for check in (
        lambda: _require_editable(event),
        lambda: _check_topics(topics),
        lambda: _check_venue(event),
        lambda: _check_times(event),
        lambda: _check_groups(event, counted),
    ):
        try:
            check()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _check_groups(event: Event, counted: Mapping[str, int]) -> None:
    """Audience groups are "of whom" figures under the head count of an in-person event;
    an online event reports its reach instead. Each breach is named at its group."""
    if event.is_online:
        refused = {
            audience_column(group): _("An online event reports its reach, not audience groups.")
            for group in counted
        }
    else:
        refused = {
            audience_column(group): (
                _("Give the head count first: this group is part of it.")
                if event.head_count is None
                else _("At most the head count (%(head_count)s): a group is part of it.")
                % {"head_count": event.head_count}
            )
            for group in event.groups_above_head_count(counted)
        }
    if refused:
        raise ValidationError(refused)


def _handouts_replace(event: Event, handouts: list[HandoutGiven]) -> None:
    """Replace the event's handouts with ``handouts``, already checked."""
    event.material_uses.all().delete()
    MaterialUse.objects.bulk_create(
        [MaterialUse(event=event, edition=h.edition, copies=h.copies) for h in handouts]
    )


def _check_partner_services(user, event: Event, services: list[PartnerServiceReport]) -> None:
    """Each row's partner is one the user may name and its figures keep the model's rules;
    every refused row is named."""
    partners = visible_to(user, Partner)
    refused = []
    for row, reported in enumerate(services, start=1):
        if not partners.filter(pk=reported.partner.pk).exists():
            refused.append(_("Row %(row)s: unknown partner.") % {"row": row})
            continue
        try:
            PartnerService(event=event, **reported.__dict__).full_clean()
        except ValidationError as error:
            refused.extend(row_errors(error, row=row))
    if refused:
        raise ValidationError({"partner_services": refused})


def _partner_services_replace(event: Event, services: list[PartnerServiceReport]) -> None:
    """Replace the event's partner services with ``services``, already checked."""
    event.partner_services.all().delete()
    for reported in services:
        PartnerService(event=event, **reported.__dict__).save()


@transaction.atomic
def event_submit(*, user, event_id: int, expected_version: int) -> Event:
    """Send a planned or returned event's report for review."""
    event = _event_for_update(user=user, event_id=event_id, expected_version=expected_version)
    require(user, "event.report", event.org_unit)
    event.transition(to=Event.Status.REPORTED)
    if event.reached() is None:
        raise ValidationError(
            _("Report how many people the event reached before you submit it.")
            if event.is_online
            else _("Give the head count (everyone who came) before you submit the report."),
            code="report_empty",
        )
    event.reported_at = timezone.now()
    event.reported_by = user
    # The reviewer's note has been answered; the audit log keeps it.
    event.review_note = ""
    event.version += 1
    event.save(
        update_fields=[
            "status",
            "reported_at",
            "reported_by",
            "review_note",
            "version",
            "updated_at",
        ]
    )
    audit_record(actor=user, obj=event, action="campaigns.event.submitted")
    return event


@transaction.atomic
def event_head_count_confirm(
    *, user, event_id: int, expected_version: int, head_count: int
) -> Event:
    """Confirm or correct a head count that a migration derived from the old sum of the
    audience groups. The organizers of the event's unit and its reviewers may, in any status
    but cancelled: an approved report's head count is what coverage counts."""
    event = _event_for_update(user=user, event_id=event_id, expected_version=expected_version)
    if not (can(user, "event.report", event.org_unit) or can(user, "event.review", event.org_unit)):
        raise NotAllowed
    if event.is_online or event.status == Event.Status.CANCELLED:
        raise InvalidState(_("This event has no head count to confirm."), code="no_head_count")
    previous = event.head_count
    event.head_count = head_count
    counted = {
        group: getattr(event, audience_column(group))
        for group in AudienceGroup.values
        if getattr(event, audience_column(group)) is not None
    }
    if event.groups_above_head_count(counted):
        raise ValidationError(
            {
                "head_count": _(
                    "At least %(largest)s: the largest audience group is part of the head count."
                )
                % {"largest": max(counted.values())}
            }
        )
    event.head_count_derived = False
    event.record_audience(counted)
    event.version += 1
    event.full_clean(exclude=["created_by", "reported_by"])
    event.save(
        update_fields=[
            "head_count",
            "head_count_derived",
            "people_reached",
            "version",
            "updated_at",
        ]
    )
    audit_record(
        actor=user,
        obj=event,
        action="campaigns.event.head_count_confirmed",
        data={"from": previous, "to": head_count},
    )
    return event


@transaction.atomic
def event_approve(*, user, event_id: int, expected_version: int) -> Event:
    """Accept a reported event's report."""
    event = _event_for_update(user=user, event_id=event_id, expected_version=expected_version)
    require(user, "event.review", event.org_unit)
    event.transition(to=Event.Status.APPROVED)
    event.version += 1
    event.save(update_fields=["status", "version", "updated_at"])
    audit_record(actor=user, obj=event, action="campaigns.event.approved")
    return event


@dataclass(frozen=True)
class BulkApproval:
    approved: list[Event]
    skipped: int
    # Changed after the reviewer opened the list: figures they have not seen.
    stale: list[Event] = field(default_factory=list)


@transaction.atomic
def event_approve_bulk(*, user, versions: Mapping[int, int | None]) -> BulkApproval:
    """Approve every listed event the user may review that is still waiting for review and
    still at the version the user saw (``versions``: event id -> version, None if unseen).

    Events approved or returned by someone else meanwhile, or outside the user's review
    scope, are skipped and counted; events changed since are listed as stale; neither
    fails the whole batch.
    """
    events = list(
        visible_to(user, Event)
        .select_for_update(of=("self",))
        .select_related("org_unit")
        .filter(pk__in=set(versions), status=Event.Status.REPORTED)
        .order_by("pk")
    )
    approved, stale = [], []
    for event in events:
        if not can(user, "event.review", event.org_unit):
            continue
        if event.version != versions[event.pk]:
            stale.append(event)
            continue
        event.transition(to=Event.Status.APPROVED)
        event.version += 1
        event.save(update_fields=["status", "version", "updated_at"])
        audit_record(actor=user, obj=event, action="campaigns.event.approved", data={"bulk": True})
        approved.append(event)
    return BulkApproval(
        approved=approved, skipped=len(versions) - len(approved) - len(stale), stale=stale
    )


@transaction.atomic
def event_return(*, user, event_id: int, note: str, expected_version: int) -> Event:
    """Send a reported event back to its organizer with a note saying what to fix."""
    event = _event_for_update(user=user, event_id=event_id, expected_version=expected_version)
    require(user, "event.review", event.org_unit)
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say what the organizer should fix.")})
    event.transition(to=Event.Status.RETURNED)
    event.review_note = note
    event.version += 1
    event.save(update_fields=["status", "review_note", "version", "updated_at"])
    audit_record(actor=user, obj=event, action="campaigns.event.returned", comment=note)
    transaction.on_commit(lambda: report_returned_notify(event=event, note=note))
    return event


@transaction.atomic
def event_cancel(*, user, event_id: int, reason: str, expected_version: int) -> Event:
    """Call off a planned event, saying why."""
    event = _event_for_update(user=user, event_id=event_id, expected_version=expected_version)
    require(user, "event.cancel", event.org_unit)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the event is cancelled.")})
    event.transition(to=Event.Status.CANCELLED)
    event.cancel_reason = reason
    event.version += 1
    event.save(update_fields=["status", "cancel_reason", "version", "updated_at"])
    audit_record(actor=user, obj=event, action="campaigns.event.cancelled", comment=reason)
    return event
