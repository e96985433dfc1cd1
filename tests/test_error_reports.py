"""Error reports never show a typed secret, under DEBUG too.

A real failure of a real view: an admin saves a VoIPcloud integration whose stored credentials
no key of the ring opens (they were written under a key since lost), typing a new webhook secret
and a token value. The view raises; Django's technical 500 page (DEBUG) renders the exception
with the request's POST and every frame's variables. None of the typed secrets may appear.
"""

import sys
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from integrations.error_reports import SecretsFilter
from integrations.fields import DecryptionError
from integrations.models import Integration
from integrations.services.audit import CLI
from integrations.services.integrations import create_integration
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOST_KEY = Fernet.generate_key().decode()


def lost_ring_integration() -> Integration:
    with override_settings(PORTAL_ENCRYPTION_KEYS=[LOST_KEY]):
        return create_integration(
            vendor="voipcloud",
            name="pbx",
            credential_values={"pbx_host": "pbx.example.com", "api_key": "the-stored-api-key"},
            actor=CLI,
        )


def hostile_save(integration: Integration, canary: str) -> dict[str, str]:
    data = {
        "name": integration.name,
        "enabled": "on",
        "owner": "",
        "timezone": "UTC",
        "notes": "",
        "base_url_override": "",
        "cred_pbx_host": "pbx.example.com",
        "cred_api_key": "",
        "cred_webhook_secret": f"{canary}-webhook",
        "api_tokens-TOTAL_FORMS": "1",
        "api_tokens-INITIAL_FORMS": "0",
        "api_tokens-0-name": "ops",
        "api_tokens-0-new_value": f"{canary}-token",
        "api_tokens-0-issued_at_0": "2026-12-01",
        "api_tokens-0-issued_at_1": "10:00:00",
    }
    for prefix in ("credential_versions", "allowlist", "pull_schedules"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def test_a_failed_admin_save_under_debug_shows_no_typed_secret(canary: str, settings: Any) -> None:
    integration = lost_ring_integration()
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory.create(username="ia", groups=["Integration admins"]))
    url = reverse("admin:integrations_integration_change", args=[integration.pk])
    response = client.post(url, hostile_save(integration, canary))

    page = response.content.decode()
    assert response.status_code == 500
    assert "DecryptionError" in page and "Traceback" in page  # Django's technical 500 page
    assert "cred_webhook_secret" in page  # the POST table is there, its values hidden
    assert canary not in page


def test_the_filter_hides_what_the_default_one_shows(canary: str) -> None:
    """The control: the same failure through Django's own filter under DEBUG leaks the canary."""
    integration = lost_ring_integration()
    factory = RequestFactory()
    request = factory.post("/admin/", hostile_save(integration, canary))
    from integrations.services import credentials

    try:
        credentials.merged_values(integration, {"webhook_secret": request.POST["cred_webhook_secret"]})
    except DecryptionError:
        info = sys.exc_info()
    else:
        raise AssertionError("the stored credentials were expected not to open")

    def page(exception_filter: SafeExceptionReporterFilter) -> str:
        request.exception_reporter_filter = exception_filter  # type: ignore[attr-defined]
        return ExceptionReporter(request, *info).get_traceback_html()

    typed = (f"{canary}-webhook", f"{canary}-token")  # this frame's own `canary` is no typed value
    with override_settings(DEBUG=True):
        default, ours = page(SafeExceptionReporterFilter()), page(SecretsFilter())
    assert all(secret in default for secret in typed)
    assert not any(secret in ours for secret in typed)


@pytest.mark.parametrize(
    ("name", "hidden"),
    [
        ("cred_customer", True),  # every credential field of the form
        ("cred_password", True),
        ("api_tokens-0-new_value", True),
        ("password", True),
        ("otp_token", True),
        ("webhook_secret", True),  # a connector's sensitive field, wherever it is posted
        ("secret_key_2", True),
        ("name", False),
        ("notes", False),
    ],
)
def test_which_post_fields_are_hidden(name: str, hidden: bool) -> None:
    request = RequestFactory().post("/", {name: "value-typed-here"})
    shown = SecretsFilter().get_post_parameters(request)[name]
    assert (shown == SecretsFilter.cleansed_substitute) is hidden
