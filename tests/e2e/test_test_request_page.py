from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_login_and_integrations import log_in
from tests.factories import UserFactory
from tests.sandbox import SandboxFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def open_test_page(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/admin/integrations/integration/")
    page.click(f"text={name}")
    page.click("a.test-api-request")
    expect(page.locator("h1")).to_contain_text("Test API request")


def test_admin_sends_a_test_request_and_reads_the_diagnosis(
    page: Page,
    live_server: Any,
    sandbox: SandboxFactory,
    celery_worker: Any,
    screenshot_dir: Path,
    canary: str,
) -> None:
    UserFactory.create(username="boss", is_superuser=True)
    sandbox("voipcloud", name="pbx", api_key=canary, credentials={"api_key": canary})
    base = str(live_server)
    log_in(page, base, "boss")
    open_test_page(page, base, "pbx")

    # The exact request, the secret masked, and a curl line with a placeholder.
    preview = page.locator("#request-preview")
    expect(preview).to_contain_text("GET http://127.0.0.1:")
    expect(preview).to_contain_text("token: ••••")
    expect(page.locator(".curl-line")).to_contain_text("-H 'token: '\"$VOIPCLOUD_API_KEY\"")

    page.select_option("#id_endpoint", "user_calls")
    page.wait_for_url("**endpoint=user_calls")
    page.fill("#id_p-limit", "3")
    expect(preview).to_contain_text("limit=3")
    page.click("#send-test")
    expect(page.locator(".diagnosis-title")).to_contain_text("VoIPcloud answered correctly", timeout=20_000)
    expect(page.locator(".status-code")).to_have_text("200")
    expect(page.locator(".response-body")).to_contain_text('"unique_call_id"')
    assert canary not in page.content()
    page.screenshot(path=str(screenshot_dir / "test-request-ok.png"), full_page=True)


def test_support_tests_and_sees_the_diagnosis_but_no_secret(
    page: Page,
    live_server: Any,
    sandbox: SandboxFactory,
    celery_worker: Any,
    screenshot_dir: Path,
    canary: str,
) -> None:
    UserFactory.create(username="agent", groups=["Support"])
    sandbox(
        "vcclive",
        name="vcc-blocked",
        password=canary,
        credentials={"password": canary},
        allowed_clients=["192.0.2.7"],
    )
    base = str(live_server)
    log_in(page, base, "agent")
    page.goto(f"{base}/admin/integrations/integration/")
    page.click("text=vcc-blocked")
    expect(page.get_by_role("group", name="Vendor account")).to_contain_text("Secrets are hidden")
    assert page.locator("input[name=cred_password]").count() == 0
    assert page.locator("button.reveal-secret").count() == 0

    page.click("a.test-api-request")
    page.click("#send-test")
    title = page.locator(".diagnosis-title")
    expect(title).to_contain_text("VCC Live refused our address", timeout=20_000)
    expect(page.locator(".facts")).to_contain_text("127.0.0.1")
    expect(page.locator(".vendor-message")).to_contain_text("Access denied for IP address 127.0.0.1")
    assert canary not in page.content()
    page.screenshot(path=str(screenshot_dir / "test-request-support-ip-refused.png"), full_page=True)
