"""Reading what a download is called, as a browser reads its Content-Disposition."""

from urllib.parse import unquote


def attachment_name(response) -> str:
    """The file name a browser saves ``response`` under: RFC 6266's ``filename*`` when the
    header has one (any name that is not ASCII), else the plain ``filename``."""
    header = response["Content-Disposition"]
    assert header.startswith("attachment;"), header
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "filename*":
            charset, _, quoted = value.partition("''")
            assert charset.lower() == "utf-8", header
            return unquote(quoted)
    return header.split('filename="', 1)[1].rstrip('"')
