"""The PBX played by the simulator: it posts a call's events to the portal over real HTTP."""

from datetime import timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone

from integrations.models import CallRecord, WebhookEvent
from integrations.services import allowlists, pulls, webhooks
from integrations.services.audit import CLI
from integrations.simkit.sandbox import SANDBOX_VOIPCLOUD
from tests.sandbox import Sandbox, SandboxFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def pbx_sim(sandbox: SandboxFactory, live_server: Any, settings: Any) -> Sandbox:
    settings.PORTAL_BASE_URL = live_server.url
    sim = sandbox("voipcloud")
    allowlists.add_entry(sim.integration, "127.0.0.1", CLI, note="the simulated PBX")
    return sim


def send(sim: Sandbox, **body: Any) -> dict[str, Any]:
    url = webhooks.webhook_url(sim.integration)
    response = requests.post(f"{sim.server.url}/_sim/webhooks/send", json={"url": url, **body}, timeout=30)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_answered_then_completed_from_the_pbx_is_one_call_with_its_final_duration(pbx_sim: Sandbox) -> None:
    sent = send(pbx_sim, talk_seconds=73)
    assert [(d["stage"], d["status"]) for d in sent["deliveries"]] == [
        ("ringing", 200),
        ("answered", 200),
        ("completed", 200),
    ]
    record = CallRecord.objects.get(integration=pbx_sim.integration)
    assert record.vendor_call_id == sent["unique_call_id"]
    assert (record.duration_seconds, record.outcome, record.answered) == (73, "answered", True)
    assert record.raw["call_duration"] == sent["events"]["completed"]["call_duration"]
    assert list(WebhookEvent.objects.order_by("id").values_list("outcome", flat=True)) == ["stored"] * 3


def test_a_redelivering_pbx_leaves_one_row(pbx_sim: Sandbox) -> None:
    sent = send(pbx_sim, repeat=3, talk_seconds=10)
    assert all(d["status"] == 200 for d in sent["deliveries"])
    assert CallRecord.objects.filter(integration=pbx_sim.integration).count() == 1
    outcomes = list(WebhookEvent.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["stored", "duplicate", "duplicate"] * 3


def test_completed_before_answered_keeps_the_final_values(pbx_sim: Sandbox) -> None:
    send(pbx_sim, stages=["completed", "answered", "ringing"], talk_seconds=41)
    record = CallRecord.objects.get(integration=pbx_sim.integration)
    assert (record.duration_seconds, record.disposition) == (41, "user_inbound_completed")


def test_the_older_duration_and_status_payload_is_read(pbx_sim: Sandbox) -> None:
    pbx_sim.app.configure(webhook_legacy_fields=True)
    send(pbx_sim, answered=False)
    record = CallRecord.objects.get(integration=pbx_sim.integration)
    assert (record.outcome, record.answered, record.duration_seconds) == ("missed", False, 0)
    assert "status" in record.raw and "call_duration" not in record.raw


def test_a_pbx_with_the_wrong_token_or_address_is_refused(pbx_sim: Sandbox) -> None:
    assert {d["status"] for d in send(pbx_sim, token="not-the-secret")["deliveries"]} == {401}
    assert {d["status"] for d in send(pbx_sim, source_address="127.0.0.2")["deliveries"]} == {401}
    assert not CallRecord.objects.exists()
    endpoint = pbx_sim.integration.webhook_endpoint
    endpoint.refresh_from_db()
    assert (endpoint.refused_count, endpoint.last_refused_address) == (6, "127.0.0.2")


def test_a_pulled_and_a_pushed_call_of_the_same_id_are_one_record(pbx_sim: Sandbox) -> None:
    run = pulls.start(
        pbx_sim.integration,
        "user_calls",
        CLI,
        trigger="cli",
        since=timezone.now() - timedelta(days=1),
        inline=True,
    )
    assert run.created > 0
    pulled = CallRecord.objects.filter(integration=pbx_sim.integration).order_by("-started_at").first()
    assert pulled is not None
    count = CallRecord.objects.count()
    # The PBX pushes that call's completion too (its own row, as the webhook carries it).
    completed = {**pulled.raw, "type": pulled.raw["type"].rsplit("_", 1)[0] + "_completed"}
    answer = requests.post(
        str(webhooks.webhook_url(pbx_sim.integration)),
        json=completed,
        headers={"X-Pbx-Token": SANDBOX_VOIPCLOUD["webhook_secret"]},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["outcome"] == "stored"
    assert CallRecord.objects.count() == count
    pushed = CallRecord.objects.get(pk=pulled.pk)
    assert (pushed.duration_seconds, pushed.started_at, pushed.agent) == (
        pulled.duration_seconds,
        pulled.started_at,
        pulled.agent,
    )
    # An answered event after the pulled history is late: the pulled values stay.
    late = {k: v for k, v in completed.items() if k not in ("call_duration", "conversation_duration")}
    late["type"] = late["type"].replace("_completed", "_answered")
    stale = requests.post(
        str(webhooks.webhook_url(pbx_sim.integration)),
        json=late,
        headers={"X-Pbx-Token": SANDBOX_VOIPCLOUD["webhook_secret"]},
        timeout=10,
    )
    assert stale.json()["outcome"] == "stale"


def test_the_simulator_posts_to_loopback_only_and_never_shows_the_token(pbx_sim: Sandbox) -> None:
    control = f"{pbx_sim.server.url}/_sim/webhooks/send"
    refused = requests.post(control, json={"url": "http://192.0.2.10/hooks/x/"}, timeout=10)
    assert refused.status_code == 400 and "webhook targets" in refused.json()["error"]
    assert requests.post(control, json={}, timeout=10).status_code == 400
    sent = requests.post(control, json={"url": webhooks.webhook_url(pbx_sim.integration)}, timeout=30)
    assert SANDBOX_VOIPCLOUD["webhook_secret"] not in sent.text
