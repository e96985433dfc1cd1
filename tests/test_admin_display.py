"""What the admin shows in words: the add page and its popup, pull windows, credential versions."""

import pytest
from django.test import Client
from django.urls import reverse

from integrations.models import CallRecord, Integration, PullRun
from integrations.registry import VENDORS
from integrations.services import credentials, pulls
from integrations.services.audit import CLI
from integrations.vendors.resources import DIRECTIONS
from tests.sandbox import SandboxFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:integrations_integration_add")


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_the_add_page_of_every_vendor_opens_and_says_how_the_address_is_made(
    admin_client: Client, vendor: str
) -> None:
    response = admin_client.get(ADD, {"vendor": vendor})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Built from the account fields" in html or "has no default address" in html


def test_the_chooser_names_what_each_vendor_needs(admin_client: Client) -> None:
    html = admin_client.get(ADD).content.decode()
    assert "Needs E-mail and Password, or User ID and API token." in html
    assert "Needs Operator ID and Operator password (Database optional)." in html


def test_the_related_object_popup_keeps_its_popup_through_the_chooser_and_the_save(
    admin_client: Client, canary: str
) -> None:
    chooser = admin_client.get(ADD, {"_to_field": "id", "_popup": "1"})
    assert chooser.status_code == 200
    html = chooser.content.decode()
    assert 'href="?_to_field=id&amp;_popup=1&amp;vendor=vcclive"' in html
    assert 'id="nav-sidebar"' not in html and 'id="header"' not in html

    url = ADD + "?_to_field=id&_popup=1&vendor=vcclive"
    form = admin_client.get(url)
    assert form.status_code == 200 and 'name="_popup"' in form.content.decode()
    data = {"_popup": "1", "_to_field": "id", "name": "from-popup", "enabled": "on", "timezone": "UTC"}
    data.update({"cred_customer": "acme", "cred_password": canary})
    for prefix in ("credential_versions", "allowlist", "api_tokens", "pull_schedules"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    saved = admin_client.post(url, data)
    assert saved.status_code == 200
    integration = Integration.objects.get(name="from-popup")
    assert "popup_response" in saved.content.decode() or "data-popup-response" in saved.content.decode()
    assert str(integration.pk) in saved.content.decode()
    assert canary not in saved.content.decode()


def test_a_first_pull_reads_as_everything_and_a_later_one_as_its_times(
    admin_client: Client, sandbox: SandboxFactory
) -> None:
    box = sandbox("vcclive")
    first = pulls.start(box.integration, "records", CLI, inline=True)
    assert first.window_start is not None and first.window_start.year < 2000  # a century back
    page = admin_client.get(reverse("admin:integrations_pullrun_change", args=[first.pk])).content.decode()
    assert "everything (first pull)" in page
    assert f"{first.window_start.year}" not in page
    listing = admin_client.get(reverse("admin:integrations_pullrun_changelist")).content.decode()
    assert "everything (first pull)" in listing
    integration_page = admin_client.get(
        reverse("admin:integrations_integration_change", args=[box.integration.pk])
    )
    assert "everything (first pull)" in integration_page.content.decode()

    later = pulls.start(box.integration, "records", CLI, inline=True, since=first.window_end)
    page = admin_client.get(reverse("admin:integrations_pullrun_change", args=[later.pk])).content.decode()
    assert f"{later.window_start:%d %b %Y}" in page
    assert page.count("first pull") == 0


def test_a_first_pull_with_a_short_reach_says_how_far_back(
    admin_client: Client, sandbox: SandboxFactory
) -> None:
    box = sandbox("voipcloud")
    run = pulls.start(box.integration, "user_calls", CLI, inline=True)
    page = admin_client.get(reverse("admin:integrations_pullrun_change", args=[run.pk])).content.decode()
    assert "the last 7 days (first pull)" in page
    assert PullRun.objects.count() == 1


def test_the_list_explains_the_credential_version_and_the_page_offers_the_rollback_it_promises(
    admin_client: Client, support_user: object, vcc_integration: Integration
) -> None:
    credentials.save_credentials(vcc_integration, {"password": "another-password-1"}, CLI)
    listing = admin_client.get(reverse("admin:integrations_integration_changelist")).content.decode()
    assert "version 2, since" in listing
    assert "credential history" in listing  # the tooltip says what a version is
    change = reverse("admin:integrations_integration_change", args=[vcc_integration.pk])
    rollback = reverse("admin:integrations_integration_rollback", args=[vcc_integration.pk])
    html = admin_client.get(change).content.decode()
    assert "Previous" in html and rollback in html  # "previous" is a promise the page keeps
    support = Client()
    support.force_login(support_user)  # type: ignore[arg-type]
    assert rollback not in support.get(change).content.decode()


def test_support_reads_the_account_by_its_field_labels(
    support_user: object, vcc_integration: Integration
) -> None:
    client = Client()
    client.force_login(support_user)  # type: ignore[arg-type]
    html = client.get(
        reverse("admin:integrations_integration_change", args=[vcc_integration.pk])
    ).content.decode()
    assert "Customer: acme" in html and "customer: acme" not in html


def test_call_records_filter_by_direction_from_the_shared_vocabulary(
    admin_client: Client, sandbox: SandboxFactory
) -> None:
    box = sandbox("voipstudio")
    pulls.start(box.integration, "cdrs", CLI, inline=True)
    stored = CallRecord.objects.filter(integration=box.integration)
    inbound = stored.filter(direction="inbound").count()
    assert 0 < inbound < stored.count()
    listing = reverse("admin:integrations_callrecord_changelist")
    page = admin_client.get(listing).content.decode()
    for direction in DIRECTIONS:
        assert f"?direction={direction}" in page
    filtered = admin_client.get(listing, {"direction": "inbound"})
    assert filtered.context["cl"].result_count == inbound
