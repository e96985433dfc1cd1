"""Report charts read at a glance without any script: axis titles, whole-number axes, hover titles."""

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest

from integrations.models import Report
from integrations.services import reports
from integrations.services.audit import CLI
from integrations.services.report_charts import charts
from tests.factories import IntegrationFactory
from tests.report_data import generate

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: ET.Element, css_class: str) -> list[str]:
    return [el.text or "" for el in svg.iter(f"{SVG}text") if css_class in (el.get("class") or "").split()]


def test_weekly_charts_have_axis_titles_whole_number_axes_and_a_title_on_every_bar() -> None:
    east, west = IntegrationFactory.create(name="east"), IntegrationFactory.create(name="west")
    generate([east, west], 400, start=datetime(2026, 11, 9, tzinfo=UTC), hours=24 * 14)
    run = reports.run(Report.objects.create(name="w", period="weekly"), CLI, day=date(2026, 11, 18))
    rendered = [ET.fromstring(svg) for svg in charts(run.numbers)]  # noqa: S314 (our own output)
    assert len(rendered) == 3
    for svg in rendered:
        assert not list(svg.iter(f"{SVG}script"))
        assert svg.get("viewBox") and not svg.get("width")  # scales to its column
    trend, hours, integrations = rendered

    assert texts(trend, "title")[:3] == ["Calls per day: this week and the week before", "Day", "Calls"]
    bars = [g for g in trend.iter(f"{SVG}g") if g.get("class") == "bar"]
    assert len(bars) == 14  # seven days, this week and the week before
    titles = [g.findtext(f"{SVG}title") or "" for g in bars]
    monday = run.numbers["per_day"][0]["calls"]
    assert titles[0] == f"Mon 16, Week of Mon 16 Nov: {monday}"
    assert titles[7].startswith("Mon 16, Week of Mon 9 Nov: ")
    assert str(monday) in texts(trend, "value")  # printed on the bar too

    for svg in (trend, hours):  # counts on whole-number ticks: 0, 100, 200 ..., never 0.5 calls
        (axis,) = [g for g in svg.iter(f"{SVG}g") if (g.get("class") or "").startswith("axis y")]
        ticks = [t.text or "" for t in axis.iter(f"{SVG}text")]
        assert ticks[0] == "0" and all(t.isdigit() for t in ticks) and len(ticks) <= 8
    assert texts(hours, "title")[1:] == ["Hour of day (UTC)", "Calls"]
    assert texts(integrations, "title")[0] == "Calls per integration"
