"""Browser tests of the Rotate credentials wizard: ipSCAPE's two keys, and a VoIPcloud key staged,
verified, promoted and rolled back. The operator's part at ipSCAPE is played by the simulator."""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_login_and_integrations import log_in
from tests.factories import UserFactory
from tests.rotation_helpers import active, rotate_in_workspace
from tests.sandbox import SandboxFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def open_rotation_page(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/admin/integrations/integration/")
    page.click(f"text={name}")
    page.click("a.rotate-credentials")
    expect(page.locator("h1")).to_contain_text("Rotate credentials")


def test_admin_completes_the_ipscape_two_key_wizard(
    page: Page, live_server: Any, sandbox: SandboxFactory, screenshot_dir: Path
) -> None:
    UserFactory.create(username="boss", is_superuser=True)
    box = sandbox("ipscape", name="ipscape-prod")
    base = str(live_server)
    log_in(page, base, "boss")
    open_rotation_page(page, base, "ipscape-prod")

    page.click("#start-rotation")
    actions = page.locator(".rotation-actions")
    expect(actions).to_contain_text("Workspace → Integration → API tokens → your token → rotate secret key 2")
    expect(actions).to_contain_text("Nothing uses key 2 now")
    page.fill("#id_value", rotate_in_workspace(box, 2))
    page.click("text=Test the new key")
    expect(page.locator(".rotation-step.done[data-step=verify]").first).to_contain_text("The new key 2 works")
    expect(page.locator(".diagnosis-title").first).to_contain_text("ipSCAPE answered correctly")
    page.screenshot(path=str(screenshot_dir / "rotation-ipscape-verified.png"), full_page=True)
    page.click("#do-step")  # switch
    expect(actions).to_contain_text("rotate secret key 1")

    page.fill("#id_value", rotate_in_workspace(box, 1))
    page.click("text=Test the new key")
    page.click("#do-step")
    expect(page.locator(".rotation-summary")).to_contain_text("both keys are new")
    expect(page.locator("h2").filter(has_text="Succeeded")).to_be_visible()
    assert page.locator(".rotation-step.done").count() == 8  # choose, paste, verify, switch: each key
    page.screenshot(path=str(screenshot_dir / "rotation-ipscape-done.png"), full_page=True)
    assert active(box.integration).public_values["active_key"] == "1"


def test_admin_stages_verifies_promotes_then_rolls_back_a_voipcloud_key(
    page: Page, live_server: Any, sandbox: SandboxFactory, screenshot_dir: Path, canary: str
) -> None:
    UserFactory.create(username="boss", is_superuser=True)
    box = sandbox("voipcloud", name="pbx", extra_api_keys=[canary])
    base = str(live_server)
    log_in(page, base, "boss")
    open_rotation_page(page, base, "pbx")

    page.fill("#id_new_api_key", canary)
    page.click("#stage-secret")
    expect(page.locator(".rotation-step.done[data-step=verify]")).to_contain_text("The new value works")
    expect(page.locator(".credential-versions")).to_contain_text("staged")
    page.click("#do-step")  # promote
    expect(page.locator(".rotation-summary")).to_contain_text("Version 2 is active")
    page.screenshot(path=str(screenshot_dir / "rotation-voipcloud-promoted.png"), full_page=True)
    assert active(box.integration).secret("api_key") == canary

    page.click("#rollback-link")
    expect(page.locator("h1")).to_contain_text("Roll back")
    page.click("#confirm-rollback")
    expect(page.locator(".messagelist")).to_contain_text("Rolled back: version 1 is active again")
    after = page.locator(".module", has_text="Live test after the rollback")
    rollback_test = after.locator(".diagnosis-title")
    expect(rollback_test).to_contain_text("VoIPcloud answered correctly")
    expect(page.locator(".credential-versions tr.version-retired")).to_contain_text("v2")
    assert canary not in page.content()
    page.screenshot(path=str(screenshot_dir / "rotation-voipcloud-rolled-back.png"), full_page=True)
    assert active(box.integration).version == 1
