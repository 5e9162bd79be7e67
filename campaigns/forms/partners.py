"""Forms of the partner pages. They turn what was typed into values; the rules live in services."""

from django import forms
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from campaigns import bounds
from campaigns.forms.bounded import BoundedDateField, RowsChoiceField
from campaigns.models import OrgUnit, Partner, PartnerAgreement, Region, ServiceType

DATE_INPUT = "%Y-%m-%d"


def _label(model, field: str):
    """The model field's translated name, capitalised as a form label."""
    return capfirst(model._meta.get_field(field).verbose_name)


class DateInput(forms.DateInput):
    """The browser's date picker; the value must be ISO whatever the interface language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATE_INPUT)


class OrgUnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class PartnerFilterForm(forms.Form):
    """The partner list's filters, read from the query string; a bad value is ignored."""

    q = forms.CharField(
        label=_("Search by name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        label=_label(Partner, "kind"),
        choices=[("", _("All kinds")), *Partner.Kind.choices],
        required=False,
    )
    org_unit = OrgUnitChoiceField(
        label=_label(Partner, "org_unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("All units"),
    )

    def __init__(self, *args, org_units: QuerySet[OrgUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_units


class PartnerForm(forms.Form):
    org_unit = OrgUnitChoiceField(
        label=_label(Partner, "org_unit"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_label(Partner, "name"), max_length=200)
    kind = forms.ChoiceField(label=_label(Partner, "kind"), choices=Partner.Kind.choices)
    contact_name = forms.CharField(
        label=_label(Partner, "contact_name"), max_length=100, required=False
    )
    contact_phone = forms.CharField(
        label=_label(Partner, "contact_phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    notes = forms.CharField(
        label=_label(Partner, "notes"),
        required=False,
        max_length=bounds.LONG_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, org_units: QuerySet[OrgUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_units


class AgreementForm(forms.Form):
    starts_on = BoundedDateField(label=_label(PartnerAgreement, "starts_on"), widget=DateInput)
    ends_on = BoundedDateField(label=_label(PartnerAgreement, "ends_on"), widget=DateInput)
    services = forms.MultipleChoiceField(
        label=_label(PartnerAgreement, "services"),
        choices=ServiceType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    counties = RowsChoiceField(
        label=_label(PartnerAgreement, "counties"),
        queryset=Region.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    document = forms.FileField(
        label=_label(PartnerAgreement, "document"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, counties: QuerySet[Region], has_document: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counties"].queryset = counties.order_by("code")
        self.fields["counties"].help_text = _(
            "The counties the unit serves. Hold Ctrl (or ⌘ on a Mac) to choose several on a "
            "computer."
        )
        self.fields["document"].help_text = (
            _("A PDF, JPEG or PNG file. Leave empty to keep the document already uploaded.")
            if has_document
            else _("A PDF, JPEG or PNG file.")
        )
