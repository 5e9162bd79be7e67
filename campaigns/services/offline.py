"""Reports sent from a phone that may have been offline: stored under the id the phone made,
however often the phone sends them, never twice.

A phone sends a report again whenever it cannot tell whether its last send arrived (the
answer was lost, a captive portal answered instead). The same request again changes nothing;
a change made on the version the phone last had goes through the event services like any
other; a change made on an older one is refused as a conflict, with the server's copy for
the organizer to compare; a cancelled event takes nothing more. Photos follow the report one
by one, each under an id of its own. Every write goes through the services of events.py and
photos.py, which check the roles and the rules and write the audit entries.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from campaigns.errors import Gone, StaleEdit
from campaigns.models import Event, EventPhoto
from campaigns.models.events import REPORT_FIGURES
from campaigns.selectors.offline import (
    PhotosCount,
    offline_event,
    offline_plan,
    offline_report,
    photos_count,
)
from campaigns.services.events import (
    HandoutGiven,
    PartnerServiceReport,
    event_plan,
    event_plan_update,
    event_report_save,
    event_submit,
)
from campaigns.services.photos import event_photo_add, received_sha256
from portal.access import require, visible_to

OFFLINE_ERRORS = {
    "cancelled": _(
        "The office cancelled this event (%(reason)s), so this report can no longer be "
        "stored. Discard it on this phone, or ask the office."
    ),
    "conflict": _(
        "Someone else changed this event after your phone last sent it (now version "
        "%(version)s). Compare their version with yours and choose what to keep."
    ),
    "plan_missing": _("This event is new to the server: send its plan with the report."),
    "photo_taken": _("Another photo was already stored under this photo's id."),
    "photo_hash": _(
        "Send the SHA-256 of the photo's bytes as 64 hexadecimal digits (X-Content-SHA256)."
    ),
    "photo_damaged": _(
        "The photo arrived damaged (its bytes do not match their SHA-256). Send it again."
    ),
}
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
SERVICE_FIELDS = ("service_type", "screening_type", "people_served", "screened", "referred")


def canonical_sha256(value) -> str:
    """The SHA-256 (hex) of ``value``'s canonical JSON: keys sorted, no spaces, UTF-8."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ReportSent:
    """A report as a phone sent it. An audience group or figure left out is "not counted";
    handouts, partner services or a summary left out (None) stay as they are."""

    figures: Mapping[str, int | None]
    audience: Mapping[str, int | None]
    handouts: list[HandoutGiven] | None = None
    partner_services: list[PartnerServiceReport] | None = None
    summary: str | None = None


@dataclass(frozen=True)
class OfflineStored:
    event: Event
    # The version the phone's request left the event at: the one its next change is based on.
    version: int
    created: bool = False
    # The same request as the one stored last: nothing was changed.
    repeated: bool = False


@dataclass(frozen=True)
class OfflinePhotoStored:
    photo: EventPhoto
    photos: PhotosCount
    created: bool = False


def _event_locked(*, user, report_id: UUID) -> Event | None:
    """The event sent under ``report_id``, locked for the change; None if nobody sent it."""
    events = visible_to(user, Event).select_for_update(of=("self",)).select_related("org_unit")
    return offline_event(user=user, report_id=report_id, events=events)


def _event_created(*, user, report_id: UUID, plan: Mapping | None) -> tuple[Event, bool]:
    """The event planned from ``plan`` under ``report_id``, and True; or, when another send of
    the same report made it meanwhile (two tabs, a retry while the first was on its way), that
    event, and False."""
    if plan is None:
        raise ValidationError(OFFLINE_ERRORS["plan_missing"], code="plan_missing")
    try:
        with transaction.atomic():
            return event_plan(user=user, uuid=report_id, **plan), True
    except IntegrityError:
        event = _event_locked(user=user, report_id=report_id)
        if event is None:
            raise
        return event, False


def _plan_state(plan: Mapping) -> dict:
    """A plan in a form where equal plans compare equal."""
    return {
        **plan,
        "topics": sorted(set(plan["topics"])),
        "expected_partners": sorted({partner.pk for partner in plan["expected_partners"]}),
    }


def _plan_changed(event: Event, plan: Mapping) -> bool:
    current = _plan_state(offline_plan(event))
    return any(current[name] != value for name, value in _plan_state(plan).items())


def _service_row(partner_id: int, service) -> tuple:
    return (partner_id, *(getattr(service, name) for name in SERVICE_FIELDS))


def _report_changed(event: Event, report: ReportSent) -> bool:
    """Whether saving ``report`` would change what the event holds: a phone sends the whole
    report each time, and a report sent again unchanged is no new version."""
    current = offline_report(event) or {
        "audience": {},
        "handouts": [],
        "partner_services": [],
        "summary": "",
    }
    counted = {group: count for group, count in report.audience.items() if count is not None}
    changes = [
        any(report.figures.get(name) != current.get(name) for name in REPORT_FIGURES),
        counted != current["audience"],
        report.summary is not None and report.summary.strip() != current["summary"],
    ]
    if report.handouts is not None:
        given = sorted((h.edition.pk, h.copies) for h in report.handouts)
        changes.append(given != sorted((u.edition_id, u.copies) for u in current["handouts"]))
    if report.partner_services is not None:
        sent = sorted(_service_row(s.partner.pk, s) for s in report.partner_services)
        stored = sorted(_service_row(s.partner_id, s) for s in current["partner_services"])
        changes.append(sent != stored)
    return any(changes)


