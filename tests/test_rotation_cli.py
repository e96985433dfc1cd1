"""`integrations rotate` / `rollback`: the CLI contract, exit codes, and no secret anywhere.

Every secret a rotation handles (typed ones, minted tokens, new keys, session tokens) is searched
for in the CLI output, audit rows, rotation steps, test runs, logs, pages and the raw database.
"""

import io
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from integrations.models import ApiToken, AuditEvent, Rotation, RotationStep, TestRun
from tests.conftest import log_text, raw_database_bytes
from tests.rotation_helpers import active, rotate_in_workspace, vendor_tokens, versions
from tests.sandbox import SandboxFactory


def cli(*args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    try:
        call_command("integrations", *args, "--json", stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


def test_rotate_and_rollback_keep_the_contract(
    sandbox: SandboxFactory, monkeypatch: pytest.MonkeyPatch, canary: str
) -> None:
    box = sandbox("vcclive", extra_tokens={canary: None})
    monkeypatch.setenv("NEW_VCC_PASSWORD", canary)
    code, result = cli("rotate", box.integration.name, "--set", "password=@NEW_VCC_PASSWORD")
    assert code == 0
    assert {"integration", "status", "diagnosis", "active_version"} <= set(result)
    assert (result["status"], result["diagnosis"], result["active_version"]) == ("succeeded", "ok", 2)
    code, back = cli("rollback", box.integration.name)
    assert code == 0 and (back["status"], back["active_version"], back["diagnosis"]) == (
        "rolled_back",
        1,
        "ok",
    )
    code, again = cli("rollback", box.integration.name)
    assert code == 1 and "no previous version" in again["error"]


def test_a_failed_verification_exits_non_zero_and_changes_nothing(
    sandbox: SandboxFactory, monkeypatch: pytest.MonkeyPatch, canary: str
) -> None:
    box = sandbox("voipcloud")
    monkeypatch.setenv("NEW_KEY", canary)  # the PBX does not know it
    code, result = cli("rotate", box.integration.name, "--set", "api_key=@NEW_KEY")
    assert code == 1
    assert (result["status"], result["diagnosis"], result["active_version"]) == ("failed", "auth_or_ip", 1)
    assert "Nothing changed: version 1 stays active" in result["message"]
    assert versions(box.integration) == {1: "active", 2: "retired"}
    code, test = cli("test", box.integration.name)
    assert code == 0 and test["ok"]


def test_a_literal_secret_and_the_key_in_use_are_refused_clearly(
    sandbox: SandboxFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = sandbox("ipscape")
    name = box.integration.name
    code, literal = cli("rotate", name, "--set", "secret_key_2=sk_typed-on-the-command-line")
    assert code == 1 and "never taken literally" in literal["error"]
    assert "sk_typed-on-the-command-line" not in literal["error"]
    monkeypatch.setenv("KEY", "whatever")
    code, in_use = cli("rotate", name, "--set", "secret_key_1=@KEY")
    assert code == 1 and "secret_key_1 is the key in use (active_key=1)" in in_use["error"]
    assert "Rotate secret_key_2 (the key not in use) first" in in_use["error"]
    code, no_value = cli("rotate", name)
    assert code == 1 and "--set secret_key_2=@ENVVAR" in no_value["error"]
    with pytest.raises(CommandError, match="no rotation in progress"):
        call_command("integrations", "rotate", name, "--abandon")
    assert not Rotation.objects.exists()


def test_no_secret_of_any_rotation_leaks_anywhere(
    sandbox: SandboxFactory,
    monkeypatch: pytest.MonkeyPatch,
    canary: str,
    all_logs: pytest.LogCaptureFixture,
    integration_admin: User,
    support_user: User,
) -> None:
    outputs: list[str] = []
    secrets: list[str] = [canary]

    vcc = sandbox("vcclive", extra_tokens={canary: None})
    monkeypatch.setenv("NEW_VCC", canary)
    outputs.append(json.dumps(cli("rotate", vcc.integration.name, "--set", "password=@NEW_VCC")))
    outputs.append(json.dumps(cli("rollback", vcc.integration.name)))

    ipscape = sandbox("ipscape")
    for slot in (2, 1):
        key = rotate_in_workspace(ipscape, slot)
        secrets.append(key)
        monkeypatch.setenv("NEW_KEY", key)
        outputs.append(
            json.dumps(cli("rotate", ipscape.integration.name, "--set", f"secret_key_{slot}=@NEW_KEY"))
        )
    assert active(ipscape.integration).public_values["active_key"] == "1"

    studio = sandbox("voipstudio")
    for _ in range(2):
        outputs.append(json.dumps(cli("rotate", studio.integration.name)))
        secrets += [t["value"] for t in vendor_tokens(studio)]
    collect = sandbox("collect")
    for _ in range(2):
        outputs.append(json.dumps(cli("rotate", collect.integration.name)))
    secrets += [t.value for t in ApiToken.objects.filter(integration=collect.integration)]
    assert len(secrets) >= 7 and all(len(s) >= 8 for s in secrets)

    pages = []
    for user in (integration_admin, support_user):
        client = Client()
        client.force_login(user)
        for box in (vcc, ipscape, studio, collect):
            for name in ("rotation", "change"):
                url = reverse(f"admin:integrations_integration_{name}", args=[box.integration.pk])
                pages.append(client.get(url).content.decode())
        pages.append(client.get(reverse("admin:index")).content.decode())
        pages.append(client.get(reverse("admin:integrations_integration_changelist")).content.decode())

    rows = [
        json.dumps(list(model.objects.values()), default=str)
        for model in (AuditEvent, RotationStep, Rotation, TestRun)
    ]
    everything = "\n".join([*outputs, *pages, *rows, log_text(all_logs)])
    database = raw_database_bytes()
    for secret in secrets:
        assert secret not in everything
        assert secret.encode() not in database
    assert all(json.loads(o)[0] == 0 for o in outputs)
