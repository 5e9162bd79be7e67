"""Importing a unit's events from a filled events sheet: every row or none.

The whole sheet is read and checked first (campaigns/imports/events_sheet.py, then the
rules below, which are the plan and report services' own: the unit's role, the service
area, a venue for events held in person, counts of 0 or more). One problem anywhere and
nothing is saved; a clean sheet is saved in one transaction, in bulk. A row whose external
reference the unit has used before updates that event instead of adding another, but only
while the event is planned or returned, as the plan and report services allow; a row that
changes nothing leaves its event alone (no new version, no history entry).

Rows with figures are saved as reports not yet sent: only when the organizer asks for it
are they sent for review, each through ``event_submit``, the page's own way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.imports.events_sheet import (
    SHEET_NAME,
    CountyLookup,
    Problem,
    SheetRefused,
    column_labels,
    sheet_read,
)
from campaigns.models import (
    AudienceCount,
    Campaign,
    Channel,
    Event,
    EventTopic,
    OrgUnit,
)
from campaigns.models.events import AUDIENCE_COLUMNS, AUDIENCE_GROUPS
from campaigns.services.audit import audit_record_bulk, audit_record_each
from campaigns.services.bulk import objects_insert, rows_insert
from campaigns.services.events import EDITABLE, event_submit
from portal.access import can, visible_to

PLAN_KEYS = ("title", "county", "venue_name", "venue_type", "format", "channel", "starts_at")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Reports sent for review; 0 unless the organizer asked for it.
    submitted: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def saved(self) -> bool:
        return not self.problems


def events_import(
    *,
    user,
    org_unit_id: int,
    campaign_id: int,
    data: bytes,
    submit: bool = False,
    filename: str = "",
    progress: Callable[[int, str], None] | None = None,
) -> ImportResult:
    """Check the whole sheet; if it is clean, save every row as an event of the unit, and
    send the rows with figures for review only if ``submit``."""
    unit = visible_to(user, OrgUnit).get(pk=org_unit_id)
    if not can(user, "event.plan", unit):
        raise PermissionDenied(_("Your role does not allow this for this unit."))
    campaign = Campaign.objects.get(pk=campaign_id)
    say = progress or (lambda percent, message: None)
    say(5, _("Reading the sheet"))
    try:
        reading = sheet_read(data, counties=CountyLookup(list(unit.service_counties())))
    except SheetRefused as refusal:
        return ImportResult(problems=[Problem("", 0, "", "", str(refusal))])
    say(50, _("Checking the rows"))
    headers = column_labels()
    problems = list(reading.problems)
    refs = [row.values.get("external_ref") for row in reading.rows]
    existing = {
        event.external_ref: event
        for event in Event.objects.filter(
            org_unit=unit, external_ref__in=[r for r in refs if r]
        ).select_related("org_unit")
    }
    for row in reading.rows:
        values = row.values
        event = existing.get(values.get("external_ref"))
        if event is not None and event.status not in EDITABLE:
            problems.append(
                Problem(
                    SHEET_NAME,
                    row.row,
                    headers["external_ref"],
                    values["external_ref"],
                    _("This event is %(status)s already and is not changed by an import.")
                    % {"status": event.get_status_display()},
                )
            )
        offline = (values.get("channel") or Channel.OFFLINE) == Channel.OFFLINE
        if offline and not values.get("venue_name"):
            problems.append(
                Problem(
                    SHEET_NAME,
                    row.row,
                    headers["venue_name"],
                    "",
                    _("Name the venue of an event held in person."),
                )
            )
    if problems:
        return ImportResult(problems=sorted(problems, key=lambda p: (p.row, p.column)))
    say(70, _("Saving the events"))
    try:
        result = _save(
            user=user,
            unit=unit,
            campaign=campaign,
            rows=reading.rows,
            existing=existing,
            submit=submit,
            filename=filename,
        )
    except _SubmitRefused as refusal:
        return ImportResult(problems=refusal.problems)
    say(100, _("Imported"))
    return result


def _changed_meanwhile(rows, existing: dict) -> list[Problem]:
    """Rows whose event was changed since the sheet was checked (the check holds no lock)."""
    read = {event.pk: event for event in existing.values()}
    moved = {
        read[pk].external_ref
        for pk, version, status in Event.objects.select_for_update()
        .filter(pk__in=read)
        .values_list("pk", "version", "status")
        if version != read[pk].version or status not in EDITABLE
    }
    header = column_labels()["external_ref"]
    return [
        Problem(
            SHEET_NAME,
            row.row,
            header,
            row.values["external_ref"],
            _("This event was changed while the sheet was being checked; upload it again."),
        )
        for row in rows
        if row.values["external_ref"] in moved
    ]


class _SubmitRefused(Exception):
    """A report the sheet was to send for review was refused: raised to undo the whole save."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


