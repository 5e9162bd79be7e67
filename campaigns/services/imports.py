"""Importing a unit's events from a filled events sheet: every row or none.

An uploaded sheet is kept and imported by a job (``events_import_request``), which calls
``events_import``.

The whole sheet is read and checked first: its cells (campaigns/imports/events_sheet.py),
then each row that changes an event by the rules of planning and reporting an event on
the page or through the API, checked by the same code (``event_rules_check`` and
``event_figures_set`` of campaigns/services/events.py, the unit's roles through
``portal.access``). One problem anywhere and nothing is saved; a clean sheet is saved in
one transaction, in bulk.

A row names its event by the portal's number (the events export writes it) or by its
external reference: a reference the unit has used before updates that event instead of
adding another. A row that changes nothing leaves its event alone whatever its status (no
new version, no history entry), so that an export uploaded back as it is changes nothing;
a row that changes an event may do so only while the event is planned or returned, and only
for an event of the unit.

Rows with figures are saved as reports not yet sent: only when the organizer asks for it
are they sent for review, each through ``event_submit``, the page's own way.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.errors import NotAllowed
from campaigns.imports.events_sheet import (
    NOT_AN_EVENT,
    CountyLookup,
    SheetReading,
    SheetRow,
    sheet_read,
)
from campaigns.imports.sheets import MAX_UPLOAD_BYTES, Problem, SheetRefused, workbook_checked
from campaigns.models import (
    AudienceCount,
    Campaign,
    Channel,
    Event,
    EventTopic,
    Job,
    OrgUnit,
)
from campaigns.models.coverage import event_contribution, summaries_move
from campaigns.models.events import AUDIENCE_COLUMNS, AUDIENCE_GROUPS
from campaigns.services.audit import audit_record, audit_record_bulk, audit_record_each
from campaigns.services.bulk import objects_insert, rows_insert
from campaigns.services.events import (
    EDITABLE,
    event_figures_set,
    event_rules_check,
    event_submit,
)
from campaigns.services.jobs import job_enqueue
from portal.access import can, require, visible_to

PLAN_KEYS = ("title", "county", "venue_name", "venue_type", "format", "channel", "starts_at")
# The report's figures a sheet carries; the others (visitors, matters) it leaves as they are.
SHEET_FIGURES = ("head_count", "online_reach", "staff_count", "outlets_count")
# What makes a row a report (something to send for review): people counted.
PEOPLE_KEYS = ("head_count", "online_reach", *AUDIENCE_COLUMNS)


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


@dataclass
class _Change:
    """An event a row adds or changes, with the audience counts and topics it gets."""

    event: Event
    row: SheetRow
    counted: dict[str, int]
    topics: list[str]


@dataclass
class _Plan:
    """What a checked sheet will do."""

    new: list[_Change] = field(default_factory=list)
    changed: list[_Change] = field(default_factory=list)
    unchanged: int = 0
    # Events whose rows carry figures, with their row, in case they are to be submitted.
    reports: list[tuple[Event, SheetRow]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


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
    require(user, "event.plan", unit)
    campaign = Campaign.objects.get(pk=campaign_id)
    say = progress or (lambda percent, message: None)
    say(5, _("Reading the sheet"))
    try:
        counties = CountyLookup(list(unit.service_counties()), unit_name=unit.name)
        reading = sheet_read(data, counties=counties)
    except SheetRefused as refusal:
        return ImportResult(problems=[Problem("", 0, "", "", str(refusal))])
    say(50, _("Checking the rows"))
    plan = _plan(user=user, unit=unit, campaign=campaign, reading=reading)
    if plan.problems:
        return ImportResult(problems=sorted(plan.problems, key=lambda p: (p.row, p.column)))
    say(70, _("Saving the events"))
    try:
        result = _save(
            user=user,
            unit=unit,
            campaign=campaign,
            plan=plan,
            sheet=reading.sheet,
            labels=reading.labels,
            submit=submit,
            filename=filename,
        )
    except _SubmitRefused as refusal:
        return ImportResult(problems=refusal.problems)
    say(100, _("Imported"))
    return result


# What a row may change of an event: a row whose values leave all of it as it was is skipped.
COMPARED = [
    Event._meta.get_field(name).attname
    for name in (*PLAN_KEYS, *SHEET_FIGURES, "people_reached", *AUDIENCE_COLUMNS)
]


def _state(event: Event, topics) -> tuple:
    return (*(getattr(event, name) for name in COMPARED), tuple(sorted(set(topics))))


def _plan(*, user, unit: OrgUnit, campaign: Campaign, reading: SheetReading) -> _Plan:
    """Each row's event, as the row leaves it, checked by the rules of the page."""
    refused_rows = {item.row for item in reading.problems}
    by_id, by_ref = _events_named(user=user, unit=unit, rows=reading.rows)
    check = _SheetCheck(
        user=user,
        unit=unit,
        reading=reading,
        plan=_Plan(problems=list(reading.problems)),
        by_id=by_id,
        by_ref=by_ref,
        topics_before=_topics_of([*by_id.values(), *by_ref.values()]),
        # Each new event starts as a copy of this one: building an Event costs more than all
        # the rest of a row's checks, and a sheet has 10,000 rows.
        blank=Event(org_unit=unit, campaign=campaign, created_by=user),
    )
    refused_cells = _refused_cells(reading)
    for row in reading.rows:
        if row.row in refused_rows:
            check.rules_of_a_refused_row(row, refused_cells.get(row.row))
            continue
        check.row_planned(row)
    return check.plan


