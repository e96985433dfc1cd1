"""A secret typed by a person: stage it, verify it with a live request, promote it.

The previous version is kept for rollback until someone confirms or the retention passes.
"""

from django.core.exceptions import ValidationError

from integrations.models import RotationState
from integrations.services import credentials
from integrations.services.rotation.engine import Ctx, finish, recording
from integrations.services.rotation.verify import verify_step

FIRST = "stage"


def stage_step(ctx: Ctx) -> None:
    rotation, integration = ctx.rotation, ctx.integration
    changes = {k: v for k, v in ctx.inputs.items() if v != ""}
    if not changes:
        raise ValidationError("Type the new value to stage.")
    values = credentials.merged_values(integration, changes)
    with recording(ctx, "stage") as record:
        candidate = credentials.stage(integration, values, ctx.actor, note=f"rotation #{rotation.pk}")
        rotation.candidate, rotation.step = candidate, "verify"
        active = integration.active_credentials
        record.details.update(version=candidate.version, fields=sorted(changes))
        record.ok(
            f"Version {candidate.version} staged ({', '.join(sorted(changes))}); "
            f"version {active.version if active else '—'} keeps serving until it is promoted."
        )


def verify(ctx: Ctx) -> None:
    verify_step(
        ctx,
        next_step="promote",
        retry_step=FIRST,
        passed="The new value works: promote it to make it active.",
    )


def promote_step(ctx: Ctx) -> None:
    rotation = ctx.rotation
    candidate = rotation.candidate
    assert candidate is not None
    with recording(ctx, "promote") as record:
        previous = credentials.promote(candidate, ctx.actor)
        rotation.replaced, rotation.candidate = previous, None
        record.details.update(version=candidate.version, previous=previous.version if previous else None)
        record.ok(
            f"Version {candidate.version} is active. Version {previous.version if previous else '—'} is kept "
            "for rollback until you confirm (or the retention period passes)."
        )
        finish(rotation, RotationState.SUCCEEDED)


STEPS = {"stage": stage_step, "verify": verify, "promote": promote_step}
