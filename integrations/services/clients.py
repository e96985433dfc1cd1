"""Who is calling the portal: the client address, believing X-Forwarded-For only from our proxies."""

from django.conf import settings
from django.http import HttpRequest

from integrations.addresses import client_address


def request_address(request: HttpRequest) -> str:
    """The client's address (TRUSTED_PROXIES says whose X-Forwarded-For counts; see .env.example)."""
    return client_address(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        settings.TRUSTED_PROXIES,
    )
