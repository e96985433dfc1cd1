"""Known call records for the report tests, and the report's measures counted again in plain Python."""

import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.models import CallRecord, Integration


def generate(
    integrations: Sequence[Integration],
    count: int,
    *,
    start: datetime,
    hours: int,
    seed: int = 7,
    agents: Sequence[str] = ("alice", "bob", "chen", ""),
    queues: Sequence[str] = ("sales", "support", ""),
) -> list[dict[str, Any]]:
    """`count` random calls over `hours` from `start`, stored; returns what was stored.

    Times are made in UTC: arithmetic on a datetime of a DST zone is wall-clock arithmetic.
    """
    rng = random.Random(seed)
    start = start.astimezone(UTC)
    calls = []
    for n in range(count):
        outcome = rng.random()
        answered = True if outcome < 0.7 else False if outcome < 0.95 else None
        calls.append(
            {
                "integration": rng.choice(integrations),
                "resource": "cdrs",
                "vendor_call_id": f"call-{seed}-{n}",
                "direction": rng.choice(["inbound", "outbound"]),
                "agent": rng.choice(agents),
                "queue": rng.choice(queues),
                "started_at": start + timedelta(seconds=rng.randrange(0, hours * 3600)),
                "duration_seconds": rng.randrange(20, 600) if answered else 0,
                "answered": answered,
                "raw": {"n": n},
            }
        )
    CallRecord.objects.bulk_create([CallRecord(**c) for c in calls])
    return calls


def measures(calls: Sequence[dict[str, Any]]) -> dict[str, Any]:
    answered = [c for c in calls if c["answered"] is True]
    return {
        "calls": len(calls),
        "answered": len(answered),
        "missed": sum(1 for c in calls if c["answered"] is False),
        "total_seconds": sum(c["duration_seconds"] for c in calls),
        "average_answered_seconds": round(sum(c["duration_seconds"] for c in answered) / len(answered), 1)
        if answered
        else None,
    }


def grouped(
    calls: Sequence[dict[str, Any]], key: Callable[[dict[str, Any]], Any]
) -> dict[Any, dict[str, Any]]:
    """Measures per `key(call)`; calls whose key is empty are left out (as the report does)."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for call in calls:
        group = key(call)
        if group and (not isinstance(group, tuple) or all(group)):
            groups.setdefault(group, []).append(call)
    return {group: measures(members) for group, members in groups.items()}


def within(calls: Sequence[dict[str, Any]], start: datetime, end: datetime) -> list[dict[str, Any]]:
    return [c for c in calls if start <= c["started_at"] < end]
