"""Who is calling the portal, for the inbound checks (webhooks and the API)."""

from django.http import HttpRequest

from integrations.client_address import client_address


def request_address(request: HttpRequest) -> str:
    """The client's address: X-Forwarded-For believed only from TRUSTED_PROXIES (client_address.py)."""
    return client_address(request) or ""
