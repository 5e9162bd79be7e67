"""The summary of a refused form's problems, shown at the top of the form.

After a refused save the page opens at its top, while the problems sit at their fields two or
three screens down a phone. The summary names every problem where the page opens, each one a
link to its field (static/js/error-summary.js moves the focus there).
"""

from dataclasses import dataclass

from django import forms, template
from django.utils.translation import gettext as _

register = template.Library()


@dataclass(frozen=True)
class Problem:
    text: str
    # The id of the element that holds the problem; None when no field does (a refusal of
    # the whole form, or a hidden field's).
    target: str | None = None


def _field_target(field: forms.BoundField) -> str | None:
    """The id of the box a person fixes: a group of checkboxes or radios has no box of its
    own, so its first choice stands for it."""
    if field.is_hidden:
        return None
    if field.id_for_label:
        return field.id_for_label
    choices = field.subwidgets
    return choices[0].id_for_label if choices else None


def _form_problems(form: forms.BaseForm, *, row: str = "") -> list[Problem]:
    problems = [Problem(str(error)) for error in form.non_field_errors()]
    for field in form:
        label = f"{row} · {field.label}" if row else str(field.label)
        target = _field_target(field)
        for error in field.errors:
            if target is None:
                problems.append(Problem(str(error)))
            else:
                problems.append(
                    Problem(_("%(label)s: %(text)s") % {"label": label, "text": error}, target)
                )
    return problems


def form_problems(*forms_and_formsets, row_names=()) -> list[Problem]:
    """Every problem of the given forms and formsets, in the order of the page.

    A formset's rows are named by ``row_names`` (the sub-unit a row of targets is for), or
    else "Row 1", "Row 2"…"""
    problems = []
    for item in forms_and_formsets:
        # A form the page does not have is "" in a template.
        if not isinstance(item, forms.BaseForm | forms.BaseFormSet) or not item.is_bound:
            continue
        if isinstance(item, forms.BaseFormSet):
            problems += [Problem(str(error)) for error in item.non_form_errors()]
            for index, form in enumerate(item.forms):
                row = (
                    str(row_names[index])
                    if index < len(row_names)
                    else _("Row %(row)s") % {"row": index + 1}
                )
                problems += _form_problems(form, row=row)
        else:
            problems += _form_problems(item)
    return problems


@register.inclusion_tag("partials/error_summary.html")
def error_summary(*forms_and_formsets, row_names=(), conflict=None):
    """The summary of the problems of a refused form, or nothing when it has none.

    ``conflict``: a save refused because someone else saved first, shown as the first
    problem, with a link to the panel that compares both saves."""
    return {
        "problems": form_problems(*forms_and_formsets, row_names=row_names or ()),
        "conflict": conflict,
    }
