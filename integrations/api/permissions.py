"""Scopes: a view names the scopes that open it; the token must hold one, and its owner the
permissions that scope needs (services.portal_tokens.SCOPE_PERMISSIONS)."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from integrations.models import PortalToken
from integrations.services import portal_tokens


class HasScope(BasePermission):
    message = "The token does not have the scope this endpoint needs."
    code = "scope_missing"

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, PortalToken):
            return False
        scopes: tuple[str, ...] = view.required_scopes
        if not any(scope in token.scopes for scope in scopes):
            self.message = f"The token needs one of these scopes: {', '.join(scopes)}."
            return False
        if not any(portal_tokens.permitted(token, scope) for scope in scopes):
            self.message = "The token's owner no longer has the permission this endpoint needs."
            self.code = "permission_denied"
            return False
        return True
