from django.db import models


class WorkerHeartbeat(models.Model):
    """A worker process serving a queue: proof that background work runs, and that beat runs."""

    hostname = models.CharField(max_length=200, help_text="The worker's node name, e.g. bulk@host.")
    queue = models.CharField(max_length=64)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When this worker started.")
    seen_at = models.DateTimeField(help_text="Its last sign of life (it writes one every 30 s).")
    pinged_at = models.DateTimeField(
        null=True, blank=True, help_text="When it last ran beat's ping of this queue (every minute)."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hostname", "queue"], name="worker_heartbeat_unique")]

    def __str__(self) -> str:
        return f"{self.hostname} on {self.queue} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
