"""Every admin page a role may open, in Chromium at 1366 by 900 px: no 5xx, no traceback, no sideways
scrolling; every page it may not open is refused. Pages come from tests/admin_walk.py, which finds
them in the admin's registry and URL patterns."""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.admin_walk import NEVER_POST, ROLES, Dataset, admin_pages, build_dataset, may_open
from tests.e2e.test_login_and_integrations import log_in
from tests.sandbox import SandboxFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VIEWPORT: Any = {"width": 1366, "height": 900}
# The page does not scroll sideways, nor does a list or inline table inside its own box (a cut-off
# list scrolls in `.results`, which hides it from the page's own width).
OVERFLOWING = """() => {
    const page = document.documentElement;
    const wide = page.scrollWidth > window.innerWidth ? [`page ${page.scrollWidth} px`] : [];
    for (const box of document.querySelectorAll("#changelist .results, .inline-group .tabular")) {
        if (box.scrollWidth > box.clientWidth + 1) {
            wide.push(`${box.className} ${box.scrollWidth}/${box.clientWidth} px`);
        }
    }
    return wide;
}"""


def _walk(page: Page, base: str, role: str, dataset: Dataset) -> list[str]:
    user = dataset.users[role]
    problems: list[str] = []
    for target in admin_pages(dataset, per_model=1):
        url = base + target.address
        allowed = may_open(target, user)
        # Pages a person opens are rendered; polled JSON views and refusals are fetched only.
        fetched = page.request.get(url, max_redirects=0)
        posted = fetched.status == 405 and target.ours and target.name not in NEVER_POST
        if posted:  # a POST-only workflow view (Reveal): posted as its button does
            token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
            fetched = page.request.post(url, headers={"X-CSRFToken": token, "Referer": base + "/admin/"})
        kind = fetched.headers.get("content-type", "")
        where = f"{role} {target.address} -> {fetched.status}"
        if fetched.status >= 500 or "Traceback" in fetched.text():
            problems.append(f"{where}: server error")
            continue
        if allowed is False:
            if fetched.status not in (302, 403):
                problems.append(f"{where}: expected 403 or a redirect to log in")
            continue
        if allowed and fetched.status != 200:
            problems.append(f"{where}: expected 200")
            continue
        if posted or fetched.status != 200 or "text/html" not in kind:
            continue
        page.goto(url)
        wide = page.evaluate(OVERFLOWING)
        if wide:
            problems.append(f"{where}: wider than the window: {', '.join(wide)}")
    return problems


def test_every_page_each_role_may_open_renders_and_fits(
    browser: Browser, live_server: Any, sandbox: SandboxFactory, screenshot_dir: Path
) -> None:
    dataset = build_dataset(sandbox)
    base = str(live_server)
    problems: list[str] = []
    for role in ROLES:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        log_in(page, base, role)
        problems += _walk(page, base, role, dataset)
        if role == "superuser":
            _screenshots(page, base, dataset, screenshot_dir)
        context.close()
    assert not problems, "\n".join(problems)


def _screenshots(page: Page, base: str, dataset: Dataset, folder: Path) -> None:
    """The pages a new admin sees first, for a person to look at (var/screenshots/)."""
    vcc = dataset.integrations["vcclive"]
    run = vcc.test_runs.first()
    shown = f"?run={run.pk}" if run else ""
    report_run = dataset.report_run
    admin_url = "/admin/integrations"
    shots = {
        "walk-integrations-list.png": f"{admin_url}/integration/",
        "walk-integration-with-inlines.png": f"{admin_url}/integration/{vcc.pk}/change/",
        "walk-test-page-with-result.png": f"{admin_url}/integration/{vcc.pk}/test/{shown}",
        "walk-vendor-chooser.png": f"{admin_url}/integration/add/",
        "walk-call-records.png": f"{admin_url}/callrecord/",
        "walk-pull-runs.png": f"{admin_url}/pullrun/",
        "walk-report-run.png": f"{admin_url}/reportrun/{report_run.pk}/change/",
    }
    for name, path in shots.items():
        page.goto(base + path)
        page.screenshot(path=str(folder / name), full_page=True)
