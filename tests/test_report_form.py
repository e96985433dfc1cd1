"""The report form refuses what could never be scheduled: a clear error, nothing saved, no beat task."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from integrations.models import AuditEvent, Report
from integrations.services import reports
from integrations.services.audit import CLI

pytestmark = pytest.mark.django_db


def reports_tasks() -> Any:
    """Beat tasks that build reports (beat's own ping tasks exist too)."""
    return PeriodicTask.objects.filter(task=reports.SCHEDULED_REPORT_TASK)


def form(**overrides: str) -> dict[str, Any]:
    return {
        "name": "nightly",
        "period": "daily",
        "timezone": "Europe/Budapest",
        "run_at_hour": "6",
        "recipients": "",
        "enabled": "on",
    } | overrides


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "&#x27;Mars/Olympus&#x27; is not a known time zone"),
        ({"run_at_hour": "25"}, "Ensure this value is less than or equal to 23."),
        ({"run_at_hour": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"recipients": "ops@example.com, not-an-address"}, "Enter a valid email address."),
    ],
)
def test_adding_a_report_that_could_never_fire_is_refused(
    admin_client: Client, overrides: dict[str, str], message: str
) -> None:
    response = admin_client.post(reverse("admin:integrations_report_add"), form(**overrides))
    assert response.status_code == 200  # the form again, with the error; not a 500
    assert message in response.content.decode()
    assert not Report.objects.exists()
    assert not reports_tasks().exists() and not CrontabSchedule.objects.exists()
    assert not AuditEvent.objects.exists()


def test_changing_a_report_to_an_unknown_zone_changes_nothing(admin_client: Client) -> None:
    assert admin_client.post(reverse("admin:integrations_report_add"), form()).status_code == 302
    report = Report.objects.get()
    task = reports_tasks().get()
    url = reverse("admin:integrations_report_change", args=[report.pk])
    response = admin_client.post(url, form(timezone="Mars/Olympus", run_at_hour="7"))
    assert response.status_code == 200
    assert "is not a known time zone" in response.content.decode()
    report.refresh_from_db()
    task.refresh_from_db()
    assert (report.timezone, report.run_at_hour) == ("Europe/Budapest", 6)
    assert task.crontab is not None
    assert (task.crontab.timezone.key, task.crontab.hour) == ("Europe/Budapest", "6")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["report_schedule.add"]


def test_the_schedule_service_refuses_a_report_saved_without_validation() -> None:
    report = Report.objects.create(name="raw", timezone="Mars/Olympus", run_at_hour=25)
    with pytest.raises(ValidationError) as error:
        reports.sync_schedule(report, CLI, created=True)
    assert set(error.value.message_dict) == {"timezone", "run_at_hour"}
    assert not reports_tasks().exists() and not CrontabSchedule.objects.exists()


def test_building_a_report_whose_zone_is_unknown_is_a_clear_error() -> None:
    report = Report.objects.create(name="raw", timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="'Mars/Olympus' is not a known time zone"):
        reports.run(report, CLI)
