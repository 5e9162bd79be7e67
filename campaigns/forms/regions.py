"""Forms of the Tibetan region names' review. They turn what was typed into values; the
rules live in services/regions.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Region
from campaigns.selectors.regions import ALL, REVIEWED, UNREVIEWED, region_name_prefectures


class PrefectureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.name_zh} ({obj.code})"


class RegionNameFilterForm(forms.Form):
    """The review page's filters, read from the query string; a bad value is ignored."""

    status = forms.ChoiceField(
        label=_("Show"),
        choices=[
            (UNREVIEWED, _("Awaiting native review")),
            (REVIEWED, _("Reviewed")),
            (ALL, _("All Tibetan names")),
        ],
        required=False,
    )
    prefecture = PrefectureChoiceField(
        label=_("Prefecture"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All prefectures"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["prefecture"].queryset = region_name_prefectures()

    def filters(self) -> dict:
        """The valid filters; waiting names unless another status was chosen."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "status": data.get("status") or UNREVIEWED,
            "prefecture": data.get("prefecture"),
        }


class RegionNameForm(forms.Form):
    """One region's Tibetan name, confirmed as it is or corrected."""

    name_bo = forms.CharField(
        label=_("Tibetan name"),
        max_length=Region._meta.get_field("name_bo").max_length,
        widget=forms.TextInput(attrs={"lang": "bo", "autocomplete": "off"}),
    )
    # The name the reader saw: a name someone changed meanwhile is not confirmed.
    seen_name_bo = forms.CharField(
        required=False,
        strip=False,
        max_length=Region._meta.get_field("name_bo").max_length,
        widget=forms.HiddenInput,
    )