def _refused_cells(reading: SheetReading) -> dict[int, set[str] | None]:
    """The columns refused on each row, by key; None for a row refused as a whole."""
    key_of = {label: key for key, label in reading.labels.items()}
    refused: dict[int, set[str] | None] = {}
    for problem in reading.problems:
        key = key_of.get(problem.column)
        if key is None or refused.get(problem.row, set()) is None:
            refused[problem.row] = None
        else:
            refused.setdefault(problem.row, set()).add(key)
    return refused


# The cells a rule reads besides the one it is said at: a rule waits while one of them is
# refused, since it would judge a value the sheet does not hold.
RULE_READS = {
    "venue_name": {"channel"},
    "ends_at": {"starts_at"},
    **{column: {"head_count", "online_reach", "channel"} for column in AUDIENCE_COLUMNS},
}


def _events_named(*, user, unit: OrgUnit, rows: list[SheetRow]) -> tuple[dict, dict]:
    """The events the rows name: by the portal's number (any event the user may see), and
    by external reference (the unit's own)."""
    ids = {row.values["event_id"] for row in rows if row.values["event_id"]}
    refs = {row.values["external_ref"] for row in rows if row.values["external_ref"]}
    by_id = {
        event.pk: event
        for event in visible_to(user, Event)
        .filter(pk__in=ids)
        .select_related("org_unit", "county")
        .iterator(chunk_size=5000)
    }
    by_ref = {
        event.external_ref: event
        for event in Event.objects.filter(org_unit=unit, external_ref__in=refs)
        .select_related("org_unit", "county")
        .iterator(chunk_size=5000)
    }
    return by_id, by_ref


def _topics_of(events: list[Event]) -> defaultdict[int, list[str]]:
    """The topics each of ``events`` has now, by event pk."""
    topics = defaultdict(list)
    for event_id, topic in EventTopic.objects.filter(
        event__in={event.pk for event in events}
    ).values_list("event_id", "topic"):
        topics[event_id].append(topic)
    return topics


