"""A VoIPcloud integration wired for webhooks, and portal API tokens to call the API with."""

import socket
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from integrations.models import Integration, Scope
from integrations.services import allowlists, portal_tokens, webhooks
from integrations.services.audit import CLI
from integrations.services.integrations import create_integration
from tests.factories import UserFactory

PBX = {"pbx_host": "pbx.example.com", "api_key": "voipcloud-api-key-for-tests"}


@pytest.fixture
def webhook_secret(canary: str) -> str:
    """The integration's webhook secret: the test's canary, so it can be searched for."""
    return canary


@pytest.fixture
def pbx(db: None, webhook_secret: str) -> Integration:
    """A VoIPcloud integration whose inbound allowlist holds 127.0.0.1 (the test client's address)."""
    integration = create_integration(
        vendor="voipcloud",
        name="pbx",
        credential_values={**PBX, "webhook_secret": webhook_secret},
        actor=CLI,
        timezone="Australia/Sydney",
    )
    allowlists.add_entry(integration, "127.0.0.1", CLI, note="tests")
    return integration


@pytest.fixture
def hook_path(pbx: Integration) -> str:
    url = webhooks.webhook_url(pbx)
    assert url is not None
    return "/" + url.split("/", 3)[3]


@pytest.fixture
def api_owner(db: None) -> User:
    return UserFactory.create(username="crm-owner", groups=["Integration admins"])


@pytest.fixture
def issue(api_owner: User) -> Callable[..., str]:
    """issue(scopes=..., **create kwargs) -> a portal token's value."""

    def make(*scopes: str, **kwargs: Any) -> str:
        chosen = scopes or (Scope.CALLS_READ, Scope.REPORTS_READ, Scope.TESTS_RUN)
        owner = kwargs.pop("owner", api_owner)
        return portal_tokens.create(
            name=kwargs.pop("name", "crm"), owner=owner, scopes=chosen, actor=CLI, **kwargs
        ).value

    return make


def has_ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def completed_event(call_id: str = "1767225600.101", **fields: Any) -> dict[str, Any]:
    """A VoIPcloud user_inbound_completed event (vendors.md section 5)."""
    return {
        "type": "user_inbound_completed",
        "unique_call_id": call_id,
        "caller_id": "+61400000001",
        "caller_name": "",
        "user_name": "Mia Brown",
        "user_number": "203",
        "dest_number": "203",
        "call_start_at": "2026-01-01T10:00:00+11:00",
        "queue_name": "",
        "ring_group_name": "",
        "connected_at": "2026-01-01T10:00:09+11:00",
        "call_duration": 129,
        "conversation_duration": 120,
        **fields,
    }


def stage_event(stage: str, call_id: str = "1767225600.101") -> dict[str, Any]:
    full = completed_event(call_id)
    if stage == "completed":
        return full
    event = {
        k: v for k, v in full.items() if k not in ("connected_at", "call_duration", "conversation_duration")
    }
    if stage == "answered":
        return {**event, "type": "user_inbound_answered", "connected_at": full["connected_at"]}
    return {**event, "type": "user_inbound"}
