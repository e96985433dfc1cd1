"""A rotation whose process is killed midway (SIGKILL, while the vendor is slow to mint).

A real `manage.py integrations rotate` subprocess on the test database is killed while VoIPstudio
takes its time answering the mint. The vendor mints the token anyway, and the portal never heard
of it. Afterwards the old token is still active and works, and the rotation can be resumed (the
token is found by its name and adopted, not minted twice) or abandoned (the token is revoked).
"""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from integrations.models import Rotation, RotationState, RotationStep
from integrations.services import rotation
from integrations.services.audit import CLI
from tests.processes import BIN, ROOT, worker_env
from tests.rotation_helpers import active, vendor_tokens, works_now
from tests.sandbox import Sandbox, SandboxFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SLOW_MINT = 2.0  # seconds VoIPstudio takes to answer the mint: the kill lands inside them


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def kill_while_minting(box: Sandbox, broker_url: str, tmp_path: Path) -> Rotation:
    """Start `integrations rotate` in a subprocess and SIGKILL it in the middle of the mint."""
    box.app.configure(fault="slow", fault_path="/apitokens$", slow_seconds=SLOW_MINT, fault_count=1)
    env = worker_env(broker_url, tmp_path / "var")
    log = open(tmp_path / "rotate.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [str(BIN / "python"), "manage.py", "integrations", "rotate", box.integration.name, "--json"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # The name is committed before the mint is sent; the claim names the process.
        minting = Rotation.objects.filter(
            step="mint", context__has_key="token_name", claimed_by__endswith=f":{process.pid}"
        )
        wait_for(minting.exists, "the subprocess to begin minting")
        time.sleep(SLOW_MINT / 4)  # inside the vendor's slow answer
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        log.close()
    assert process.returncode == -signal.SIGKILL, (tmp_path / "rotate.log").read_text()
    killed = Rotation.objects.get(state=RotationState.OPEN)
    assert killed.step == "mint" and killed.candidate is None
    return killed


def api_token_integration(sandbox: SandboxFactory) -> tuple[Sandbox, str]:
    box = sandbox("voipstudio")
    assert rotation.rotate(box.integration, CLI, {}).status == "succeeded"  # a first API token
    return box, active(box.integration).secret("api_token")


def test_a_killed_rotation_resumes_and_adopts_the_token_the_vendor_minted(
    sandbox: SandboxFactory, broker_url: str, tmp_path: Path
) -> None:
    box, old_token = api_token_integration(sandbox)
    killed = kill_while_minting(box, broker_url, tmp_path)
    assert active(box.integration).secret("api_token") == old_token
    works_now(box.integration)  # the old token still serves
    wait_for(lambda: len(vendor_tokens(box)) == 2, "the vendor to finish minting")

    resumed = rotation.rotate(box.integration, CLI, {})
    assert resumed.status == "succeeded" and resumed.rotation == killed.pk, resumed.message
    (at_vendor,) = vendor_tokens(box)  # adopted, not minted twice; the old one revoked
    assert at_vendor["name"] == killed.context["token_name"] and at_vendor["value"] != old_token
    assert active(box.integration).secret("api_token") == at_vendor["value"]
    mint = RotationStep.objects.get(rotation=killed, step="mint")
    assert mint.message.startswith("Found API token")
    works_now(box.integration)


def test_a_killed_rotation_abandoned_leaves_the_old_token_and_no_orphan(
    sandbox: SandboxFactory, broker_url: str, tmp_path: Path, capsys: Any
) -> None:
    box, old_token = api_token_integration(sandbox)
    killed = kill_while_minting(box, broker_url, tmp_path)
    wait_for(lambda: len(vendor_tokens(box)) == 2, "the vendor to finish minting")

    call_command("integrations", "rotate", box.integration.name, "--abandon", "--json")
    assert '"status": "abandoned"' in capsys.readouterr().out
    killed.refresh_from_db()
    assert killed.state == RotationState.ABANDONED
    (at_vendor,) = vendor_tokens(box)  # the minted, never-used token was revoked
    assert at_vendor["value"] == old_token == active(box.integration).secret("api_token")
    works_now(box.integration)