@dataclass
class _SheetCheck:
    """The check of a sheet's rows by the rules of the page: what it goes by, and the plan
    it makes."""

    user: AbstractBaseUser
    unit: OrgUnit
    reading: SheetReading
    plan: _Plan
    # The events the rows name (_events_named), and the topics they have now.
    by_id: dict[int, Event]
    by_ref: dict[str, Event]
    topics_before: defaultdict[int, list[str]]
    blank: Event
    # The row that names each event, by its pk: a second one is refused.
    rows_of_event: dict[int, int] = field(default_factory=dict)
    # Asked at the first row that reports, and only then.
    may_report: bool | None = None

    def problem(self, row: SheetRow, key: str, value, reason) -> None:
        self.plan.problems.append(
            Problem(
                self.reading.sheet,
                row.row,
                self.reading.labels.get(key, ""),
                "" if value is None else str(value)[:100],
                str(reason),
            )
        )

    def row_planned(self, row: SheetRow) -> None:
        """Put what ``row`` does into the plan, or list why it cannot do it."""
        found = self._event_found(row)
        if found is None:
            return
        event, before = found
        values = row.values
        counted = _row_applied(event, values)
        topics = sorted(set(values["topics"] or ()))
        reports = any(values[key] is not None for key in PEOPLE_KEYS)
        if before is not None and before == _state(event, topics):
            self.plan.unchanged += 1
            # Sent for review if asked, as long as it may be sent: one already sent is not.
            if reports and event.org_unit_id == self.unit.pk and event.status in EDITABLE:
                self.plan.reports.append((event, row))
            return
        if not self._of_the_unit(event, row):
            return
        if reports:
            self._report_allowed()
        if not self._rules_kept(event, row, topics=topics, counted=counted):
            return
        change = _Change(event=event, row=row, counted=counted, topics=topics)
        (self.plan.changed if event.pk else self.plan.new).append(change)
        if reports:
            self.plan.reports.append((event, row))

    def rules_of_a_refused_row(self, row: SheetRow, refused: set[str] | None) -> None:
        """A row with refused cells is still held to the rules its other cells can be judged
        by, so that whoever fixes the sheet sees all of the row's problems in one round: a
        group above the row's head count is said even while its date is wrong. The row is
        judged as the new event its cells describe; rules about the event it names (may it
        still change) wait until its cells are right."""
        if refused is None:
            return
        event = copy.copy(self.blank)
        counted = _row_applied(event, row.values)
        try:
            event_rules_check(event, topics=row.values["topics"] or (), counted=counted)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                key = _column_of(name, row.values)
                if (
                    name == NON_FIELD_ERRORS
                    or key in refused
                    or RULE_READS.get(name, set()) & refused
                ):
                    continue
                for message in messages:
                    self.problem(row, key, row.values.get(key), message)

    def _event_found(self, row: SheetRow) -> tuple[Event, tuple | None] | None:
        """The event ``row`` adds or changes, with its state before (None for a new one);
        None when the row names no event right."""
        values = row.values
        event = _event_of(row, self.by_id, self.by_ref, self.problem)
        if event is False:
            return None
        if event is None:
            event = copy.copy(self.blank)
            event.uuid = uuid.uuid4()  # an id of its own, not the blank's
            event.external_ref = values["external_ref"]
            return event, None
        if event.pk in self.rows_of_event:
            self.problem(
                row,
                "event_id" if values["event_id"] else "external_ref",
                values["event_id"] or values["external_ref"],
                _("Row %(row)s has this reference already.")
                % {"row": self.rows_of_event[event.pk]},
            )
            return None
        self.rows_of_event[event.pk] = row.row
        return event, _state(event, self.topics_before[event.pk])

    def _of_the_unit(self, event: Event, row: SheetRow) -> bool:
        """Whether ``event`` is the unit's, the only events it may change; if not, lists why."""
        if event.org_unit_id == self.unit.pk:
            return True
        self.problem(
            row,
            "event_id",
            row.values["event_id"],
            _("This event belongs to %(unit)s; import changes to it on that unit's page.")
            % {"unit": event.org_unit},
        )
        return False

    def _report_allowed(self) -> None:
        """Raise NotAllowed unless the user may report the unit's events."""
        if self.may_report is None:
            self.may_report = can(self.user, "event.report", self.unit)
        if not self.may_report:
            raise NotAllowed

    def _rules_kept(self, event: Event, row: SheetRow, *, topics, counted) -> bool:
        """Whether the event as the row leaves it keeps the rules; if not, lists why."""
        try:
            # The page's and the API's own rules, not a copy of them.
            event_rules_check(event, topics=topics, counted=counted)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                key = _column_of(name, row.values)
                for message in messages:
                    self.problem(row, key, row.values.get(key), message)
            return False
        return True


