"""System checks of the portal's own settings (registered by PortalConfig.ready)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register

PUBLIC_URL_HINT = (
    "Set PORTAL_PUBLIC_URL to the address readers open the portal at, "
    "e.g. https://portal.example.cn (without /h/...)."
)


@register()
def public_url_check(app_configs, **kwargs) -> list[Error]:
    """PORTAL_PUBLIC_URL is an absolute address, and https whenever DEBUG is off.

    Printed QR codes lead to it: a handout printed with a wrong one cannot be recalled.
    """
    url = getattr(settings, "PORTAL_PUBLIC_URL", "")
    if not url:
        return [Error("PORTAL_PUBLIC_URL is not set.", hint=PUBLIC_URL_HINT, id="portal.E001")]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return [
            Error(
                f"PORTAL_PUBLIC_URL is not an http(s) address: {url!r}.",
                hint=PUBLIC_URL_HINT,
                id="portal.E002",
            )
        ]
    if parts.scheme != "https" and not settings.DEBUG:
        return [
            Error(
                f"PORTAL_PUBLIC_URL must be an https address when DEBUG is off: {url!r}.",
                hint=PUBLIC_URL_HINT,
                id="portal.E003",
            )
        ]
    return []
