"""One place that turns the domain's errors (campaigns/errors.py) into API responses: a
stale edit is 412 (the If-Match failed), a role that does not allow the action 403 with its
reason, any other refusal 400 with its messages by field, an object outside the user's
scope 404 like a missing one."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from campaigns.errors import NotAllowed, StaleEdit
from campaigns.models.events import AUDIENCE_GROUPS, audience_column

# The services name an audience group by its column ("audience_women"); a request names it
# inside "audience", where DRF's own checks of that object put their messages too.
GROUP_OF_COLUMN = {audience_column(group): group for group in AUDIENCE_GROUPS}


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = _("Send the version you edited: an If-Match header or a version field.")
    default_code = "precondition_required"


def api_exception_handler(error, context):
    """Domain errors as JSON: fields and messages (in the request's language), or a detail."""
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
