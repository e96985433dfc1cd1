import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from integrations.models import PullRun, PullStatus, Report
from tests.e2e.test_login_and_integrations import log_in
from tests.factories import IntegrationFactory, UserFactory
from tests.sandbox import SandboxFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_pull_now_shows_live_progress_then_the_report_shows_charts(
    page: Page,
    live_server: Any,
    sandbox: SandboxFactory,
    celery_worker: Any,
    screenshot_dir: Path,
    settings: Any,
) -> None:
    # Slow pages, not a dead vendor: the sandbox's 0.5 s read timeout left 0.1 s over the 0.4 s
    # pages, and with the simulator, the worker and the live server sharing this process's GIL a
    # page sometimes missed it three times, and the run failed.
    settings.OUTBOUND_READ_TIMEOUT = 10
    UserFactory.create(username="boss", is_superuser=True)
    start = (timezone.now() - timedelta(days=3)).isoformat()
    box = sandbox(
        "voipcloud",
        name="pbx",
        data_size=4_000,
        data_start=start,
        data_spacing_seconds=2 * 86400 / 4_000,
        fault="slow",
        slow_seconds=0.4,
        fault_path="get-user-calls",
    )
    box.app.configure(rate_limit=None)
    base = str(live_server)
    log_in(page, base, "boss")
    page.goto(f"{base}/admin/integrations/integration/")
    page.check(f"input[name=_selected_action][value='{box.integration.pk}']")
    page.select_option("select[name=action]", "pull_now")
    page.click("button[name=index]")

    # The runs list: a progress bar while the user calls are paged in, replaced live when done.
    expect(page.locator("progress.pull-progress").first).to_be_visible(timeout=10_000)
    page.screenshot(path=str(screenshot_dir / "pulls-in-progress.png"), full_page=True)
    page.goto(f"{base}/admin/integrations/pullrun/")
    expect(page.locator(".pull-status.succeeded")).to_have_count(3, timeout=60_000)
    assert page.locator("progress.pull-progress").count() == 0
    page.screenshot(path=str(screenshot_dir / "pulls-done.png"), full_page=True)

    # The report run page as an operations lead opens it on a 1366 px wide laptop screen.
    page.set_viewport_size({"width": 1366, "height": 900})
    Report.objects.create(name="yesterday", timezone="UTC")
    call_command("reports", "run", "yesterday", stdout=io.StringIO())
    page.goto(f"{base}/admin/integrations/reportrun/")
    page.click("#result_list tbody th a")
    expect(page.locator(".report-headline")).to_contain_text("calls")
    expect(page.locator(".report-kpis")).to_contain_text("Answered rate")
    expect(page.locator("svg.pygal-chart")).to_have_count(2)
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    assert_fits_and_charts_are_readable(page)
    page.screenshot(path=str(screenshot_dir / "report-run.png"), full_page=True)

    # A weekly report: the day-by-day trend beside the week before.
    weekly = Report.objects.create(name="this week", period="weekly", timezone="UTC")
    today = timezone.now().date().isoformat()
    call_command("reports", "run", "this week", "--date", today, stdout=io.StringIO())
    page.goto(f"{base}/admin/integrations/reportrun/?report__id__exact={weekly.pk}")
    page.click("#result_list tbody th a")
    expect(page.locator("svg.pygal-chart")).to_have_count(2)
    expect(page.locator("svg.pygal-chart").first).to_contain_text("this week and the week before")
    expect(page.get_by_role("heading", name="Day by day")).to_be_visible()
    assert_fits_and_charts_are_readable(page)
    page.screenshot(path=str(screenshot_dir / "report-run-weekly.png"), full_page=True)


def assert_fits_and_charts_are_readable(page: Page) -> None:
    """No horizontal scrollbar; charts side by side, each wide enough to read, none cut off."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    boxes = [chart.bounding_box() for chart in page.locator("svg.pygal-chart").all()]
    width = page.evaluate("window.innerWidth")
    for box in boxes:
        assert box is not None and box["width"] >= 400 and box["x"] + box["width"] <= width
    assert boxes[0] is not None and boxes[1] is not None and boxes[0]["y"] == boxes[1]["y"]  # one row


def test_live_progress_survives_a_failed_poll(page: Page, live_server: Any) -> None:
    """A poll that fails (a restart, a dropped request) is tried again: the bar still turns into
    the run's result instead of freezing."""
    UserFactory.create(username="boss", is_superuser=True)
    run = PullRun.objects.create(
        integration=IntegrationFactory.create(), resource="cdrs", status=PullStatus.RUNNING
    )
    failed: list[str] = []

    def fail_once(route: Route) -> None:
        if failed:
            route.continue_()
            return
        failed.append(route.request.url)
        route.fulfill(status=503, body="restarting")

    page.route("**/admin/integrations/pullrun/progress/**", fail_once)
    base = str(live_server)
    log_in(page, base, "boss")
    page.goto(f"{base}/admin/integrations/pullrun/")
    expect(page.locator("progress.pull-progress")).to_have_count(1)
    page.wait_for_timeout(1500)  # the first poll, answered 503
    PullRun.objects.filter(pk=run.pk).update(status=PullStatus.SUCCEEDED, finished_at=timezone.now())
    expect(page.locator(".pull-status.succeeded")).to_have_count(1, timeout=15_000)
    assert len(failed) == 1
