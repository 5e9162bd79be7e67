"""The upload forms of the imports: the events sheet, a phone's unsent reports file. They
take the file and the choices; what the file must be is the import service's to check."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign


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
