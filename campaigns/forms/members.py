"""Forms of the members page. They turn what was typed into values; the rules live in services."""

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from campaigns.forms.partners import OrgUnitChoiceField
from campaigns.models import Membership, OrgUnit


class MemberFilterForm(forms.Form):
    """The member list's filters, read from the query string; a bad value is ignored."""

    q = forms.CharField(
        label=_("Search by user name or name"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    org_unit = OrgUnitChoiceField(
        label=_("Org unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("All units"),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("All roles")), *Membership.Role.choices], required=False
    )

    def __init__(self, *args, org_units: QuerySet[OrgUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_units


class MemberForm(forms.Form):
    """A role for someone who has an account, or for a new person with the details below."""

    org_unit = OrgUnitChoiceField(
        label=_("Org unit"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_(
            "If someone has this user name, they get the role. "
            "Otherwise an account is made for a new person with the details below."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    full_name = forms.CharField(label=_("Name of a new person"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail of a new person"), required=False)
    password = forms.CharField(
        label=_("First password of a new person"),
        required=False,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Tell it to them in person; they can change it after signing in."),
    )

    def __init__(
        self, *args, org_units: QuerySet[OrgUnit], roles: list[tuple[str, str]], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_units
        # Only the roles the administrator holds themselves (services.members says why).
        self.fields["role"].choices = roles
