"""What every form that starts a job carries: a key that makes sending it twice start it once."""

import re
import uuid

from django import forms

IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,64}")  # visible ASCII: a UUID, or a client's own token


def idempotency_key_new() -> str:
    return uuid.uuid4().hex


def idempotency_key_clean(value) -> str:
    """The key as sent, or "" for none or one that is not ours (the request then has none)."""
    return value if isinstance(value, str) and IDEMPOTENCY_KEY.fullmatch(value) else ""


class IdempotencyKeyField(forms.CharField):
    """A hidden key made when the form is shown; the job service finds the job it started.

    A key that was tampered with is dropped rather than refused: the hidden field has no
    place to show an error, and the order itself is valid.
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, initial=idempotency_key_new, **kwargs)

    def clean(self, value) -> str:
        return idempotency_key_clean(value)
