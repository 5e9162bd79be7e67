"""Importing a phone's unsent reports file at the office: every report or none.

When a phone cannot send (no signal for weeks, a broken sync), its organizer saves the
reports not yet sent as a file and brings it to the office. The file (``unsent-reports-
<YYYYMMDD-HHMM>.json``, UTF-8 JSON) is ``{"format": FILE_FORMAT, "format_version": 1,
"saved_at", "user", "reports": [{"id", "title", "body", "photos": [{"id", "type",
"sha256", "caption", "data"}]}]}``: each report's ``body`` is the request the phone would
send under its ``id``, each photo's ``data`` its bytes in base64.

Each report is stored exactly as the phone's own send would store it
(``offline_request_store``: the same checks, the same request hash), then its photos
(``event_photo_offline_put``), as the importing user, who must be allowed to report for the
event's unit. So the phone sending the same report later is told "already stored", and
nothing is stored twice; a report already on the server with the same content is counted as
such, not refused.

One refused report (invalid, a conflict, a cancelled event, not allowed) refuses the whole
file: nothing is saved, and every problem is listed by report (its number in the file and
its title), field and reason, in the user's language. The services write the audit entries.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError as RequestRefused

from campaigns import bounds
from campaigns.api.errors import offline_errors
from campaigns.api.offline_requests import offline_request_store
from campaigns.api.parsers import json_refusal
from campaigns.errors import Gone, NotAllowed, StaleEdit
from campaigns.services.offline import SHA256_HEX, event_photo_offline_put
from portal.access import action_scope

FILE_FORMAT = "outreach-portal-unsent-reports"
FILE_FORMAT_VERSION = 1

FILE_ERRORS = {
    "too_large": _(
        "The file is larger than %(size)s, more than a phone's unsent reports come to. "
        "Check that it is the file the phone saved."
    ),
    "not_json": _(
        "This is not a file of unsent reports: it is not JSON text. Upload the file the "
        "phone saved (unsent-reports-….json) as it is."
    ),
    "format": _(
        "This is not a file of unsent reports saved by the portal on a phone. Upload the "
        "file the phone saved (unsent-reports-….json) as it is."
    ),
    "format_version": _(
        "This file was saved in a format this portal does not read (version %(version)s; "
        "it reads version %(known)s)."
    ),
    "no_reports": _("The file holds no list of reports."),
    "too_many": _("The file holds %(count)s reports; at most %(limit)s can be imported at once."),
}
REPORT_ERRORS = {
    "not_a_report": _("This entry of the file is not a report."),
    "id": _("The report's id is not a UUID."),
    "body": _("The report's content is missing."),
    "photos": _("The report's photos are not a list."),
    "too_many_photos": _("The report has %(count)s photos; a report takes at most %(limit)s."),
    "photo": _("Photo %(number)s is not as the phone saves a photo."),
    "photo_id": _("Photo %(number)s has no id (a UUID)."),
    "photo_sha256": _("Photo %(number)s has no SHA-256 of its bytes (64 hexadecimal digits)."),
    "photo_data": _("Photo %(number)s has no bytes, or they are not in base64."),
    "photo_damaged": _(
        "Photo %(number)s is damaged: its bytes do not match their SHA-256. Save the file on "
        "the phone again."
    ),
    "photo_caption": _("Photo %(number)s has a caption that is not text."),
    "photo_refused": _("Photo %(number)s: %(reason)s"),
    "hidden": _(
        "This report is of an event you may not see: import it at the office of the event's unit."
    ),
}


@dataclass(frozen=True)
class ImportProblem:
    """Why a report of the file was refused: ``report`` is its number in the file (from 1;
    0 for the file as a whole), ``field`` the web form's name of the field refused ("" for
    the report as a whole, "photos" for its photos)."""

    report: int
    title: str
    field: str
    reason: str


@dataclass(frozen=True)
class UnsentPhoto:
    id: UUID
    type: str
    sha256: str
    caption: str
    data: bytes


@dataclass
class UnsentReport:
    """A report of the file, as read: ``body`` is what the phone would send under ``id``.
    ``photos`` is None when one of them could not be read."""

    number: int
    title: str
    id: UUID | None = None
    body: dict | None = None
    photos: list[UnsentPhoto] | None = field(default_factory=list)


@dataclass
class UnsentReportsImported:
    """What an import stored; nothing when ``problems`` lists any."""

    stored: int = 0
    already_stored: int = 0
    photos: int = 0
    photos_already_stored: int = 0
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def saved(self) -> bool:
        return not self.problems


class FileRefused(Exception):
    """The file as a whole is no unsent reports file this portal reads."""


def unsent_reports_read(data: bytes) -> tuple[list[UnsentReport], list[ImportProblem]]:
    """The reports of an unsent reports file, and the problems of those not readable.
    Raises FileRefused when the file as a whole is not one."""
    if len(data) > bounds.UNSENT_REPORTS_FILE_BYTES:
        size = filesizeformat(bounds.UNSENT_REPORTS_FILE_BYTES)
        raise FileRefused(FILE_ERRORS["too_large"] % {"size": size})
    try:
        content = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FileRefused(FILE_ERRORS["not_json"]) from None
    if not isinstance(content, dict) or content.get("format") != FILE_FORMAT:
        raise FileRefused(FILE_ERRORS["format"])
    version = content.get("format_version")
    if version != FILE_FORMAT_VERSION or isinstance(version, bool):
        raise FileRefused(
            FILE_ERRORS["format_version"]
            % {"version": str(version)[:20], "known": FILE_FORMAT_VERSION}
        )
    entries = content.get("reports")
    if not isinstance(entries, list):
        raise FileRefused(FILE_ERRORS["no_reports"])
    if len(entries) > bounds.UNSENT_REPORTS_PER_FILE:
        raise FileRefused(
            FILE_ERRORS["too_many"]
            % {"count": len(entries), "limit": bounds.UNSENT_REPORTS_PER_FILE}
        )
    reports, problems = [], []
    for number, entry in enumerate(entries, start=1):
        report, refusals = _report_read(number, entry)
        reports.append(report)
        problems += [ImportProblem(number, report.title, name, str(why)) for name, why in refusals]
    return reports, problems


def _report_read(number: int, entry) -> tuple[UnsentReport, list[tuple[str, str]]]:
    """A report of the file, and what in it cannot be read: (field, reason) pairs."""
    if not isinstance(entry, dict):
        return UnsentReport(number=number, title=""), [("", REPORT_ERRORS["not_a_report"])]
    title = entry.get("title")
    # Only shown, never stored: what no page can show is left out.
    title = bounds.UNSTORABLE.sub("", title[:200]) if isinstance(title, str) else ""
    report = UnsentReport(number=number, title=title)
    refusals = []
    try:
        report.id = UUID(str(entry.get("id")))
    except ValueError:
        refusals.append(("", REPORT_ERRORS["id"]))
    body = entry.get("body")
    if isinstance(body, dict):
        # What the API's parser refuses of a request (text no database stores, nesting
        # deeper than any phone sends) is refused here too.
        refusal = json_refusal(body)
        if refusal:
            refusals.append(("", refusal))
        else:
            report.body = body
    else:
        refusals.append(("", REPORT_ERRORS["body"]))
    report.photos, photo_refusals = _photos_read(entry.get("photos", []))
    return report, refusals + photo_refusals


def _photos_read(photos) -> tuple[list[UnsentPhoto] | None, list[tuple[str, str]]]:
    """A report's photos (None if one of them cannot be read), and why not: (field, reason)."""
    if not isinstance(photos, list):
        return None, [("photos", REPORT_ERRORS["photos"])]
    if len(photos) > bounds.PHOTOS_PER_REPORT:
        limits = {"count": len(photos), "limit": bounds.PHOTOS_PER_REPORT}
        return None, [("photos", REPORT_ERRORS["too_many_photos"] % limits)]
    read = [_photo_read(number, photo) for number, photo in enumerate(photos, start=1)]
    refusals = [("photos", item) for item in read if not isinstance(item, UnsentPhoto)]
    return (None if refusals else read), refusals


