"""Sign-ins: recording who came (with their consent), importing a paper list, showing
the list with phones in full, exporting it, and deleting a sign-in.

Every access to personal information beyond the masked list (phones shown in full, an
export) is audited with who, which event, how many people and why, never with the names or
phones themselves. Reading the sheet is campaigns/imports/sign_ins_sheet.py's, masking the
list campaigns/selectors/signins.py's, and making the export's workbook
campaigns/exporters/signins.py's; sign-ins past their retention are purged by
campaigns/services/retention.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.errors import InvalidState
from campaigns.exporters.signins import sign_ins_workbook
from campaigns.imports.sheets import Problem, SheetRefused
from campaigns.imports.sign_ins_sheet import PHONE, SignInSheetReading, sign_in_sheet_read
from campaigns.models import CONSENT_VERSION, Event, SignIn
from campaigns.models.signins import phone_cleaned
from campaigns.selectors.signins import sign_ins_page
from campaigns.services.audit import audit_record
from portal.access import require, visible_to

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


def sign_ins_import(*, user, event_id: int, data: bytes) -> SignInImport:
    """A paper sign-in list typed into the sheet: every row saved, or none.

    Each row must say that the person agreed (the paper list carries the consent text);
    the moment of consent is the event's start, when the list was signed.
    """
    event = _event(user, event_id)
    require(user, "signin.record", event.org_unit)
    _require_open(event)
    try:
        reading = sign_in_sheet_read(data)
    except SheetRefused as refusal:
        return SignInImport(problems=[Problem("", 0, "", "", str(refusal))])
    _signed_in_already(event, reading)
    if reading.problems:
        return SignInImport(problems=sorted(reading.problems, key=lambda p: (p.row, p.column)))
    return _sign_ins_save(user=user, event=event, reading=reading)


def _signed_in_already(event: Event, reading: SignInSheetReading) -> None:
    """A problem for each phone of the sheet that has signed in to the event already."""
    taken = SignIn.objects.filter(event=event, phone__in=list(reading.phones))
    for phone in sorted(taken.values_list("phone", flat=True)):
        reading.problem(
            reading.phones[phone],
            PHONE,
            phone,
            _("This phone number has signed in to this event already."),
        )


def _sign_ins_save(*, user, event: Event, reading: SignInSheetReading) -> SignInImport:
    sign_ins = [
        SignIn(
            event=event,
            name=row.name,
            phone=row.phone,
            audience_group=row.audience_group,
            consent_version=CONSENT_VERSION,
            consented_at=event.starts_at,
            created_by=user,
        )
        for row in reading.rows
    ]
    try:
        with transaction.atomic():
            # Checked again under the event's lock: the report may have been sent meanwhile.
            _require_open(_event(user, event.pk, lock=True))
            SignIn.objects.bulk_create(sign_ins)
            audit_record(
                actor=user,
                obj=event,
                action="campaigns.signin.imported",
                data={"sign_ins": len(sign_ins)},
            )
    except IntegrityError:
        # Someone recorded one of these phones since the check above: nothing was saved.
        meanwhile = _("A phone on the sheet signed in meanwhile; upload the sheet again.")
        return SignInImport(problems=[Problem(reading.sheet, 0, "", "", meanwhile)])
    return SignInImport(created=len(sign_ins), problems=[])


@transaction.atomic
def sign_ins_listed(*, user, event: Event, page_number=1) -> tuple[Page, bool]:
    """A page of the event's sign-ins as the user may see them (phones masked unless they
    may see them in full), and whether phones are shown in full to them.

    Seeing phones in full is access to personal information: audited (how many, not whose).
    """
    page, in_full = sign_ins_page(user=user, event=event, number=page_number)
    count = page.paginator.count if in_full else 0
    if count:
        audit_record(
            actor=user, obj=event, action="campaigns.signin.viewed", data={"sign_ins": count}
        )
    return page, in_full


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
    filename, data = sign_ins_workbook(event, sign_ins)
    audit_record(
        actor=user,
        obj=event,
        action="campaigns.signin.exported",
        comment=reason,
        data={"sign_ins": len(sign_ins), "reason": reason},
    )
    return filename, data
