"""Each vendor's rotation end to end against its simulator over real HTTP, success and failure.

The old credential keeps working at every moment, a failed verification changes nothing but a
retired candidate, and every step is a RotationStep row with its AuditEvent.
"""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from integrations.models import (
    ApiToken,
    AuditEvent,
    Rotation,
    RotationState,
    RotationStep,
    TokenKind,
)
from integrations.services import rotation
from integrations.services.audit import CLI
from tests.rotation_helpers import active, rotate_in_workspace, vendor_tokens, versions, works_now
from tests.sandbox import SandboxFactory


def test_ipscape_wizard_rotates_both_keys_and_a_key_always_serves(sandbox: SandboxFactory) -> None:
    box = sandbox("ipscape")
    integration = box.integration
    run = rotation.start(integration, CLI)
    assert (run.workflow, run.step, run.context) == ("two_keys", "paste", {"slot": 2, "first_slot": 2})
    first_note = RotationStep.objects.get(rotation=run, step="choose")
    assert "rotate secret key 2" in first_note.message and "Key 1 keeps serving" in first_note.message

    new_2 = rotate_in_workspace(box, 2)  # the operator's part; key 1 still serves
    works_now(integration)
    rotation.run_step(run, CLI, {"value": new_2})  # paste, then the live test at once
    assert run.step == "switch" and active(integration).public_values["active_key"] == "1"
    works_now(integration)
    rotation.run_step(run, CLI)  # switch
    assert active(integration).public_values["active_key"] == "2"
    assert (run.round, run.step, run.context["slot"]) == (2, "paste", 1)

    new_1 = rotate_in_workspace(box, 1)  # key 1 is no longer in use: nothing breaks
    works_now(integration)
    rotation.run_step(run, CLI, {"value": new_1})
    rotation.run_step(run, CLI)
    run.refresh_from_db()
    assert run.state == RotationState.SUCCEEDED
    final = active(integration)
    assert final.public_values["active_key"] == "1"
    assert final.secret("secret_key_1") == new_1 and final.secret("secret_key_2") == new_2
    # v1 signed with the old key 1, dead since the workspace rotated it; v2 (key 2) still works.
    assert versions(integration) == {1: "retired", 2: "previous", 3: "active"}
    works_now(integration)
    steps = list(RotationStep.objects.filter(rotation=run).values_list("round", "step", "outcome"))
    assert steps == [
        (1, "choose", "note"),
        (1, "paste", "ok"),
        (1, "verify", "ok"),
        (1, "switch", "ok"),
        (2, "choose", "note"),
        (2, "paste", "ok"),
        (2, "verify", "ok"),
        (2, "switch", "ok"),
    ]
    audited = AuditEvent.objects.filter(target_type="rotation", target_id=str(run.pk)).values_list(
        "action", flat=True
    )
    assert sorted(audited) == sorted(["rotation.start", *(f"rotation.{s}" for _, s, _ in steps)])


def test_ipscape_wrong_new_key_stops_with_the_old_key_serving(sandbox: SandboxFactory) -> None:
    box = sandbox("ipscape")
    integration = box.integration
    before = active(integration)
    run = rotation.start(integration, CLI)
    rotate_in_workspace(box, 2)
    rotation.run_step(run, CLI, {"value": "sk_not-what-the-workspace-said"})
    assert run.is_open and run.step == "paste" and run.candidate is None
    failed = RotationStep.objects.filter(rotation=run, step="verify").get()
    assert failed.outcome == "failed" and failed.diagnosis == "bad_credentials"
    assert "Nothing changed" in failed.message and failed.test_run is not None
    assert active(integration).pk == before.pk
    assert sorted(versions(integration).values()) == ["active", "retired"]
    works_now(integration)
    rotation.abandon(run, CLI)
    assert run.state == RotationState.ABANDONED and active(integration).pk == before.pk


