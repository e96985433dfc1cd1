"""The renewal pass (beat, bulk queue), last-used bookkeeping, and the warnings a person must see."""

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from integrations.models import ApiToken, CredentialVersion, RotationState, TokenKind
from integrations.services import credentials, rotation
from integrations.services.audit import CLI, SYSTEM
from integrations.services.rotation import renewal
from integrations.tasks import renew_credentials
from tests.rotation_helpers import active, vendor_tokens, versions, works_now
from tests.sandbox import SandboxFactory


def test_the_renewal_task_is_scheduled_on_the_bulk_queue(db: None) -> None:
    task = PeriodicTask.objects.get(name="renew credentials")
    assert (task.task, task.queue, task.kwargs, task.enabled) == (
        "integrations.tasks.renew_credentials",
        "bulk",
        "{}",
        True,
    )
    assert task.interval is not None and task.interval.every == 15


def test_a_voipstudio_token_near_its_expiry_is_renewed_and_the_old_one_revoked(
    sandbox: SandboxFactory,
) -> None:
    box = sandbox("voipstudio")
    rotation.rotate(box.integration, CLI, {})
    first = active(box.integration)
    assert renew_credentials() == {"renewed": 0, "failed": 0, "revoked": 0, "retired": 0}  # not due

    assert first.api_token is not None
    ApiToken.objects.filter(pk=first.api_token.pk).update(expires_at=timezone.now() + timedelta(hours=1))
    assert renew_credentials()["renewed"] == 1
    second = active(box.integration)
    assert second.pk != first.pk and second.api_token is not None
    (at_vendor,) = vendor_tokens(box)
    assert at_vendor["value"] == second.secret("api_token")
    works_now(box.integration)


def test_a_revocation_that_waited_for_running_requests_is_finished_by_the_task(
    sandbox: SandboxFactory, settings: Any
) -> None:
    settings.ROTATION_DRAIN_SECONDS = 0
    box = sandbox("voipstudio")
    rotation.rotate(box.integration, CLI, {})
    old = active(box.integration)
    # A test request still running with the old token (its worker is mid-request).
    run = works_now(box.integration)
    type(run).objects.filter(pk=run.pk).update(status="running", started_at=timezone.now())
    waiting = rotation.rotate(box.integration, CLI, {})
    assert waiting.status == "in_progress" and "still use the old token" in waiting.message
    assert len(vendor_tokens(box)) == 2  # both valid: the running request keeps working

    type(run).objects.filter(pk=run.pk).update(status="finished")
    assert renew_credentials()["revoked"] == 1
    (at_vendor,) = vendor_tokens(box)
    assert at_vendor["value"] != old.secret("api_token")
    assert rotation.open_rotation(box.integration) is None


def test_a_collect_session_is_renewed_before_its_refresh_token_expires(sandbox: SandboxFactory) -> None:
    box = sandbox("collect")
    rotation.rotate(box.integration, CLI, {})
    refresh = ApiToken.objects.get(integration=box.integration, kind=TokenKind.REFRESH, revoked_at=None)
    assert renew_credentials()["renewed"] == 0
    # 22 hours into a day's lifetime: less than half of it is left.
    now = timezone.now()
    ApiToken.objects.filter(pk=refresh.pk).update(
        issued_at=now - timedelta(hours=22), expires_at=now + timedelta(hours=2)
    )
    assert renew_credentials()["renewed"] == 1
    assert ApiToken.objects.get(pk=refresh.pk).revoked_at is not None


