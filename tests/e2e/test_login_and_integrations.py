from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from integrations.services.audit import CLI
from integrations.services.integrations import create_integration

# serialized_rollback: live_server flushes the database; this puts the migrations' groups back.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct horse battery staple"


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


def test_admin_logs_in_opens_integrations_and_reveals_a_secret(
    page: Page, live_server: object, screenshot_dir: Path, canary: str
) -> None:
    User.objects.create_superuser("boss", password=PASSWORD)
    create_integration(
        vendor="vcclive",
        name="vcc-e2e",
        credential_values={"customer": "acme", "password": canary},
        actor=CLI,
    )
    base = str(live_server)

    log_in(page, base, "boss")
    page.click("text=Integrations >> nth=0")
    page.goto(f"{base}/admin/integrations/integration/")
    expect(page.locator("#result_list")).to_contain_text("vcc-e2e")
    expect(page.locator("#result_list")).to_contain_text("https://acme.asp.virtual-call-center.eu/v2/")
    page.screenshot(path=str(screenshot_dir / "integrations-list.png"), full_page=True)

    page.click("text=vcc-e2e")
    assert canary not in page.content()
    expect(page.locator(".secret-hint")).to_contain_text("••••" + canary[-4:])
    page.click("button.reveal-secret")
    expect(page.locator("code.revealed-secret")).to_have_text(canary)
    page.screenshot(path=str(screenshot_dir / "integration-revealed.png"), full_page=True)
