"""The audit page's filters: typed values in, the selector's filters out."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.forms.bounded import BoundedDateField
from campaigns.models import OrgUnit
from campaigns.selectors.audit import ACTION_LABELS, OBJECT_TYPES, AuditFilters, object_type_label
from portal.access import visible_to


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("Done by"),
        required=False,
        max_length=150,
        help_text=_("A user name, or part of one."),
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.ChoiceField(label=_("Kind of object"), required=False)
    unit = forms.CharField(
        label=_("Org unit"),
        required=False,
        max_length=128,
        help_text=_("The unit's code or name; its sub-units are included."),
    )
    since = BoundedDateField(label=_("From"), required=False, widget=DateInput)
    until = BoundedDateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["action"].choices = [
            ("", "—"),
            *sorted(
                ((code, str(label)) for code, label in ACTION_LABELS.items()),
                key=lambda choice: choice[1],
            ),
        ]
        self.fields["object_type"].choices = [
            ("", "—"),
            *sorted(
                ((label, object_type_label(label)) for label in OBJECT_TYPES),
                key=lambda choice: choice[1],
            ),
        ]

    def clean_unit(self):
        text = self.cleaned_data["unit"].strip()
        if not text:
            return None
        units = list(visible_to(self.user, OrgUnit).filter(Q(code__iexact=text) | Q(name=text))[:2])
        if len(units) == 1:
            return units[0]
        if units:
            raise forms.ValidationError(
                _("Several units are called “%(text)s”; type the unit's code."),
                params={"text": text},
                code="ambiguous",
            )
        raise forms.ValidationError(
            _("No unit you can see has the code or name “%(text)s”."),
            params={"text": text},
            code="unknown",
        )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date comes before the start date."))
        return cleaned

    def filters(self) -> AuditFilters:
        """What was chosen, as the selector's filters; nothing chosen when the form is invalid."""
        if not self.is_bound or not self.is_valid():
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            actor=data["actor"].strip(),
            action=data["action"],
            object_type=data["object_type"],
            org_unit_path=data["unit"].path if data["unit"] else "",
            since=data["since"],
            until=data["until"],
        )
