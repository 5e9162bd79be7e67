"""Reads behind the audit page: who did what to which object, narrowed and put into words."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import AuditEntry, ServiceType
from portal.access import visible_to

# Every action code a service writes, in words. A code missing here is shown as it is
# (tests/views/test_audit_page.py fails when a service writes one that is not named).
ACTION_LABELS = {
    "campaigns.event.planned": gettext_lazy("Event planned"),
    "campaigns.event.plan_changed": gettext_lazy("Event plan changed"),
    "campaigns.event.report_saved": gettext_lazy("Event report saved"),
    "campaigns.event.head_count_confirmed": gettext_lazy("Event head count confirmed"),
    "campaigns.event.submitted": gettext_lazy("Event report sent for review"),
    "campaigns.event.approved": gettext_lazy("Event report approved"),
    "campaigns.event.returned": gettext_lazy("Event report returned to the organizer"),
    "campaigns.event.cancelled": gettext_lazy("Event cancelled"),
    "campaigns.event.imported": gettext_lazy("Events imported from a sheet"),
    "campaigns.event.import_created": gettext_lazy("Event created by an import"),
    "campaigns.event.import_updated": gettext_lazy("Event updated by an import"),
    "campaigns.event.photo_added": gettext_lazy("Photos added to an event"),
    "campaigns.event.photo_removed": gettext_lazy("Photo removed from an event"),
    "campaigns.signin.recorded": gettext_lazy("Sign-in recorded"),
    "campaigns.signin.removed": gettext_lazy("Sign-in removed"),
    "campaigns.signin.imported": gettext_lazy("Sign-ins imported from a sheet"),
    "campaigns.signin.viewed": gettext_lazy("Sign-in list seen with full phone numbers"),
    "campaigns.signin.exported": gettext_lazy("Sign-in list exported with personal information"),
    "campaigns.signin.purged": gettext_lazy("Sign-ins past their retention period deleted"),
    "campaigns.job.events_sheet_uploaded": gettext_lazy("Events sheet uploaded for import"),
    "campaigns.job.measures_sheet_uploaded": gettext_lazy("Measures sheet uploaded for import"),
    "campaigns.job.purged": gettext_lazy("Job results past their retention period deleted"),
    "campaigns.notification.undelivered": gettext_lazy(
        "Notice reached nobody: no one holds the role in this unit or above"
    ),
    "campaigns.material.created": gettext_lazy("Handout created"),
    "campaigns.edition.created": gettext_lazy("Handout edition created"),
    "campaigns.edition.block_added": gettext_lazy("Block added to an edition"),
    "campaigns.edition.block_saved": gettext_lazy("Edition block saved"),
    "campaigns.edition.block_native_review_cleared": gettext_lazy(
        "Native reader accepted a block's Tibetan"
    ),
    "campaigns.edition.native_review_cleared": gettext_lazy(
        "Native reader accepted an edition's Tibetan"
    ),
    "campaigns.edition.comment_added": gettext_lazy("Comment added to an edition"),
    "campaigns.edition.comment_resolved": gettext_lazy("Comment on an edition resolved"),
    "campaigns.edition.translated": gettext_lazy("Edition marked as translated"),
    "campaigns.edition.reviewed": gettext_lazy("Edition's translation reviewed"),
    "campaigns.edition.approved": gettext_lazy("Edition approved for print"),
    "campaigns.edition.returned": gettext_lazy("Edition returned to the translator"),
    "campaigns.printrun.ordered": gettext_lazy("Print run ordered"),
    "campaigns.printrun.rendered": gettext_lazy("Print run's PDF made"),
    "campaigns.partner.created": gettext_lazy("Partner added"),
    "campaigns.partner.updated": gettext_lazy("Partner changed"),
    "campaigns.agreement.created": gettext_lazy("Partner agreement added"),
    "campaigns.agreement.updated": gettext_lazy("Partner agreement changed"),
    "campaigns.target.set": gettext_lazy("Target set"),
    "campaigns.measure_return.opened": gettext_lazy("Monthly measures return started"),
    "campaigns.measure_return.saved": gettext_lazy("Monthly measures figures saved"),
    "campaigns.measure_return.submitted": gettext_lazy("Monthly measures sent for review"),
    "campaigns.measure_return.approved": gettext_lazy("Monthly measures approved"),
    "campaigns.measure_return.returned": gettext_lazy("Monthly measures returned to the unit"),
    "campaigns.measure_return.imported": gettext_lazy("Monthly measures imported from a sheet"),
    "campaigns.mediation_room.created": gettext_lazy("Mediation room added"),
    "campaigns.mediation_room.updated": gettext_lazy("Mediation room changed"),
    "campaigns.mediator.created": gettext_lazy("Mediator added to the pool"),
    "campaigns.mediator.updated": gettext_lazy("Mediator changed"),
    "campaigns.membership.granted": gettext_lazy("Role given"),
    "campaigns.membership.revoked": gettext_lazy("Role taken away"),
    "portal.user.created": gettext_lazy("Account made for a new person"),
    "portal.api_token.created": gettext_lazy("API token created"),
    "portal.api_token.revoked": gettext_lazy("API token revoked"),
    "portal.user.signed_in": gettext_lazy("Signed in"),
    "portal.user.sign_in_failed": gettext_lazy("Sign-in failed"),
    "portal.user.sign_in_unlocked": gettext_lazy("Sign-in unlocked"),
    "portal.user.password_reset": gettext_lazy(
        "New password set from the emailed link; sign-in lock lifted"
    ),
    "portal.user.native_reader_marked": gettext_lazy("Marked as a native reader of Tibetan"),
    "portal.user.native_reader_unmarked": gettext_lazy(
        "No longer marked as a native reader of Tibetan"
    ),
    "campaigns.region.name_bo_confirmed": gettext_lazy(
        "Native reader confirmed a region's Tibetan name"
    ),
    "campaigns.region.name_bo_corrected": gettext_lazy(
        "Native reader corrected a region's Tibetan name"
    ),
}
# What a superuser did in Django's admin (portal/admin_site.py): admin.<model>.<what>.
ADMIN_ACTION_LABELS = {
    "added": gettext_lazy("Added in the Django admin"),
    "changed": gettext_lazy("Changed in the Django admin"),
    "deleted": gettext_lazy("Deleted in the Django admin"),
}


def action_label(code: str) -> str:
    """An action code in words; a code nobody named is shown as it is."""
    if code.startswith("admin."):
        return str(ADMIN_ACTION_LABELS.get(code.rsplit(".", 1)[-1], code))
    return str(ACTION_LABELS.get(code, code))


# Every key of the data a service writes with an entry, in words (tests/test_audit_words.py
# reads the services and fails on a key not named here). Lower-case labels are the models'
# own field names, shown with a capital. Entries are shown in this order, whatever the order
# the data comes back in: PostgreSQL's jsonb keeps no key order (it sorts them by length).
DATA_LABELS = {
    "username": gettext_lazy("User name"),
    "address": gettext_lazy("Network address"),
    "role": gettext_lazy("Role"),
    "title": gettext_lazy("Title"),
    "code": gettext_lazy("code"),
    "kind": gettext_lazy("Kind"),
    "file": gettext_lazy("File"),
    "row": gettext_lazy("Row"),
    "edition": gettext_lazy("Edition"),
    "block": gettext_lazy("block"),
    "position": gettext_lazy("position"),
    "photo": gettext_lazy("photo"),
    "caption": gettext_lazy("caption"),
    "width": gettext_lazy("Width"),
    "height": gettext_lazy("Height"),
    "bytes": gettext_lazy("Size"),
    "services": gettext_lazy("services offered"),
    "counties": gettext_lazy("Counties"),
    "counties_added": gettext_lazy("Counties added"),
    "counties_removed": gettext_lazy("Counties removed"),
    "document": gettext_lazy("Signed document"),
    "campaign": gettext_lazy("Campaign"),
    "org_unit": gettext_lazy("Org unit"),
    "unit": gettext_lazy("Org unit"),
    "month": gettext_lazy("Month"),
    "starts_on": gettext_lazy("starts on"),
    "ends_on": gettext_lazy("ends on"),
    "date": gettext_lazy("Date"),
    "paper_size": gettext_lazy("Paper size"),
    "copies": gettext_lazy("Copies"),
    "count": gettext_lazy("Number"),
    "returns": gettext_lazy("Monthly returns waiting"),
    "from": gettext_lazy("Changed from"),
    "to": gettext_lazy("Changed to"),
    "before": gettext_lazy("Before"),
    "after": gettext_lazy("After"),
    "after_report": gettext_lazy("After the report was sent"),
    "changed": gettext_lazy("changed"),
    "changes": gettext_lazy("Changes"),
    "fields": gettext_lazy("changed"),
    "comment": gettext_lazy("Comment"),
    "note": gettext_lazy("Note"),
    "reason": gettext_lazy("Reason"),
    "created": gettext_lazy("Events created"),
    "updated": gettext_lazy("Events updated"),
    "unchanged": gettext_lazy("Events unchanged"),
    "submitted": gettext_lazy("Sent for review"),
    "returns_saved": gettext_lazy("Monthly returns saved"),
    "returns_unchanged": gettext_lazy("Monthly returns unchanged"),
    "returns_submitted": gettext_lazy("Monthly returns sent for review"),
    "sign_ins": gettext_lazy("Sign-ins"),
    "days": gettext_lazy("Days overdue"),
    "occasion": gettext_lazy("Occasion"),
    "rule": gettext_lazy("Retention rule"),
    "all_blocks": gettext_lazy("All blocks at once"),
    "based_on": gettext_lazy("Source edition's ID"),
    "based_on_number": gettext_lazy("Copied from edition"),
    "bulk": gettext_lazy("Approved together with others"),
    "locked_out": gettext_lazy("Locked out"),
    "attempts_cleared": gettext_lazy("Failed attempts cleared"),
    "slowed": gettext_lazy("Refused while the account had to wait"),
}
BOOLEAN_WORDS = {True: gettext_lazy("Yes"), False: gettext_lazy("No")}
# Keys whose values are names of fields of the model the data describes.
FIELD_NAME_KEYS = frozenset({"fields", "changed"})
# Choices a key's values are among, where the model the data describes has no such field.
VALUE_CHOICES = {"services": ServiceType}
# The model an action's data describes, where it is not the entry's object itself.
DATA_MODELS = {
    "campaigns.edition.block_added": "campaigns.editionblock",
    "campaigns.edition.block_saved": "campaigns.editionblock",
    "campaigns.notification.undelivered": "campaigns.notification",
}


# The kinds of object audit entries are about, to filter by.
OBJECT_TYPES = (
    "campaigns.event",
    "campaigns.membership",
    "campaigns.signin",
    "campaigns.material",
    "campaigns.materialedition",
    "campaigns.printrun",
    "campaigns.partner",
    "campaigns.partneragreement",
    "campaigns.campaigntarget",
    "campaigns.job",
    "campaigns.region",
    "portal.user",
    "portal.apitoken",
)
# The page an entry's object links to, where it has one. The page checks scope itself.
OBJECT_PAGES = {
    "campaigns.event": "event_detail",
    "campaigns.material": "material_detail",
    "campaigns.materialedition": "edition_editor",
    "campaigns.printrun": "print_run_detail",
    "campaigns.partner": "partner_detail",
}
DETAILS_LENGTH = 200


def object_type_label(label: str) -> str:
    """The name of a kind of object ("campaigns.event") in the interface language."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # part of the acting user's user name
    action: str = ""
    object_type: str = ""
    org_unit_path: str = ""  # the unit and every unit below it
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries(*, user, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """The entries ``user`` may see, narrowed by ``filters``, newest first."""
    entries = visible_to(user, AuditEntry).select_related("actor", "org_unit")
    if filters.actor:
        entries = entries.filter(actor__username__icontains=filters.actor)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    if filters.org_unit_path:
        entries = entries.filter(org_unit__path__startswith=filters.org_unit_path)
    if filters.since:
        entries = entries.filter(created_at__gte=_day_start(filters.since))
    if filters.until:
        entries = entries.filter(created_at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    return entries.order_by("-created_at", "-pk")


@dataclass(frozen=True)
class AuditRow:
    """One entry as the audit page shows it."""

    entry: AuditEntry
    actor: str
    action: str
    object_type: str
    object_url: str
    reason: str
    comment: str
    details: str


def _model(label: str) -> type[Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model: type[Model] | None, name: str):
    """The model's concrete field called ``name``, if it has one."""
    if model is None or not isinstance(name, str):
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if hasattr(field, "verbose_name") else None


def _field_label(model: type[Model] | None, name) -> str:
    field = _field(model, name)
    return str(capfirst(field.verbose_name)) if field is not None else str(name)


_READING_RANK = {key: rank for rank, key in enumerate(DATA_LABELS)}


def _in_reading_order(data: dict) -> list[tuple[str, object]]:
    """``data``'s items in DATA_LABELS' order, then any other key (a model's field names in
    nested figures) alphabetically: the same on SQLite and on PostgreSQL."""
    return sorted(
        data.items(), key=lambda item: (_READING_RANK.get(item[0], len(DATA_LABELS)), item[0])
    )


def _value_text(value, *, key: str, model: type[Model] | None) -> str:
    if value is None or value == []:
        return "—"
    if key == "changes" and isinstance(value, list):
        # Django admin's own change message, which Django puts into words itself.
        return LogEntry(change_message=json.dumps(value)).get_change_message()
    if isinstance(value, list | tuple):
        return ", ".join(_value_text(item, key=key, model=model) for item in value)
    if isinstance(value, dict):
        return ", ".join(
            f"{_key_label(name, model, nested=True)}: {_value_text(item, key=name, model=model)}"
            for name, item in _in_reading_order(value)
        )
    if isinstance(value, bool):
        return str(BOOLEAN_WORDS[value])
    if key in FIELD_NAME_KEYS:
        return _field_label(model, value)
    field = _field(model, key)
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    if key in VALUE_CHOICES:
        choices = dict(VALUE_CHOICES[key].choices)
    if value in choices:
        return str(choices[value])
    if key == "bytes" and isinstance(value, int):
        return filesizeformat(value)
    return str(value)


def _key_label(key, model: type[Model] | None, *, nested: bool = False) -> str:
    # A nested key names one of the model's fields (a target's figures) before anything else.
    if nested and _field(model, key) is not None:
        return _field_label(model, key)
    label = DATA_LABELS.get(key)
    return capfirst(str(label)) if label is not None else str(key)


def entry_details(entry: AuditEntry, *, leave_out: frozenset[str] = frozenset()) -> str:
    """The data written with ``entry`` as "Label: value; …", cut to DETAILS_LENGTH."""
    model = _model(DATA_MODELS.get(entry.action, entry.object_type))
    if isinstance(entry.data, dict):
        text = "; ".join(
            f"{_key_label(key, model)}: {_value_text(value, key=key, model=model)}"
            for key, value in _in_reading_order(entry.data)
            if key not in leave_out
        )
    else:
        text = _value_text(entry.data, key="", model=model) if entry.data else ""
    return text if len(text) <= DETAILS_LENGTH else f"{text[: DETAILS_LENGTH - 1]}…"


def _actor(entry: AuditEntry) -> str:
    if entry.actor is not None:
        return entry.actor.get_full_name() or entry.actor.get_username()
    # No actor: a scheduled job, or someone who had not signed in (a failed sign-in).
    if entry.action.startswith("portal.user."):
        return _("someone not signed in")
    return _("the system")


def _object_url(entry: AuditEntry) -> str:
    page = OBJECT_PAGES.get(entry.object_type)
    if page is None or not entry.object_id.isdigit():
        return ""
    return reverse(page, args=[int(entry.object_id)])


def audit_rows(entries) -> list[AuditRow]:
    """``entries`` (already fetched with their actor and unit) put into words."""
    rows = []
    for entry in entries:
        data = entry.data if isinstance(entry.data, dict) else {}
        # An export of personal information is audited with the reason the user gave.
        reason = str(data.get("reason", "")) if entry.action.endswith(".exported") else ""
        rows.append(
            AuditRow(
                entry=entry,
                actor=_actor(entry),
                action=action_label(entry.action),
                object_type=object_type_label(entry.object_type),
                object_url=_object_url(entry),
                reason=reason,
                comment="" if entry.comment == reason else entry.comment,
                details=entry_details(entry, leave_out=frozenset({"reason"} if reason else ())),
            )
        )
    return rows
