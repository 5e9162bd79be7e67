"""The print run order form. It turns what was typed into values; the rules live in services."""

from django import forms
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from campaigns import bounds
from campaigns.forms.bounded import count_field
from campaigns.forms.jobs import IdempotencyKeyField
from campaigns.models import OrgUnit, PrintRun


def _label(field: str):
    return capfirst(PrintRun._meta.get_field(field).verbose_name)


class OrgUnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return obj.name


class PrintRunOrderForm(forms.Form):
    org_unit = OrgUnitChoiceField(
        label=_label("org_unit"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    paper_size = forms.ChoiceField(label=_label("paper_size"), choices=PrintRun.PaperSize.choices)
    layout = forms.ChoiceField(
        label=_label("layout"),
        choices=PrintRun.Layout.choices,
        widget=forms.RadioSelect,
        initial=PrintRun.Layout.SIDE_BY_SIDE,
    )
    copies = count_field(
        bounds.COPIES,
        label=_label("copies"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("The PDF is made once; the printer prints the copies."),
    )
    bleed = forms.BooleanField(
        label=_label("bleed"),
        required=False,
        help_text=_("Ask your printer: most want it for colour that runs to the edge."),
    )
    crop_marks = forms.BooleanField(label=_label("crop_marks"), required=False)
    delivery_note = forms.CharField(
        label=_label("delivery_note"),
        required=False,
        max_length=bounds.NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where and to whom the printer delivers, and by when."),
    )

    idempotency_key = IdempotencyKeyField()

    def __init__(self, *args, org_units: QuerySet[OrgUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_units
