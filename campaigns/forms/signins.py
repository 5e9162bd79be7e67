"""Forms of the sign-in pages; the rules (consent, phone, permission) live in the service."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaigns.imports.sheets import upload_checked
from campaigns.models import AudienceGroup


class SignInForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("person", "Name"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    audience_group = forms.ChoiceField(label=_("Audience group"), choices=AudienceGroup.choices)
    # The consent text itself stands above the form (templates/events/sign_ins.html).
    consent_given = forms.BooleanField(
        label=_("The person read the consent text and agreed"), required=False
    )


class SignInSheetForm(forms.Form):
    sheet = forms.FileField(
        label=_("Sign-in sheet (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_sheet(self):
        sheet = self.cleaned_data["sheet"]
        upload_checked(sheet)
        return sheet


class PersonalDataReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the names and phone numbers?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Your reason is kept in the audit log with the export."),
    )
