"""The "Rotate credentials" pages: admins act, Support reads the history, no page shows a secret."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from integrations.models import AuditEvent, Integration, Rotation, RotationState
from integrations.services import rotation
from integrations.services.audit import CLI
from tests.factories import UserFactory
from tests.rotation_helpers import active, rotate_in_workspace, versions
from tests.sandbox import SandboxFactory


def page_url(integration: Integration) -> str:
    return reverse("admin:integrations_integration_rotation", args=[integration.pk])


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, integration: Integration, **data: Any) -> str:
    response = client.post(page_url(integration), data, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_admin_stages_verifies_promotes_and_rolls_back_a_voipcloud_key(
    sandbox: SandboxFactory, integration_admin: User, canary: str
) -> None:
    box = sandbox("voipcloud", extra_api_keys=[canary])
    integration = box.integration
    client = logged_in(integration_admin)
    first = client.get(page_url(integration)).content.decode()
    assert "Stage and verify" in first and "VoIPcloud portal → Integration/API tab → API" in first

    staged = post(client, integration, action="start", new_api_key=canary)
    assert "The new value works: promote it" in staged and "Promote it" in staged
    assert "VoIPcloud answered correctly" in staged  # the live test, rendered as on the test page
    assert versions(integration) == {1: "active", 2: "staged"}

    current = Rotation.objects.get(state=RotationState.OPEN)
    promoted = post(client, integration, action="step", rotation=current.pk)
    assert "Version 2 is active" in promoted and "Roll back to v1" in promoted
    assert active(integration).secret("api_key") == canary

    rollback_url = reverse("admin:integrations_integration_rollback", args=[integration.pk])
    confirm_page = client.get(rollback_url).content.decode()
    assert "Yes, roll back to v1" in confirm_page
    rolled = client.post(rollback_url, follow=True).content.decode()
    assert "Rolled back: version 1 is active again" in rolled and "Live test after the rollback" in rolled
    assert versions(integration) == {1: "active", 2: "retired"}

    pages = [first, staged, promoted, confirm_page, rolled]
    pages.append(
        client.get(reverse("admin:integrations_integration_change", args=[integration.pk])).content.decode()
    )
    assert all(canary not in page for page in pages)
    assert AuditEvent.objects.filter(action="credential.rollback", actor=integration_admin).count() == 1


def test_a_failed_verification_in_the_wizard_keeps_the_old_key_and_offers_a_retry(
    sandbox: SandboxFactory, integration_admin: User
) -> None:
    box = sandbox("ipscape")
    integration = box.integration
    client = logged_in(integration_admin)
    started = post(client, integration, action="start")
    assert "Rotate <strong>secret key 2</strong>" in started
    assert "Workspace → Integration → API tokens → your token → rotate secret key 2" in started
    assert "Nothing uses key 2 now" in started
    current = Rotation.objects.get(state=RotationState.OPEN)
    rotate_in_workspace(box, 2)
    failed = post(client, integration, action="step", rotation=current.pk, value="sk_a-typo")
    assert "Nothing changed: version 1 stays active" in failed and "Test the new key" in failed
    assert "bad_credentials" in failed
    assert active(integration).version == 1
    abandoned = post(client, integration, action="abandon", rotation=current.pk)
    assert "Abandoned" in abandoned and "Start: rotate secret key 2" in abandoned


def test_support_reads_the_steps_and_history_but_cannot_act(
    sandbox: SandboxFactory, support_user: User
) -> None:
    box = sandbox("voipstudio")
    rotation.rotate(box.integration, CLI, {})
    client = logged_in(support_user)
    page = client.get(page_url(box.integration))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Mint a new API token" in text and "Rotation history" in text
    assert "rotation-form" not in text and "rotation-confirm" not in text
    assert client.post(page_url(box.integration), {"action": "start"}).status_code == 403
    rollback_url = reverse("admin:integrations_integration_rollback", args=[box.integration.pk])
    assert client.get(rollback_url).status_code == 403
    assert client.get(reverse("admin:integrations_integration_keyring")).status_code == 403
    change = client.get(reverse("admin:integrations_integration_change", args=[box.integration.pk]))
    assert "Rotate credentials" in change.content.decode() and "Roll back" not in change.content.decode()


def test_report_viewers_see_no_rotation_page(sandbox: SandboxFactory) -> None:
    box = sandbox("vcclive")
    viewer = UserFactory.create(username="viewer", groups=["Report viewers"])
    assert logged_in(viewer).get(page_url(box.integration)).status_code == 403


@pytest.mark.parametrize(
    "data",
    [
        {"action": "start"},  # a staged vendor with no value typed
        {"action": "nonsense"},
        {"action": "step", "rotation": "999"},
        {"action": "abandon", "rotation": "x"},
        {"action": "start", "new_password": "   "},
    ],
)
def test_bad_posts_get_a_message_never_an_error_page(
    sandbox: SandboxFactory, integration_admin: User, data: dict[str, str]
) -> None:
    box = sandbox("vcclive")
    response = logged_in(integration_admin).post(page_url(box.integration), data, follow=True)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert active(box.integration).version == 1
    assert not Rotation.objects.filter(state=RotationState.OPEN).exists()  # nothing left half-open


def test_every_vendor_page_renders_before_during_and_after(
    sandbox: SandboxFactory, integration_admin: User, support_user: User
) -> None:
    for vendor in ("vcclive", "voipstudio", "collect", "ipscape", "voipcloud"):
        box = sandbox(vendor)
        for user in (integration_admin, support_user):
            assert logged_in(user).get(page_url(box.integration)).status_code == 200
        typed = {"vcclive": {"password": "a-new-one"}, "voipcloud": {"api_key": "a-new-one"}}
        rotation.start(box.integration, CLI, typed.get(vendor, {}))
        for user in (integration_admin, support_user):
            assert logged_in(user).get(page_url(box.integration)).status_code == 200


def test_the_key_ring_page_counts_values_per_key(
    integration_admin: User, vcc_integration: Integration, settings: Any, canary: str
) -> None:
    from cryptography.fernet import Fernet

    old = list(settings.PORTAL_ENCRYPTION_KEYS)
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old]
    page = logged_in(integration_admin).get(reverse("admin:integrations_integration_keyring"))
    text = page.content.decode()
    assert page.status_code == 200 and "#1 (current: encrypts)" in text
    assert "integrations.CredentialVersion.secret_values" in text
    assert canary not in text
