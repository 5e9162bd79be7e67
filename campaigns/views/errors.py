"""How a page shows a service's refusal (campaigns/errors.py): the one place the web turns
them into what a person sees.

A role that does not allow the action (``NotAllowed``) is Django's 403. Any other refusal,
a stale edit or an invalid state included, is shown: next to the fields it names, with
everything typed kept on the form (``service_errors_shown``), or, after a button that has
no form, as messages on the page it leads back to (``refusal_said``, ``button_step_said``).
A refused row of a list (``row_errors``) goes to its field on the form of that row.
"""

from collections.abc import Callable, Mapping, Sequence

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect

from campaigns.errors import StaleEdit
from campaigns.forms.versions import version_posted


def _rows_placed(
    error: ValidationError, rows: Mapping[str, Sequence[forms.BaseForm]]
) -> list[ValidationError]:
    """Put each refused row of ``error`` at its field on the form in ``rows`` that typed it;
    the refusals left, by name, to be shown some other way."""
    if not hasattr(error, "error_dict"):
        return [error]
    left = []
    for name, refusals in error.error_dict.items():
        row_forms = rows.get(name, ())
        for refusal in refusals:
            params = refusal.params or {}
            if "reason" not in params or not 1 <= params.get("row", 0) <= len(row_forms):
                left.append(ValidationError({name: refusal}))
                continue
            row_form = row_forms[params["row"] - 1]
            field = params.get("field")
            row_form.add_error(field if field in row_form.fields else None, params["reason"])
    return left


def service_errors_shown(
    form: forms.BaseForm,
    error: ValidationError,
    *,
    fields: Mapping[str, str] | None = None,
    rows: Mapping[str, Sequence[forms.BaseForm]] | None = None,
) -> None:
    """Put a service's refusal on ``form``: each message at the field it names (``fields``
    renames the service's names to the form's: {"note": "text"}), a refused row at its
    field on its form in ``rows`` (the forms that typed the list the service names, in its
    order), and whatever names no field of the form above the form."""
    fields = fields or {}
    for refusal in _rows_placed(error, rows or {}):
        if not hasattr(refusal, "error_dict"):
            form.add_error(None, refusal)
            continue
        for name, refusals in refusal.error_dict.items():
            field = fields.get(name, name)
            form.add_error(field if field in form.fields else None, refusals)


def refusal_said(
    request, error: ValidationError, *, rows: Mapping[str, Sequence[forms.BaseForm]] | None = None
) -> None:
    """A refusal of an action with no form to hold it, as error messages on the next page;
    a refused row still goes to its field on its form in ``rows``."""
    for refusal in _rows_placed(error, rows or {}):
        for message in refusal.messages:
            messages.error(request, message)


def button_step_said(
    request,
    *,
    step: Callable[..., object],
    taken_by_user: Callable[[], bool],
    done: str,
    back: str,
) -> HttpResponseRedirect:
    """A one-button step (submit, approve) taken, and said on the page ``back`` leads to.

    ``step`` is the service bound to its user and object, still to be given the
    ``expected_version`` the page posted. A second press that arrives after the first one
    went through (a double tap the page could not hold back, a retry on a slow network)
    finds a newer version; when ``taken_by_user()`` says that newer version is this very
    step by this same person, it is said as ``done``, not as a conflict."""
    try:
        step(expected_version=version_posted(request.POST))
    except StaleEdit as error:
        if taken_by_user():
            messages.success(request, done)
        else:
            refusal_said(request, error)
    except ValidationError as error:
        refusal_said(request, error)
    else:
        messages.success(request, done)
    return redirect(back)
