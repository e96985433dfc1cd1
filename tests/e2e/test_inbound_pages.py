"""In Chromium: issue a portal token in the admin, see it once, use it, revoke it, see it refused;
the webhook panel of a VoIPcloud integration and its "Send test event"."""

from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from integrations.services import allowlists, webhooks
from integrations.services.audit import CLI
from integrations.services.integrations import create_integration
from tests.e2e.test_login_and_integrations import PASSWORD, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_token_is_shown_once_works_and_stops_working_when_revoked(
    page: Page, live_server: object, screenshot_dir: Path
) -> None:
    User.objects.create_superuser("boss", password=PASSWORD)
    base = str(live_server)
    log_in(page, base, "boss")

    page.goto(f"{base}/admin/integrations/portaltoken/add/")
    page.fill("#id_name", "CRM sync")
    page.check("input[name=scopes][value='calls:read']")
    page.fill("#id_expires_on", "")
    page.click("#issue-token")
    value = page.locator("#token-value").inner_text().strip()
    assert value.startswith("sbt_")
    expect(page.locator(".token-once")).to_contain_text("shown this once")
    page.screenshot(path=str(screenshot_dir / "portal-token-issued.png"), full_page=True)

    answer = requests.get(f"{base}/api/v1/calls/", headers={"Authorization": f"Bearer {value}"}, timeout=10)
    assert answer.status_code == 200 and answer.json()["results"] == []

    page.click("text=Done: show the token's record")
    expect(page.locator("#content")).to_contain_text("CRM sync")
    assert value not in page.content()
    page.click("button.revoke-token")
    expect(page.locator(".messagelist")).to_contain_text("refused from now on")
    page.goto(f"{base}/admin/integrations/portaltoken/")
    expect(page.locator("#result_list")).to_contain_text("revoked")
    assert value not in page.content()
    page.screenshot(path=str(screenshot_dir / "portal-tokens-list.png"), full_page=True)

    refused = requests.get(f"{base}/api/v1/calls/", headers={"Authorization": f"Bearer {value}"}, timeout=10)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_revoked"


def test_the_webhook_panel_and_send_test_event(
    page: Page, live_server: object, screenshot_dir: Path, canary: str
) -> None:
    User.objects.create_superuser("boss", password=PASSWORD)
    integration = create_integration(
        vendor="voipcloud",
        name="pbx-e2e",
        credential_values={
            "pbx_host": "pbx.example.com",
            "api_key": "voipcloud-e2e-key",
            "webhook_secret": canary,
        },
        actor=CLI,
    )
    base = str(live_server)
    log_in(page, base, "boss")
    page.goto(f"{base}/admin/integrations/integration/{integration.pk}/change/")
    url = webhooks.webhook_url(integration)
    expect(page.locator("code.webhook-url")).to_have_text(str(url))
    expect(page.locator(".webhook-steps")).to_contain_text("PBX → Settings → Integrations → Webhooks")
    page.locator("fieldset", has_text="Webhook URL").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "webhook-panel.png"), full_page=True)
    assert canary not in page.content()

    page.click("a.send-test-event")
    page.click("#send-test-event")  # nothing on the inbound allowlist yet: refused
    expect(page.locator(".test-status")).to_have_text("401")
    expect(page.locator(".webhook-test-result")).to_contain_text("address not on the inbound allowlist")
    page.screenshot(path=str(screenshot_dir / "webhook-test-refused.png"), full_page=True)

    allowlists.add_entry(integration, "127.0.0.1", CLI)
    page.click("#send-test-event")
    expect(page.locator(".test-status")).to_have_text("200")
    assert canary not in page.content()
