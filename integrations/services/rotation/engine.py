"""The rotation state machine: open, claim a step, record its outcome, finish or abandon.

Each step's outcome, the rotation's new state and an audit event commit in one transaction
(`recording`). A step with a vendor call first takes a claim on the rotation (committed), so two
people (or a person and the CLI) never run the same step at once, and a process killed midway
leaves a claim that runs out (at once on the same host), after which the step can be resumed.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from integrations.models import Integration, Rotation, RotationState, RotationStep, StepOutcome, TestRun
from integrations.services import audit, credentials, leases
from integrations.services.audit import Actor
from integrations.vendors.rotation import Workflow


class RotationBusy(Exception):
    """Another process is doing a step of this rotation right now."""


@dataclass
class Ctx:
    """One step's inputs: the rotation, who acts, and what a person typed (secrets, never logged)."""

    rotation: Rotation
    actor: Actor
    inputs: Mapping[str, str] = field(default_factory=dict)
    unattended: bool = False
    last: "Record | None" = None
    """What the last step recorded (the dispatcher reads its outcome)."""

    @property
    def integration(self) -> Integration:
        return self.rotation.integration


@dataclass
class Record:
    """What one step wrote down: filled in by the step inside `recording`."""

    step: str
    outcome: str = StepOutcome.OK
    message: str = ""
    diagnosis: str = ""
    test_run: TestRun | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def ok(self, message: str) -> None:
        self.outcome, self.message = StepOutcome.OK, message

    def failed(self, message: str) -> None:
        self.outcome, self.message = StepOutcome.FAILED, message

    def waiting(self, message: str) -> None:
        self.outcome, self.message = StepOutcome.WAITING, message


def open_rotation(integration: Integration) -> Rotation | None:
    return Rotation.objects.filter(integration=integration, state=RotationState.OPEN).first()


def begin(
    integration: Integration, actor: Actor, workflow: Workflow, first_step: str, **context: Any
) -> Rotation:
    """Open a rotation (at most one per integration: a database constraint holds it)."""
    if not actor.has_perm(credentials.ROTATE_PERMISSION):
        raise PermissionDenied("You may not rotate credentials.")
    try:
        with transaction.atomic():
            rotation = Rotation.objects.create(
                integration=integration,
                workflow=workflow.value,
                step=first_step,
                context=context,
                started_by=actor.user,
                started_by_label=actor.label,
                replaced=integration.active_credentials,
            )
            audit.record(
                "rotation.start",
                actor,
                rotation,
                integration=integration,
                details={"workflow": workflow.value, **{k: str(v) for k, v in context.items()}},
            )
    except IntegrityError:
        raise ValidationError(
            f"{integration} already has a rotation in progress: resume it or abandon it first."
        ) from None
    return rotation


@contextmanager
def claimed(rotation: Rotation) -> Iterator[None]:
    """Hold the rotation's claim while a step runs its vendor calls (committed, so others see it)."""
    now = timezone.now()
    until = now + timedelta(seconds=settings.ROTATION_CLAIM_SECONDS)
    me = leases.this_process()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_by=me)
    taken = Rotation.objects.filter(
        free, pk=rotation.pk, state=RotationState.OPEN, step=rotation.step
    ).update(claimed_until=until, claimed_by=me)
    if not taken:
        current = Rotation.objects.get(pk=rotation.pk)
        if current.is_open and current.claimed_by and leases.process_gone(current.claimed_by):
            # Its process died on this host: nobody else is doing the step.
            Rotation.objects.filter(pk=rotation.pk, claimed_by=current.claimed_by).update(
                claimed_until=None, claimed_by=""
            )
            with claimed(rotation):
                yield
            return
        if not current.is_open or current.step != rotation.step:
            raise ValidationError("This rotation moved on meanwhile: reload it to see where it is.")
        raise RotationBusy(
            f"Another process ({current.claimed_by}) is doing the '{current.step}' step of this rotation "
            f"until {timezone.localtime(current.claimed_until):%H:%M:%S} at the latest; try again then."
        )
    rotation.claimed_until, rotation.claimed_by = until, me
    try:
        yield
    finally:
        Rotation.objects.filter(pk=rotation.pk, claimed_by=me).update(claimed_until=None, claimed_by="")
        rotation.claimed_until, rotation.claimed_by = None, ""


def extend_claim(rotation: Rotation) -> None:
    """A step that waits (for requests to drain) keeps its claim alive meanwhile."""
    until = timezone.now() + timedelta(seconds=settings.ROTATION_CLAIM_SECONDS)
    Rotation.objects.filter(pk=rotation.pk, claimed_by=leases.this_process()).update(claimed_until=until)
    rotation.claimed_until = until


@contextmanager
def recording(ctx: Ctx, step: str) -> Iterator[Record]:
    """The step's own changes, its outcome row, the rotation's state and the audit: one commit."""
    rotation = ctx.rotation
    round_of_step = rotation.round  # a switch may start the next round
    with transaction.atomic():
        record = Record(step=step)
        ctx.last = record
        yield record
        RotationStep.objects.create(
            rotation=rotation,
            step=step,
            round=round_of_step,
            outcome=record.outcome,
            diagnosis=record.diagnosis,
            message=record.message,
            test_run=record.test_run,
            actor=ctx.actor.user,
            actor_label=ctx.actor.label,
        )
        rotation.message = record.message[:500]
        rotation.save()
        audit.record(
            f"rotation.{step}",
            ctx.actor,
            rotation,
            integration=rotation.integration,
            details={
                "outcome": record.outcome,
                "round": round_of_step,
                "diagnosis": record.diagnosis,
                "message": record.message[:300],
                **record.details,
            },
        )


def finish(rotation: Rotation, state: str) -> None:
    """Inside `recording`: the rotation ends (the caller's record says how)."""
    rotation.state, rotation.finished_at = state, timezone.now()
    rotation.claimed_until, rotation.claimed_by = None, ""


def abandon(rotation: Rotation, actor: Actor, why: str = "abandoned") -> Rotation:
    """Stop where it is; the active credential stays as it is and the staged one is retired."""
    if not actor.has_perm(credentials.ROTATE_PERMISSION):
        raise PermissionDenied("You may not rotate credentials.")
    ctx = Ctx(rotation, actor)
    with recording(ctx, "abandon") as record:
        if rotation.candidate is not None:
            credentials.discard(rotation.candidate, actor, "the rotation was abandoned")
        active = rotation.integration.active_credentials
        record.ok(f"Abandoned ({why}); version {active.version if active else '—'} stays active.")
        finish(rotation, RotationState.ABANDONED)
    return rotation
