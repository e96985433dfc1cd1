"""Schedules on the integration page (kept in step with beat), Pull now, and the pull runs list."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from integrations.models import AuditEvent, PullRun, PullSchedule
from integrations.tasks import scheduled_pull
from tests.factories import UserFactory
from tests.sandbox import SandboxFactory
from tests.test_admin_integrations import change_url, form_data

pytestmark = pytest.mark.django_db


def schedule_rows(**row: str) -> dict[str, str]:
    data = {"pull_schedules-TOTAL_FORMS": "1", "pull_schedules-INITIAL_FORMS": "0"}
    data.update({f"pull_schedules-0-{k}": v for k, v in row.items()})
    return data


def test_a_schedule_added_on_the_integration_becomes_a_beat_task_with_ids_only(
    admin_client: Client, sandbox: SandboxFactory, canary: str
) -> None:
    box = sandbox("voipcloud", api_key=canary, credentials={"api_key": canary})
    integration = box.integration
    data = {
        **form_data(integration),
        "cred_pbx_host": "127.0.0.1",
        "cred_api_key": "",
        "cred_webhook_secret": "",
    }
    data.update(
        schedule_rows(
            resource="user_calls",
            kind="interval",
            every_minutes="15",
            cron_minute="0",
            cron_hour="*",
            cron_day_of_week="*",
            enabled="on",
        )
    )
    response = admin_client.post(change_url(integration), data)
    assert response.status_code == 302, response.content.decode()[-2000:]

    schedule = PullSchedule.objects.get()
    task = PeriodicTask.objects.get(pk=schedule.periodic_task_id)
    assert task.task == "integrations.tasks.scheduled_pull"
    assert task.queue == "bulk" and task.enabled
    assert task.interval is not None and (task.interval.every, task.interval.period) == (15, "minutes")
    assert task.kwargs == f'{{"integration_id": {integration.pk}, "resource": "user_calls"}}'
    assert canary not in task.kwargs + task.args + task.description
    assert AuditEvent.objects.filter(action="schedule.add").count() == 1

    # What beat runs: the task with those kwargs pulls the resource.
    scheduled_pull(**__import__("json").loads(task.kwargs))
    run = PullRun.objects.get()
    assert (run.trigger, run.status) == ("schedule", "succeeded")


def test_a_schedule_can_move_to_crontab_and_be_removed(admin_client: Client, sandbox: SandboxFactory) -> None:
    integration = sandbox("vcclive").integration
    base = {**form_data(integration)}
    base.update(
        schedule_rows(
            resource="cdrs",
            kind="interval",
            every_minutes="60",
            cron_minute="0",
            cron_hour="*",
            cron_day_of_week="*",
            enabled="on",
        )
    )
    assert admin_client.post(change_url(integration), base).status_code == 302
    schedule = PullSchedule.objects.get()
    edit = {
        **form_data(integration),
        "pull_schedules-TOTAL_FORMS": "1",
        "pull_schedules-INITIAL_FORMS": "1",
        "pull_schedules-0-id": str(schedule.pk),
        "pull_schedules-0-integration": str(integration.pk),
        "pull_schedules-0-resource": "cdrs",
        "pull_schedules-0-kind": "crontab",
        "pull_schedules-0-every_minutes": "",
        "pull_schedules-0-cron_minute": "30",
        "pull_schedules-0-cron_hour": "2",
        "pull_schedules-0-cron_day_of_week": "mon-fri",
        "pull_schedules-0-enabled": "on",
    }
    assert admin_client.post(change_url(integration), edit).status_code == 302
    task = PeriodicTask.objects.get(task="integrations.tasks.scheduled_pull")
    assert task.crontab is not None and (task.crontab.minute, task.crontab.hour) == ("30", "2")
    assert task.interval is None

    remove = {**edit, "pull_schedules-0-DELETE": "on"}
    assert admin_client.post(change_url(integration), remove).status_code == 302
    assert (
        not PullSchedule.objects.exists()
        and not PeriodicTask.objects.filter(task="integrations.tasks.scheduled_pull").exists()
    )
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="schedule").order_by("id")] == [
        "schedule.add",
        "schedule.change",
        "schedule.remove",
    ]


def test_interval_schedule_needs_its_minutes(admin_client: Client, sandbox: SandboxFactory) -> None:
    integration = sandbox("vcclive").integration
    data = {**form_data(integration)}
    data.update(
        schedule_rows(
            resource="cdrs",
            kind="interval",
            every_minutes="",
            cron_minute="0",
            cron_hour="*",
            cron_day_of_week="*",
            enabled="on",
        )
    )
    response = admin_client.post(change_url(integration), data)
    assert response.status_code == 200
    assert "Say how many minutes apart" in response.content.decode()
    assert not PeriodicTask.objects.filter(task="integrations.tasks.scheduled_pull").exists()


def test_pull_now_queues_every_resource_and_the_list_shows_progress(
    admin_client: Client, sandbox: SandboxFactory, django_capture_on_commit_callbacks: Any
) -> None:
    integration = sandbox("vcclive").integration
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            reverse("admin:integrations_integration_changelist"),
            {"action": "pull_now", "_selected_action": [integration.pk]},
        )
    assert response.status_code == 302
    resources = ["cdrs", "projects", "records", "users"]
    assert sorted(PullRun.objects.values_list("resource", flat=True)) == resources
    assert len(callbacks) == 4  # one task each, sent when the transaction commits
    listing = admin_client.get(reverse("admin:integrations_pullrun_changelist")).content.decode()
    assert listing.count('class="pull-progress"') == 4
    ids = "&".join(f"id={pk}" for pk in PullRun.objects.values_list("pk", flat=True))
    progress = admin_client.get(reverse("admin:integrations_pullrun_progress") + "?" + ids).json()
    assert len(progress) == 4 and not any(p["done"] for p in progress.values())
    page = admin_client.get(change_url(integration)).content.decode()
    assert "recent pulls" in page.lower() and "Whole history" in page


def test_support_sees_pull_runs_but_cannot_pull(sandbox: SandboxFactory) -> None:
    integration = sandbox("vcclive").integration
    client = Client()
    client.force_login(UserFactory.create(username="sup", groups=["Support"]))
    assert client.get(reverse("admin:integrations_pullrun_changelist")).status_code == 200
    changelist = client.get(reverse("admin:integrations_integration_changelist")).content.decode()
    assert "pull_now" not in changelist
    response = client.post(
        reverse("admin:integrations_integration_changelist"),
        {"action": "pull_now", "_selected_action": [integration.pk]},
    )
    assert not PullRun.objects.exists()
    assert response.status_code in (200, 302)
