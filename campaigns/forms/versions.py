"""The version a page showed, sent back with every change made from it.

A change to an event or an edition names the version the person saw, and the service
refuses it when someone else saved since. A request that names none is refused here, with
its own message, before any service: it is never taken to mean "whatever is stored now".
The API asks the same of its clients (an If-Match header or a "version" field).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns import bounds

VERSION_MISSING = _(
    "Nothing was changed: the page this came from did not say which version it showed. "
    "Open the page again, then try once more."
)


class VersionField(forms.IntegerField):
    """The version the page showed, as a hidden field; a form that also starts something new
    (a plan has no version yet) makes it optional and checks it where it edits."""

    widget = forms.HiddenInput
    default_error_messages = dict.fromkeys(
        ("required", "invalid", "min_value", "max_value"), VERSION_MISSING
    )

    def __init__(self, **kwargs):
        # 0 is no edition's or event's version, but a number: it is refused as stale.
        super().__init__(min_value=0, max_value=bounds.DATABASE_INTEGER.high, **kwargs)


def version_posted(data, name: str = "version") -> int:
    """The version posted under ``name`` in ``data``; a ValidationError saying that nothing
    was changed when the page sent none."""
    return VersionField().clean(data.get(name))