# What a row may change of an event: a row whose values leave all of it as it was is skipped.
COMPARED = [
    Event._meta.get_field(name).attname
    for name in (*PLAN_KEYS, "staff_count", "outlets_count", "people_reached", *AUDIENCE_COLUMNS)
]


def _state(event: Event, topics) -> tuple:
    return (*(getattr(event, name) for name in COMPARED), tuple(sorted(set(topics))))


@transaction.atomic
def _save(
    *,
    user,
    unit: OrgUnit,
    campaign: Campaign,
    rows,
    existing: dict,
    submit: bool,
    filename: str,
) -> ImportResult:
    problems = _changed_meanwhile(rows, existing)
    if problems:
        return ImportResult(problems=problems)
    topics_before = defaultdict(list)
    for event_id, topic in EventTopic.objects.filter(
        event__in=[e.pk for e in existing.values()]
    ).values_list("event_id", "topic"):
        topics_before[event_id].append(topic)
    new, changed, unchanged = [], [], 0
    # Each event with the audience counts and topics its rows get once it has a key.
    children = []
    # The events whose rows carry figures, with their row, in case they are to be submitted.
    reports = []
    row_of = {}
    for row in rows:
        values = row.values
        event = existing.get(values["external_ref"]) or Event(
            org_unit=unit, campaign=campaign, external_ref=values["external_ref"], created_by=user
        )
        before = _state(event, topics_before[event.pk]) if event.pk else None
        for key in PLAN_KEYS:
            setattr(event, key, values.get(key) or ("" if key == "venue_name" else None))
        event.channel = values.get("channel") or Channel.OFFLINE
        event.staff_count = values.get("staff_count")
        event.outlets_count = values.get("outlets_count")
        counts = {
            group: values[key]
            for group, key in zip(AUDIENCE_GROUPS, AUDIENCE_COLUMNS, strict=True)
            if values.get(key) is not None
        }
        event.record_audience(counts)
        topics = sorted(set(values["topics"]))
        if counts:
            reports.append((event, row))
        if before is not None and before == _state(event, topics):
            unchanged += 1
            continue
        children.append((event, counts, topics))
        row_of[event.external_ref] = row.row
        if event.pk:
            event.version += 1
            changed.append(event)
        else:
            new.append(event)
    objects_insert(Event, new)
    # The new events' keys, by the reference each row carries (unique within the unit).
    keys = dict(
        Event.objects.filter(org_unit=unit, external_ref__in=[e.external_ref for e in new])
        .values_list("external_ref", "pk")
        .iterator(chunk_size=5000)
    )
    for event in new:
        event.pk = keys[event.external_ref]
    if changed:
        fields = [
            *PLAN_KEYS,
            "staff_count",
            "outlets_count",
            "people_reached",
            "version",
            *AUDIENCE_COLUMNS,
        ]
        Event.objects.bulk_update(changed, fields, batch_size=500)
        EventTopic.objects.filter(event__in=changed).delete()
        AudienceCount.objects.filter(event__in=changed).delete()
    rows_insert(
        EventTopic,
        ["event", "topic"],
        [(e.pk, topic) for e, _counts, topics in children for topic in topics],
    )
    rows_insert(
        AudienceCount,
        ["event", "group", "count"],
        [
            (e.pk, group, count)
            for e, counts, _topics in children
            for group, count in counts.items()
        ],
    )
    history = {"file": filename, "campaign": campaign.pk}
    audit_record_each(
        actor=user,
        action="campaigns.event.import_created",
        objects=new,
        data={event.pk: history | {"row": row_of[event.external_ref]} for event in new},
    )
    audit_record_each(
        actor=user,
        action="campaigns.event.import_updated",
        objects=changed,
        data={event.pk: history | {"row": row_of[event.external_ref]} for event in changed},
    )
    audit_record_bulk(
        actor=user,
        model=Event,
        action="campaigns.event.imported",
        data={
            "org_unit": unit.pk,
            "campaign": campaign.pk,
            "file": filename,
            "created": len(new),
            "updated": len(changed),
            "unchanged": unchanged,
            "submitted": submit,
        },
    )
    submitted = _submit(user=user, reports=reports) if submit else 0
    return ImportResult(
        created=len(new), updated=len(changed), unchanged=unchanged, submitted=submitted
    )


def _submit(*, user, reports: list) -> int:
    """Send each saved report for review through the event's own service, or undo the
    whole import (by raising) listing every report that service refuses."""
    versions = dict(
        Event.objects.filter(pk__in=[event.pk for event, _row in reports]).values_list(
            "pk", "version"
        )
    )
    header = column_labels()["external_ref"]
    problems = []
    for event, row in reports:
        try:
            event_submit(user=user, event_id=event.pk, expected_version=versions[event.pk])
        except ValidationError as error:
            reason = " ".join(error.messages)
        except PermissionDenied as error:
            reason = str(error)
        else:
            continue
        problems.append(Problem(SHEET_NAME, row.row, header, event.external_ref, reason))
    if problems:
        raise _SubmitRefused(problems)
    return len(reports)
