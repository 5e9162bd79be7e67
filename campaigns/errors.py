"""The domain's refusals, one class each: what the services (and the models' own status
rules) raise when a user may not, or may no longer, do what they asked.

Each is turned into an answer in one place per interface: campaigns/api/errors.py for the
API (403, 412, 400; the offline reports' 409, 410, 422), campaigns/views/errors.py for the
pages (403; a refusal shown at its field, or above the form). Every message is translated:
the classes carry the words shared by every service, the services their own.

This module imports nothing of the project, so that models and services alike can raise
its errors.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

ROLE_REFUSED = _("Your role does not allow this for this unit.")
# One row of a list a service was given (a partner service, a sub-unit's target), refused.
ROW_REFUSED = _("Row %(row)s: %(reason)s")


class NotAllowed(PermissionDenied):
    """The user's role does not allow the action where they asked for it (HTTP 403)."""

    def __init__(self, message=ROLE_REFUSED):
        super().__init__(message)


class StaleEdit(ValidationError):
    """Someone else saved the object after this user opened it: nothing was changed.
    ``current`` is the object as saved now; the message says what to do next. The API
    answers 412 (its If-Match failed)."""

    def __init__(self, message, *, current):
        super().__init__(message, code="stale_edit")
        self.current = current


class InvalidState(ValidationError):
    """The object's status does not allow the action (an event already sent for review, an
    approved edition, a closed sign-in list)."""


class InvalidTransition(InvalidState):
    """The object was asked to move to a status its current status does not lead to."""


class Gone(InvalidState):
    """The object is gone for good (an event cancelled by the office): what was sent for it
    can never be stored, however often it is sent again. The API answers 410."""


def row_errors(error: ValidationError, *, row: int) -> list[ValidationError]:
    """``error``, the refusal of the ``row``-th item of a list, as errors of the list: each
    message said as "Row 2: …", and still knowing its field (``params["field"]``) and its
    bare reason, so that a page puts it at that row's field (``service_errors_shown``)."""
    fields = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    return [
        ValidationError(ROW_REFUSED, params={"row": row, "reason": reason, "field": field})
        for field, reasons in fields.items()
        for reason in reasons
    ]