def _photo_read(number: int, photo) -> UnsentPhoto | str:
    """A photo of a report, or why it cannot be read."""
    if not isinstance(photo, dict):
        return REPORT_ERRORS["photo"] % {"number": number}
    try:
        photo_id = UUID(str(photo.get("id")))
    except ValueError:
        return REPORT_ERRORS["photo_id"] % {"number": number}
    sha256 = photo.get("sha256")
    if not isinstance(sha256, str) or not SHA256_HEX.fullmatch(sha256.strip().lower()):
        return REPORT_ERRORS["photo_sha256"] % {"number": number}
    caption = photo.get("caption") or ""
    if not isinstance(caption, str):
        return REPORT_ERRORS["photo_caption"] % {"number": number}
    try:
        data = base64.b64decode(photo.get("data"), validate=True)
    except (TypeError, ValueError, binascii.Error):
        return REPORT_ERRORS["photo_data"] % {"number": number}
    if not data:
        return REPORT_ERRORS["photo_data"] % {"number": number}
    if hashlib.sha256(data).hexdigest() != sha256.strip().lower():
        return REPORT_ERRORS["photo_damaged"] % {"number": number}
    kind = photo.get("type")
    return UnsentPhoto(
        id=photo_id,
        type=kind if isinstance(kind, str) else "",
        sha256=sha256.strip().lower(),
        caption=caption,
        data=data,
    )


