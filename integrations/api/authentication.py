"""`Authorization: Bearer <portal token>`: the API's only authentication (no session, no CSRF)."""

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from integrations.services import portal_tokens
from integrations.services.clients import request_address

REALM = 'Bearer realm="switchboard"'


class PortalTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None  # no credentials: IsAuthenticated answers 401
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise exceptions.AuthenticationFailed(
                "Send the token as 'Authorization: Bearer <token>'.", code="token_invalid"
            )
        address = request_address(request._request)
        try:
            token = portal_tokens.authenticate(value.strip(), address)
        except portal_tokens.TokenRefused as refused:
            if refused.status == 403:
                raise exceptions.PermissionDenied(refused.message, code=refused.code) from None
            raise exceptions.AuthenticationFailed(refused.message, code=refused.code) from None
        portal_tokens.record_use(token, address, request.META.get("HTTP_USER_AGENT", ""))
        return token.owner, token

    def authenticate_header(self, request: Request) -> str:
        return REALM
