"""Building a report (and sending its e-mail) takes `integrations.build_report`; viewing does not."""

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from integrations.models import AuditEvent, Report, ReportRun
from integrations.roles import INTEGRATION_ADMINS, REPORT_VIEWERS, SUPPORT
from integrations.services import reports
from integrations.services.audit import CLI, Actor
from integrations.tasks import scheduled_report
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def report() -> Report:
    return Report.objects.create(name="daily-ops", recipients="ops@example.com")


@pytest.fixture
def viewer() -> User:
    return UserFactory.create(username="viewer", groups=[REPORT_VIEWERS])


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def build_now(client: Client, report: Report) -> str:
    response = client.post(
        reverse("admin:integrations_report_changelist"),
        {"action": "run_now", "_selected_action": [str(report.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_only_integration_admins_hold_the_build_permission() -> None:
    UserFactory.create(username="anyone", groups=[INTEGRATION_ADMINS])  # syncs the groups
    holders = Group.objects.filter(permissions__codename="build_report").values_list("name", flat=True)
    assert list(holders) == [INTEGRATION_ADMINS]
    assert not Group.objects.get(name=SUPPORT).permissions.filter(codename="build_report").exists()


def test_report_viewers_are_not_offered_build_now(report: Report, viewer: User) -> None:
    page = signed_in(viewer).get(reverse("admin:integrations_report_changelist")).content.decode()
    assert "daily-ops" in page
    assert 'value="run_now"' not in page


def test_a_report_viewer_posting_build_now_builds_and_sends_nothing(report: Report, viewer: User) -> None:
    build_now(signed_in(viewer), report)
    assert not ReportRun.objects.exists() and mail.outbox == []


def test_the_service_refuses_a_report_viewer(report: Report, viewer: User) -> None:
    with pytest.raises(PermissionDenied):
        reports.run(report, Actor(user=viewer, label=viewer.username))
    assert not ReportRun.objects.exists() and mail.outbox == []
    assert not AuditEvent.objects.filter(action="report.build").exists()


def test_integration_admins_build_now_and_the_build_is_audited(
    report: Report, integration_admin: User
) -> None:
    client = signed_in(integration_admin)
    page = client.get(reverse("admin:integrations_report_changelist")).content.decode()
    assert 'value="run_now"' in page
    page = build_now(client, report)
    run = ReportRun.objects.get()
    assert (run.status, run.trigger, run.requested_by) == ("succeeded", "manual", integration_admin)
    assert f"{run.period_label}</a> (succeeded)" in page
    assert len(mail.outbox) == 1
    event = AuditEvent.objects.get(action="report.build")
    assert (event.actor, event.details["trigger"]) == (integration_admin, "manual")


def test_beat_and_the_cli_build_as_system_and_cli(report: Report) -> None:
    scheduled_report(report.pk)
    reports.run(report, CLI, trigger="cli")
    labels = AuditEvent.objects.filter(action="report.build").values_list("actor_label", flat=True)
    assert sorted(labels) == ["cli", "system"]
