"""The targets form: one row a sub-unit. It turns what was typed into figures; the rules
(the special-area counties within the counties covered) live in the model and its service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns import bounds
from campaigns.forms.bounded import count_field


class TargetForm(forms.Form):
    events = count_field(bounds.TARGET_EVENTS, label=_("Events"))
    people_reached = count_field(bounds.REACH, label=_("People reached"))
    counties_covered = count_field(bounds.COUNTIES, label=_("Counties covered"))
    special_area_counties_covered = count_field(
        bounds.COUNTIES, label=_("Special-area counties covered")
    )


def target_formset(children: list, *args, **kwargs) -> forms.BaseFormSet:
    """One form a sub-unit, each to be filled in: a posted count beyond that builds no more
    forms (absolute_max) and is refused; none is an empty extra form (min_num), whatever
    INITIAL_FORMS says."""
    count = len(children)
    formset_class = forms.formset_factory(
        TargetForm,
        extra=0,
        min_num=count,
        max_num=count,
        absolute_max=count,
        validate_min=True,
        validate_max=True,
    )
    return formset_class(*args, **kwargs)
