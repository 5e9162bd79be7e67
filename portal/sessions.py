"""How long a signed-in session lasts: SESSION_IDLE_TIMEOUT_MINUTES without a request, and
SESSION_ABSOLUTE_TIMEOUT_HOURS after signing in, whatever the user does.

The idle limit is Django's own session expiry (SESSION_COOKIE_AGE), moved forward when the
session is saved. Rather than saving on every request (SESSION_SAVE_EVERY_REQUEST), which
would write the session row on each htmx poll and autosave and take SQLite's write lock
each time, the expiry is moved at most once per IDLE_REFRESH_INTERVAL: a session then ends
between 29 and 30 minutes after its last request, never later.
"""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.shortcuts import redirect, resolve_url
from django.utils import timezone
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect

SIGNED_IN_AT = "portal_signed_in_at"
EXPIRY_MOVED_AT = "portal_expiry_moved_at"
IDLE_REFRESH_INTERVAL = dt.timedelta(minutes=1)


@receiver(user_logged_in, dispatch_uid="portal.sessions.record_sign_in_time")
def record_sign_in_time(sender, request, user, **kwargs):
    """Note in the new session when its user signed in (signing in saves the session)."""
    now = timezone.now().isoformat()
    request.session[SIGNED_IN_AT] = now
    request.session[EXPIRY_MOVED_AT] = now


def _since(session, key: str) -> dt.timedelta | None:
    moment = session.get(key)
    return None if moment is None else timezone.now() - dt.datetime.fromisoformat(moment)


def session_outlived(session) -> bool:
    """Whether a signed-in session is past the absolute limit, or has no sign-in time at all."""
    signed_in_for = _since(session, SIGNED_IN_AT)
    limit = dt.timedelta(hours=settings.SESSION_ABSOLUTE_TIMEOUT_HOURS)
    return signed_in_for is None or signed_in_for >= limit


def signed_out_message() -> str:
    """What a user signed out by the absolute limit is told, in the active language."""
    hours = settings.SESSION_ABSOLUTE_TIMEOUT_HOURS
    return ngettext(
        "You were signed out because %(hours)d hour has passed since you signed in.",
        "You were signed out because %(hours)d hours have passed since you signed in.",
        hours,
    ) % {"hours": hours}


class SessionLifetimeMiddleware:
    """Moves a signed-in session's idle expiry forward, and signs out one that has outlived
    the absolute limit, sending the user to sign in with a message saying why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated:
            return self.get_response(request)
        session = request.session
        if session_outlived(session):
            return self._sign_out(request)
        moved_for = _since(session, EXPIRY_MOVED_AT)
        if moved_for is None or moved_for >= IDLE_REFRESH_INTERVAL:
            # A modified session is saved with a new expiry and a new cookie max-age.
            session[EXPIRY_MOVED_AT] = timezone.now().isoformat()
        return self.get_response(request)

    def _sign_out(self, request):
        logout(request)
        messages.info(request, signed_out_message())
        login_url = resolve_url(settings.LOGIN_URL)
        if request.htmx:
            # A plain redirect would be followed inside the page, into the swapped part.
            return HttpResponseClientRedirect(login_url)
        if request.method != "GET":
            return redirect(login_url)
        return redirect_to_login(request.get_full_path())
