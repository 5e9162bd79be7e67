"""Accounts: the record of sign-ins and failed sign-ins, and lifting a sign-in lockout.

Every sign-in and every failure writes an audit entry and a line on the ``portal.accounts``
logger: the user name tried and the client address, never the password.
"""

import logging

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction

from campaigns.services.audit import audit_record, audit_record_unmatched

logger = logging.getLogger("portal.accounts")

# Longer than any user name the portal gives out; what someone typed is kept only this far.
USERNAME_KEPT = 150


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
def user_sign_in_failure_record(*, username: str, address: str, locked_out: bool) -> None:
    """Note a failed sign-in as ``username`` from ``address``; ``locked_out``: refused (or
    just now locked) because of too many failures."""
    username = username[:USERNAME_KEPT]
    data = {"username": username, "address": address, "locked_out": locked_out}
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


@transaction.atomic
def user_sign_in_unlock(*, actor, user_id: int) -> int:
    """Lift the sign-in lockout of one user on every address; returns the failures cleared."""
    if not actor.has_perm("portal.change_user"):
        raise PermissionDenied
    user = get_user_model()._default_manager.get(pk=user_id)
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
