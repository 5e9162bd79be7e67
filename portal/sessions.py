"""How long a signed-in session lasts: SESSION_IDLE_TIMEOUT_MINUTES without a request, and
SESSION_ABSOLUTE_TIMEOUT_HOURS after signing in, whatever the user does.

The idle limit is Django's own session expiry (SESSION_COOKIE_AGE), moved forward when the
session is saved. Rather than saving on every request (SESSION_SAVE_EVERY_REQUEST), which
would write the session row on each htmx poll and autosave and take SQLite's write lock
each time, the expiry is moved at most once per IDLE_REFRESH_INTERVAL: a session then ends
between 29 and 30 minutes after its last request, never later.

A session that ended by itself leaves nothing behind to say why: the browser drops the
cookie, and the next request is simply not signed in. So a signed-in browser also keeps a
small signed cookie (LAST_SEEN_COOKIE) with the moment the session's expiry was last moved;
the sign-in page that finds it older than the idle limit tells the user they were signed
out for being idle. Signing out by hand, or by the absolute limit, deletes it.
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
LAST_SEEN_COOKIE = "portal_last_seen"
LAST_SEEN_SALT = "portal.sessions.last_seen"
# How long after the last request a returning user is still told why they were signed out.
LAST_SEEN_KEPT = dt.timedelta(days=7)


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


def idle_signed_out_message() -> str:
    """What a user whose session ended for want of activity is told, in the active language."""
    minutes = settings.SESSION_IDLE_TIMEOUT_MINUTES
    return ngettext(
        "You were signed out after %(minutes)d minute without activity.",
        "You were signed out after %(minutes)d minutes without activity.",
        minutes,
    ) % {"minutes": minutes}


def _last_seen(request) -> str | None:
    """When the last signed-in session of this browser moved its expiry, as it said."""
    return request.get_signed_cookie(LAST_SEEN_COOKIE, default=None, salt=LAST_SEEN_SALT)


def _idle_too_long(last_seen: str | None) -> bool:
    """Whether a session last moved at ``last_seen`` has run out for want of activity."""
    try:
        moment = dt.datetime.fromisoformat(last_seen) if last_seen else None
    except ValueError:
        return False
    idle_limit = dt.timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES)
    # The expiry moves at most once per IDLE_REFRESH_INTERVAL: the session may have ended
    # that much earlier than the limit counted from the last move.
    return moment is not None and timezone.now() - moment >= idle_limit - IDLE_REFRESH_INTERVAL


class SessionLifetimeMiddleware:
    """Moves a signed-in session's idle expiry forward, and signs out one that has outlived
    the absolute limit, sending the user to sign in with a message saying why. The sign-in
    page after a session ran out for want of activity says why too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signed_in = request.user.is_authenticated
        last_seen = None
        if signed_in:
            session = request.session
            if session_outlived(session):
                return self._sign_out(request)
            moved_for = _since(session, EXPIRY_MOVED_AT)
            if moved_for is None or moved_for >= IDLE_REFRESH_INTERVAL:
                # A modified session is saved with a new expiry and a new cookie max-age.
                session[EXPIRY_MOVED_AT] = timezone.now().isoformat()
        elif self._on_sign_in_page(request):
            last_seen = _last_seen(request)
            if _idle_too_long(last_seen):
                messages.info(request, idle_signed_out_message())
        response = self.get_response(request)
        if request.user.is_authenticated:
            self._last_seen_kept(request, response)
        elif last_seen is not None or (signed_in and LAST_SEEN_COOKIE in request.COOKIES):
            # Read once on the sign-in page, whatever it said; or signed out by hand, which
            # needs no telling.
            response.delete_cookie(LAST_SEEN_COOKIE, samesite=settings.SESSION_COOKIE_SAMESITE)
        return response

    @staticmethod
    def _on_sign_in_page(request) -> bool:
        # Only the page itself, shown whole: not the redirect that leads there, nor an htmx
        # part that would swallow the message.
        return (
            request.method == "GET"
            and not request.htmx
            and request.path == resolve_url(settings.LOGIN_URL)
        )

    @staticmethod
    def _last_seen_kept(request, response) -> None:
        """Write the session's last expiry move into the browser's cookie when it changed
        (signing in, or a move), so that it outlives the session."""
        moved_at = request.session.get(EXPIRY_MOVED_AT)
        if moved_at is None or _last_seen(request) == moved_at:
            return
        response.set_signed_cookie(
            LAST_SEEN_COOKIE,
            moved_at,
            salt=LAST_SEEN_SALT,
            max_age=int(LAST_SEEN_KEPT.total_seconds()),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite=settings.SESSION_COOKIE_SAMESITE,
        )

    def _sign_out(self, request):
        logout(request)
        messages.info(request, signed_out_message())
        login_url = resolve_url(settings.LOGIN_URL)
        if request.htmx:
            # A plain redirect would be followed inside the page, into the swapped part.
            response = HttpResponseClientRedirect(login_url)
        elif request.method != "GET":
            response = redirect(login_url)
        else:
            response = redirect_to_login(request.get_full_path())
        # Told why already: the sign-in page must not say it was for being idle.
        response.delete_cookie(LAST_SEEN_COOKIE, samesite=settings.SESSION_COOKIE_SAMESITE)
        return response