class _Refused(Exception):
    """A report of the file was refused: raised to undo everything stored before it."""

    def __init__(self, problems: list[ImportProblem]):
        super().__init__(problems)
        self.problems = problems


def unsent_reports_may_import(user) -> bool:
    """Whether ``user`` may import unsent reports files: whoever reports events somewhere.
    Which reports of a file they may store is each report's event's unit's call."""
    return action_scope(user, "event.report").reaches_anything


def unsent_reports_import(*, user, data: bytes) -> UnsentReportsImported:
    """Store every report of a phone's unsent reports file (``data``, its bytes) and their
    photos as ``user``, or, if one of them is refused, none; then every refusal is listed."""
    if not unsent_reports_may_import(user):
        raise NotAllowed
    try:
        reports, problems = unsent_reports_read(data)
    except FileRefused as refusal:
        return UnsentReportsImported(problems=[ImportProblem(0, "", "", str(refusal))])
    written: list[str] = []
    try:
        return _reports_stored(user=user, reports=reports, problems=problems, written=written)
    except BaseException as error:
        # The photos' rows were rolled back; their files are not part of the transaction.
        for name in written:
            default_storage.delete(name)
        if not isinstance(error, _Refused):
            raise
        return UnsentReportsImported(problems=sorted(error.problems, key=lambda p: p.report))


@transaction.atomic
def _reports_stored(
    *, user, reports: list[UnsentReport], problems: list[ImportProblem], written: list[str]
) -> UnsentReportsImported:
    """Store the reports; every report is tried, so that all of the file's problems are
    listed at once; raises _Refused with them if there is any."""
    outcome = UnsentReportsImported()
    problems = list(problems)
    for report in reports:
        if report.id is None or report.body is None:
            continue  # not readable: already among the problems
        try:
            with transaction.atomic():  # a refused report leaves the transaction usable
                _report_stored(user=user, report=report, outcome=outcome, written=written)
        except (ObjectDoesNotExist, NotAllowed, ValidationError, RequestRefused) as error:
            problems += [
                ImportProblem(report.number, report.title, name, reason)
                for name, reason in _refusal_said(error)
            ]
    if problems:
        raise _Refused(problems)
    return outcome


def _report_stored(
    *, user, report: UnsentReport, outcome: UnsentReportsImported, written: list[str]
) -> None:
    stored = offline_request_store(user=user, report_id=report.id, body=report.body)
    if stored.repeated:
        outcome.already_stored += 1
    else:
        outcome.stored += 1
    for number, photo in enumerate(report.photos or (), start=1):
        try:
            photo_stored = event_photo_offline_put(
                user=user,
                report_id=report.id,
                photo_id=photo.id,
                upload=SimpleUploadedFile(f"{photo.id}.photo", photo.data, photo.type),
                sha256=photo.sha256,
                caption=photo.caption,
            )
        except ValidationError as refused:
            # Said of the photo by its number: a report has several.
            said = defaultdict(list)
            for name, reason in _refusal_said(refused):
                said[name or "photos"].append(
                    REPORT_ERRORS["photo_refused"] % {"number": number, "reason": reason}
                )
            raise ValidationError(dict(said)) from refused
        if photo_stored.created:
            outcome.photos += 1
            written += [photo_stored.photo.image.name, photo_stored.photo.thumbnail.name]
        else:
            outcome.photos_already_stored += 1


def _refusal_said(error) -> list[tuple[str, str]]:
    """(field, reason) of each message of a report's refusal, the fields by the web form's
    names as the phone shows them."""
    if isinstance(error, StaleEdit | Gone):
        return [("", message) for message in error.messages]
    if isinstance(error, NotAllowed):
        return [("", str(error))]
    if isinstance(error, ObjectDoesNotExist):
        return [("", str(REPORT_ERRORS["hidden"]))]
    return [
        ("" if name == "__all__" else name, message)
        for name, messages in offline_errors(error).items()
        for message in messages
    ]
