"""Credential rotation, each vendor's own way, without downtime (docs/rotation.md).

The entry points the admin, the CLI and the renewal task call. A rotation is a small state machine
(`engine.py`) whose steps are the vendor's (`connector.rotation`); the workflows live beside this
file: `staged` (a typed secret), `two_keys` (ipSCAPE), `mint` (VoIPstudio), `session` (Collect!).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError

from integrations.models import (
    CredentialVersion,
    Integration,
    Rotation,
    RotationState,
    RotationStep,
    StepOutcome,
    TestRun,
)
from integrations.services import credentials
from integrations.services.audit import Actor
from integrations.services.rotation import engine, mint, session, staged, two_keys
from integrations.services.rotation.drain import InFlight, in_flight
from integrations.services.rotation.engine import Ctx, RotationBusy, claimed, open_rotation
from integrations.services.rotation.verify import live_test
from integrations.vendors.rotation import Workflow

__all__ = [
    "InFlight",
    "Outcome",
    "RotationBusy",
    "abandon",
    "in_flight",
    "open_rotation",
    "outcome",
    "rollback",
    "rotate",
    "run_step",
    "start",
]

HANDLERS: dict[Workflow, Mapping[str, Callable[[Ctx], None]]] = {
    Workflow.STAGED: staged.STEPS,
    Workflow.TWO_KEYS: two_keys.STEPS,
    Workflow.MINT: mint.STEPS,
    Workflow.SESSION: session.STEPS,
}
FIRST = {
    Workflow.STAGED: staged.FIRST,
    Workflow.TWO_KEYS: two_keys.FIRST,
    Workflow.MINT: mint.FIRST,
    Workflow.SESSION: session.FIRST,
}
INPUT_STEPS = frozenset({"stage", "paste"})
"""Steps that need a value a person typed (a secret)."""
CHAINED = frozenset({"verify"})
"""Steps run straight after the one before them succeeds: a staged value is tested at once."""


def _choose(integration: Integration, changes: Mapping[str, str]) -> tuple[Workflow, dict[str, int]]:
    connector = integration.connector
    plan = connector.rotation
    unknown = sorted(n for n in changes if connector.field(n) is None)
    if unknown:
        fields = ", ".join(f.name for f in connector.credential_fields)
        raise ValidationError(f"{', '.join(unknown)}: not a {connector.label} field (fields: {fields}).")
    if plan.selector and plan.selector in changes:
        raise ValidationError(f"{plan.selector} is switched by the rotation itself, after a live test.")
    slots = [n for n in changes if n in plan.key_slots]
    if slots:
        if len(changes) != 1:
            raise ValidationError("Rotate one secret key at a time: give only the key not in use.")
        slot = two_keys.slot_of_field(plan, slots[0])
        active = two_keys.active_slot(integration)
        assert slot is not None
        if slot == active:
            spare = two_keys.slot_field(plan, two_keys.other(slot))
            raise ValidationError(
                f"{slots[0]} is the key in use ({plan.selector}={active}): rotating it would cut requests "
                f"off. Rotate {spare} (the key not in use) first."
            )
        return Workflow.TWO_KEYS, {"slot": slot, "first_slot": slot}
    if changes:
        return Workflow.STAGED, {}
    if plan.workflow is Workflow.TWO_KEYS:
        unused = two_keys.other(two_keys.active_slot(integration))
        return Workflow.TWO_KEYS, {"slot": unused, "first_slot": unused}
    return plan.workflow, {}


def start(integration: Integration, actor: Actor, changes: Mapping[str, str] | None = None) -> Rotation:
    """Open a rotation of the workflow the vendor (or the typed `changes`) calls for."""
    if integration.active_credentials is None:
        raise ValidationError(f"{integration} has no credentials to rotate yet.")
    workflow, context = _choose(integration, changes or {})
    if workflow is Workflow.STAGED:
        _check_typed(integration, changes or {})  # before anything is opened
    rotation = engine.begin(integration, actor, workflow, FIRST[workflow], **context)
    if workflow is Workflow.TWO_KEYS:
        two_keys.note_round(Ctx(rotation, actor))
    return rotation


def _check_typed(integration: Integration, changes: Mapping[str, str]) -> None:
    plan = integration.connector.rotation
    if not any(value.strip() for value in changes.values()):
        raise ValidationError(
            f"Type the new value first: create it at {integration.vendor_label} ({plan.where})."
        )
    values = credentials.merged_values(integration, changes)
    credentials.validate(integration, values)
    if values == credentials.values_of(integration.active_credentials):
        raise ValidationError("That is the value already in use: nothing to rotate to.")


def run_step(
    rotation: Rotation, actor: Actor, inputs: Mapping[str, str] | None = None, *, unattended: bool = False
) -> Ctx:
    """Do the rotation's current step (and a verification straight after it); returns what ran."""
    if not actor.has_perm(credentials.ROTATE_PERMISSION):
        raise PermissionDenied("You may not rotate credentials.")
    if not rotation.is_open:
        raise ValidationError(f"Rotation #{rotation.pk} is {rotation.get_state_display().lower()}.")
    handlers = HANDLERS[Workflow(rotation.workflow)]
    ctx = Ctx(rotation, actor, inputs or {}, unattended)
    with claimed(rotation):
        handlers[rotation.step](ctx)
        while rotation.is_open and rotation.step in CHAINED and _ok(ctx):
            handlers[rotation.step](ctx)
    return ctx


