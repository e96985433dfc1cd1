"""Who still sends requests with an older credential version: a rotation waits for them.

Every test request and pull records the version it uses before its first request (see
`outbound.pin_active`) and keeps it to its end. So the old credential is revoked (or the operator
is told to rotate the old key) only once nothing that started with it is still running.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from integrations.models import CredentialVersion, Integration, PullRun, PullStatus, RunStatus, TestRun
from integrations.services import leases


@dataclass(frozen=True)
class InFlight:
    tests: int
    pulls: list[str]

    @property
    def count(self) -> int:
        return self.tests + len(self.pulls)

    def __bool__(self) -> bool:
        return self.count > 0

    def describe(self) -> str:
        parts = []
        if self.pulls:
            parts.append(
                f"{len(self.pulls)} pull{'s' if len(self.pulls) > 1 else ''} ({', '.join(self.pulls)})"
            )
        if self.tests:
            parts.append(f"{self.tests} test request{'s' if self.tests > 1 else ''}")
        return " and ".join(parts) or "nothing"


def in_flight(integration: Integration, versions: list[CredentialVersion] | None = None) -> InFlight:
    """Running requests of `integration` on `versions` (default: every version but the active one)."""
    now = timezone.now()
    if versions is None:
        active = integration.active_credentials
        running_on = CredentialVersion.objects.filter(integration=integration)
        if active is not None:
            running_on = running_on.exclude(pk=active.pk)
    else:
        running_on = CredentialVersion.objects.filter(pk__in=[v.pk for v in versions])
    # A test request cannot outlive its deadline; one "running" longer lost its worker.
    recent = now - timedelta(seconds=2 * settings.OUTBOUND_TEST_DEADLINE + 10)
    tests = TestRun.objects.filter(
        integration=integration,
        status=RunStatus.RUNNING,
        credential_version__in=running_on,
        started_at__gte=recent,
    ).count()
    pulls = [
        f"#{run.pk} {run.resource}"
        for run in PullRun.objects.filter(
            integration=integration, status=PullStatus.RUNNING, credential_version__in=running_on
        )
        if leases.alive(run, now)
    ]
    return InFlight(tests=tests, pulls=pulls)