def test_a_failed_renewal_warns_on_the_index_and_the_list(
    sandbox: SandboxFactory, integration_admin: User
) -> None:
    box = sandbox("collect")
    rotation.rotate(box.integration, CLI, {})
    refresh = ApiToken.objects.get(integration=box.integration, kind=TokenKind.REFRESH, revoked_at=None)
    now = timezone.now()
    ApiToken.objects.filter(pk=refresh.pk).update(
        issued_at=now - timedelta(hours=23), expires_at=now + timedelta(minutes=5)
    )
    box.app.configure(op_password="changed-inside-collect")
    box.app.tokens.revoke(refresh.value)
    assert renew_credentials()["failed"] == 1
    (warning,) = renewal.integration_warnings(box.integration)
    assert "failed to renew" in warning
    client = Client()
    client.force_login(integration_admin)
    index = client.get(reverse("admin:index")).content.decode()
    listing = client.get(reverse("admin:integrations_integration_changelist")).content.decode()
    assert "rotation-warnings" in index and "failed to renew" in index
    assert "credential-warning" in listing and "rotation-warnings" in listing


def test_old_person_rotated_secrets_warn_and_mail_once(sandbox: SandboxFactory, settings: Any) -> None:
    settings.ROTATION_WARNING_EMAILS = ["ops@example.test"]
    settings.CREDENTIAL_MAX_AGE_DAYS = 90
    box = sandbox("ipscape")
    version = active(box.integration)
    long_ago = (timezone.now() - timedelta(days=120)).isoformat()
    CredentialVersion.objects.filter(pk=version.pk).update(
        secret_set_at={**version.secret_set_at, "secret_key_1": long_ago}
    )
    found = renewal.integration_warnings(box.integration)
    assert found == [
        "Secret key 1 is 120 days old: a person must rotate it "
        "(Workspace → Integration → API tokens → your token → rotate secret key 1)."
    ]
    renew_credentials()
    renew_credentials()
    assert len(mail.outbox) == 1 and "Secret key 1 is 120 days old" in mail.outbox[0].body
    assert mail.outbox[0].to == ["ops@example.test"]


def test_previous_versions_are_retired_after_the_retention(sandbox: SandboxFactory, settings: Any) -> None:
    settings.CREDENTIAL_RETENTION_DAYS = 7
    box = sandbox("vcclive", extra_tokens={"second-vcc-token-value": None})
    rotation.rotate(box.integration, CLI, {"password": "second-vcc-token-value"})
    assert versions(box.integration) == {1: "previous", 2: "active"}
    assert credentials.retire_old_previous(timedelta(days=7), SYSTEM) == 0
    later = timezone.now() + timedelta(days=8)
    assert credentials.retire_old_previous(timedelta(days=7), SYSTEM, later) == 1
    assert versions(box.integration) == {1: "retired", 2: "active"}


def test_last_used_is_written_at_most_once_a_minute(sandbox: SandboxFactory) -> None:
    box = sandbox("voipstudio")
    rotation.rotate(box.integration, CLI, {})
    version = active(box.integration)
    token = version.api_token
    assert token is not None and token.idle_seconds
    now = timezone.now() + timedelta(minutes=5)  # past the rotation's own verification
    credentials.touch(version.pk, now=now)
    credentials.touch(version.pk, now=now + timedelta(seconds=30))  # within the minute: no write
    version.refresh_from_db()
    token.refresh_from_db()
    assert version.last_used_at == now == token.last_used_at
    assert token.expires_at == now + timedelta(seconds=token.idle_seconds)  # an idle expiry moves
    credentials.touch(version.pk, now=now + timedelta(seconds=90))
    version.refresh_from_db()
    assert version.last_used_at == now + timedelta(seconds=90)


def test_requests_record_last_used_and_last_verified(sandbox: SandboxFactory) -> None:
    box = sandbox("vcclive")
    version = active(box.integration)
    assert version.last_used_at is None and version.last_verified_at is None
    run = works_now(box.integration)
    version.refresh_from_db()
    assert version.last_used_at is not None and version.last_verified_at is not None
    assert run.credential_version_id == version.pk
    rotation.start(box.integration, CLI, {"password": "x"})
    opened = rotation.open_rotation(box.integration)
    assert opened is not None and opened.state == RotationState.OPEN
