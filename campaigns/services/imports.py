"""Importing a unit's events from a filled events sheet: every row or none.

The whole sheet is read and checked first (campaigns/imports/events_sheet.py, then the
rules below, which are the plan and report services' own: the unit's role, the service
area, a venue for events held in person, counts of 0 or more). One problem anywhere and
nothing is saved; a clean sheet is saved in one transaction, in bulk. A row whose external
reference the unit has used before updates that event instead of adding another, but only
while the event is planned or returned, as the plan and report services allow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
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
from campaigns.services.audit import audit_record_bulk
from campaigns.services.bulk import objects_insert, rows_insert
from campaigns.services.events import EDITABLE
from portal.access import can, visible_to

PLAN_KEYS = ("title", "county", "venue_name", "venue_type", "format", "channel", "starts_at")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
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
    progress: Callable[[int, str], None] | None = None,
) -> ImportResult:
    """Check the whole sheet; if it is clean, save every row as an event of the unit."""
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
        for event in Event.objects.filter(org_unit=unit, external_ref__in=[r for r in refs if r])
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
    result = _save(user=user, unit=unit, campaign=campaign, rows=reading.rows, existing=existing)
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


@transaction.atomic
def _save(*, user, unit: OrgUnit, campaign: Campaign, rows, existing: dict) -> ImportResult:
    problems = _changed_meanwhile(rows, existing)
    if problems:
        return ImportResult(problems=problems)
    now = timezone.now()
    new, changed = [], []
    # Each event with the audience counts and topics its rows get once it has a key.
    children = []
    for row in rows:
        values = row.values
        event = existing.get(values["external_ref"]) or Event(
            org_unit=unit, campaign=campaign, external_ref=values["external_ref"], created_by=user
        )
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
        children.append((event, counts, sorted(set(values["topics"]))))
        # A row with figures is a report of a past event, waiting for review like any other.
        if counts and event.status in EDITABLE:
            event.status = Event.Status.REPORTED
            event.reported_at = now
            event.reported_by = user
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
            "status",
            "reported_at",
            "reported_by",
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
    audit_record_bulk(
        actor=user,
        model=Event,
        action="campaigns.event.imported",
        data={
            "org_unit": unit.pk,
            "campaign": campaign.pk,
            "created": len(new),
            "updated": len(changed),
        },
    )
    return ImportResult(created=len(new), updated=len(changed))
