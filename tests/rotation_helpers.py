"""Shared by the rotation tests: the operator's part at the simulators, and quick checks."""

from typing import Any

import requests

from integrations.models import CredentialState, CredentialVersion, Integration, TestRun
from integrations.services import testing
from integrations.services.audit import CLI
from integrations.simkit.sandbox import SANDBOX_IPSCAPE
from tests.sandbox import Sandbox


def rotate_in_workspace(box: Sandbox, slot: int) -> str:
    """Play the operator rotating ipSCAPE secret key `slot` in the workspace: the new key."""
    token = SANDBOX_IPSCAPE["api_token"]
    answer = requests.post(f"{box.server.url}/_sim/tokens/{token}/secret-keys/{slot}/rotate", timeout=5)
    answer.raise_for_status()
    key: str = answer.json()["secret_key"]
    return key


def works_now(integration: Integration) -> TestRun:
    """The connectivity test with whatever is active right now; it must be ok."""
    run = testing.start(integration, None, {}, CLI, via="cli", inline=True)
    assert run.diagnosis == "ok", (run.diagnosis, run.diagnosis_title, run.error)
    return run


def versions(integration: Integration) -> dict[int, str]:
    return dict(CredentialVersion.objects.filter(integration=integration).values_list("version", "state"))


def active(integration: Integration) -> CredentialVersion:
    found = CredentialVersion.objects.get(integration=integration, state=CredentialState.ACTIVE)
    return found


def vendor_tokens(box: Sandbox) -> list[dict[str, Any]]:
    """The API tokens VoIPstudio's simulator holds for its user (values included)."""
    app: Any = box.app
    return [dict(t.data, value=t.value) for t in app.tokens.live("api", str(app.settings.user_id))]
