"""The upload forms of the imports: the events sheet, the measures sheet, a phone's unsent
reports file. They take the file and the choices; what the file must be is the import
service's to check."""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from campaigns import bounds
from campaigns.forms.partners import OrgUnitChoiceField
from campaigns.models import Campaign, OrgUnit


class EventsSheetForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.order_by("-starts_on")
    )
    sheet = forms.FileField(
        label=_("Filled sheet (.xlsx)"),
        help_text=_("At most 10 MB and 20,000 rows."),
    )
    submit = forms.BooleanField(
        label=_("Submit these reports for review"),
        help_text=_(
            "Rows with figures are saved as reports you can still change. Tick this to send "
            "them to the reviewers at once."
        ),
        required=False,
        initial=False,
    )


class UnsentReportsFileForm(forms.Form):
    file = forms.FileField(
        label=_("Unsent reports file (.json)"),
        help_text=_(
            "The file the phone saved with “Save my unsent reports as a file”: "
            "unsent-reports-….json, as it is."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )


class MeasuresSheetForm(forms.Form):
    sheet = forms.FileField(label=_("Filled sheet (.xlsx)"), help_text=_("At most 10 MB."))
    submit = forms.BooleanField(
        label=_("Submit these returns for review"),
        help_text=_(
            "Each month is saved as a draft you can still change. Tick this to send them to "
            "the reviewers at once."
        ),
        required=False,
        initial=False,
    )


class MeasuresTemplateForm(forms.Form):
    """Which year's template to download; read from the query string."""

    year = forms.IntegerField(
        label=_("Year"), min_value=bounds.EARLIEST_DAY.year, max_value=bounds.LATEST_DAY.year
    )


class MeasuresImportUnitForm(forms.Form):
    """Which unit's subtree a measures sheet is for; read from the query string."""

    org_unit = OrgUnitChoiceField(
        label=_("Unit"), queryset=OrgUnit.objects.none(), empty_label=None
    )

    def __init__(self, *args, org_units: QuerySet[OrgUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_units
