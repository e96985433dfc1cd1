"""A canary scan: the webhook secret and a portal token's value appear nowhere they must not.

The token is shown in the one answer that issues it; after a day's worth of webhooks, API calls,
refusals, revocation, admin pages and CLI output, neither value is in any log record, audit row,
page, API answer, CLI output or database byte.
"""

import json
import re
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from integrations.models import AuditEvent, Integration, PortalToken, WebhookEvent
from tests.conftest import log_text, raw_database_bytes
from tests.inbound.conftest import completed_event, stage_event

pytestmark = pytest.mark.django_db


def test_no_secret_or_token_leaks_anywhere(
    client: Client,
    integration_admin: User,
    pbx: Integration,
    hook_path: str,
    webhook_secret: str,
    all_logs: Any,
) -> None:
    seen: list[str] = []  # every page, answer and output after the one that shows the token

    def keep(response: Any) -> Any:
        seen.append(response.content.decode(errors="replace") + json.dumps(dict(response.headers)))
        return response

    client.force_login(integration_admin)
    created = client.post(
        "/admin/integrations/portaltoken/add/",
        {"name": "erp", "owner": integration_admin.pk, "scopes": ["calls:read", "reports:read", "tests:run"]},
    ).content.decode()
    match = re.search(r'id="token-value">([^<]+)<', created)
    assert match
    token = match.group(1)

    # Webhooks: accepted, duplicate, refused for a near-miss token, for an address, for no token.
    for body in (stage_event("ringing"), stage_event("answered"), completed_event(), completed_event()):
        keep(
            client.post(
                hook_path, json.dumps(body), content_type="application/json", HTTP_X_PBX_TOKEN=webhook_secret
            )
        )
    keep(client.post(hook_path, "{}", content_type="application/json", HTTP_X_PBX_TOKEN=webhook_secret + "x"))
    keep(client.post(hook_path, "{bad", content_type="application/json", HTTP_X_PBX_TOKEN=webhook_secret))
    keep(
        client.post(
            hook_path,
            "{}",
            content_type="application/json",
            HTTP_X_PBX_TOKEN=webhook_secret,
            REMOTE_ADDR="192.0.2.9",
        )
    )
    keep(client.post(f"/admin/integrations/integration/{pbx.pk}/webhook-test/"))

    # The API: answers, refusals (a near-miss token too), a test run.
    api = Client()
    bearer: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for path in ("calls/", "reports/", "report-runs/", "integrations/", "calls/?since=nonsense", "nothing/"):
        keep(api.get(f"/api/v1/{path}", **bearer))
    keep(api.post("/api/v1/integrations/pbx/test-runs/", "{}", content_type="application/json", **bearer))
    keep(api.get("/api/v1/calls/", HTTP_AUTHORIZATION=f"Bearer {token[:-1]}x"))
    keep(api.get("/api/v1/schema/"))

    # The admin's pages, then revocation and its refusal.
    token_row = PortalToken.objects.get()
    for page in (
        f"/admin/integrations/integration/{pbx.pk}/change/",
        "/admin/integrations/portaltoken/",
        f"/admin/integrations/portaltoken/{token_row.pk}/change/",
        "/admin/integrations/auditevent/",
        "/admin/integrations/webhookevent/",
        *(
            f"/admin/integrations/webhookevent/{pk}/change/"
            for pk in WebhookEvent.objects.values_list("pk", flat=True)
        ),
    ):
        assert keep(client.get(page)).status_code == 200, page
    keep(client.post(f"/admin/integrations/portaltoken/{token_row.pk}/revoke/", follow=True))
    assert keep(api.get("/api/v1/calls/", **bearer)).status_code == 401

    # The command line.
    for args in (
        ["list", "--json"],
        ["tokens", "list", "--all", "--json"],
        ["allowlist", "pbx", "list", "--json"],
    ):
        out = StringIO()
        call_command("integrations", *args, stdout=out)
        seen.append(out.getvalue())

    everything = "\n".join(seen)
    audit = json.dumps([[e.action, e.target_repr, e.details] for e in AuditEvent.objects.all()])
    events = json.dumps([[e.body, e.reason] for e in WebhookEvent.objects.all()], ensure_ascii=False)
    logs = log_text(all_logs)
    database = raw_database_bytes()
    assert "webhook" in logs and "portal_token.create" in audit  # the scan looked at real material
    for secret in (token, webhook_secret):
        assert secret not in everything
        assert secret not in audit
        assert secret not in events
        assert secret not in logs
        assert secret.encode() not in database
