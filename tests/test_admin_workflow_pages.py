"""The workflow pages with odd input: never a 500, always the admin's own pages and messages."""

import uuid

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from integrations.models import TestRun
from integrations.services import testing
from integrations.services.audit import CLI
from tests.sandbox import SandboxFactory

pytestmark = pytest.mark.django_db


def page_of(pk: int) -> str:
    return reverse("admin:integrations_integration_test", args=[pk])


@pytest.mark.parametrize("run", ["abc", "²", "1e3", "-1", "99999999999999999999999", ""])
def test_a_malformed_run_id_shows_the_page_with_a_message(
    admin_client: Client, sandbox: SandboxFactory, run: str
) -> None:
    integration = sandbox("voipcloud").integration
    response = admin_client.get(page_of(integration.pk), {"run": run})
    assert response.status_code == 200
    assert f"has no test run {run!r}" in " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_a_run_of_another_integration_is_not_shown(admin_client: Client, sandbox: SandboxFactory) -> None:
    mine, other = sandbox("voipcloud").integration, sandbox("vcclive").integration
    foreign = testing.start(other, None, {}, CLI, inline=True)
    response = admin_client.get(page_of(mine.pk), {"run": str(foreign.pk)})
    assert response.status_code == 200 and response.context["run"] is None


def test_a_run_of_this_integration_is_shown(admin_client: Client, sandbox: SandboxFactory) -> None:
    integration = sandbox("voipcloud").integration
    run = testing.start(integration, None, {}, CLI, inline=True)
    response = admin_client.get(page_of(integration.pk), {"run": str(run.pk)})
    assert response.context["run"] == run
    assert "VoIPcloud answered correctly" in response.content.decode()


def test_an_unknown_endpoint_lands_on_the_connectivity_test_with_a_message(
    admin_client: Client, sandbox: SandboxFactory
) -> None:
    integration = sandbox("voipcloud").integration
    response = admin_client.get(page_of(integration.pk), {"endpoint": "nonexistent"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == page_of(integration.pk)
    assert response.context["endpoint"].connectivity
    text = " ".join(str(m) for m in response.context["messages"])
    assert "VoIPcloud has no endpoint 'nonexistent'" in text


@pytest.mark.parametrize("ids", [["²"], ["abc"], ["1", "x"], ["-3"]])
def test_pull_progress_ignores_ids_that_are_not_numbers(admin_client: Client, ids: list[str]) -> None:
    response = admin_client.get(reverse("admin:integrations_pullrun_progress"), {"id": ids})
    assert response.status_code == 200
    assert response.json() == {}


def test_an_unknown_connectivity_batch_is_the_admins_404(admin_client: Client) -> None:
    batch = uuid.uuid4()
    assert admin_client.get(reverse("admin:integrations_testrun_batch", args=[batch])).status_code == 404
    status = admin_client.get(reverse("admin:integrations_testrun_batch_status", args=[batch]))
    assert status.status_code == 404 and "error" in status.json()


def test_a_known_batch_shows_its_runs(admin_client: Client, sandbox: SandboxFactory) -> None:
    integration = sandbox("voipcloud").integration
    batch = TestRun.new_batch()
    testing.start(integration, None, {}, CLI, via="connectivity", batch=batch, inline=True)
    response = admin_client.get(reverse("admin:integrations_testrun_batch", args=[batch]))
    assert response.status_code == 200 and integration.name in response.content.decode()


def test_parameter_errors_name_the_parameter_by_its_label_on_its_field(
    admin_client: Client, sandbox: SandboxFactory
) -> None:
    integration = sandbox("voipcloud").integration
    response = admin_client.post(
        page_of(integration.pk), {"endpoint": "user_calls", "p-limit": "99999", "p-from_date": "soon"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["limit"] == ["Limit must be at most 10000"]
    assert form.errors["from_date"] == ["From day must be a date like 2026-11-23"]
    assert not TestRun.objects.exists()
    html = response.content.decode()
    assert "limit: " not in html
