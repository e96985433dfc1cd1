"""Deleting a report (its page, or "delete selected") is audited and takes its beat task with it."""

import pytest
from django.test import Client
from django.urls import reverse

from integrations.models import AuditEvent, Report, ReportRun
from integrations.services import reports
from integrations.services.audit import CLI
from tests import beat

pytestmark = pytest.mark.django_db


def scheduled_report(name: str) -> Report:
    report = Report.objects.create(name=name, timezone="Europe/Budapest")
    reports.sync_schedule(report, CLI, created=True)
    reports.run(report, CLI, trigger="manual")
    return report


def test_deleting_a_report_on_its_page_is_audited_and_removes_its_beat_task(admin_client: Client) -> None:
    report = scheduled_report("daily-ops")
    assert beat.tasks().filter(task=reports.SCHEDULED_REPORT_TASK).count() == 1

    response = admin_client.post(
        reverse("admin:integrations_report_delete", args=[report.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Report.objects.exists() and not ReportRun.objects.exists()
    assert not beat.tasks().exists()
    event = AuditEvent.objects.get(action="report.delete")
    assert (event.target_repr, event.actor_label, event.details["runs"]) == ("daily-ops", "admin", 1)


def test_delete_selected_audits_each_report(admin_client: Client) -> None:
    for name in ("daily-ops", "weekly-ops"):
        scheduled_report(name)
    response = admin_client.post(
        reverse("admin:integrations_report_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(Report.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Report.objects.exists() and not beat.tasks().exists()
    deleted = AuditEvent.objects.filter(action="report.delete").values_list("target_repr", flat=True)
    assert sorted(deleted) == ["daily-ops", "weekly-ops"]


def test_the_reports_list_links_each_last_run(admin_client: Client) -> None:
    for name in ("a", "b", "c"):
        scheduled_report(name)
    response = admin_client.get(reverse("admin:integrations_report_changelist"))
    assert response.status_code == 200
    assert response.content.decode().count("(succeeded)") == 3
