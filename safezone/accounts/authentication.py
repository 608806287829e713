"""API sign-in with a key issued by `manage.py api_token issue`, checked by its hash."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from safezone.audit.services import audit_record

from .services import api_token_check


class ApiKeyAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`: the key's SHA-256 names a live accounts.ApiToken, which acts
    as its user. A refused key is audited like a failed sign-in (only its first characters)."""

    def authenticate(self, request):
        self.request = request  # (DRF makes one authenticator per request) for the audit event
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        token = api_token_check(key)
        if token is None:
            request = getattr(self, "request", None)
            request = getattr(request, "_request", request)  # the HttpRequest under DRF's
            audit_record(actor=None, action="auth.api_key_refused", request=request, extra={"prefix": key[:8]})
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked API key."))
        return token.user, token
