"""A new admin adds one integration of each vendor through the admin (vendor chooser, form, save)
against the sandbox simulators, then runs its connectivity test from the test page."""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from integrations.models import AuditEvent, Integration
from integrations.registry import get_connector
from tests.e2e.test_login_and_integrations import log_in
from tests.factories import UserFactory
from tests.sandbox import VENDOR_KEYS, SandboxFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def add_through_the_admin(page: Page, base: str, vendor: str, account: dict[str, Any]) -> None:
    label = get_connector(vendor).label
    page.goto(f"{base}/admin/integrations/integration/")
    page.click("a.addlink")
    expect(page.locator("h1")).to_contain_text("choose the vendor")
    page.get_by_role("link", name=f"Add {label}", exact=True).click()
    page.fill("#id_name", f"new-{vendor}")
    for field, value in account["credentials"].items():
        page.fill(f"#id_cred_{field}", value)
    page.fill("#id_base_url_override", account["base_url"])
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")


def test_an_admin_adds_each_vendor_and_its_connectivity_test_passes(
    page: Page,
    live_server: Any,
    sandbox: SandboxFactory,
    celery_worker: Any,
    screenshot_dir: Path,
) -> None:
    UserFactory.create(username="newadmin", groups=["Integration admins"])
    base = str(live_server)
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, base, "newadmin")
    for vendor in VENDOR_KEYS:
        _, _, account = sandbox.simulator(vendor)
        add_through_the_admin(page, base, vendor, account)
        integration = Integration.objects.get(name=f"new-{vendor}")
        assert integration.vendor == vendor and integration.active_credentials is not None

        page.goto(f"{base}/admin/integrations/integration/{integration.pk}/change/")
        page.click("a.test-api-request")
        expect(page.locator("#id_endpoint option:checked")).to_contain_text("(connectivity test)")
        page.click("#send-test")
        title = page.locator(".diagnosis-title")
        expect(title).to_contain_text("answered correctly", timeout=20_000)
        if vendor == "voipcloud":
            page.screenshot(path=str(screenshot_dir / "added-voipcloud-test-ok.png"), full_page=True)

    page.goto(f"{base}/admin/integrations/integration/")
    expect(page.locator("#result_list")).to_contain_text("version 1, since")
    page.screenshot(path=str(screenshot_dir / "integrations-list-after-adding.png"), full_page=True)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"integration.create", "credential.create", "test.run"} <= actions
