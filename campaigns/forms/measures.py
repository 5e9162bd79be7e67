"""Forms of the measures pages. They turn what was typed into values; the rules (a part no
larger than its whole, an amount with its count…) live in campaigns/services/measures.py."""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from campaigns import bounds
from campaigns.forms.bounded import BoundedDateField
from campaigns.forms.partners import DateInput, OrgUnitChoiceField, _label
from campaigns.forms.versions import VersionField
from campaigns.models import MeasureReturn, MediationRoom, Mediator, OrgUnit
from campaigns.selectors.measures import MeasureFigures
from campaigns.services.measures import figure_field

MONTH_FORMAT = "%Y-%m"


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=MONTH_FORMAT)


class MonthField(BoundedDateField):
    """A month as the browser's month picker sends it (2025-03): its first day."""

    widget = MonthInput
    input_formats = [MONTH_FORMAT]

    def widget_attrs(self, widget):
        return {"min": f"{bounds.EARLIEST_DAY:%Y-%m}", "max": f"{bounds.LATEST_DAY:%Y-%m}"}


class ReturnOpenForm(forms.Form):
    """Which unit's month to report."""

    org_unit = OrgUnitChoiceField(
        label=_label(MeasureReturn, "org_unit"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    month = MonthField(label=_label(MeasureReturn, "month"))

    def __init__(self, *args, org_units: QuerySet[OrgUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_units


class ReturnFilterForm(forms.Form):
    """The list's filters, read from the query string; a bad value is ignored."""

    org_unit = OrgUnitChoiceField(
        label=_label(MeasureReturn, "org_unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("All units"),
    )
    month = MonthField(label=_label(MeasureReturn, "month"), required=False)
    status = forms.ChoiceField(
        label=_label(MeasureReturn, "status"),
        choices=[("", _("All statuses")), *MeasureReturn.Status.choices],
        required=False,
    )

    def __init__(self, *args, org_units: QuerySet[OrgUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_units


class ReturnFiguresForm(forms.Form):
    """A box for each part of each measure asked for; empty means not given."""

    version = VersionField()

    def __init__(self, *args, measures: list[MeasureFigures], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.measures = measures
        for entry in measures:
            for figure in entry.parts:
                part = figure.part
                # The measure's name heads the group of boxes; the label names the part.
                label = part.name
                if part.is_whole:
                    box = forms.IntegerField(
                        label=label,
                        required=False,
                        min_value=0,
                        max_value=bounds.REACH.high,
                        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                    )
                else:
                    box = forms.DecimalField(
                        label=label,
                        required=False,
                        min_value=bounds.MONEY_LOW,
                        max_value=bounds.MONEY_HIGH,
                        max_digits=bounds.MONEY_MAX_DIGITS,
                        decimal_places=bounds.MONEY_DECIMAL_PLACES,
                        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
                    )
                self.fields[figure_field(part)] = box
                if figure.value is not None and not self.is_bound:
                    self.initial[figure_field(part)] = (
                        int(figure.value) if part.is_whole else figure.value
                    )

    def figures(self) -> dict:
        """Part id -> the figure typed (None where the box was left empty)."""
        return {
            figure.part.pk: self.cleaned_data.get(figure_field(figure.part))
            for entry in self.measures
            for figure in entry.parts
        }

    def rows(self):
        """Each measure with the bound boxes of its parts, for the template."""
        return [
            (entry, [self[figure_field(figure.part)] for figure in entry.parts])
            for entry in self.measures
        ]


class MediationRoomForm(forms.Form):
    org_unit = OrgUnitChoiceField(
        label=_label(MediationRoom, "org_unit"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_label(MediationRoom, "name"), max_length=200)
    address = forms.CharField(label=_label(MediationRoom, "address"), max_length=300)
    opened_on = BoundedDateField(label=_label(MediationRoom, "opened_on"), widget=DateInput)
    is_open = forms.BooleanField(label=_label(MediationRoom, "is_open"), required=False)
    closed_on = BoundedDateField(
        label=_label(MediationRoom, "closed_on"), widget=DateInput, required=False
    )
    version = VersionField(required=False)

    def __init__(self, *args, org_units: QuerySet[OrgUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_units


class MediatorForm(forms.Form):
    org_unit = OrgUnitChoiceField(
        label=_label(Mediator, "org_unit"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_label(Mediator, "name"), max_length=100)
    field = forms.CharField(
        label=_label(Mediator, "field"), max_length=200, help_text=_("e.g. law, motor claims")
    )
    organisation = forms.CharField(label=_label(Mediator, "organisation"), max_length=200)
    contact = forms.CharField(label=_label(Mediator, "contact"), max_length=100, required=False)
    active = forms.BooleanField(label=_label(Mediator, "active"), required=False, initial=True)
    version = VersionField(required=False)

    def __init__(self, *args, org_units: QuerySet[OrgUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_units
