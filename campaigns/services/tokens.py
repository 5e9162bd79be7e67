"""API tokens: made and revoked by their own user, and noted when used.

A token's key is shown once, when it is made; only its hash is kept, which is what a
request's key is looked up by (portal/tokens.py).
"""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.services.audit import audit_record
from portal.models import ApiToken

MAX_ACTIVE_TOKENS = 20
# A token's last use is written at most this often: a busy client need not write the row on
# every call.
LAST_USED_EVERY_SECONDS = 60


def key_hash(key: str) -> str:
    """What is kept of a token's key, and looked up when a request brings one."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it with its key, which is not kept anywhere."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the token after the system that will use it.")})
    if user.api_tokens.active().count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You have %(count)s tokens already; revoke one you no longer use.")
            % {"count": MAX_ACTIVE_TOKENS}
        )
    key = secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, key_prefix=key[:8], key_hash=key_hash(key))
    token.full_clean()
    token.save()
    audit_record(actor=user, obj=token, action="portal.api_token.created")
    return token, key


@transaction.atomic
def api_token_revoke(*, user, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens (another user's is not found)."""
    token = user.api_tokens.select_for_update().get(pk=token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=user, obj=token, action="portal.api_token.revoked")
    return token


def api_token_used(*, token: ApiToken, now) -> None:
    """Note that a request was signed in with ``token`` at ``now`` (its "last used"). Not
    audited: an entry a minute for every busy client would bury the actions the log is for."""
    noted = token.last_used_at
    if noted is None or (now - noted).total_seconds() > LAST_USED_EVERY_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
