"""Rate limits per token (settings.API_RATE_LIMIT); the schema pages count per client address."""

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from integrations.models import PortalToken
from integrations.services.clients import request_address


class PortalTokenRateThrottle(SimpleRateThrottle):
    scope = "portal_token"

    def get_rate(self) -> str:
        # Read per request (not once at import, as DRF's settings are), so a change applies at once.
        return str(settings.API_RATE_LIMIT)

    def get_cache_key(self, request: Request, view: Any) -> str:
        token = request.auth
        if isinstance(token, PortalToken):
            ident = f"token:{token.key}"
        else:
            ident = f"address:{request_address(request._request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
