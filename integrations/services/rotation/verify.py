"""The verification step every workflow shares: a live test request with the candidate credential."""

from collections.abc import Callable

from integrations.models import ApiToken, CredentialVersion, Integration, RotationState, TestRun
from integrations.services import credentials, testing
from integrations.services.audit import Actor
from integrations.services.rotation.engine import Ctx, finish, recording


def live_test(
    integration: Integration, actor: Actor, version: CredentialVersion, session: ApiToken | None = None
) -> TestRun:
    """The vendor's connectivity test, sent now with `version` (and `session`), not the active one."""
    return testing.start(
        integration, None, {}, actor, via="rotation", inline=True, credential=version, session=session
    )


def verify_step(
    ctx: Ctx,
    *,
    next_step: str,
    retry_step: str,
    passed: str,
    on_failure: Callable[[], None] | None = None,
) -> TestRun:
    """Test the candidate; on success move to `next_step`, on failure back to `retry_step`.

    A failed verification changes nothing else: the candidate is retired and the active version
    keeps serving. Unattended (the CLI), the rotation ends there as failed.
    """
    rotation = ctx.rotation
    candidate = rotation.candidate
    assert candidate is not None, "verify runs after a candidate was staged"
    run = live_test(ctx.integration, ctx.actor, candidate)
    with recording(ctx, "verify") as record:
        record.test_run, record.diagnosis = run, run.diagnosis or "failed"
        record.details["version"] = candidate.version
        active = ctx.integration.active_credentials
        if run.ok:
            rotation.step = next_step
            record.ok(passed)
            return run
        credentials.discard(candidate, ctx.actor, "its verification failed")
        if on_failure is not None:
            on_failure()
        rotation.candidate, rotation.step = None, retry_step
        record.failed(
            f"The live test with the new value failed ({run.diagnosis or run.error}: {run.diagnosis_title}). "
            f"Nothing changed: version {active.version if active else '—'} stays active. "
            "Check the value and try again, or abandon."
        )
        if ctx.unattended:
            finish(rotation, RotationState.FAILED)
    return run
