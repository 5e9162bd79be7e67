"""Signing in: the address a request comes from, and the log of every sign-in and failure.

The address decides whose lockout is whose (django-axes asks ``client_address`` through
``AXES_CLIENT_IP_CALLABLE``), so it is resolved deliberately: ``REMOTE_ADDR``, unless the
portal stands behind ``TRUSTED_PROXY_COUNT`` reverse proxies. Only then is
``X-Forwarded-For`` read, and only the entry the outermost trusted proxy wrote: anything to
its left was sent by the client and could be anything.
"""

import ipaddress

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver

from campaigns.services.accounts import (
    sign_in_wait,
    user_sign_in_failure_record,
    user_sign_in_record,
)


def client_address(request) -> str:
    """The address of the client behind ``request``, as far as the trusted proxies vouch."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    # Each trusted proxy appends the address it was reached from; the outermost one's entry
    # is the client. Fewer entries than proxies: the request skipped a proxy, so the peer
    # itself is all that is known.
    if len(forwarded) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote


class AccountSlowdownBackend:
    """Refuses a sign-in, before its password is checked, while the account's wait after
    many failures from many addresses is not over (``sign_in_wait``). Signs nobody in, so
    it has no ``get_user``: a session is never this backend's (force_login skips it too)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or not username:
            return None
        wait = sign_in_wait(username=str(username), address=client_address(request))
        if wait:
            request.sign_in_wait = wait  # for the form's message, the log and the lockout
            raise PermissionDenied
        return None


def refused_unchecked(request, credentials) -> bool:
    """For django-axes (AXES_WHITELIST_CALLABLE): a try refused by the slowdown tested no
    password, so it is no failure of this address; counting it would turn the owner's
    patient retries into a lockout."""
    return bool(getattr(request, "sign_in_wait", 0))


@receiver(user_logged_in, dispatch_uid="portal.accounts.signed_in")
def _signed_in(sender, request, user, **kwargs) -> None:
    user_sign_in_record(user=user, address=client_address(request) if request else "")


@receiver(user_login_failed, dispatch_uid="portal.accounts.sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password in ``credentials``; only the user name is read.
    user_sign_in_failure_record(
        username=str(credentials.get("username") or ""),
        address=client_address(request) if request else "",
        locked_out=bool(getattr(request, "axes_locked_out", False)),
        slowed=bool(getattr(request, "sign_in_wait", 0)),
    )
