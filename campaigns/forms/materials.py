"""Forms of the material library and the editor. They turn what was typed into values;
the rules live in campaigns/services/materials.py."""

from django import forms
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from campaigns import bounds
from campaigns.forms.partners import OrgUnitChoiceField
from campaigns.forms.versions import VersionField
from campaigns.models import EditionBlock, Material, MaterialEdition, OrgUnit, Topic


def _label(model, field: str):
    """The model field's translated name, capitalised as a form label."""
    return capfirst(model._meta.get_field(field).verbose_name)


class MaterialFilterForm(forms.Form):
    """The library's filters, read from the query string; a bad value is ignored."""

    q = forms.CharField(
        label=_("Search in titles"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    topic = forms.ChoiceField(
        label=_label(Material, "topic"),
        choices=[("", _("All topics")), *Topic.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_label(Material, "kind"),
        choices=[("", _("All kinds")), *Material.Kind.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Latest edition"),
        choices=[("", _("Any status")), *MaterialEdition.Status.choices],
        required=False,
    )


class MaterialForm(forms.Form):
    org_unit = OrgUnitChoiceField(
        label=_label(Material, "org_unit"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    title_zh = forms.CharField(label=_label(Material, "title_zh"), max_length=200)
    title_bo = forms.CharField(
        label=_label(Material, "title_bo"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"lang": "bo"}),
    )
    topic = forms.ChoiceField(label=_label(Material, "topic"), choices=Topic.choices)
    kind = forms.ChoiceField(label=_label(Material, "kind"), choices=Material.Kind.choices)

    def __init__(self, *args, org_units: QuerySet[OrgUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_units
        self.fields["title_zh"].widget.attrs["lang"] = "zh-Hans"


class BlockForm(forms.Form):
    """One block's texts as the editor posts them, with the version the user started from."""

    kind = forms.ChoiceField(
        label=_label(EditionBlock, "kind"), choices=EditionBlock.Kind.choices, required=False
    )
    text_zh = forms.CharField(
        label=_label(EditionBlock, "text_zh"),
        required=False,
        strip=False,
        # data-grow: the box grows with its text (portal.css, js/text-grow.js).
        widget=forms.Textarea(attrs={"rows": 4, "lang": "zh-Hans", "data-grow": ""}),
    )
    text_bo = forms.CharField(
        label=_label(EditionBlock, "text_bo"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "lang": "bo", "data-grow": ""}),
    )
    version = VersionField()
    # Set by "keep my text" after a conflict: the version the user has now seen and overrides.
    overwrite_version = VersionField(required=False)

    def expected_version(self) -> int:
        overwrite = self.cleaned_data.get("overwrite_version")
        return overwrite if overwrite is not None else self.cleaned_data["version"]


class BlockAddForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of block"),
        choices=EditionBlock.Kind.choices,
        initial=EditionBlock.Kind.PARAGRAPH,
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        max_length=bounds.NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnForm(forms.Form):
    text = forms.CharField(
        label=_("What should the translator fix?"),
        max_length=bounds.NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = VersionField()
