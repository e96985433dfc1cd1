"""Login lockout (django-axes): ten failures per user name and address lock that pair, say so
plainly, leave an audit event and keep no password; an admin's unlock is audited too."""

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from integrations.models import AuditEvent
from tests.conftest import raw_database_bytes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "correct horse battery staple"
LOCKED = "Too many failed attempts; try again in 15 minutes or ask an admin to unlock."


def attempt(client: Client, username: str, password: str, address: str = "203.0.113.5", **extra: Any) -> Any:
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address, **extra
    )


def signed_in(client: Client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def test_ten_wrong_passwords_lock_the_pair_with_a_clear_message_and_an_audit_event(canary: str) -> None:
    UserFactory.create(username="ia", groups=["Integration admins"])
    client = Client()
    for n in range(9):
        answer = attempt(client, "ia", f"{canary}-{n}")
        assert answer.status_code == 200
        assert "Please enter the correct username and password" in answer.content.decode()
    tenth = attempt(client, "ia", f"{canary}-9")
    assert tenth.status_code == 429
    assert LOCKED in tenth.content.decode()
    assert 'id="login-form"' in tenth.content.decode()  # the login page, in the admin's look

    # Locked: the right password does not get in either, and further tries change nothing.
    right = attempt(client, "ia", PASSWORD)
    assert right.status_code == 429
    assert LOCKED in right.content.decode()
    assert not signed_in(client)
    attempt(client, "ia", "again")

    lockouts = AuditEvent.objects.filter(action="login.lockout")
    assert lockouts.count() == 1
    event = lockouts.get()
    assert event.source_ip == "203.0.113.5"
    assert event.details == {"username": "ia", "failures": 10, "limit": 10, "minutes": 15}
    assert event.actor is None and event.actor_label == "anonymous"

    # The pair is locked, not the person everywhere: another address still signs in.
    other = Client()
    assert attempt(other, "ia", PASSWORD, address="198.51.100.9").status_code == 302
    assert signed_in(other)

    # No password typed is kept anywhere, neither in the attempts nor in the audit trail.
    assert canary.encode() not in raw_database_bytes()


def test_the_limit_and_the_cool_off_are_settings(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    from datetime import timedelta

    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    UserFactory.create(username="ia")
    client = Client()
    assert attempt(client, "ia", "x").status_code == 200
    assert attempt(client, "ia", "y").status_code == 200
    third = attempt(client, "ia", "z")
    assert third.status_code == 429
    assert "try again in 1 minute or ask an admin to unlock." in third.content.decode()


def test_an_admin_unlocks_in_the_admin_and_the_unlock_is_audited() -> None:
    UserFactory.create(username="ia", groups=["Integration admins"])
    for n in range(10):
        attempt(Client(), "ia", f"wrong-{n}")
    assert attempt(Client(), "ia", PASSWORD).status_code == 429

    boss = User.objects.create_superuser("boss", password=PASSWORD)
    admin = Client()
    admin.force_login(boss)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "Locked Out" in listing.content.decode()
    row = AccessAttempt.objects.get(username="ia")
    done = admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "unlock", "_selected_action": [row.pk]},
        REMOTE_ADDR="198.51.100.20",
    )
    assert done.status_code == 302
    assert not AccessAttempt.objects.exists()
    unlock = AuditEvent.objects.get(action="login.unlock")
    assert unlock.actor == boss
    assert unlock.source_ip == "198.51.100.20"
    assert unlock.details == {"username": "ia", "address": "203.0.113.5", "failures": 10}

    client = Client()
    assert attempt(client, "ia", PASSWORD).status_code == 302
    assert signed_in(client)


def test_an_integration_admin_may_unlock_and_support_may_not() -> None:
    for n in range(10):
        attempt(Client(), "someone", f"wrong-{n}")
    row = AccessAttempt.objects.get()
    ia = Client()
    ia.force_login(UserFactory.create(username="ia", groups=["Integration admins"]))
    attempts = reverse("admin:axes_accessattempt_changelist")
    assert ia.get(attempts).status_code == 200
    ia.post(attempts, {"action": "unlock", "_selected_action": [row.pk]})
    assert not AccessAttempt.objects.exists()
    assert AuditEvent.objects.get(action="login.unlock").actor_label == "ia"


def test_support_cannot_see_or_unlock_the_attempts() -> None:
    client = Client()
    client.force_login(UserFactory.create(username="support", groups=["Support"]))
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_behind_a_trusted_proxy_each_person_is_counted_apart(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    UserFactory.create(username="ia")
    for n in range(10):
        attempt(Client(), "ia", f"wrong-{n}", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    # The attacker's pair is locked; a colleague behind the same proxy is not.
    assert (
        attempt(Client(), "ia", PASSWORD, address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code
        == 429
    )
    assert (
        attempt(Client(), "ia", PASSWORD, address="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9").status_code
        == 302
    )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"


def test_a_forged_forwarded_for_from_an_untrusted_peer_changes_nothing(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    UserFactory.create(username="ia")
    for n in range(10):
        # A new forged address each time: without trust in the peer, they all count as one.
        attempt(Client(), "ia", f"wrong-{n}", address="203.0.113.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert attempt(Client(), "ia", PASSWORD, address="203.0.113.5").status_code == 429
