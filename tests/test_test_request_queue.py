"""Send from the admin → a task on the `interactive` queue → a real worker → the result, live.

And the canary: the secret is in no TestRun, audit row, log record, task message, page or CLI output.
"""

import io
import json
import time
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from integrations.models import AuditEvent, TestRun
from tests.conftest import log_text
from tests.factories import UserFactory
from tests.sandbox import SandboxFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def send(client: Client, integration_pk: int, endpoint: str, **params: str) -> dict[str, Any]:
    url = reverse("admin:integrations_integration_test", args=[integration_pk])
    data = {"endpoint": endpoint, **{f"p-{k}": v for k, v in params.items()}}
    response = client.post(url, data, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def wait_until_done(client: Client, status_url: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(status_url).json()
        if body["done"]:
            return body
        time.sleep(0.1)
    raise AssertionError("the worker did not finish the test run")


def test_send_runs_on_the_worker_and_no_secret_leaks_anywhere(
    sandbox: SandboxFactory,
    celery_worker: Any,
    published: list[str],
    canary: str,
    all_logs: pytest.LogCaptureFixture,
    settings: Any,
) -> None:
    settings.PORTAL_EGRESS_IPS = ["127.0.0.1"]
    good = sandbox("vcclive", name="vcc-good", password=canary, credentials={"password": canary})
    refused = sandbox(
        "vcclive",
        name="vcc-refused",
        password=canary,
        credentials={"password": canary},
        allowed_clients=["192.0.2.1"],
    )
    support = UserFactory.create(username="support-e", groups=["Support"])
    client = Client()
    client.force_login(support)

    outputs = []
    for box in (good, refused):
        started = send(client, box.integration.pk, "cdrs", day=date.today().isoformat(), num="5")
        outputs.append(json.dumps(started))
        finished = wait_until_done(client, started["status_url"])
        outputs.append(json.dumps(finished))
    assert "ok" in outputs[1] and "VCC Live answered correctly" in outputs[1]
    assert "ip_not_allowed" in outputs[3] and "127.0.0.1 (from PORTAL_EGRESS_IPS) is NOT on" in outputs[3]

    runs = list(TestRun.objects.order_by("id"))
    assert [r.diagnosis for r in runs] == ["ok", "ip_not_allowed"]
    assert all(r.requested_by == support and r.requested_via == "admin" for r in runs)
    assert runs[0].request_headers == {"Authorization": "Basic ••••"}
    assert runs[0].request_url.endswith("/v2/cdrs/" + runs[0].request_url.split("/v2/cdrs/")[1])
    assert len(published) == 2 and all("integrations.tasks.run_test" in m for m in published)

    pages = [
        client.get(
            reverse("admin:integrations_integration_test", args=[good.integration.pk])
        ).content.decode(),
        client.get(reverse("admin:integrations_testrun_changelist")).content.decode(),
        client.get(reverse("admin:integrations_testrun_change", args=[runs[1].pk])).content.decode(),
        client.get(reverse("admin:integrations_integration_changelist")).content.decode(),
    ]
    assert "Test API request" in pages[0]
    cli = io.StringIO()
    with pytest.raises(SystemExit):  # the refused one makes `test` exit 1
        call_command("integrations", "test", "vcc-refused", "--json", stdout=cli)
    call_command("integrations", "list", "--json", stdout=cli)

    rows = json.dumps(list(TestRun.objects.values()), default=str)
    audit = json.dumps(list(AuditEvent.objects.values()), default=str)
    everything = "\n".join([rows, audit, *published, *pages, *outputs, cli.getvalue(), log_text(all_logs)])
    assert canary not in everything
    assert TestRun.objects.filter(diagnosis="ok").exists()


def test_connectivity_action_runs_every_selected_integration_on_the_worker(
    sandbox: SandboxFactory, celery_worker: Any
) -> None:
    boxes = [sandbox(vendor) for vendor in ("vcclive", "voipstudio", "collect", "ipscape", "voipcloud")]
    broken = sandbox("vcclive", name="vcc-broken", fault="500")
    admin = UserFactory.create(username="ia-e", groups=["Integration admins"])
    client = Client()
    client.force_login(admin)
    chosen = [b.integration.pk for b in [*boxes, broken]]
    response = client.post(
        reverse("admin:integrations_integration_changelist"),
        {"action": "test_connectivity", "_selected_action": chosen},
    )
    assert response.status_code == 302
    batch_page = response["Location"]
    assert "/batch/" in batch_page
    status_url = batch_page + "status/"
    body = wait_until_done(client, status_url)
    runs = TestRun.objects.filter(requested_via="connectivity")
    assert runs.count() == 6
    assert {r.integration.name: r.diagnosis for r in runs} == {
        **{b.integration.name: "ok" for b in boxes},
        "vcc-broken": "vendor_error",
    }
    assert body["html"].count("<tr") == 6
    summary = client.get(batch_page).content.decode()
    assert "vendor_error" in summary and "VCC Live had an internal error" in summary
