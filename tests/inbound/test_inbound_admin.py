"""The admin's side: the webhook panel, "Send test event", webhook events, portal API tokens."""

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from integrations.models import AllowlistEntry, AuditEvent, CallRecord, Integration, PortalToken, WebhookEvent
from integrations.services import webhooks
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, integration_admin: User) -> Client:
    client.force_login(integration_admin)
    return client


def test_the_voipcloud_page_shows_the_webhook_url_steps_and_refusals(
    admin_client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    admin_client.post(hook_path, data="{}", content_type="application/json", HTTP_X_PBX_TOKEN="wrong")
    page = admin_client.get(f"/admin/integrations/integration/{pbx.pk}/change/").content.decode()
    url = webhooks.webhook_url(pbx)
    assert url and url in page and "data-copy=" in page
    assert "PBX → Settings → Integrations → Webhooks" in page and "apply configuration" in page
    assert "wrong or missing X-Pbx-Token" in page and "127.0.0.1" in page
    assert 'class="send-test-event"' in page
    assert webhook_secret not in page


def test_other_vendors_have_no_webhook_panel(admin_client: Client, vcc_integration: Integration) -> None:
    page = admin_client.get(f"/admin/integrations/integration/{vcc_integration.pk}/change/").content.decode()
    assert "Webhook URL" not in page and "send-test-event" not in page


def test_send_test_event_from_an_allowed_address_is_accepted_and_audited(
    admin_client: Client, pbx: Integration, webhook_secret: str
) -> None:
    path = f"/admin/integrations/integration/{pbx.pk}/webhook-test/"
    assert admin_client.get(path).status_code == 200
    page = admin_client.post(path).content.decode()
    assert re.search(r'class="test-status">200<', page)
    event = WebhookEvent.objects.get()
    assert (event.test, event.outcome, event.source_address) == (True, "kept", "127.0.0.1")
    assert not CallRecord.objects.exists()  # a test event never becomes a call
    audit = AuditEvent.objects.get(action="webhook.test")
    assert audit.details["outcome"] == "kept" and audit.actor_label == "ia"
    assert webhook_secret not in page


def test_send_test_event_shows_a_refusal_of_the_admins_own_address(
    admin_client: Client, pbx: Integration
) -> None:
    AllowlistEntry.objects.filter(integration=pbx).delete()
    page = admin_client.post(f"/admin/integrations/integration/{pbx.pk}/webhook-test/").content.decode()
    assert re.search(r'class="test-status">401<', page)
    assert "address not on the inbound allowlist" in page and "Your address 127.0.0.1" in page
    assert AuditEvent.objects.get(action="webhook.test").details["outcome"] == "refused"
    endpoint = pbx.webhook_endpoint
    endpoint.refresh_from_db()
    assert endpoint.refused_count == 1


def test_send_test_event_is_for_admins_only(client: Client, support_user: User, pbx: Integration) -> None:
    client.force_login(support_user)
    path = f"/admin/integrations/integration/{pbx.pk}/webhook-test/"
    assert client.get(path).status_code == 403 and client.post(path).status_code == 403
    page = client.get(f"/admin/integrations/integration/{pbx.pk}/change/").content.decode()
    assert "send-test-event" not in page
    assert not WebhookEvent.objects.exists()
    assert client.get("/admin/integrations/webhookevent/").status_code == 200  # Support reads events


def test_webhook_event_pages_answer(admin_client: Client, pbx: Integration) -> None:
    admin_client.post(f"/admin/integrations/integration/{pbx.pk}/webhook-test/")
    event = WebhookEvent.objects.get()
    assert admin_client.get("/admin/integrations/webhookevent/").status_code == 200
    detail = admin_client.get(f"/admin/integrations/webhookevent/{event.pk}/change/")
    assert detail.status_code == 200 and "user_inbound_completed" in detail.content.decode()


def issue_in_admin(client: Client, owner: User, **fields: Any) -> str:
    response = client.post(
        "/admin/integrations/portaltoken/add/",
        {
            "name": "CRM sync",
            "owner": owner.pk,
            "scopes": ["calls:read"],
            "expires_on": "",
            "allowed_ips": "",
            **fields,
        },
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_token_issued_in_the_admin_is_shown_once(admin_client: Client, integration_admin: User) -> None:
    assert admin_client.get("/admin/integrations/portaltoken/add/").status_code == 200
    page = issue_in_admin(admin_client, integration_admin, allowed_ips="192.0.2.0/24\n2001:db8::/32")
    match = re.search(r'id="token-value">(sbt_[a-z0-9]{10}_[A-Za-z0-9_-]+)<', page)
    assert match, page
    value = match.group(1)
    token = PortalToken.objects.get()
    assert token.allowed_ips == ["192.0.2.0/24", "2001:db8::/32"] and token.expires_at is None
    for later in ("/admin/integrations/portaltoken/", f"/admin/integrations/portaltoken/{token.pk}/change/"):
        shown = admin_client.get(later).content.decode()
        assert token.key in shown and value not in shown


def test_bad_input_in_the_issue_form_is_shown_and_saves_nothing(
    admin_client: Client, integration_admin: User
) -> None:
    page = issue_in_admin(admin_client, integration_admin, allowed_ips="10.0.0.1/8")
    assert "host bits set" in page and "token-value" not in page
    assert not PortalToken.objects.exists()


def test_revoking_in_the_admin(admin_client: Client, integration_admin: User) -> None:
    issue_in_admin(admin_client, integration_admin)
    token = PortalToken.objects.get()
    response = admin_client.post(f"/admin/integrations/portaltoken/{token.pk}/revoke/", follow=True)
    assert response.status_code == 200 and "it is refused from now on" in response.content.decode()
    token.refresh_from_db()
    assert token.status == "revoked"
    assert AuditEvent.objects.filter(action="portal_token.revoke").count() == 1


def test_support_cannot_issue_or_revoke_tokens(client: Client, support_user: User, api_owner: User) -> None:
    from integrations.services import portal_tokens
    from integrations.services.audit import CLI

    token = portal_tokens.create(name="x", owner=api_owner, scopes=["calls:read"], actor=CLI).token
    client.force_login(support_user)
    assert client.get("/admin/integrations/portaltoken/add/").status_code == 403
    assert client.post(f"/admin/integrations/portaltoken/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.status == "active"


def test_a_token_page_for_someone_without_the_view_permission_is_403(client: Client, db: None) -> None:
    viewer = UserFactory.create(username="viewer", groups=["Report viewers"])
    client.force_login(viewer)
    assert client.get("/admin/integrations/portaltoken/").status_code == 403
