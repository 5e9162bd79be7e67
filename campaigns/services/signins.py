"""Sign-ins: recording who came (with their consent), importing a paper list, showing
phones in full, exporting the list, and deleting sign-ins once their retention has passed.

Every access to personal information beyond the masked list (phones shown in full, an
export) is audited with who, which event, how many people and why, never with the names or
phones themselves.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from campaigns.errors import InvalidState
from campaigns.exporters.filenames import download_filename
from campaigns.exporters.xlsx import sheet_ready_to_print, write_cell, write_row
from campaigns.imports.events_sheet import (
    Problem,
    SheetRefused,
    cell_blank,
    cell_text,
    sheet_rows,
    workbook_open,
)
from campaigns.models import CONSENT_VERSION, AudienceGroup, Event, SignIn
from campaigns.models.signins import MAINLAND_MOBILE
from campaigns.services.audit import audit_record
from portal.access import can, require, visible_to

MAX_SHEET_ROWS = 2_000
SHEET_HEADERS = ["姓名", "手机号", "受众类别", "已同意（是/否）"]
YES = {"是", "已同意", "同意", "y", "yes", "1", "√", "✓"}


# Once the report is sent, who came is part of what is reviewed, like its figures and
# photos: nobody is added. A person may still have their sign-in deleted at any time (the
# consent text promises it), so deleting stays possible, with its reason in the audit log.
REPORT_SENT = frozenset({Event.Status.REPORTED, Event.Status.APPROVED})


def _event(user, event_id: int, *, lock: bool = False) -> Event:
    events = visible_to(user, Event).select_related("org_unit")
    if lock:  # held against a transition of the event until the change is saved
        events = events.select_for_update(of=("self",))
    return events.get(pk=event_id)


def _require_open(event: Event) -> None:
    if event.status == Event.Status.CANCELLED:
        raise InvalidState(_("A cancelled event takes no sign-ins."), code="cancelled")
    if event.status in REPORT_SENT:
        raise InvalidState(
            _(
                "The report of this event has been sent, so its sign-in list is closed. If "
                "someone is missing, the reviewer can return the report."
            ),
            code="report_sent",
        )


def phone_cleaned(value) -> str:
    """A phone as typed (full-width digits, spaces, dashes, +86) as 11 digits, or an error."""
    digits = "".join(ch for ch in cell_text(value) if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not MAINLAND_MOBILE.fullmatch(digits):
        raise ValidationError(
            _("A mainland mobile number of 11 digits, such as 13812341234."), code="phone"
        )
    return digits


@transaction.atomic
def sign_in_add(
    *, user, event_id: int, name: str, phone: str, audience_group: str, consent_given: bool
) -> SignIn:
    """Record one person who came; without their consent nothing is kept."""
    event = _event(user, event_id, lock=True)
    require(user, "signin.record", event.org_unit)
    _require_open(event)
    if not consent_given:
        raise ValidationError(
            {"consent_given": _("Without the person's consent the sign-in cannot be kept.")}
        )
    sign_in = SignIn(
        event=event,
        name=name.strip(),
        phone=phone_cleaned(phone),
        audience_group=audience_group,
        consent_version=CONSENT_VERSION,
        consented_at=timezone.now(),
        created_by=user,
    )
    sign_in.full_clean(exclude=["event", "created_by"])
    try:
        with transaction.atomic():
            sign_in.save()
    except IntegrityError:
        raise ValidationError(
            {"phone": _("This phone number has signed in to this event already.")}
        ) from None
    audit_record(actor=user, obj=event, action="campaigns.signin.recorded", data={"sign_ins": 1})
    return sign_in


@transaction.atomic
def sign_in_remove(*, user, event_id: int, sign_in_id: int, reason: str = "") -> None:
    """Delete one sign-in, such as when the person asks for it; once the report is sent,
    only with a reason."""
    event = _event(user, event_id, lock=True)
    require(user, "signin.record", event.org_unit)
    reason = reason.strip()[:500]
    after_report = event.status in REPORT_SENT
    if after_report and len(reason) < 4:
        raise ValidationError(
            {
                "reason": _(
                    "The report has been sent: say why this sign-in is deleted (at least 4 "
                    "characters), for example that the person asked for it."
                )
            }
        )
    removed, _by_model = visible_to(user, SignIn).filter(event=event, pk=sign_in_id).delete()
    if not removed:
        raise SignIn.DoesNotExist  # gone already, or never this event's: nothing to audit
    audit_record(
        actor=user,
        obj=event,
        action="campaigns.signin.removed",
        comment=reason,
        data={"sign_ins": 1, "after_report": after_report},
    )


@dataclass
class SignInImport:
    created: int = 0
    problems: list[Problem] | None = None

    @property
    def saved(self) -> bool:
        return not self.problems


def sign_in_sheet_template() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "签到"
    write_row(sheet, 1, SHEET_HEADERS)
    sheet_ready_to_print(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _groups_by_label() -> dict[str, str]:
    from django.utils.translation import override

    with override("zh-hans"):
        labels = {str(label): value for value, label in AudienceGroup.choices}
    return labels | {value: value for value in AudienceGroup.values}


def sign_ins_import(*, user, event_id: int, data: bytes) -> SignInImport:
    """A paper sign-in list typed into the sheet: every row saved, or none.

    Each row must say that the person agreed (the paper list carries the consent text);
    the moment of consent is the event's start, when the list was signed.
    """
    event = _event(user, event_id)
    require(user, "signin.record", event.org_unit)
    _require_open(event)
    try:
        book = workbook_open(data)
        try:
            return _sign_ins_read(user=user, event=event, sheet=book.worksheets[0])
        finally:
            book.close()
    except SheetRefused as refusal:
        return SignInImport(problems=[Problem("", 0, "", "", str(refusal))])


def _sign_ins_read(*, user, event: Event, sheet) -> SignInImport:
    groups = _groups_by_label()
    problems: list[Problem] = []
    rows: list[SignIn] = []
    seen: dict[str, int] = {}
    columns = [f"{letter} {header}" for letter, header in zip("ABCD", SHEET_HEADERS, strict=True)]

    def problem(row, column, value, reason):
        problems.append(Problem(sheet.title, row, columns[column], cell_text(value)[:100], reason))

    for number, cells in enumerate(sheet_rows(sheet, min_row=2), start=2):
        cells = (list(cells) + [None] * 4)[:4]
        if all(cell_blank(cell) for cell in cells):
            continue
        if len(rows) + len(problems) >= MAX_SHEET_ROWS:
            problem(number, 0, "", _("More than %(max)s rows.") % {"max": MAX_SHEET_ROWS})
            break
        name, phone, group, consent = cells
        if any(isinstance(cell, str) and cell.startswith("=") for cell in cells):
            problem(number, 0, "", _("A formula: type the value itself."))
            continue
        if cell_blank(name) or len(str(name).strip()) > 50:
            problem(number, 0, name, _("A name of at most 50 characters."))
        try:
            phone = phone_cleaned(phone)
        except ValidationError as error:
            problem(number, 1, phone, error.messages[0])
            phone = None
        if phone and phone in seen:
            problem(
                number, 1, phone, _("Row %(row)s has this phone already.") % {"row": seen[phone]}
            )
        if phone:
            seen.setdefault(phone, number)
        group_value = groups.get(cell_text(group))
        if group_value is None:
            problem(
                number, 2, group, _("Not one of: %(options)s.") % {"options": "、".join(groups)}
            )
        if cell_text(consent).lower() not in YES:
            problem(number, 3, consent, _("Only people who agreed may be on the list (是)."))
        rows.append(
            SignIn(
                event=event,
                name=cell_text(name)[:50],
                phone=phone or "",
                audience_group=group_value or "",
                consent_version=CONSENT_VERSION,
                consented_at=event.starts_at,
                created_by=user,
            )
        )
    taken = set(
        SignIn.objects.filter(event=event, phone__in=list(seen)).values_list("phone", flat=True)
    )
    for phone in sorted(taken):
        problem(seen[phone], 1, phone, _("This phone number has signed in to this event already."))
    if problems:
        return SignInImport(problems=sorted(problems, key=lambda p: (p.row, p.column)))
    try:
        with transaction.atomic():
            # Checked again under the event's lock: the report may have been sent meanwhile.
            _require_open(_event(user, event.pk, lock=True))
            SignIn.objects.bulk_create(rows)
            audit_record(
                actor=user,
                obj=event,
                action="campaigns.signin.imported",
                data={"sign_ins": len(rows)},
            )
    except IntegrityError:
        # Someone recorded one of these phones since the check above: nothing was saved.
        return SignInImport(
            problems=[
                Problem(
                    sheet.title,
                    0,
                    "",
                    "",
                    _("A phone on the sheet signed in meanwhile; upload the sheet again."),
                )
            ]
        )
    return SignInImport(created=len(rows), problems=[])


@transaction.atomic
def sign_ins_listed(*, user, event: Event) -> tuple[QuerySet, bool]:
    """The event's sign-ins the user may see, and whether phones are shown in full to them.

    Seeing phones in full is access to personal information: audited (how many, not whose).
    """
    sign_ins = visible_to(user, SignIn).filter(event=event).order_by("pk")
    in_full = can(user, "signin.personal", event.org_unit)
    count = sign_ins.count() if in_full else 0
    if count:
        audit_record(
            actor=user, obj=event, action="campaigns.signin.viewed", data={"sign_ins": count}
        )
    return sign_ins, in_full


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError(
            {"reason": _("Say why you need the personal information (at least 4 characters).")}
        )
    return reason[:500]


@transaction.atomic
def sign_ins_export(*, user, event_id: int, reason: str) -> tuple[str, bytes]:
    """The event's sign-in list with names and phones as a workbook; audited with the reason."""
    event = _event(user, event_id)
    require(user, "signin.personal", event.org_unit)
    reason = _reason_required(reason)
    sign_ins = list(visible_to(user, SignIn).filter(event=event).order_by("consented_at", "pk"))
    book = Workbook()
    sheet = book.active
    sheet.title = "签到"
    headers = ["姓名", "手机号", "受众类别", "同意书版本", "同意时间"]
    for column, header in enumerate(headers, start=1):
        write_cell(sheet.cell(row=1, column=column), header)
    local = timezone.get_current_timezone()
    for row, sign_in in enumerate(sign_ins, start=2):
        values = [
            sign_in.name,
            sign_in.phone,
            sign_in.get_audience_group_display(),
            sign_in.consent_version,
            sign_in.consented_at.astimezone(local).strftime("%Y-%m-%d %H:%M"),
        ]
        for column, value in enumerate(values, start=1):
            # Names and phones are text: a phone stays 11 digits, a name starting "=" inert.
            cell = sheet.cell(row=row, column=column)
            write_cell(cell, value)
            cell.data_type = "s"
    sheet_ready_to_print(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    audit_record(
        actor=user,
        obj=event,
        action="campaigns.signin.exported",
        comment=reason,
        data={"sign_ins": len(sign_ins), "reason": reason},
    )
    return download_filename("签到名单", event.title, extension="xlsx"), buffer.getvalue()
