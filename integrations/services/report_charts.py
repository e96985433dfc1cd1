"""Report charts: pygal SVG rendered on the server and inlined in the admin page.

No JavaScript of pygal's (its default points at a CDN). What its script would show on hover is
given instead by a `<title>` on every bar, which browsers show as a tooltip, and by value labels
where the bars are wide enough to carry them.
"""

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

import pygal
from pygal.style import Style

from integrations.services.report_text import day_label, period_noun

THIS, BEFORE = "#205493", "#a9b4c2"
ANSWERED, MISSED, UNKNOWN = "#2e8540", "#cd2026", "#aeb0b5"
FONT = '-apple-system, "Segoe UI", system-ui, Roboto, "Helvetica Neue", Arial, sans-serif'

# The viewBox size: the page scales each chart to its column (see reports.css), so these set the
# proportions and how large the text is relative to the bars.
CONFIG: dict[str, Any] = {
    "js": [],
    "width": 640,
    "height": 360,
    "disable_xml_declaration": True,
    "legend_at_bottom": True,
    "truncate_legend": -1,
    "truncate_label": -1,
    "margin": 12,
}


def _style(*colors: str) -> Style:
    return Style(
        colors=colors,
        font_family=FONT,
        background="transparent",
        plot_background="#fafafa",
        foreground="#333",
        foreground_strong="#222",
        foreground_subtle="#ddd",
        opacity=".9",
        opacity_hover="1",
        title_font_size=17,
        label_font_size=13,
        major_label_font_size=13,
        legend_font_size=14,
        value_font_size=12,
        tooltip_font_size=13,
    )


def _chart(kind: type[pygal.graph.graph.Graph], colors: Sequence[str], **options: Any) -> Any:
    return kind(style=_style(*colors), **{**CONFIG, **options})


def _count_axis(chart: Any, top: int) -> None:
    """About six whole-number ticks (steps of 1, 2 or 5 times a power of ten) from 0 past `top`.

    pygal's own steps go in tenths of a call on a small axis and crowd a long one.
    """
    raw = max(top, 1) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = max(1, int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)))
    chart.y_labels = list(range(0, top + step, step))


def _render(chart: Any, names: Sequence[str]) -> str:
    """The SVG, with a `<title>` (a tooltip needing no script) on every bar and slice.

    pygal always writes its configuration into an inline `<script>` for its own JavaScript,
    which we do not load: dropped, so the page carries no script of the chart's at all.
    """
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for script in parent.findall("script"):
            parent.remove(script)
    for series in tree.iter("g"):
        match = re.search(r"\bserie-(\d+)\b", series.get("class", ""))
        if match is None:
            continue
        name = names[int(match.group(1))]
        for item in series.iter("g"):
            descs = {desc.get("class"): desc.text for desc in item.findall("desc")}
            if "value" in descs:
                title = ET.Element("title")
                where = f"{descs['x_label']}, " if descs.get("x_label") else ""
                title.text = f"{where}{name}: {descs['value']}"
                item.insert(0, title)
    return ET.tostring(tree, encoding="unicode")


def _comparison(numbers: dict[str, Any]) -> str:
    """Calls over the period beside the period before: per day for a week, per hour for a day."""
    previous = numbers.get("previous", {})
    noun = period_noun(numbers)
    if "per_day" in numbers:
        rows, earlier = numbers["per_day"], previous.get("per_day")
        labels = [day_label(row["day"]).rsplit(" ", 1)[0] for row in rows]
        options: dict[str, Any] = {"x_title": "Day", "print_values": True, "print_values_position": "top"}
        names = [f"Week of {day_label(rows[0]['day'])}"]
        if earlier:
            names.append(f"Week of {day_label(earlier[0]['day'])}")
    else:
        rows, earlier = numbers["busiest_hours"], previous.get("busiest_hours")
        labels = [f"{row['hour']:02d}" for row in rows]
        options = {"x_title": f"Hour of day ({numbers['timezone']})"}
        first = numbers["period"][0][:10]
        names = [day_label(first)]
        if earlier:
            names.append(day_label(previous["period"][0][:10]))
    title = f"Calls per {'day' if noun == 'week' else 'hour'}: this {noun} and the {noun} before"
    chart = _chart(pygal.Bar, (THIS, BEFORE), title=title, y_title="Calls", **options)
    chart.x_labels = labels
    series = [[row["calls"] for row in rows]]
    if earlier:
        series.append([row["calls"] for row in earlier])
    for name, values in zip(names, series, strict=True):
        chart.add(name, values)
    _count_axis(chart, max(max(values, default=0) for values in series))
    return _render(chart, names)


def _outcome_series(rows: Sequence[dict[str, Any]]) -> list[tuple[str, list[int]]]:
    answered = [row["answered"] for row in rows]
    missed = [row["missed"] for row in rows]
    unknown = [row["calls"] - row["answered"] - row["missed"] for row in rows]
    series = [("answered", answered), ("missed", missed)]
    return [*series, ("outcome unknown", unknown)] if any(unknown) else series


def _answered_by_hour(numbers: dict[str, Any]) -> str:
    whole = " (whole week)" if period_noun(numbers) == "week" else ""
    rows = numbers["busiest_hours"]
    chart = _chart(
        pygal.StackedBar,
        (ANSWERED, MISSED, UNKNOWN),
        title=f"Answered and missed by hour{whole}",
        x_title=f"Hour of day ({numbers['timezone']})",
        y_title="Calls",
    )
    chart.x_labels = [f"{row['hour']:02d}" for row in rows]
    series = _outcome_series(rows)
    for name, values in series:
        chart.add(name, values)
    _count_axis(chart, max(row["calls"] for row in rows))
    return _render(chart, [name for name, _ in series])


def _per_integration(numbers: dict[str, Any]) -> str:
    rows = numbers["per_integration"][:12]
    chart = _chart(
        pygal.HorizontalStackedBar,
        (ANSWERED, MISSED, UNKNOWN),
        title="Calls per integration",
        x_title="Calls",
        print_values=True,
        height=max(240, 130 + 40 * len(rows)),
    )
    chart.x_labels = [str(row["key"]) for row in rows]
    series = _outcome_series(rows)
    for name, values in series:
        chart.add(name, values)
    _count_axis(chart, max((row["calls"] for row in rows), default=0))
    return _render(chart, [name for name, _ in series])


def charts(numbers: dict[str, Any]) -> list[str]:
    """SVG documents: the period beside the one before, answered and missed by hour, integrations."""
    rendered = [_comparison(numbers), _answered_by_hour(numbers)]
    if len(numbers["per_integration"]) > 1:
        rendered.append(_per_integration(numbers))
    return rendered
