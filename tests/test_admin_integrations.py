import pytest
from django.test import Client
from django.urls import reverse

from integrations.models import AllowlistEntry, AuditEvent, CredentialVersion, Integration
from tests.conftest import log_text, raw_database_bytes

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:integrations_integration_changelist")


def change_url(integration: Integration) -> str:
    return reverse("admin:integrations_integration_change", args=[integration.pk])


def reveal_url(integration: Integration, field: str) -> str:
    return reverse("admin:integrations_integration_reveal", args=[integration.pk, field])


def form_data(integration: Integration, **overrides: str) -> dict[str, str]:
    """The change form as a browser would post it, with empty inline formsets."""
    data = {
        "name": integration.name,
        "enabled": "on",
        "owner": "",
        "timezone": integration.timezone,
        "notes": integration.notes,
        "base_url_override": integration.base_url_override,
        "cred_customer": integration.public_values.get("customer", ""),
        "cred_password": "",
    }
    for prefix in ("credential_versions", "allowlist", "api_tokens", "pull_schedules"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(overrides)
    return data


def logged_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_changelist_and_change_form_never_show_the_secret(
    admin_client: Client, vcc_integration: Integration, canary: str, all_logs: pytest.LogCaptureFixture
) -> None:
    listing = admin_client.get(CHANGELIST)
    form = admin_client.get(change_url(vcc_integration))

    assert listing.status_code == form.status_code == 200
    assert "vcc-main" in listing.content.decode()
    html = form.content.decode()
    assert 'name="cred_password"' in html
    assert "stored: ••••" + canary[-4:] in html  # the mask, at most the last 4 characters
    assert canary not in listing.content.decode()
    assert canary not in html
    assert canary not in log_text(all_logs)


def test_add_goes_through_the_vendor_chooser_and_stores_encrypted_credentials(
    admin_client: Client, canary: str
) -> None:
    add = reverse("admin:integrations_integration_add")
    chooser = admin_client.get(add)
    assert "choose the vendor" in chooser.content.decode()
    assert "?vendor=ipscape" in chooser.content.decode()

    data = {
        "name": "ips",
        "enabled": "on",
        "timezone": "Australia/Sydney",
        "cred_subdomain": "acme",
        "cred_api_token": canary + "-token",
        "cred_secret_key_1": canary + "-k1",
        "cred_secret_key_2": canary + "-k2",
        "cred_active_key": "1",
    }
    for prefix in ("credential_versions", "allowlist", "api_tokens", "pull_schedules"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client.post(add + "?vendor=ipscape", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    integration = Integration.objects.get(name="ips")
    assert integration.vendor == "ipscape"
    assert integration.base_url == "https://acme.ipscape.com.au/platform-api/v3.0/"
    assert integration.active_credentials is not None
    assert integration.active_credentials.secret("secret_key_2") == canary + "-k2"
    assert canary.encode() not in raw_database_bytes()
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {
        "integration.create",
        "credential.create",
    }


def test_blank_secret_keeps_the_stored_value_and_a_new_one_makes_a_version(
    admin_client: Client, vcc_integration: Integration, canary: str
) -> None:
    kept = admin_client.post(change_url(vcc_integration), form_data(vcc_integration, notes="hello"))
    assert kept.status_code == 302
    assert CredentialVersion.objects.filter(integration=vcc_integration).count() == 1

    changed = admin_client.post(
        change_url(vcc_integration), form_data(vcc_integration, cred_password=canary + "2")
    )
    assert changed.status_code == 302
    active = Integration.objects.get(pk=vcc_integration.pk).active_credentials
    assert active is not None and active.version == 2
    assert active.secret("password") == canary + "2"
    event = AuditEvent.objects.get(action="credential.change")
    assert event.details["fields_changed"] == ["password"]
    assert canary not in str(event.details)


def test_invalid_credential_in_the_form_is_an_error_and_saves_nothing(
    admin_client: Client, vcc_integration: Integration
) -> None:
    events = AuditEvent.objects.count()
    response = admin_client.post(
        change_url(vcc_integration), form_data(vcc_integration, cred_customer="Not Valid")
    )
    assert response.status_code == 200
    assert "lower-case host name label" in response.content.decode()
    assert CredentialVersion.objects.filter(integration=vcc_integration).count() == 1
    assert AuditEvent.objects.count() == events


def test_reveal_is_a_post_that_returns_the_secret_and_is_audited(
    integration_admin: object, vcc_integration: Integration, canary: str
) -> None:
    client = logged_in(integration_admin)
    assert client.get(reveal_url(vcc_integration, "password")).status_code == 405
    response = client.post(reveal_url(vcc_integration, "password"))
    assert response.status_code == 200
    assert response.json() == {"field": "password", "value": canary}
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="credential.reveal")
    assert event.actor_label == "ia"
    assert event.source_ip == "127.0.0.1"
    assert event.details == {"field": "password", "version": 1}


def test_reveal_of_a_public_field_is_refused(integration_admin: object, vcc_integration: Integration) -> None:
    response = logged_in(integration_admin).post(reveal_url(vcc_integration, "customer"))
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="credential.reveal").exists()


def test_support_gets_403_on_reveal_and_on_credential_edits(
    support_user: object, vcc_integration: Integration, canary: str
) -> None:
    client = logged_in(support_user)
    page = client.get(change_url(vcc_integration))
    assert page.status_code == 200  # Support may look
    html = page.content.decode()
    assert canary not in html
    assert canary[-4:] not in html  # not even the mask
    assert "Secrets are hidden" in html
    assert 'name="cred_password"' not in html

    assert client.post(reveal_url(vcc_integration, "password")).status_code == 403
    edit = client.post(
        change_url(vcc_integration), form_data(vcc_integration, cred_password="stolen-value-123")
    )
    assert edit.status_code == 403
    assert CredentialVersion.objects.filter(integration=vcc_integration).count() == 1
    assert not AuditEvent.objects.filter(action__in=["credential.reveal", "credential.change"]).exists()


def test_allowlist_inline_changes_are_validated_and_audited(
    admin_client: Client, vcc_integration: Integration
) -> None:
    inline = {
        "allowlist-TOTAL_FORMS": "1",
        "allowlist-0-kind": "vendor",
        "allowlist-0-cidr": "198.51.100.7/24",
        "allowlist-0-note": "egress",
    }
    bad = admin_client.post(change_url(vcc_integration), form_data(vcc_integration, **inline))
    assert bad.status_code == 200
    assert "has host bits set: did you mean 198.51.100.0/24?" in bad.content.decode()
    assert not AllowlistEntry.objects.exists()

    good = admin_client.post(
        change_url(vcc_integration),
        form_data(vcc_integration, **{**inline, "allowlist-0-cidr": "198.51.100.0/24"}),
    )
    assert good.status_code == 302
    entry = AllowlistEntry.objects.get()
    assert (entry.kind, entry.cidr) == ("vendor", "198.51.100.0/24")
    added = AuditEvent.objects.get(action="allowlist.add")
    assert added.details["cidr"] == "198.51.100.0/24"

    delete = {
        "allowlist-TOTAL_FORMS": "1",
        "allowlist-INITIAL_FORMS": "1",
        "allowlist-0-id": str(entry.pk),
        "allowlist-0-integration": str(vcc_integration.pk),
        "allowlist-0-kind": "vendor",
        "allowlist-0-cidr": "198.51.100.0/24",
        "allowlist-0-DELETE": "on",
    }
    removed = admin_client.post(change_url(vcc_integration), form_data(vcc_integration, **delete))
    assert removed.status_code == 302
    assert not AllowlistEntry.objects.exists()
    assert AuditEvent.objects.filter(action="allowlist.remove").count() == 1


def test_api_token_inline_stores_the_value_encrypted_and_write_only(
    admin_client: Client, vcc_integration: Integration, canary: str
) -> None:
    inline = {
        "api_tokens-TOTAL_FORMS": "1",
        "api_tokens-0-name": "reporting",
        "api_tokens-0-new_value": canary,
        "api_tokens-0-issued_at_0": "2026-11-01",
        "api_tokens-0-issued_at_1": "10:00:00",
    }
    response = admin_client.post(change_url(vcc_integration), form_data(vcc_integration, **inline))
    assert response.status_code == 302, response.content.decode()[-3000:]
    token = vcc_integration.api_tokens.get()
    assert token.value == canary
    assert canary not in admin_client.get(change_url(vcc_integration)).content.decode()
    assert AuditEvent.objects.get(action="token.add").details["fields_changed"][-1] == "value"
