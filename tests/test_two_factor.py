"""Two-factor login (django-otp TOTP + recovery codes), through the admin's own pages.

Codes are computed here from the device's key, as an authenticator app would.
"""

import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from integrations.models import AuditEvent
from tests.factories import UserFactory
from tests.otp import code_for, key_from_text

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
INDEX = reverse("admin:index")
ENROL = reverse("admin:twofactor_enrol")
VERIFY = reverse("admin:twofactor_verify")


@pytest.fixture(autouse=True)
def required(settings: Any) -> None:
    settings.REQUIRE_2FA_FOR_ADMINS = True


def password_login(client: Client, username: str) -> Any:
    return client.post(reverse("admin:login"), {"username": username, "password": PASSWORD, "next": INDEX})


def verified_client(user: User) -> Client:
    """A session signed in with a confirmed device, as django_otp.login leaves it."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.create(
        user=user, name="app", confirmed=True
    ).persistent_id
    session.save()
    return client


def enrol(client: Client) -> tuple[TOTPDevice, list[str]]:
    page = client.get(ENROL)
    assert page.status_code == 200
    html = page.content.decode()
    secret = re.search(r'id="twofactor-secret">([A-Z2-7 ]+)<', html)
    assert secret is not None
    key = key_from_text(secret.group(1))
    confirmed = client.post(ENROL, {"otp_token": code_for(key), "next": INDEX})
    assert confirmed.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", confirmed.content.decode())
    return TOTPDevice.objects.get(confirmed=True), codes


def test_an_admin_with_a_password_alone_reaches_only_the_enrolment() -> None:
    UserFactory.create(username="ia", groups=["Integration admins"])
    client = Client()
    answer = password_login(client, "ia")
    assert answer.status_code == 302
    assert answer.url == f"{ENROL}?next=%2Fadmin%2F"
    # Every admin page sends them back through the login to the second factor.
    for url in (INDEX, reverse("admin:integrations_integration_changelist")):
        bounced = client.get(url, follow=True)
        assert bounced.redirect_chain[-1][0].startswith(ENROL)
    page = client.get(ENROL)
    html = page.content.decode()
    qr = re.search(r'<figure class="twofactor-qr"[^>]*>(.*?)</figure>', html, flags=re.DOTALL)
    assert qr is not None and qr.group(1).lstrip().startswith("<svg")  # drawn on the server
    assert "<script" not in qr.group(1) and "style=" not in qr.group(1)
    assert re.search(r'id="twofactor-secret">([A-Z2-7]{4} ){7}[A-Z2-7]{4}<', html)


def test_enrolment_with_a_real_code_shows_ten_recovery_codes_once_and_opens_the_admin(settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a wait no test run outlasts
    user = UserFactory.create(username="ia", groups=["Integration admins"])
    client = Client()
    password_login(client, "ia")
    wrong = client.post(ENROL, {"otp_token": "000000"})
    assert "does not match" in wrong.content.decode()
    at_once = client.post(ENROL, {"otp_token": "000001"})
    assert "Too many wrong codes in a row: wait " in at_once.content.decode()
    TOTPDevice.objects.get().throttle_reset()  # rather than wait the second
    device, codes = enrol(client)
    assert len(codes) == len(set(codes)) == 10
    assert client.get(INDEX).status_code == 200
    assert device.user == user
    event = AuditEvent.objects.get(action="2fa.enrol")
    assert (event.actor, event.target_id) == (user, str(user.pk))
    # Shown once: the status page counts them but never shows them again.
    status = client.get(reverse("admin:twofactor_status")).content.decode()
    assert 'id="codes-left">10<' in status
    assert not any(code in status for code in codes)


def test_the_next_login_asks_for_the_code_and_a_wrong_one_counts_as_a_failed_login() -> None:
    UserFactory.create(username="ia", groups=["Integration admins"])
    first = Client()
    password_login(first, "ia")
    device, _ = enrol(first)

    client = Client()
    assert password_login(client, "ia").url == f"{VERIFY}?next=%2Fadmin%2F"
    assert client.get(INDEX).status_code == 302
    wrong = client.post(VERIFY, {"otp_token": "123456", "next": INDEX})
    assert "not valid" in wrong.content.decode()
    assert AccessAttempt.objects.get(username="ia").failures_since_start == 1
    device.throttle_reset()  # django-otp makes the next try wait a second after a failure
    right = client.post(VERIFY, {"otp_token": code_for(device.bin_key, device), "next": INDEX})
    assert right.status_code == 302 and right["Location"] == INDEX
    assert client.get(INDEX).status_code == 200


def test_a_code_is_accepted_once() -> None:
    UserFactory.create(username="ia", groups=["Integration admins"])
    first = Client()
    password_login(first, "ia")
    device, _ = enrol(first)
    code = code_for(device.bin_key, device)
    one, two = Client(), Client()
    for client in (one, two):
        password_login(client, "ia")
    assert one.post(VERIFY, {"otp_token": code}).status_code == 302
    assert "not valid" in two.post(VERIFY, {"otp_token": code}).content.decode()


def test_a_recovery_code_opens_the_account_once() -> None:
    UserFactory.create(username="ia", groups=["Integration admins"])
    first = Client()
    password_login(first, "ia")
    _, codes = enrol(first)

    client = Client()
    password_login(client, "ia")
    used = client.post(VERIFY, {"otp_token": codes[3].upper(), "next": INDEX}, follow=True)
    assert used.status_code == 200
    assert "You used a recovery code; 9 remain" in used.content.decode()
    assert StaticToken.objects.count() == 9

    again = Client()
    password_login(again, "ia")
    assert "not valid" in again.post(VERIFY, {"otp_token": codes[3]}).content.decode()


def test_new_recovery_codes_replace_the_old_ones_and_are_audited() -> None:
    UserFactory.create(username="ia", groups=["Integration admins"])
    client = Client()
    password_login(client, "ia")
    _, old = enrol(client)
    fresh = client.post(reverse("admin:twofactor_recovery_codes"))
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", fresh.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    assert AuditEvent.objects.filter(action="2fa.recovery_codes").count() == 1


def test_support_signs_in_with_a_password_alone_and_superusers_need_the_code() -> None:
    UserFactory.create(username="support", groups=["Support"])
    client = Client()
    assert password_login(client, "support").url == INDEX
    assert client.get(INDEX).status_code == 200

    User.objects.create_superuser("boss", password=PASSWORD)
    assert password_login(Client(), "boss").url.startswith(ENROL)


def test_with_the_requirement_relaxed_an_admin_signs_in_with_a_password(settings: Any) -> None:
    settings.REQUIRE_2FA_FOR_ADMINS = False
    UserFactory.create(username="ia", groups=["Integration admins"])
    client = Client()
    assert password_login(client, "ia").url == INDEX
    assert client.get(INDEX).status_code == 200


def test_a_user_who_enrolled_is_asked_for_the_code_even_when_relaxed(settings: Any) -> None:
    UserFactory.create(username="support", groups=["Support"])
    client = Client()
    password_login(client, "support")
    enrol(client)
    settings.REQUIRE_2FA_FOR_ADMINS = False
    assert password_login(Client(), "support").url.startswith(VERIFY)


def test_an_admin_resets_a_lost_phone_and_the_reset_is_audited() -> None:
    ia = UserFactory.create(username="ia", groups=["Integration admins"])
    own = Client()
    password_login(own, "ia")
    enrol(own)
    assert own.get(INDEX).status_code == 200

    boss = User.objects.create_superuser("boss", password=PASSWORD)
    admin = verified_client(boss)
    changelist = reverse("admin:auth_user_changelist")
    assert admin.get(changelist).status_code == 200
    done = admin.post(changelist, {"action": "reset_two_factor", "_selected_action": [ia.pk]})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=ia).exists()
    assert not StaticDevice.objects.filter(user=ia).exists()
    event = AuditEvent.objects.get(action="2fa.reset")
    assert (event.actor, event.target_id, event.details) == (boss, str(ia.pk), {"devices_removed": 2})
    # Their session verified by the removed device is no longer verified; the next login enrols.
    assert own.get(INDEX).status_code == 302
    assert password_login(Client(), "ia").url.startswith(ENROL)


def test_nobody_may_read_another_persons_authenticator_key() -> None:
    client = verified_client(User.objects.create_superuser("boss", password=PASSWORD))
    assert client.get(INDEX).status_code == 200
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_the_second_factor_pages_need_a_password_first() -> None:
    for url in (ENROL, VERIFY, reverse("admin:twofactor_status")):
        answer = Client().get(url)
        assert answer.status_code == 302
        assert answer["Location"].startswith(reverse("admin:login"))


def test_logging_out_works_half_way_through_the_login() -> None:
    UserFactory.create(username="ia", groups=["Integration admins"])
    client = Client()
    password_login(client, "ia")
    assert client.post(reverse("admin:logout")).status_code == 200
    assert client.get(ENROL).status_code == 302
