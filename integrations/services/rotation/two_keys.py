"""Two interchangeable keys (ipSCAPE): rotate the one not in use, verify, switch; then the other.

The vendor's part (rotating a key in the workspace) is a person's: the portal says which key and
where, waits for the new value, tests it and switches. The key being rotated is never the one in
use, and the wizard says when nothing still sends requests with it.
"""

from django.core.exceptions import ValidationError

from integrations.models import CredentialState, CredentialVersion, Integration, RotationState, StepOutcome
from integrations.services import credentials
from integrations.services.rotation.drain import InFlight, in_flight
from integrations.services.rotation.engine import Ctx, finish, recording
from integrations.services.rotation.verify import verify_step
from integrations.vendors.rotation import RotationPlan

FIRST = "paste"


def active_slot(integration: Integration) -> int:
    plan = integration.connector.rotation
    return int(integration.public_values.get(plan.selector, "1"))


def other(slot: int) -> int:
    return 2 if slot == 1 else 1


def slot_field(plan: RotationPlan, slot: int) -> str:
    return plan.key_slots[slot - 1]


def slot_of_field(plan: RotationPlan, name: str) -> int | None:
    return plan.key_slots.index(name) + 1 if name in plan.key_slots else None


def slot_in_use(integration: Integration, slot: int) -> InFlight:
    """Requests still running with a version that signs with key `slot`."""
    selector = integration.connector.rotation.selector
    versions = [
        v
        for v in CredentialVersion.objects.filter(integration=integration)
        if v.public_values.get(selector, "1") == str(slot)
    ]
    return in_flight(integration, versions)


def where(plan: RotationPlan, slot: int) -> str:
    return plan.where.format(slot=slot)


def instructions(integration: Integration, slot: int) -> str:
    plan = integration.connector.rotation
    return (
        f"Rotate secret key {slot} in the ipSCAPE workspace ({where(plan, slot)}), then paste the new "
        f"key here. Key {other(slot)} keeps serving meanwhile."
    )


def note_round(ctx: Ctx) -> None:
    """Record which key to rotate next and where: the first step of each round."""
    slot = int(ctx.rotation.context["slot"])
    busy = slot_in_use(ctx.integration, slot)
    with recording(ctx, "choose") as record:
        record.outcome = StepOutcome.NOTE
        record.details["slot"] = slot
        record.message = instructions(ctx.integration, slot)
        if busy:
            record.message += f" Wait first: {busy.describe()} still use key {slot}."


def paste_step(ctx: Ctx) -> None:
    rotation, integration = ctx.rotation, ctx.integration
    plan = integration.connector.rotation
    slot = int(rotation.context["slot"])
    name = slot_field(plan, slot)
    value = ctx.inputs.get(name) or ctx.inputs.get("value", "")
    if not value:
        raise ValidationError(f"Paste the new secret key {slot}.")
    if slot == active_slot(integration):
        raise ValidationError(f"Secret key {slot} is the one in use: rotate the other key first.")
    values = credentials.merged_values(integration, {name: value, plan.selector: str(slot)})
    with recording(ctx, "paste") as record:
        # Key `slot` was rotated in the workspace: a previous version signing with it is dead now.
        for old in CredentialVersion.objects.filter(integration=integration, state=CredentialState.PREVIOUS):
            if old.public_values.get(plan.selector) == str(slot):
                credentials.retire(old, ctx.actor, f"key {slot} was rotated in the workspace")
        note = f"rotation #{rotation.pk}: key {slot}"
        candidate = credentials.stage(integration, values, ctx.actor, note=note)
        rotation.candidate, rotation.step = candidate, "verify"
        record.details.update(version=candidate.version, slot=slot)
        record.ok(f"New key {slot} staged as version {candidate.version}; key {other(slot)} keeps serving.")


def verify(ctx: Ctx) -> None:
    slot = int(ctx.rotation.context["slot"])
    verify_step(
        ctx,
        next_step="switch",
        retry_step=FIRST,
        passed=f"The new key {slot} works: switch to it.",
    )


def switch_step(ctx: Ctx) -> None:
    rotation = ctx.rotation
    candidate = rotation.candidate
    assert candidate is not None
    slot = int(rotation.context["slot"])
    with recording(ctx, "switch") as record:
        previous = credentials.promote(candidate, ctx.actor)
        rotation.replaced, rotation.candidate = previous, None
        record.details.update(version=candidate.version, slot=slot)
        if rotation.round == 1:
            rotation.round, rotation.step = 2, FIRST
            rotation.context = {**rotation.context, "slot": other(slot)}
            record.ok(f"Requests use key {slot} now (version {candidate.version}). Next: key {other(slot)}.")
        else:
            record.ok(f"Requests use key {slot} now (version {candidate.version}): both keys are new.")
            finish(rotation, RotationState.SUCCEEDED)
    if rotation.is_open:
        note_round(ctx)


STEPS = {"paste": paste_step, "verify": verify, "switch": switch_step}
