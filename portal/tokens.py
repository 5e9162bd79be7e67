"""API tokens checked on every API request by their key's hash (made and revoked by
campaigns/services/tokens.py)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from campaigns.services.tokens import api_token_used, key_hash
from portal.models import ApiToken

# "Authorization: Token <key>"; Bearer is taken too, as most HTTP clients offer it.
KEYWORDS = ("Token", "Bearer")


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
            .filter(key_hash=key_hash(key), user__is_active=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is unknown or was revoked."))
        api_token_used(token=token, now=timezone.now())
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