def _event_of(row: SheetRow, by_id: dict, by_ref: dict, problem) -> Event | bool | None:
    """The event a row names, None for a new one, or False when the row names none right."""
    event_id, ref = row.values["event_id"], row.values["external_ref"]
    if event_id is None:
        return by_ref.get(ref)
    event = by_id.get(event_id)
    if event is None:
        problem(row, "event_id", event_id, NOT_AN_EVENT)
        return False
    if ref is not None and ref != event.external_ref:
        if event.external_ref:
            reason = _(
                "Event %(number)s has the external reference “%(ref)s”; keep it as exported."
            ) % {"number": event.pk, "ref": event.external_ref}
        else:
            reason = _("Event %(number)s has no external reference; leave this cell empty.") % {
                "number": event.pk
            }
        problem(row, "external_ref", ref, reason)
        return False
    return event


def _row_applied(event: Event, values: dict) -> dict[str, int]:
    """Put a row's values on ``event`` (in memory) as the plan and report services would;
    the audience counts it gives, by group."""
    starts_at = event.starts_at
    for key in PLAN_KEYS:
        setattr(event, key, values[key] or ("" if key == "venue_name" else None))
    event.channel = values["channel"] or Channel.OFFLINE
    if starts_at is not None and values["starts_at"] == starts_at.replace(microsecond=0):
        event.starts_at = starts_at  # a sheet holds whole seconds, as the export writes them
    counted = {
        group: values[key]
        for group, key in zip(AUDIENCE_GROUPS, AUDIENCE_COLUMNS, strict=True)
        if values[key] is not None
    }
    event_figures_set(
        event, figures={name: values[name] for name in SHEET_FIGURES}, counted=counted
    )
    return counted


def _column_of(name: str, values: dict) -> str:
    """The column where a rule's complaint about ``name`` belongs: the field's own, the
    start for the end (which the sheet does not carry, so only a new start puts it before
    the start), or the row's reference for one about the event as a whole."""
    if name == NON_FIELD_ERRORS:
        return "event_id" if values["event_id"] else "external_ref"
    if name == "ends_at":
        return "starts_at"
    return name


def _changed_meanwhile(changes: list[_Change], labels: dict, sheet: str) -> list[Problem]:
    """Rows whose event was changed since the sheet was checked (the check holds no lock)."""
    read = {change.event.pk: change for change in changes}
    moved = {
        pk
        for pk, version, status in Event.objects.select_for_update()
        .filter(pk__in=read)
        .values_list("pk", "version", "status")
        if version != read[pk].event.version or status not in EDITABLE
    }
    return [
        Problem(
            sheet,
            read[pk].row.row,
            labels.get(_column_of(NON_FIELD_ERRORS, read[pk].row.values), ""),
            read[pk].row.values["event_id"] or read[pk].event.external_ref,
            _("This event was changed while the sheet was being checked; upload it again."),
        )
        for pk in sorted(moved, key=lambda pk: read[pk].row.row)
    ]


