"""Report numbers in words an operations lead reads at a glance: durations, changes, the headline.

Shared by the run page and the e-mail; the CSV and the JSON keep raw seconds.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from integrations.models import ReportRun

MINUS, EN_DASH = "\N{MINUS SIGN}", "\N{EN DASH}"


def duration(seconds: float | None) -> str:
    """`99 h 14 min` for a total, `4 min 5 s` for an average, `—` when there is nothing."""
    if seconds is None:
        return "—"
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours:,} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def answered_rate(row: dict[str, Any]) -> float | None:
    """Answered calls as a percentage of all calls (unknown outcomes count as not answered)."""
    return 100 * row["answered"] / row["calls"] if row.get("calls") else None


def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value)}%"


def count(value: int, noun: str = "call") -> str:
    return f"{value:,} {noun}{'' if value == 1 else 's'}"


def _signed(value: int, unit: str) -> str:
    if value == 0:
        return f"±0{unit}"
    return f"{'+' if value > 0 else MINUS}{abs(value)}{unit}"


@dataclass(frozen=True)
class Change:
    """How a measure moved since the previous period: `+8%`, `-2 pts` (a real minus sign).

    `direction` (up, down, same) is for the arrows of the page."""

    text: str
    direction: str  # "up", "down", "same", or "" when there is nothing to compare with


NO_CHANGE = Change("—", "")


def relative_change(now: float | None, before: float | None) -> Change:
    if now is None or not before:
        return NO_CHANGE
    value = round(100 * (now - before) / before)
    return Change(_signed(value, "%"), _direction(value))


def points_change(now: float | None, before: float | None) -> Change:
    if now is None or before is None:
        return NO_CHANGE
    value = round(now - before)
    return Change(_signed(value, " pts"), _direction(value))


def _direction(value: int) -> str:
    return "up" if value > 0 else "down" if value < 0 else "same"


def period_noun(numbers: dict[str, Any]) -> str:
    return "week" if numbers.get("kind") == "weekly" else "day"


def headline(numbers: dict[str, Any]) -> str:
    """`312 calls, +8% on the week before; answered 91% (-2 pts)` (a real minus sign)."""
    totals, previous = numbers["totals"], numbers.get("previous")
    before = f"the {period_noun(numbers)} before"
    if previous is None:
        comparison = ""
    elif previous["totals"]["calls"]:
        change = relative_change(totals["calls"], previous["totals"]["calls"])
        comparison = (
            f", {change.text} on {before}"
            if totals["calls"]
            else f" ({previous['totals']['calls']:,} {before})"
        )
    else:
        comparison = f", none {before}"
    if not totals["calls"]:
        return f"No calls{comparison}"
    text = f"{count(totals['calls'])}{comparison}; answered {percent(answered_rate(totals))}"
    if previous is not None and previous["totals"]["calls"]:
        text += f" ({points_change(answered_rate(totals), answered_rate(previous['totals'])).text})"
    return text


@dataclass(frozen=True)
class Kpi:
    label: str
    now: str
    before: str
    change: Change


def kpis(numbers: dict[str, Any]) -> list[Kpi]:
    """The headline figures beside the previous period's, each with its change."""
    now = numbers["totals"]
    previous = numbers.get("previous", {}).get("totals")
    before = previous or {}

    def kpi(label: str, key: str, show: Any) -> Kpi:
        change = relative_change(now[key], before.get(key)) if previous else NO_CHANGE
        return Kpi(label, show(now[key]), show(before[key]) if previous else "—", change)

    rate_before = answered_rate(previous) if previous else None
    return [
        kpi("Calls", "calls", lambda v: f"{v:,}"),
        kpi("Answered", "answered", lambda v: f"{v:,}"),
        kpi("Missed", "missed", lambda v: f"{v:,}"),
        Kpi(
            "Answered rate",
            percent(answered_rate(now)),
            percent(rate_before),
            points_change(answered_rate(now), rate_before),
        ),
        kpi("Total talk time", "total_seconds", duration),
        kpi("Average answered call", "average_answered_seconds", duration),
    ]


def busiest_hour(numbers: dict[str, Any]) -> str:
    """`10:00-11:00 (48 calls)` (an en dash), or `—` for a period without calls."""
    hours = numbers["busiest_hours"]
    top = max(hours, key=lambda row: row["calls"], default=None)
    if top is None or not top["calls"]:
        return "—"
    return f"{top['hour']:02d}:00{EN_DASH}{(top['hour'] + 1) % 24:02d}:00 ({count(top['calls'])})"


def label(row: dict[str, Any]) -> str:
    """A queue or user as people know it: its name where known, else the vendor's id."""
    return str(row.get("name") or row["key"])


def day_label(iso_day: str) -> str:
    """`Mon 23 Nov`."""
    day = date.fromisoformat(iso_day)
    return f"{day:%a} {day.day} {day:%b}"


TOP_ROWS = 20


def figures_context(run: ReportRun) -> dict[str, Any]:
    """What the run page and the e-mail show, in the order an operations lead reads it."""
    numbers = run.numbers
    noun = period_noun(numbers)
    integrations = numbers.get("per_integration", [])
    context: dict[str, Any] = {
        "run": run,
        "report": run.report,
        "numbers": numbers,
        "noun": noun,
        # Built with --date inside a period that was not over yet: say so before anyone compares.
        "partial": run.created_at is not None and run.created_at < run.period_end,
        "headline": headline(numbers),
        "kpis": kpis(numbers),
        "busiest_hour": busiest_hour(numbers),
        "per_day": [{"label": day_label(row["day"]), **row} for row in numbers.get("per_day", [])],
        "per_integration": integrations,
        "several_integrations": len(integrations) > 1,
    }
    for section in ("per_queue", "per_user"):
        rows = numbers.get(section, [])
        context[section] = rows[:TOP_ROWS]
        context[f"{section}_more"] = max(len(rows) - TOP_ROWS, 0)
    return context
