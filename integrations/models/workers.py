from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a worker consumed a ping on a queue: proof that background work runs."""

    hostname = models.CharField(max_length=200)
    queue = models.CharField(max_length=64)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hostname", "queue"], name="worker_heartbeat_unique")]

    def __str__(self) -> str:
        return f"{self.hostname} on {self.queue} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
