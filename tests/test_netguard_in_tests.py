"""With ALLOW_PRIVATE_TARGETS off, a test request to a private or look-alike address is refused."""

from typing import Any

import pytest

from integrations.services import testing
from integrations.services.audit import CLI
from integrations.services.integrations import create_integration

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "base_url",
    [
        "https://127.0.0.1/v2/",
        "https://169.254.169.254/v2/",
        "https://[::1]/v2/",
        "https://10.1.2.3/v2/",
        "http://vcc.example.com/v2/",  # plain http is for the sandbox only
    ],
)
def test_private_targets_are_blocked(settings: Any, base_url: str) -> None:
    settings.ALLOW_PRIVATE_TARGETS = False
    integration = create_integration(
        vendor="vcclive",
        name="blocked",
        credential_values={"customer": "acme", "password": "pw-123456"},
        actor=CLI,
        base_url_override=base_url,
    )
    run = testing.start(integration, None, {}, CLI, inline=True)
    assert run.diagnosis == "blocked_target"
    assert run.status_code is None


def test_a_host_resolving_to_a_private_address_is_blocked(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vendor's own pattern, but DNS answers a private address: refused after resolution."""
    import socket

    settings.ALLOW_PRIVATE_TARGETS = False

    def private_answer(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.20", 443))]

    monkeypatch.setattr(socket, "getaddrinfo", private_answer)
    integration = create_integration(
        vendor="vcclive",
        name="rebound",
        credential_values={"customer": "acme", "password": "pw-123456"},
        actor=CLI,
    )
    run = testing.start(integration, None, {}, CLI, inline=True)
    assert run.diagnosis == "blocked_target"
    assert "192.168.1.20" in run.observed
    assert run.vendor_message == ""  # nothing was sent, so the vendor said nothing
