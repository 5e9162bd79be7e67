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
from django.dispatch import receiver

from campaigns.services.accounts import user_sign_in_failure_record, user_sign_in_record


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
    )
