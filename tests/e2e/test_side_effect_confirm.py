"""In the browser: a test request that places a real call asks a second, named confirmation."""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from integrations.models import TestRun
from tests.e2e.test_login_and_integrations import log_in
from tests.factories import UserFactory
from tests.sandbox import SandboxFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_admin_confirms_the_call_and_support_cannot_send_it(
    page: Page, live_server: Any, sandbox: SandboxFactory, celery_worker: Any, screenshot_dir: Path
) -> None:
    UserFactory.create(username="ia", groups=["Integration admins"])
    UserFactory.create(username="agent", groups=["Support"])
    integration = sandbox("voipcloud", name="pbx").integration
    base = str(live_server)
    url = f"{base}/admin/integrations/integration/{integration.pk}/test/?endpoint=call_to_number"
    page.set_viewport_size({"width": 1366, "height": 900})

    log_in(page, base, "ia")
    page.goto(url)
    expect(page.locator(".side-effect-warning")).to_contain_text("Places a real call")
    page.fill("#id_p-user_number", "201")
    page.fill("#id_p-number_to_call", "+61291234567")
    page.click("#send-test")
    confirm = page.locator("#confirm-side-effect")
    expect(confirm).to_have_text("Yes, send it (places a real call)")
    assert not TestRun.objects.exists()
    page.screenshot(path=str(screenshot_dir / "side-effect-confirm.png"), full_page=True)
    confirm.click()
    expect(page.locator(".diagnosis-title")).to_contain_text("VoIPcloud answered correctly", timeout=20_000)
    expect(page.locator("#id_p-number_to_call")).to_have_value("+61291234567")
    assert TestRun.objects.get().endpoint == "call_to_number"

    page.context.clear_cookies()
    log_in(page, base, "agent")
    page.goto(url)
    expect(page.locator(".side-effect-warning")).to_contain_text("You may not send it")
    assert page.locator("#send-test").count() == 0
