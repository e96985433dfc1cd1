"""Report charts: pygal SVG rendered on the server and inlined in the admin page."""

from typing import Any

import pygal
from pygal.style import CleanStyle

# No JavaScript of pygal's (its default points at a CDN): plain SVG, tooltips via <title>.
CONFIG: dict[str, Any] = {
    "js": [],
    "style": CleanStyle,
    "width": 720,
    "height": 320,
    "disable_xml_declaration": True,
}


def charts(numbers: dict[str, Any]) -> list[str]:
    """SVG documents: calls per integration, answered vs missed, busiest hours."""
    totals = numbers["totals"]
    per_integration = pygal.HorizontalBar(title="Calls per integration", **CONFIG)
    for row in numbers["per_integration"][:15]:
        per_integration.add(str(row["key"]), row["calls"])
    answered = pygal.Pie(title="Answered and missed", inner_radius=0.45, **CONFIG)
    answered.add("answered", totals["answered"])
    answered.add("missed", totals["missed"])
    unknown = totals["calls"] - totals["answered"] - totals["missed"]
    if unknown:
        answered.add("unknown", unknown)
    hours = pygal.Bar(title=f"Calls by hour of day ({numbers['timezone']})", show_legend=False, **CONFIG)
    hours.x_labels = [f"{row['hour']:02d}" for row in numbers["busiest_hours"]]
    hours.add("calls", [row["calls"] for row in numbers["busiest_hours"]])
    return [chart.render(is_unicode=True) for chart in (per_integration, answered, hours)]
