"""Deleting an integration (its page, or "delete selected") is audited in the same transaction,
and takes its schedules' beat tasks with it; the audit row outlives the integration."""

import pytest
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule

from integrations.models import AuditEvent, Integration, PullSchedule, ScheduleKind
from integrations.services import allowlists, schedules
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
