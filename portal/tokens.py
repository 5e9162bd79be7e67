"""API tokens: made and revoked by their user, checked on every API request by hash."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from campaigns.services.audit import audit_record
from portal.models import ApiToken

# "Authorization: Token <key>"; Bearer is taken too, as most HTTP clients offer it.
KEYWORDS = ("Token", "Bearer")
MAX_ACTIVE_TOKENS = 20


def _hash(key: str) -> str:
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
    token = ApiToken(user=user, name=name, key_prefix=key[:8], key_hash=_hash(key))
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


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Signs an API request in as the token's user; a revoked or unknown key is refused."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Token <key>."))
        key = header[1].decode(errors="replace")
        token = (
            ApiToken.objects.active()
            .select_related("user")
            .filter(key_hash=_hash(key), user__is_active=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is unknown or was revoked."))
        now = timezone.now()
        # Written at most once a minute: a busy client need not update the row every call.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return KEYWORDS[0]


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes the token: an Authorization header."""

    target_class = "portal.tokens.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <key>, made on the API tokens page.",
        }
