"""A save refused because someone else saved first, shown so that nobody retypes.

The page keeps what the person typed and, field by field, shows the value saved meanwhile
beside theirs; the form then carries the version now stored, so saving again keeps theirs
over the other save, and reloading the page takes the other save.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.forms.events import PartnerServiceForm, handout_name
from campaigns.models import AuditEntry, ScreeningType, ServiceType

EMPTY = "—"
SERVICE_FIGURES = ("people_served", "screened", "referred")


@dataclass(frozen=True)
class Difference:
    label: str
    theirs: str
    yours: str


@dataclass(frozen=True)
class EditConflict:
    """What the page shows of the save that came first, and where to take it from."""

    saved_by: str
    saved_at: dt.datetime | None
    differences: list[Difference]
    reload_url: str
    # The status that now keeps the object from being changed (a report sent meanwhile),
    # or "" when the typed values may still be kept.
    no_longer_editable: str = ""


def edit_conflict(
    *,
    last_save: AuditEntry | None,
    differences: list[Difference],
    reload_url: str,
    no_longer_editable: str = "",
) -> EditConflict:
    """``last_save``: the history entry of the save that came first (None when it has none)."""
    actor = last_save.actor if last_save else None
    return EditConflict(
        saved_by=(actor.get_full_name() or actor.username) if actor else _("system"),
        saved_at=last_save.created_at if last_save else None,
        differences=differences,
        reload_url=reload_url,
        no_longer_editable=no_longer_editable,
    )


def _comparable(value):
    """The value as compared: rows by key, several choices in any order, blank as empty."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        return frozenset(_comparable(item) for item in value)
    if value == "":
        return None
    return value


def readable(field: forms.Field, value) -> str:
    """``value`` as the person reads it: a choice by its label, a moment in local time."""
    if value is None or value == "" or (isinstance(value, list | tuple) and not value):
        return EMPTY
    if isinstance(field, forms.ModelMultipleChoiceField):
        return ", ".join(sorted(str(field.label_from_instance(item)) for item in value))
    if isinstance(field, forms.ModelChoiceField):
        return str(field.label_from_instance(value))
    if isinstance(field, forms.ChoiceField):
        labels = dict(field.choices)
        if isinstance(field, forms.MultipleChoiceField):
            return ", ".join(sorted(str(labels.get(item, item)) for item in value))
        return str(labels.get(value, value))
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    return str(value)


def field_differences(
    form: forms.Form, saved: Mapping, *, names: Iterable[str] | None = None
) -> list[Difference]:
    """Each field of a valid ``form`` (or of its fields ``names``) whose typed value differs
    from ``saved`` (the form's initial values from the object as stored now), in order."""
    differences = []
    for name in form.fields if names is None else names:
        field = form.fields[name]
        theirs, yours = saved.get(name), form.cleaned_data.get(name)
        if not field.widget.is_hidden and _comparable(theirs) != _comparable(yours):
            differences.append(
                Difference(str(field.label), readable(field, theirs), readable(field, yours))
            )
    return differences


def rows_difference(label: str, *, theirs: list[str], yours: list[str]) -> list[Difference]:
    """Rows of a list (handouts, partner services), compared as sets of readable rows."""
    if sorted(theirs) == sorted(yours):
        return []
    return [Difference(str(label), "; ".join(theirs) or EMPTY, "; ".join(yours) or EMPTY)]


def handout_text(handout) -> str:
    """A handout given (saved or typed: both have an edition and copies), in a line."""
    return ngettext(
        "%(handout)s: %(copies)s copy", "%(handout)s: %(copies)s copies", handout.copies
    ) % {"handout": handout_name(handout.edition), "copies": handout.copies}


def partner_service_text(service) -> str:
    """A partner service (saved or typed: both have the same attributes), in a line."""
    parts = [service.partner.name, str(ServiceType(service.service_type).label)]
    if service.screening_type:
        parts.append(str(ScreeningType(service.screening_type).label))
    for name in SERVICE_FIGURES:
        value = getattr(service, name)
        if value is not None:
            label = PartnerServiceForm.base_fields[name].label
            parts.append(_("%(label)s: %(text)s") % {"label": label, "text": value})
    return ", ".join(parts)


def report_differences(
    *,
    form: forms.Form,
    saved: Mapping,
    handouts_saved: Iterable,
    handouts_typed: Iterable,
    services_saved: Iterable,
    services_typed: Iterable,
) -> list[Difference]:
    """What a report typed differs in from the report as saved, in the order of the page: its
    figures and groups field by field, its handouts and partner services as lists, its
    summary."""
    # Photos chosen are added to the event's, never put in place of anyone's: no conflict.
    figures = [name for name in form.fields if name not in {"summary", "photos", "caption"}]
    return [
        *field_differences(form, saved, names=figures),
        *rows_difference(
            _("Handouts given"),
            theirs=[handout_text(h) for h in handouts_saved],
            yours=[handout_text(h) for h in handouts_typed],
        ),
        *rows_difference(
            _("Partner services"),
            theirs=[partner_service_text(s) for s in services_saved],
            yours=[partner_service_text(s) for s in services_typed],
        ),
        *field_differences(form, saved, names=["summary"]),
    ]