def test_ipscape_cli_refuses_the_key_in_use_then_rotates_one_key_per_run(
    sandbox: SandboxFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = sandbox("ipscape")
    integration = box.integration
    monkeypatch.setenv("NEW_KEY", "whatever")
    with pytest.raises(ValidationError, match="secret_key_1 is the key in use"):
        rotation.rotate(integration, CLI, {"secret_key_1": "whatever"})
    assert not Rotation.objects.exists()

    first = rotation.rotate(integration, CLI, {"secret_key_2": rotate_in_workspace(box, 2)})
    assert (first.status, first.diagnosis) == ("in_progress", "ok")
    assert "secret key 1" in first.message.lower()
    with pytest.raises(ValidationError, match="secret_key_2 is the key in use"):
        rotation.rotate(integration, CLI, {"secret_key_2": "x"})
    second = rotation.rotate(integration, CLI, {"secret_key_1": rotate_in_workspace(box, 1)})
    assert second.status == "succeeded" and second.active_version == 3
    works_now(integration)


def test_voipstudio_login_becomes_an_api_token_then_the_next_rotation_revokes_the_old_token(
    sandbox: SandboxFactory,
) -> None:
    box = sandbox("voipstudio")
    integration = box.integration
    assert "email" in active(integration).public_values
    converted = rotation.rotate(integration, CLI, {})
    assert converted.status == "succeeded", converted.message
    first = active(integration)
    assert set(first.public_values) == {"user_id"} and first.api_token is not None
    assert "nothing to revoke" in converted.message
    (at_vendor,) = vendor_tokens(box)
    assert at_vendor["value"] == first.secret("api_token") and at_vendor["name"] == first.api_token.name
    assert first.api_token.idle_seconds == 30 * 86400 and first.api_token.expires_at is not None
    works_now(integration)

    again = rotation.rotate(integration, CLI, {})
    assert again.status == "succeeded", again.message
    second = active(integration)
    (at_vendor,) = vendor_tokens(box)  # the old token is gone at the vendor
    assert at_vendor["value"] == second.secret("api_token") != first.secret("api_token")
    first.refresh_from_db()
    assert first.state == "retired" and first.api_token is not None
    assert ApiToken.objects.get(pk=first.api_token.pk).revoked_at is not None
    works_now(integration)
    steps = RotationStep.objects.filter(rotation_id=again.rotation or 0).values_list("step", flat=True)
    assert list(steps) == ["mint", "verify", "switch", "revoke"]


def test_voipstudio_failed_verification_revokes_the_new_token_and_keeps_the_old(
    sandbox: SandboxFactory,
) -> None:
    box = sandbox("voipstudio")
    integration = box.integration
    rotation.rotate(integration, CLI, {})
    old = active(integration)
    box.app.configure(fault="500", fault_path="/me", fault_count=1)  # the new token's test fails
    failed = rotation.rotate(integration, CLI, {})
    assert (failed.status, failed.diagnosis) == ("failed", "vendor_error")
    assert active(integration).pk == old.pk
    (at_vendor,) = vendor_tokens(box)  # the minted one was revoked, the old one stays
    assert at_vendor["value"] == old.secret("api_token")
    works_now(integration)


def test_collect_renews_by_login_then_refresh_then_login_when_refused(sandbox: SandboxFactory) -> None:
    box = sandbox("collect")
    integration = box.integration
    first = rotation.rotate(integration, CLI, {})
    assert (first.status, first.diagnosis) == ("succeeded", "ok")
    assert "a new operator login" in first.message
    second = rotation.rotate(integration, CLI, {})
    assert second.status == "succeeded" and "refresh token" in second.message
    live = ApiToken.objects.filter(integration=integration, revoked_at__isnull=True)
    assert sorted(live.values_list("kind", flat=True)) == [TokenKind.ACCESS, TokenKind.REFRESH]
    assert all(t.expires_at is not None for t in live)
    assert live.get(kind=TokenKind.ACCESS).last_verified_at is not None  # the live test used it

    refresh = live.get(kind=TokenKind.REFRESH)
    app: Any = box.app
    app.tokens.revoke(refresh.value)  # the vendor forgot it (expired, or revoked)
    third = rotation.rotate(integration, CLI, {})
    assert third.status == "succeeded" and "was refused" in third.message
    refused = ApiToken.objects.get(pk=refresh.pk)
    assert refused.revoked_at is not None and "lifetime as seen" in refused.renew_error


def test_collect_renewal_fails_cleanly_when_the_operator_password_changed(sandbox: SandboxFactory) -> None:
    box = sandbox("collect")
    box.app.configure(op_password="changed-inside-collect")
    result = rotation.rotate(box.integration, CLI, {})
    assert (result.status, result.diagnosis) == ("failed", None)
    assert "Neither the refresh token nor a new login worked" in result.message


@pytest.mark.parametrize("vendor", ["vcclive", "voipcloud"])
def test_a_typed_secret_is_staged_verified_promoted_and_rolled_back(
    sandbox: SandboxFactory, vendor: str
) -> None:
    field = {"vcclive": "password", "voipcloud": "api_key"}[vendor]
    new = f"new-{vendor}-secret-value"
    # The vendor accepts the new value beside the old (a second VCC Live token; a VoIPcloud overlap).
    overlap: dict[str, dict[str, Any]] = {
        "vcclive": {"extra_tokens": {new: None}},
        "voipcloud": {"extra_api_keys": [new]},
    }
    extra = overlap[vendor]
    box = sandbox(vendor, **extra)
    integration = box.integration
    old = active(integration)
    result = rotation.rotate(integration, CLI, {field: new})
    assert (result.status, result.diagnosis, result.active_version) == ("succeeded", "ok", 2)
    assert versions(integration) == {1: "previous", 2: "active"}
    assert active(integration).secret(field) == new
    assert active(integration).last_verified_at is not None
    works_now(integration)

    restored, run = rotation.rollback(integration, CLI)
    assert restored.pk == old.pk and run is not None and run.diagnosis == "ok"
    assert versions(integration) == {1: "active", 2: "retired"}
    assert AuditEvent.objects.filter(action="credential.rollback", integration=integration).count() == 1
    with pytest.raises(ValidationError, match="no previous version"):
        rotation.rollback(integration, CLI)


def test_a_wrong_typed_secret_leaves_the_old_one_active(sandbox: SandboxFactory) -> None:
    box = sandbox("vcclive")
    integration = box.integration
    result = rotation.rotate(integration, CLI, {"password": "not-a-token-vcc-live-knows"})
    assert (result.status, result.diagnosis, result.active_version) == ("failed", "bad_credentials", 1)
    assert versions(integration) == {1: "active", 2: "retired"}
    assert not Rotation.objects.filter(state=RotationState.OPEN).exists()
    works_now(integration)


def test_a_staged_vendor_without_a_value_is_told_where_to_get_one(sandbox: SandboxFactory) -> None:
    box = sandbox("vcclive")
    with pytest.raises(ValidationError, match=r"To Create a Token.*--set password=@ENVVAR"):
        rotation.rotate(box.integration, CLI, {})


def test_one_open_rotation_per_integration(sandbox: SandboxFactory) -> None:
    box = sandbox("ipscape")
    rotation.start(box.integration, CLI)
    with pytest.raises(ValidationError, match="already has a rotation in progress"):
        rotation.start(box.integration, CLI)


def test_a_step_and_its_audit_event_commit_together(
    sandbox: SandboxFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: when the audit row cannot be written, the step's change is undone too."""
    from integrations.services import audit

    box = sandbox("vcclive", extra_tokens={"the-second-token-value": None})
    integration = box.integration
    run = rotation.start(integration, CLI, {"password": "the-second-token-value"})
    rotation.run_step(run, CLI, {"password": "the-second-token-value"})  # stage + verify
    assert run.step == "promote"
    recorded = audit.record

    def refusing(action: str, *args: Any, **kwargs: Any) -> Any:
        if action == "rotation.promote":
            raise RuntimeError("the audit table is unavailable")
        return recorded(action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", refusing)
    with pytest.raises(RuntimeError):
        rotation.run_step(run, CLI)
    monkeypatch.setattr(audit, "record", recorded)
    assert versions(integration) == {1: "active", 2: "staged"}  # the promotion was rolled back
    assert not RotationStep.objects.filter(rotation=run, step="promote").exists()
    assert Rotation.objects.get(pk=run.pk).step == "promote"
    assert not AuditEvent.objects.filter(action="credential.promote").exists()
    works_now(integration)
    run.refresh_from_db()
    rotation.run_step(run, CLI)  # and it can simply be done again
    assert versions(integration) == {1: "previous", 2: "active"}
