from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, get_language_info

from portal.navigation import main_navigation
from portal.offline import offline_user_key


def interface(request) -> dict:
    """What every page's header needs: the languages to switch to, the Tibetan notice, the
    navigation, and whose pages the service worker keeps."""
    current = get_language()
    return {
        "interface_languages": [
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "current": code == current,
            }
            for code, _name in settings.LANGUAGES
        ],
        "tibetan_interface": current == "bo",
        "unread_notifications": _unread_notifications(request),
        # Read by the template only where the navigation is drawn, not by htmx partials.
        "navigation": SimpleLazyObject(lambda: main_navigation(request)),
        # Whose pages these are, for the service worker (portal/offline.py); "" for nobody.
        "offline_user": offline_user_key(getattr(request, "user", None)),
    }


def _unread_notifications(request) -> int:
    from campaigns.models import Notification

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.visible_to(user).unread().count()
