"""What the portal saw is not what the vendor said; advice fits the case; errors name fields by label."""

import io
import socket
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from integrations.admin.testing import render_result
from integrations.models import Integration
from integrations.services import testing
from integrations.services.audit import CLI
from integrations.services.integrations import create_integration
from tests.sandbox import SandboxFactory

pytestmark = pytest.mark.django_db


def vcc(base_url: str = "") -> Integration:
    return create_integration(
        vendor="vcclive",
        name="vcc",
        credential_values={"customer": "acme", "password": "pw-123456"},
        actor=CLI,
        base_url_override=base_url,
    )


def test_a_name_that_does_not_resolve_is_what_the_portal_saw_not_the_vendors_words(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ALLOW_PRIVATE_TARGETS = False

    def no_such_name(*args: Any, **kwargs: Any) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    run = testing.start(vcc(), None, {}, CLI, inline=True)
    assert run.diagnosis == "dns_failure"
    assert run.vendor_message == ""
    assert "acme.asp.virtual-call-center.eu does not resolve" in run.observed
    html = render_result(run)
    assert "What the portal saw" in html and "The vendor said" not in html


def test_a_time_out_is_what_the_portal_saw(sandbox: SandboxFactory) -> None:
    box = sandbox("voipcloud", fault="slow", slow_seconds=2.0)
    run = testing.start(box.integration, None, {}, CLI, inline=True)
    assert run.diagnosis == "timeout"
    assert run.vendor_message == "" and run.observed


def test_the_vendors_own_words_are_the_vendors(sandbox: SandboxFactory) -> None:
    box = sandbox("vcclive", allowed_clients=["192.0.2.7"])
    run = testing.start(box.integration, None, {}, CLI, inline=True)
    assert "Access denied for IP address 127.0.0.1" in run.vendor_message
    html = render_result(run)
    assert "The vendor said" in html


def test_a_private_override_gets_advice_about_the_override_not_to_type_one(settings: Any) -> None:
    settings.ALLOW_PRIVATE_TARGETS = False
    run = testing.start(vcc("https://10.1.2.3/v2/"), None, {}, CLI, inline=True)
    assert run.diagnosis == "blocked_target"
    steps = " ".join(run.next_steps)
    assert "The base URL override points at 10.1.2.3, which is not a public address" in steps
    assert "ALLOW_PRIVATE_TARGETS is off" in steps
    assert "by typing it as the base URL override" not in steps


def test_a_vendor_name_resolving_to_a_private_address_names_the_account_fields(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ALLOW_PRIVATE_TARGETS = False
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.20", 443))],
    )
    run = testing.start(vcc(), None, {}, CLI, inline=True)
    steps = " ".join(run.next_steps)
    assert "The address built from the account fields (acme.asp.virtual-call-center.eu)" in steps


def test_the_sandbox_without_allow_private_targets_says_how_to_reach_it(
    sandbox: SandboxFactory, settings: Any
) -> None:
    box = sandbox("vcclive")
    settings.ALLOW_PRIVATE_TARGETS = False
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("integrations", "test", box.integration.name, stdout=out)
    text = out.getvalue()
    assert "blocked_target" in text
    assert "observed: refused http://127.0.0.1:" in text
    assert "ALLOW_PRIVATE_TARGETS=true" in text and "the vendor said" not in text


def test_the_cli_prints_the_vendors_words_as_such(sandbox: SandboxFactory) -> None:
    box = sandbox("vcclive", allowed_clients=["192.0.2.7"])
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("integrations", "test", box.integration.name, stdout=out)
    assert "the vendor said: Access denied for IP address 127.0.0.1" in out.getvalue()


def add_form(vendor: str, **fields: str) -> dict[str, str]:
    data = {"name": f"new-{vendor}", "enabled": "on", "timezone": "UTC", **fields}
    for prefix in ("credential_versions", "allowlist", "api_tokens", "pull_schedules"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def test_the_integration_form_names_fields_by_their_labels(admin_client: Client) -> None:
    add = reverse("admin:integrations_integration_add")
    collect = admin_client.post(
        add + "?vendor=collect", add_form("collect", base_url_override="https://c.example.com/api/v1/")
    )
    assert collect.status_code == 200
    form = collect.context["adminform"].form
    assert form.errors["cred_op_id"] == ["Operator ID is required"]
    assert "op_id:" not in collect.content.decode()

    studio = admin_client.post(add + "?vendor=voipstudio", add_form("voipstudio", cred_email="a@b.co"))
    assert studio.context["adminform"].form.non_field_errors() == [
        "VoIPstudio needs E-mail and Password, or User ID and API token."
    ]
    assert not Integration.objects.exists()
