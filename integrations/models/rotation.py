from django.conf import settings
from django.db import models


class RotationState(models.TextChoices):
    OPEN = "open", "In progress"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (the old credential stayed active)"
    ABANDONED = "abandoned", "Abandoned"


class StepOutcome(models.TextChoices):
    OK = "ok", "Done"
    FAILED = "failed", "Failed"
    WAITING = "waiting", "Waiting"
    NOTE = "note", "Note"


class Rotation(models.Model):
    """One run of a vendor's credential-rotation workflow: where it is, and who started it.

    Resumable: the state and the current step are committed before each step's vendor call, so a
    process killed midway leaves a rotation that the next `rotate` (or the admin page) resumes or
    abandons, and the old credential stays active until the new one is verified.
    """

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="rotations"
    )
    workflow = models.CharField(max_length=16, help_text="staged, two_keys, mint or session (the vendor's).")
    state = models.CharField(
        max_length=16, choices=RotationState.choices, default=RotationState.OPEN, db_index=True
    )
    step = models.CharField(max_length=32, help_text="The step to do next (or the last one done).")
    round = models.PositiveSmallIntegerField(
        default=1, help_text="Two keys: 1 = the first key, 2 = the other."
    )
    context = models.JSONField(
        default=dict, blank=True, help_text="Non-secret facts the steps share (key slot, token name)."
    )
    candidate = models.ForeignKey(
        "integrations.CredentialVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staged version being verified.",
    )
    replaced = models.ForeignKey(
        "integrations.CredentialVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The version that was active before the switch (to revoke, or roll back to).",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_by_label = models.CharField(max_length=150, help_text="User name, or 'cli' / 'system'.")
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A process is doing a step until then; a killed one's claim simply runs out.",
    )
    claimed_by = models.CharField(max_length=200, blank=True, help_text="host:pid of that process.")
    message = models.CharField(max_length=500, blank=True, help_text="The last word, in plain language.")

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration"],
                condition=models.Q(state="open"),
                name="one_open_rotation",
            )
        ]
        permissions = [("rotate_credentials", "Can rotate and roll back credentials")]

    def __str__(self) -> str:
        return f"{self.integration} rotation #{self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == RotationState.OPEN


class RotationStep(models.Model):
    """The outcome of one step of a rotation, with its live test when it had one. Never a secret."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=32)
    round = models.PositiveSmallIntegerField(default=1)
    outcome = models.CharField(max_length=16, choices=StepOutcome.choices)
    diagnosis = models.CharField(max_length=32, blank=True, help_text="The live test's diagnosis code.")
    message = models.TextField(blank=True)
    test_run = models.ForeignKey(
        "integrations.TestRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.rotation} {self.step} {self.outcome}"