def _ok(ctx: Ctx) -> bool:
    return ctx.last is not None and ctx.last.outcome == StepOutcome.OK


def abandon(rotation: Rotation, actor: Actor) -> Rotation:
    if rotation.workflow == Workflow.MINT and rotation.is_open and rotation.step in ("mint", "verify"):
        mint.revoke_minted(Ctx(rotation, actor))  # a minted, never-used token does not outlive it
    return engine.abandon(rotation, actor)


@dataclass
class Outcome:
    """What an unattended rotation did (the CLI's JSON)."""

    integration: str
    status: str
    diagnosis: str | None
    active_version: int | None
    message: str
    rotation: int | None

    @property
    def ok(self) -> bool:
        return self.status in ("succeeded", "in_progress")


def rotate(integration: Integration, actor: Actor, changes: Mapping[str, str]) -> Outcome:
    """The whole workflow unattended (the CLI): it resumes an open rotation where it stopped.

    Succeeds only with the new credential verified and active; a failed verification leaves the
    old one active and ends the rotation as failed.
    """
    rotation = open_rotation(integration)
    if rotation is None:
        workflow, _ = _choose(integration, changes)
        if workflow in (Workflow.STAGED, Workflow.TWO_KEYS) and not changes:
            raise ValidationError(_needs_value(integration))
        rotation = start(integration, actor, changes)
    elif changes and rotation.step not in INPUT_STEPS:
        raise ValidationError(
            f"Rotation #{rotation.pk} is at its '{rotation.step}' step: run `rotate` without --set to resume "
            "it, or abandon it first (`rotate NAME --abandon`)."
        )
    elif changes and rotation.workflow == Workflow.TWO_KEYS:
        _choose(integration, changes)  # the key in use is refused here too
        wanted = two_keys.slot_field(integration.connector.rotation, int(rotation.context["slot"]))
        if set(changes) != {wanted}:
            raise ValidationError(f"Rotation #{rotation.pk} waits for {wanted}: give --set {wanted}=@ENVVAR.")
    pending = dict(changes)
    while rotation.is_open:
        if rotation.step in INPUT_STEPS:
            if not pending:
                break  # the next key is a person's to rotate at the vendor first
            ctx = run_step(rotation, actor, pending, unattended=True)
            pending = {}
        else:
            ctx = run_step(rotation, actor, unattended=True)
        if ctx.last is not None and ctx.last.outcome == StepOutcome.WAITING:
            break
    return outcome(integration, rotation)


def _needs_value(integration: Integration) -> str:
    plan = integration.connector.rotation
    if plan.workflow is Workflow.TWO_KEYS:
        spare = two_keys.slot_field(plan, two_keys.other(two_keys.active_slot(integration)))
        return (
            f"{two_keys.instructions(integration, two_keys.other(two_keys.active_slot(integration)))} "
            f"Give it as --set {spare}=@ENVVAR."
        )
    names = plan.staged_fields or tuple(sorted(integration.connector.sensitive_fields()))
    return (
        f"{integration.vendor_label} credentials are changed by a person ({plan.where}): give the new value "
        f"as --set {names[0]}=@ENVVAR."
    )


def outcome(integration: Integration, rotation: Rotation) -> Outcome:
    rotation.refresh_from_db()
    active = integration.active_credentials
    last_test = RotationStep.objects.filter(rotation=rotation, test_run__isnull=False).last()
    status = {RotationState.SUCCEEDED: "succeeded", RotationState.OPEN: "in_progress"}.get(
        RotationState(rotation.state), rotation.state
    )
    return Outcome(
        integration=integration.name,
        status=status,
        diagnosis=(last_test.diagnosis or None) if last_test else None,
        active_version=active.version if active else None,
        message=rotation.message,
        rotation=rotation.pk,
    )


def rollback(integration: Integration, actor: Actor) -> tuple[CredentialVersion, TestRun | None]:
    """The previous version back in one step, then a live test of it (its result is shown)."""
    current = open_rotation(integration)
    if current is not None:
        raise ValidationError(
            f"Rotation #{current.pk} is in progress: finish or abandon it before rolling back."
        )
    restored = credentials.rollback(integration, actor)
    run = None
    if actor.has_perm("integrations.run_test"):
        run = live_test(integration, actor, restored)
    return restored, run