class _SubmitRefused(Exception):
    """A report the sheet was to send for review was refused: raised to undo the whole save."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


@transaction.atomic
def _save(
    *,
    user,
    unit: OrgUnit,
    campaign: Campaign,
    plan: _Plan,
    sheet: str,
    labels: dict,
    submit: bool,
    filename: str,
) -> ImportResult:
    problems = _changed_meanwhile(plan.changed, labels, sheet)
    if problems:
        return ImportResult(problems=problems)
    new = [change.event for change in plan.new]
    changed = [change.event for change in plan.changed]
    now = timezone.now()
    for event in changed:
        event.version += 1
        event.updated_at = now  # bulk_update passes by the field's auto_now
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
            *SHEET_FIGURES,
            "head_count_derived",
            "people_reached",
            "version",
            "updated_at",
            *AUDIENCE_COLUMNS,
        ]
        Event.objects.bulk_update(changed, fields, batch_size=500)
        EventTopic.objects.filter(event__in=changed).delete()
        AudienceCount.objects.filter(event__in=changed).delete()
    # Past Event.save(), which keeps the coverage summaries: moved here, in one go.
    summaries_move(
        [(None, event_contribution(event)) for event in new]
        + [(event._counted_before(), event_contribution(event)) for event in changed]
    )
    for event in [*new, *changed]:
        event._counted_as, event._read_as = event_contribution(event), None
    children = [*plan.new, *plan.changed]
    rows_insert(
        EventTopic,
        ["event", "topic"],
        [(c.event.pk, topic) for c in children for topic in c.topics],
    )
    rows_insert(
        AudienceCount,
        ["event", "group", "count"],
        [(c.event.pk, group, count) for c in children for group, count in c.counted.items()],
    )
    history = {"file": filename, "campaign": campaign.pk}
    for action, changes in (
        ("campaigns.event.import_created", plan.new),
        ("campaigns.event.import_updated", plan.changed),
    ):
        audit_record_each(
            actor=user,
            action=action,
            objects=[c.event for c in changes],
            data={c.event.pk: history | {"row": c.row.row} for c in changes},
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
            "unchanged": plan.unchanged,
            "submitted": submit,
        },
    )
    submitted = (
        _submit(user=user, reports=plan.reports, sheet=sheet, labels=labels) if submit else 0
    )
    return ImportResult(
        created=len(new), updated=len(changed), unchanged=plan.unchanged, submitted=submitted
    )


def _submit(*, user, reports: list, sheet: str, labels: dict) -> int:
    """Send each saved report for review through the event's own service, or undo the
    whole import (by raising) listing every report that service refuses."""
    versions = dict(
        Event.objects.filter(pk__in=[event.pk for event, _row in reports]).values_list(
            "pk", "version"
        )
    )
    problems = []
    for event, row in reports:
        try:
            event_submit(user=user, event_id=event.pk, expected_version=versions[event.pk])
        except ValidationError as error:
            reason = " ".join(error.messages)
        except NotAllowed as error:
            reason = str(error)
        else:
            continue
        key = _column_of(NON_FIELD_ERRORS, row.values)
        problems.append(Problem(sheet, row.row, labels.get(key, ""), row.values[key], reason))
    if problems:
        raise _SubmitRefused(problems)
    return len(reports)


@transaction.atomic
def events_import_request(
    *, user, org_unit: OrgUnit, campaign: Campaign, sheet: File, submit: bool = False
) -> Job:
    """Keep an uploaded events sheet and queue the job that imports it (``events_import``).

    A file that is no workbook, or too large, is refused at "sheet" before anything is
    kept; the job deletes the kept file once it has run.
    """
    require(user, "event.plan", org_unit)
    upload, filename, size = sheet_kept(sheet)
    job = job_enqueue(
        kind=Job.Kind.EVENTS_IMPORT,
        owner=user,
        org_unit=org_unit,
        params={
            "upload": upload,
            "campaign_id": campaign.pk,
            "submit": submit,
            "filename": filename,
        },
    )
    audit_record(
        actor=user,
        obj=job,
        action="campaigns.job.events_sheet_uploaded",
        data={"file": filename, "campaign": campaign.pk, "bytes": size, "submitted": submit},
    )
    return job


def sheet_kept(sheet: File) -> tuple[str, str, int]:
    """Keep an uploaded sheet for the job that imports it: where it is kept, the name the
    user gave it, and its size. A file that is no workbook, or too large, is refused at
    "sheet" before anything is kept."""
    # One byte past the limit is enough to refuse a file as too large, however large it is.
    data = sheet.read(MAX_UPLOAD_BYTES + 1)
    try:
        workbook_checked(data)
    except SheetRefused as refusal:
        raise ValidationError({"sheet": str(refusal)}) from None
    upload = default_storage.save(f"imports/{uuid.uuid4().hex}.xlsx", ContentFile(data))
    # For the history of what the sheet changed: which file it came from, as the user named it.
    filename = os.path.basename(sheet.name or "")[:200]
    return upload, filename, len(data)
