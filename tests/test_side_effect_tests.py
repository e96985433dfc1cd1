"""A test request that changes something at the vendor (VoIPcloud's "Call a number" places a real
call) needs its own permission and a deliberate confirmation, in the service and on the page."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from integrations.models import AuditEvent, TestRun
from integrations.roles import INTEGRATION_ADMINS, SIDE_EFFECT_TEST_PERMISSION, SUPPORT
from integrations.services import testing
from integrations.services.audit import CLI, Actor
from tests.factories import UserFactory
from tests.sandbox import SandboxFactory

pytestmark = pytest.mark.django_db

CALL = {"user_number": "201", "number_to_call": "+61291234567"}
FORM = {"endpoint": "call_to_number", "p-user_number": "201", "p-number_to_call": "+61291234567"}


def logged_in(group: str) -> Client:
    client = Client()
    client.force_login(UserFactory.create(username=group.lower().replace(" ", "-"), groups=[group]))
    return client


def test_integration_admins_hold_the_permission_and_support_does_not() -> None:
    codename = SIDE_EFFECT_TEST_PERMISSION.split(".")[1]
    UserFactory.create(username="sync", groups=[SUPPORT])  # creates the groups
    assert Group.objects.get(name=INTEGRATION_ADMINS).permissions.filter(codename=codename).exists()
    assert not Group.objects.get(name=SUPPORT).permissions.filter(codename=codename).exists()


def test_the_service_refuses_support_even_when_confirmed(sandbox: SandboxFactory) -> None:
    integration = sandbox("voipcloud").integration
    agent = UserFactory.create(username="agent", groups=[SUPPORT])
    with pytest.raises(PermissionDenied, match="changes something at VoIPcloud"):
        testing.start(
            integration, "call_to_number", CALL, Actor(user=agent, label="agent"), confirm_side_effect=True
        )
    assert not TestRun.objects.exists() and not AuditEvent.objects.filter(action="test.run").exists()
    # Support's ordinary tests still go.
    assert testing.start(integration, None, {}, Actor(user=agent, label="agent"), inline=True).ok


def test_the_service_wants_the_confirmation(sandbox: SandboxFactory) -> None:
    integration = sandbox("voipcloud").integration
    with pytest.raises(ValidationError) as caught:
        testing.start(integration, "call_to_number", CALL, CLI, inline=True)
    assert caught.value.code == "confirm"
    assert not TestRun.objects.exists()
    run = testing.start(integration, "call_to_number", CALL, CLI, inline=True, confirm_side_effect=True)
    assert run.is_done and run.request_method == "POST"


def test_support_sees_the_warning_but_no_send_and_a_post_sends_nothing(sandbox: SandboxFactory) -> None:
    integration = sandbox("voipcloud").integration
    client = logged_in(SUPPORT)
    url = reverse("admin:integrations_integration_test", args=[integration.pk])
    page = client.get(url, {"endpoint": "call_to_number"}).content.decode()
    assert "This request changes something at VoIPcloud" in page
    assert "You may not send it" in page
    assert 'id="send-test"' not in page
    for data in (FORM, {**FORM, "confirm_side_effect": "call_to_number"}):
        response = client.post(url, data)
        assert response.status_code == 200
        assert "you may not send such requests" in response.content.decode()
    assert not TestRun.objects.exists()


def test_an_admin_confirms_in_a_second_step_that_names_the_effect(sandbox: SandboxFactory) -> None:
    integration = sandbox("voipcloud").integration
    client = logged_in(INTEGRATION_ADMINS)
    url = reverse("admin:integrations_integration_test", args=[integration.pk])
    listing = client.get(url).content.decode()
    assert "Call a number — changes something at the vendor" in listing

    step = client.post(url, FORM)
    assert step.status_code == 200
    html = step.content.decode()
    assert "Confirm: Places a real call" in html
    assert "Yes, send it (places a real call)" in html
    assert not TestRun.objects.exists()

    # Fetch-based Send (the page's script) cannot skip the step either.
    skipped = client.post(url, FORM, headers={"X-Requested-With": "fetch"})
    assert skipped.status_code == 400 and "Confirm that you mean it" in skipped.json()["errors"][0]
    assert not TestRun.objects.exists()

    sent = client.post(url, {**FORM, "confirm_side_effect": "call_to_number"})
    assert sent.status_code == 302
    run = TestRun.objects.get()
    assert (run.endpoint, run.params) == ("call_to_number", CALL)
    assert f"run={run.pk}" in sent["Location"]


def test_invalid_parameters_are_refused_before_the_confirm_step(sandbox: SandboxFactory) -> None:
    integration = sandbox("voipcloud").integration
    client = logged_in(INTEGRATION_ADMINS)
    url = reverse("admin:integrations_integration_test", args=[integration.pk])
    response = client.post(url, {**FORM, "p-number_to_call": "12345"})
    assert response.status_code == 200
    assert "Confirm:" not in response.content.decode()
    assert response.context["form"].errors["number_to_call"][0].startswith("Number to call (E.164) must be")
