"""Accounts: the record of sign-ins and failed sign-ins, lifting a sign-in lockout (by an
administrator, or by the user's own password reset), and slowing down guesses at one
account from many addresses.

Every sign-in and every failure writes an audit entry and a line on the ``portal.accounts``
logger: the user name tried and the client address, never the password.
"""

import datetime as dt
import logging
import math

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from campaigns.errors import NotAllowed
from campaigns.models import AuditEntry, Membership
from campaigns.services.audit import audit_record, audit_record_unmatched
from portal.access import filter_by_action

logger = logging.getLogger("portal.accounts")

# Longer than any user name the portal gives out; what someone typed is kept only this far.
USERNAME_KEPT = 150
# Failed passwords for one account from all addresses together, in the last hour, before
# each further try must wait: 5 s, then twice as long each time, never more than 5 minutes
# (at most a dozen guesses an hour once slowed, however many addresses guess).
SLOWDOWN_AFTER_FAILURES = 10
SLOWDOWN_WINDOW = dt.timedelta(hours=1)
FIRST_WAIT_SECONDS = 5
LONGEST_WAIT_SECONDS = 300
# An address the account signed in from within this many days is its owner's own.
KNOWN_ADDRESS_DAYS = 30


@transaction.atomic
def user_sign_in_record(*, user, address: str) -> None:
    """Note that ``user`` signed in from ``address``."""
    audit_record(
        actor=user,
        obj=user,
        action="portal.user.signed_in",
        data={"username": user.get_username(), "address": address},
    )
    logger.info("sign-in username=%r address=%s", user.get_username(), address)


@transaction.atomic
def user_sign_in_failure_record(
    *, username: str, address: str, locked_out: bool, slowed: bool = False
) -> None:
    """Note a failed sign-in as ``username`` from ``address``; ``locked_out``: refused (or
    just now locked) because of too many failures; ``slowed``: refused unchecked because
    the account's wait (``sign_in_wait``) was not over."""
    username = username[:USERNAME_KEPT]
    data = {"username": username, "address": address, "locked_out": locked_out}
    if slowed:
        data["slowed"] = True
    user_model = get_user_model()
    user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
    if user is None:
        audit_record_unmatched(
            model=user_model, action="portal.user.sign_in_failed", object_repr=username, data=data
        )
    else:
        audit_record(actor=None, obj=user, action="portal.user.sign_in_failed", data=data)
    logger.warning(
        "sign-in failed username=%r address=%s locked_out=%s", username, address, locked_out
    )


def may_unlock(actor, user) -> bool:
    """Whether ``actor`` may lift ``user``'s lockout: only someone wholly inside the units
    ``actor`` administers. Unlocking clears every address, a guesser's too, so a branch
    administrator must not be able to do it for a headquarters account that also holds a
    role in the branch."""
    if user.is_superuser or user.is_staff:
        return False
    roles = Membership.objects.filter(user=user)
    managed = filter_by_action(roles, actor, "member.manage")
    return roles.exists() and roles.count() == managed.count()


@transaction.atomic
def user_sign_in_unlock(*, actor, user_id: int) -> int:
    """Lift the sign-in lockout of one user on every address; returns the failures cleared.

    Superusers unlock anyone; an administrator unlocks the people all of whose roles lie in
    the units they administer (``may_unlock``)."""
    user = get_user_model()._default_manager.get(pk=user_id)
    if not (actor.is_superuser or may_unlock(actor, user)):
        raise NotAllowed
    cleared = axes_reset(username=user.get_username())
    audit_record(
        actor=actor,
        obj=user,
        action="portal.user.sign_in_unlocked",
        data={"username": user.get_username(), "attempts_cleared": cleared},
    )
    logger.info(
        "sign-in unlocked username=%r by=%r cleared=%s",
        user.get_username(),
        actor.get_username(),
        cleared,
    )
    return cleared


@transaction.atomic
def user_password_reset_record(*, user, address: str) -> int:
    """Note that ``user`` set a new password from the emailed link at ``address``, and lift
    their sign-in lockout on every address; returns the failures cleared.

    Whoever opened the link reads the account's mailbox, and the failures were tries at a
    password that is gone: the lockout page offers the reset as the way back in."""
    cleared = axes_reset(username=user.get_username())
    audit_record(
        actor=user,
        obj=user,
        action="portal.user.password_reset",
        data={"username": user.get_username(), "address": address, "attempts_cleared": cleared},
    )
    logger.info(
        "password reset username=%r address=%s cleared=%s", user.get_username(), address, cleared
    )
    return cleared


def sign_in_wait(*, username: str, address: str, now: dt.datetime | None = None) -> int:
    """Seconds before a password for ``username`` may be tried from ``address``; 0: now.

    The lockout (django-axes) counts failures per account and address; this counts them per
    account across every address, so that guessing from many addresses gets nowhere. It
    slows down and never locks: each try past the limit waits longer, up to a few minutes,
    and an address the account signed in from lately is not slowed at all, so nobody can
    keep the account's owner out. Only tries whose password was checked count.
    """
    now = now or timezone.now()
    user_model = get_user_model()
    user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
    if user is None:
        return 0
    entries = AuditEntry.objects.filter(
        object_type=user_model._meta.label_lower, object_id=str(user.pk)
    )
    signed_in = entries.filter(action="portal.user.signed_in")
    known = signed_in.filter(
        data__address=address, created_at__gte=now - dt.timedelta(days=KNOWN_ADDRESS_DAYS)
    )
    if address and known.exists():
        return 0
    # The owner got in: what was tried before no longer counts.
    last_signed_in = signed_in.aggregate(last=Max("created_at"))["last"]
    since = max(filter(None, [now - SLOWDOWN_WINDOW, last_signed_in]))
    failures = (
        entries.filter(
            action="portal.user.sign_in_failed", created_at__gte=since, data__locked_out=False
        )
        .exclude(data__has_key="slowed")
        .aggregate(count=Count("pk"), last=Max("created_at"))
    )
    beyond = failures["count"] - SLOWDOWN_AFTER_FAILURES
    if beyond < 0:
        return 0
    wait = dt.timedelta(seconds=min(FIRST_WAIT_SECONDS * 2**beyond, LONGEST_WAIT_SECONDS))
    return max(0, math.ceil((failures["last"] + wait - now).total_seconds()))
