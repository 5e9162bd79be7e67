"""The API's parsers: DRF's JSON parser, refusing what no client of the portal sends, and a
photo sent as a request's whole body (the offline reports' photos).

Python's json module recurses once per level of nesting: a body nested 50,000 deep exhausts
the stack (RecursionError), which DRF's parser lets through as a server error. Text that
holds a NUL or half of a surrogate pair ("\\ud800" is valid JSON) cannot be stored by the
database. Both are refused here as a malformed body (400), before any view sees them.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, JSONParser

from campaigns import bounds

MESSAGES = {
    "depth": _("The JSON body is nested more than %(depth)s levels deep."),
    "text": _("The JSON body holds a character that cannot be stored (a NUL or half of a pair)."),
}


def json_refusal(data) -> str | None:
    """Why ``data`` (parsed JSON) is refused, or None. Walks it without recursion."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if bounds.UNSTORABLE.search(value):
                return str(MESSAGES["text"])
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > bounds.JSON_DEPTH:
            return str(MESSAGES["depth"] % {"depth": bounds.JSON_DEPTH})
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        pending.extend((item, depth + 1) for item in items)
    return None


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(MESSAGES["depth"] % {"depth": bounds.JSON_DEPTH}) from None
        refusal = json_refusal(data)
        if refusal:
            raise ParseError(refusal)
        return data


class PhotoParser(BaseParser):
    """A photo sent as the request's body (image/jpeg, image/png, image/webp): its bytes,
    read no further than one byte past the largest photo, which the photo service refuses."""

    media_type = "image/*"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read(settings.PHOTO_MAX_BYTES + 1)
