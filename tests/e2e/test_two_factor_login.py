"""An Integration admin's first login with two-factor on: enrolment by QR code (the key read off
the page, the codes computed as an authenticator app does), recovery codes shown once, then a
login with a recovery code (good once) and one with the app's code."""

from pathlib import Path
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.factories import UserFactory
from tests.otp import code_for, key_from_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct horse battery staple"


def password_step(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "ia")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def log_out(page: Page) -> None:
    page.click("#logout-form button")
    expect(page.locator("#content")).to_contain_text("Logged out")


def test_enrol_with_the_qr_page_then_log_in_with_a_recovery_code_and_with_the_app(
    page: Page, live_server: Any, screenshot_dir: Path, settings: Any
) -> None:
    settings.REQUIRE_2FA_FOR_ADMINS = True
    UserFactory.create(username="ia", groups=["Integration admins"])
    base = str(live_server)

    # The password alone leads to the enrolment, and nothing else opens.
    password_step(page, base)
    expect(page.locator("h1")).to_have_text("Set up two-factor authentication")
    expect(page.locator("figure.twofactor-qr svg")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "two-factor-enrol.png"), full_page=True)
    key = key_from_text(page.locator("#twofactor-secret").inner_text())
    page.goto(f"{base}/admin/integrations/integration/")
    expect(page.locator("h1")).to_have_text("Set up two-factor authentication")

    page.fill("#id_otp_token", code_for(key))
    page.click("#twofactor-form input[type=submit]")
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path=str(screenshot_dir / "two-factor-recovery-codes.png"), full_page=True)
    page.click("#twofactor-continue")
    expect(page.locator("#user-tools")).to_contain_text("ia")
    log_out(page)

    # A recovery code opens the account once.
    password_step(page, base)
    expect(page.locator("h1")).to_have_text("Two-factor authentication")
    page.fill("#id_otp_token", codes[0])
    page.click("#twofactor-form input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text("ia")
    expect(page.locator("ul.messagelist").first).to_contain_text("You used a recovery code; 9 remain")
    log_out(page)

    password_step(page, base)
    page.fill("#id_otp_token", codes[0])
    page.click("#twofactor-form input[type=submit]")
    expect(page.locator(".errorlist")).to_contain_text("not valid")
    page.screenshot(path=str(screenshot_dir / "two-factor-code.png"), full_page=True)

    # The app's code does (the next step's: the enrolment used this one).
    device = TOTPDevice.objects.get(confirmed=True)
    device.throttle_reset()  # the wrong code above made the next try wait a second
    page.fill("#id_otp_token", code_for(key, device))
    page.click("#twofactor-form input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text("ia")
    page.goto(f"{base}/admin/integrations/integration/")
    expect(page.locator("h1")).to_contain_text("integration")
