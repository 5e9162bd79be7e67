"""One place that turns the domain's errors (campaigns/errors.py) into API responses: a
stale edit is 412 (the If-Match failed), a role that does not allow the action 403 with its
reason, any other refusal 400 with its messages by field, an object outside the user's
scope 404 like a missing one.

The offline reports' endpoints answer a phone's outbox, which acts on the status and reads
the body's id and status (``offline_answer``): a stale edit is a 409 with the server's copy,
a cancelled event 410, any refusal 422 with its messages under the web form's field names.
"""

from collections import defaultdict

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from campaigns.errors import ROW_REFUSED, Gone, NotAllowed, StaleEdit
from campaigns.models.events import AUDIENCE_GROUPS, audience_column

# The services name an audience group by its column ("audience_women"); a request names it
# inside "audience", where DRF's own checks of that object put their messages too.
GROUP_OF_COLUMN = {audience_column(group): group for group in AUDIENCE_GROUPS}


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = _("Send the version you edited: an If-Match header or a version field.")
    default_code = "precondition_required"


def _messages(value) -> list[str]:
    """Every message in a (nested) DRF error detail."""
    if isinstance(value, dict):
        return [message for item in value.values() for message in _messages(item)]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def _form_field_errors(errors: dict, name: str, detail) -> None:
    """Put the refusal of the request's field ``name`` in ``errors`` under the web form's
    names: an audience group as audience_<group>, a refused row as "Row 2: …"."""
    if name == "non_field_errors":
        errors["__all__"] += _messages(detail)
    elif name == "audience" and isinstance(detail, dict):
        for group, messages in detail.items():
            errors[f"audience_{group}"] += _messages(messages)
    elif name in ("handouts", "partner_services"):
        # DRF names a refused row by its index (from 0), the list itself by
        # non_field_errors.
        rows = detail.items() if isinstance(detail, dict) else enumerate(detail)
        for index, refusal in rows:
            if not isinstance(index, int):
                errors[name] += _messages(refusal)
                continue
            errors[name] += [
                str(ROW_REFUSED % {"row": index + 1, "reason": reason})
                for reason in _messages(refusal)
            ]
    else:
        errors[name] += _messages(detail)


def offline_errors(error) -> dict[str, list[str]]:
    """A refused offline request's messages by the web form's field names (EventPlanForm's,
    EventReportForm's with audience_<group>, "photos", "caption"), so that the phone shows each
    at the same field; "__all__" for the request as a whole."""
    if isinstance(error, DjangoValidationError):
        if hasattr(error, "error_dict"):
            return {
                name: [str(m) for m in messages] for name, messages in error.message_dict.items()
            }
        return {"__all__": [str(message) for message in error.messages]}
    if not isinstance(error, exceptions.ValidationError):  # a body that is no JSON, or no photo
        return {"__all__": _messages(error.detail)}
    errors = defaultdict(list)
    detail = error.detail if isinstance(error.detail, dict) else {"non_field_errors": error.detail}
    for name, refusal in detail.items():
        if name in ("plan", "report"):
            # The plan's and the report's fields are the form's; not an object at all, the
            # request as a whole.
            inner = refusal if isinstance(refusal, dict) else {"non_field_errors": refusal}
            for inner_name, inner_refusal in inner.items():
                _form_field_errors(errors, inner_name, inner_refusal)
        else:
            _form_field_errors(errors, name, refusal)
    return dict(errors)


OFFLINE_REFUSALS = (
    DjangoValidationError,
    exceptions.ValidationError,
    exceptions.ParseError,
    exceptions.UnsupportedMediaType,
)


def offline_answer(error, view) -> Response | None:
    """The answer of an offline reports' endpoint (``view``) to ``error``, in the shape a
    phone's outbox reads; None for the answers every endpoint gives (401, 403, 404)."""
    body = {"id": view.answer_id()}
    if isinstance(error, Gone):
        body |= {"status": "gone", "detail": error.messages[0]}
        return Response(body, status=status.HTTP_410_GONE)
    if isinstance(error, StaleEdit):
        body |= {"status": "conflict", **view.conflict(error)}
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(error, OFFLINE_REFUSALS):
        # Never sent again by itself: the phone shows the messages at their fields.
        body |= {"status": "invalid", "errors": offline_errors(error)}
        return Response(body, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    return None


def api_exception_handler(error, context):
    """Domain errors as JSON: fields and messages (in the request's language), or a detail."""
    view = context.get("view")
    if getattr(view, "answers_offline", False):
        answer = offline_answer(error, view)
        if answer is not None:
            return answer
    if isinstance(error, StaleEdit):
        # The version the client edited is no longer the stored one: If-Match failed.
        return Response(
            {"detail": error.messages[0], "code": "stale_edit"},
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
    if isinstance(error, NotAllowed):
        return Response(
            {"detail": str(error), "code": "not_allowed"}, status=status.HTTP_403_FORBIDDEN
        )
    if isinstance(error, DjangoValidationError):
        if hasattr(error, "error_dict"):
            body = {
                "non_field_errors" if field == "__all__" else field: [str(m) for m in messages]
                for field, messages in error.message_dict.items()
            }
            groups = {
                GROUP_OF_COLUMN[field]: body.pop(field)
                for field in list(body)
                if field in GROUP_OF_COLUMN
            }
            if groups:
                body["audience"] = groups
        else:
            body = {"non_field_errors": [str(message) for message in error.messages]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(error, ObjectDoesNotExist):
        # Outside the user's scope or missing: the same answer for both.
        error = exceptions.NotFound()
    return exception_handler(error, context)