def _refuse_if_cancelled(event: Event) -> None:
    if event.status == Event.Status.CANCELLED:
        raise Gone(OFFLINE_ERRORS["cancelled"] % {"reason": event.cancel_reason}, code="cancelled")


@transaction.atomic
def event_offline_put(
    *,
    user,
    report_id: UUID,
    request_sha256: str,
    base_version: int | None,
    config_version: str,
    plan: Mapping | None,
    report: ReportSent | None,
    photos: Sequence[UUID],
    submit: bool,
) -> OfflineStored:
    """Store the report a phone sent under ``report_id``: plan the event if it is new, take the
    same request sent again (``request_sha256``) as stored, or apply a change made on the
    current version (``base_version``; None: "this phone made the report", a creation).

    ``plan`` holds event_plan's arguments (None: unchanged); ``photos``, the ids of the
    photos the phone will send; ``submit``: send the report for review once saved. Refuses a
    change made on an older version, or to an event no longer open to its organizer
    (StaleEdit, with the event as stored), a cancelled event (Gone), and whatever the event
    services refuse; a refusal stores nothing of the request.
    """
    event = _event_locked(user=user, report_id=report_id)
    created = False
    if event is None:
        event, created = _event_created(user=user, report_id=report_id, plan=plan)
    if not created:
        require(user, "event.report", event.org_unit)
        _refuse_if_cancelled(event)
        if event.offline_payload_sha256 == request_sha256:
            return OfflineStored(event=event, version=event.offline_version, repeated=True)
        # A different request with no version is a conflict too, though it may come from
        # the phone that made the event (its first answer lost, the report changed since):
        # it may as well be that phone's first request arriving late, after a later one,
        # which must not silently undo it. The organizer compares and chooses.
        if base_version != event.version or not event.is_editable:
            raise StaleEdit(OFFLINE_ERRORS["conflict"] % {"version": event.version}, current=event)
        if plan is not None and _plan_changed(event, plan):
            event = event_plan_update(
                user=user, event_id=event.pk, expected_version=event.version, **plan
            )
    if report is not None and _report_changed(event, report):
        event = event_report_save(
            user=user,
            event_id=event.pk,
            expected_version=event.version,
            figures=report.figures,
            audience=report.audience,
            handouts=report.handouts,
            partner_services=report.partner_services,
            summary=event.summary if report.summary is None else report.summary,
        )
    if submit:
        event = event_submit(user=user, event_id=event.pk, expected_version=event.version)
    event.offline_payload_sha256 = request_sha256
    event.offline_version = event.version
    event.offline_config_version = config_version
    event.photos_expected = [str(photo) for photo in dict.fromkeys(photos)]
    event.save(
        update_fields=[
            "offline_payload_sha256",
            "offline_version",
            "offline_config_version",
            "photos_expected",
        ]
    )
    return OfflineStored(event=event, version=event.version, created=created)


def _photo_stored(photo_id: UUID) -> EventPhoto | None:
    return EventPhoto.objects.filter(uuid=photo_id).first()


def _photo_present(event: Event, stored: EventPhoto, sha256: str) -> OfflinePhotoStored:
    """The photo stored under the id sent: the same photo sent again, or a conflict."""
    if stored.event_id != event.pk or stored.sha256 != sha256:
        raise StaleEdit(OFFLINE_ERRORS["photo_taken"], current=stored)
    return OfflinePhotoStored(photo=stored, photos=photos_count(event))


@transaction.atomic
def event_photo_offline_put(
    *,
    user,
    report_id: UUID,
    photo_id: UUID,
    upload: UploadedFile,
    sha256: str,
    caption: str = "",
) -> OfflinePhotoStored:
    """Store a photo of the report sent under ``report_id``, under the id ``photo_id`` the
    phone made for it, if its bytes match ``sha256`` (hex); the same photo sent again is
    taken as stored. The photo service checks and re-encodes it as any other."""
    event = _event_locked(user=user, report_id=report_id)
    if event is None:
        raise Event.DoesNotExist
    require(user, "event.report", event.org_unit)
    _refuse_if_cancelled(event)
    sha256 = sha256.strip().lower()
    if not SHA256_HEX.fullmatch(sha256):
        raise ValidationError({"photos": OFFLINE_ERRORS["photo_hash"]})
    stored = _photo_stored(photo_id)
    if stored is not None:
        return _photo_present(event, stored, sha256)
    if received_sha256(upload) != sha256:
        raise ValidationError({"photos": OFFLINE_ERRORS["photo_damaged"]})
    try:
        with transaction.atomic():
            photo = event_photo_add(
                user=user, event=event, upload=upload, caption=caption, photo_id=photo_id
            )
    except IntegrityError:
        # The same photo, sent twice at once: the other send stored it.
        stored = _photo_stored(photo_id)
        if stored is None:
            raise
        return _photo_present(event, stored, sha256)
    except ValidationError as refused:
        if hasattr(refused, "error_dict"):
            raise
        # A refusal of the file itself, or of the event's state: said at the photo.
        raise ValidationError({"photos": refused.messages}) from refused
    return OfflinePhotoStored(photo=photo, photos=photos_count(event), created=True)
