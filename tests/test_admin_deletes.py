"""Deleting an integration (its page, or "delete selected") is audited in the same transaction,
and takes its schedules' beat tasks with it; the audit row outlives the integration."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule

from integrations.models import (
    AuditEvent,
    CallRecord,
    EventOutcome,
    Integration,
    PullSchedule,
    ScheduleKind,
    WebhookEvent,
)
from integrations.services import allowlists, schedules, testing
from integrations.services.audit import CLI
from tests import beat
from tests.factories import UserFactory
from tests.sandbox import SandboxFactory

pytestmark = pytest.mark.django_db


def scheduled(integration: Integration) -> PullSchedule:
    schedule = PullSchedule.objects.create(
        integration=integration, resource="cdrs", kind=ScheduleKind.CRONTAB, cron_minute="5", cron_hour="1"
    )
    schedules.sync(schedule, CLI, created=True)
    return schedule


def test_deleting_an_integration_on_its_page_is_audited_and_removes_its_beat_tasks(
    admin_client: Client, sandbox: SandboxFactory
) -> None:
    integration = sandbox("vcclive", name="vcc-gone").integration
    scheduled(integration)
    allowlists.add_entry(integration, "198.51.100.9", CLI, kind="vendor")
    response = admin_client.post(
        reverse("admin:integrations_integration_delete", args=[integration.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Integration.objects.exists()
    assert not beat.tasks().exists() and not CrontabSchedule.objects.exists()
    event = AuditEvent.objects.get(action="integration.delete")
    assert (event.target_repr, event.integration, event.actor_label) == ("vcc-gone", None, "admin")
    assert event.details["name"] == "vcc-gone"
    assert event.details["allowlist_entries"] == 1 and event.details["credential_versions"] == 1
    assert AuditEvent.objects.filter(action="schedule.remove").count() == 1
    # The integration's earlier history is kept too, its link cleared.
    assert AuditEvent.objects.filter(action="integration.create", integration=None).exists()


def test_delete_selected_audits_each_integration(admin_client: Client, sandbox: SandboxFactory) -> None:
    first, second = sandbox("vcclive", name="a").integration, sandbox("voipcloud", name="b").integration
    scheduled(first)
    response = admin_client.post(
        reverse("admin:integrations_integration_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Integration.objects.exists() and not beat.tasks().exists()
    assert sorted(
        AuditEvent.objects.filter(action="integration.delete").values_list("target_repr", flat=True)
    ) == [
        "a",
        "b",
    ]


def test_support_may_not_delete(sandbox: SandboxFactory) -> None:
    integration = sandbox("vcclive").integration
    client = Client()
    client.force_login(UserFactory.create(username="agent", groups=["Support"]))
    url = reverse("admin:integrations_integration_delete", args=[integration.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Integration.objects.filter(pk=integration.pk).exists()
    assert not AuditEvent.objects.filter(action="integration.delete").exists()


def test_the_delete_page_counts_an_integrations_history_and_the_delete_takes_it_all(
    admin_client: Client, sandbox: SandboxFactory
) -> None:
    """A month of pulls is a line with a count, not a page of links; a webhook event pointing at a
    call record goes with it (it may not be deleted on its own, but does not keep the integration)."""
    integration = sandbox("voipcloud", name="busy").integration
    allowlists.add_entry(integration, "198.51.100.9", CLI, kind="vendor")
    now = timezone.now()
    CallRecord.objects.bulk_create(
        CallRecord(
            integration=integration,
            resource="calls",
            vendor_call_id=str(n),
            started_at=now - timedelta(minutes=n),
            raw={},
            first_seen_at=now,
            updated_at=now,
        )
        for n in range(1500)
    )
    WebhookEvent.objects.create(
        integration=integration,
        outcome=EventOutcome.STORED,
        call_record=CallRecord.objects.filter(integration=integration).first(),
    )
    url = reverse("admin:integrations_integration_delete", args=[integration.pk])

    page = admin_client.get(url).content.decode()
    assert "Call records: 1,500" in page and "Webhook events: 1" in page
    assert "Call record:" not in page  # no line per record
    assert "Allowlist entry:" in page  # the rest listed as Django lists it, with links
    assert "permission to delete" not in page and len(page) < 100_000

    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Integration.objects.exists()
    assert not CallRecord.objects.exists() and not WebhookEvent.objects.exists()


def test_delete_selected_asks_with_the_same_counts(admin_client: Client, sandbox: SandboxFactory) -> None:
    first, second = sandbox("vcclive", name="a").integration, sandbox("voipcloud", name="b").integration
    testing.start(first, None, {}, CLI, inline=True)
    testing.start(second, None, {}, CLI, inline=True)
    page = admin_client.post(
        reverse("admin:integrations_integration_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk]},
    ).content.decode()
    assert "Test runs: 2" in page and "Test run:" not in page
    assert Integration.objects.count() == 2


def test_a_call_record_deleted_on_its_own_leaves_its_webhook_event_unlinked(
    admin_client: Client, sandbox: SandboxFactory
) -> None:
    integration = sandbox("voipcloud", name="pbx").integration
    now = timezone.now()
    calls = CallRecord.objects.bulk_create(
        CallRecord(
            integration=integration,
            resource="calls",
            vendor_call_id=str(n),
            started_at=now,
            raw={},
            first_seen_at=now,
            updated_at=now,
        )
        for n in range(3)
    )
    first, second, third = (CallRecord.objects.get(vendor_call_id=str(n)) for n in range(len(calls)))
    for call in (first, second):
        WebhookEvent.objects.create(integration=integration, outcome=EventOutcome.STORED, call_record=call)
    page = reverse("admin:integrations_callrecord_delete", args=[first.pk])
    assert admin_client.post(page, {"post": "yes"}).status_code == 302
    response = admin_client.post(
        reverse("admin:integrations_callrecord_changelist"),
        {"action": "delete_selected", "_selected_action": [second.pk, third.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not CallRecord.objects.exists()
    assert list(WebhookEvent.objects.values_list("call_record", flat=True)) == [None, None]
