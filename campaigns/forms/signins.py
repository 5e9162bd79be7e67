"""Forms of the sign-in pages; the rules (consent, phone, permission) live in the service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import CONSENT_TEXTS, CONSENT_VERSION, AudienceGroup


class SignInForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    audience_group = forms.ChoiceField(label=_("Audience group"), choices=AudienceGroup.choices)
    consent_given = forms.BooleanField(
        label=_("The person read the consent text and agreed"),
        required=False,
        help_text=CONSENT_TEXTS[CONSENT_VERSION],
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


class PersonalDataReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the names and phone numbers?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Your reason is kept in the audit log with the export."),
    )
