"""The webhook receiver through Django's test client: checks, idempotent storage, clear errors."""

import json
from typing import Any

import pytest
from django.test import Client

from integrations.models import CallRecord, EventOutcome, Integration, RefusalReason, WebhookEvent
from integrations.services import allowlists, credentials, webhooks
from integrations.services.audit import CLI
from tests.conftest import log_text
from tests.inbound.conftest import completed_event, stage_event

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: Any, token: str | None, **extra: Any) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    headers: dict[str, Any] = {"HTTP_X_PBX_TOKEN": token} if token is not None else {}
    return client.post(path, data=data, content_type="application/json", **headers, **extra)


def test_each_voipcloud_integration_has_its_own_unguessable_url(pbx: Integration, settings: Any) -> None:
    settings.PORTAL_BASE_URL = "https://switchboard.example.com/"
    other = Integration.objects.create(vendor="voipcloud", name="pbx-2")
    first, second = webhooks.webhook_url(pbx), webhooks.webhook_url(other)
    assert first and second and first != second
    assert first.startswith("https://switchboard.example.com/hooks/voipcloud/")
    slug = pbx.webhook_endpoint.slug
    assert len(slug) >= 40 and str(pbx.pk) != slug
    assert webhooks.webhook_url(pbx) == first  # stored, not made anew


def test_vendors_without_webhooks_have_no_url(vcc_integration: Integration) -> None:
    assert webhooks.webhook_url(vcc_integration) is None


def test_a_completed_call_is_stored_with_its_final_values(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    response = post(client, hook_path, completed_event(), webhook_secret)
    assert response.status_code == 200
    assert response.json()["outcome"] == "stored"
    record = CallRecord.objects.get(integration=pbx)
    assert record.vendor_call_id == "1767225600.101"
    assert (record.direction, record.outcome, record.answered) == ("inbound", "answered", True)
    assert (record.agent, record.caller, record.duration_seconds) == ("Mia Brown", "+61400000001", 120)
    assert record.resource == "user_calls"
    event = WebhookEvent.objects.get(integration=pbx)
    assert (event.outcome, event.kind, event.call_id, event.source_address) == (
        "stored",
        "user_inbound_completed",
        "1767225600.101",
        "127.0.0.1",
    )
    assert event.body == completed_event() and event.call_record == record


def test_the_same_event_delivered_twice_is_one_row(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    first = post(client, hook_path, completed_event(), webhook_secret)
    # A replay, keys in another order: the same event.
    replay = json.dumps(dict(reversed(list(completed_event().items()))))
    second = post(client, hook_path, replay, webhook_secret)
    assert first.json()["outcome"] == "stored" and second.json()["outcome"] == "duplicate"
    assert CallRecord.objects.filter(integration=pbx).count() == 1
    assert list(WebhookEvent.objects.order_by("id").values_list("outcome", flat=True)) == [
        "stored",
        "duplicate",
    ]


def test_answered_then_completed_is_one_row_with_the_final_duration(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    post(client, hook_path, stage_event("ringing"), webhook_secret)
    record = CallRecord.objects.get(integration=pbx)
    assert (record.outcome, record.answered, record.duration_seconds) == ("unknown", None, 0)
    post(client, hook_path, stage_event("answered"), webhook_secret)
    record.refresh_from_db()
    assert (record.outcome, record.duration_seconds) == ("answered", 0)
    post(client, hook_path, stage_event("completed"), webhook_secret)
    record.refresh_from_db()
    assert CallRecord.objects.filter(integration=pbx).count() == 1
    assert (record.outcome, record.duration_seconds, record.raw["call_duration"]) == ("answered", 120, 129)
    assert record.disposition == "user_inbound_completed"


def test_a_late_earlier_event_does_not_undo_a_completed_call(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    post(client, hook_path, stage_event("completed"), webhook_secret)
    late = post(client, hook_path, stage_event("answered"), webhook_secret)
    ringing = post(client, hook_path, stage_event("ringing"), webhook_secret)
    assert late.status_code == ringing.status_code == 200  # acknowledged, so the PBX stops sending it
    assert late.json()["outcome"] == ringing.json()["outcome"] == "stale"
    record = CallRecord.objects.get(integration=pbx)
    assert (record.duration_seconds, record.outcome, record.disposition) == (
        120,
        "answered",
        "user_inbound_completed",
    )
    assert WebhookEvent.objects.filter(outcome=EventOutcome.STALE).count() == 2


def test_a_later_event_keeps_fields_the_earlier_one_had(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    post(client, hook_path, {**stage_event("ringing"), "caller_name": "Acme Pty"}, webhook_secret)
    post(
        client,
        hook_path,
        {**stage_event("completed"), "caller_name": ""} | {"caller_name": "Acme Pty"},
        webhook_secret,
    )
    completed = {k: v for k, v in stage_event("completed").items() if k != "caller_name"}
    post(client, hook_path, {**completed, "call_duration": 130}, webhook_secret)
    record = CallRecord.objects.get(integration=pbx)
    assert record.raw["caller_name"] == "Acme Pty" and record.raw["call_duration"] == 130


def test_older_payloads_with_duration_and_status_are_read(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    legacy = {k: v for k, v in stage_event("ringing").items()}
    legacy.update(type="user_inbound_completed", duration=95, status="answered")
    post(client, hook_path, legacy, webhook_secret)
    missed = {**legacy, "unique_call_id": "1767225600.202", "duration": 20, "status": "missed"}
    post(client, hook_path, missed, webhook_secret)
    answered = CallRecord.objects.get(vendor_call_id="1767225600.101")
    unanswered = CallRecord.objects.get(vendor_call_id="1767225600.202")
    assert (answered.outcome, answered.duration_seconds) == ("answered", 95)
    assert (unanswered.outcome, unanswered.answered, unanswered.duration_seconds) == ("missed", False, 0)


def test_a_completed_call_nobody_answered_is_missed(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    event = completed_event(conversation_duration=0, call_duration=25)
    del event["connected_at"]
    post(client, hook_path, event, webhook_secret)
    record = CallRecord.objects.get()
    assert (record.outcome, record.answered) == ("missed", False)


def test_events_that_are_not_calls_are_kept_without_a_call_record(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    voicemail = {"type": "voicemail", "unique_call_id": "1767225600.9", "user_number": "203"}
    response = post(client, hook_path, voicemail, webhook_secret)
    assert response.status_code == 200 and response.json()["outcome"] == "kept"
    assert not CallRecord.objects.exists()
    assert post(client, hook_path, voicemail, webhook_secret).json()["outcome"] == "duplicate"


def test_a_queue_summary_is_a_queue_call(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    summary = {
        "type": "queue_call_summary",
        "unique_call_id": "1767225600.55",
        "callerid": "+61400000002",
        "queue_name": "Sales",
        "call_start_at": "2026-01-01T10:00:00+11:00",
        "status": "abandoned",
        "call_duration": 40,
        "conversation_duration": 0,
    }
    post(client, hook_path, summary, webhook_secret)
    record = CallRecord.objects.get()
    assert (record.resource, record.queue, record.outcome, record.caller) == (
        "queue_calls",
        "Sales",
        "missed",
        "+61400000002",
    )


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({"unique_call_id": "1.2"}), "no 'type'"),
        (json.dumps({"type": "user_inbound"}), "no 'unique_call_id'"),
        (json.dumps({**completed_event(), "call_start_at": "yesterday"}), "not a date and time"),
        (b'{"type": "voicemail", "unique_call_id": "1", "x": NaN}', "NaN"),
        (json.dumps({"type": "voicemail", "unique_call_id": "1", "x": "a\x00b"}), "NUL"),
        (json.dumps({"type": "user_inbound", "unique_call_id": "9" * 129}), "longer than 128"),
        (b'{"type": "voicemail", "unique_call_id": "1", "x": 1e400}', "too large"),
        (
            json.dumps(
                {
                    "type": "voicemail",
                    "unique_call_id": "1",
                    "x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
                }
            ),
            "nested",
        ),
    ],
)
def test_an_unreadable_event_is_a_clear_400_and_changes_nothing(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str, body: Any, words: str
) -> None:
    response = post(client, hook_path, body, webhook_secret)
    assert response.status_code == 400
    assert response.json()["code"] == 400 and words in response.json()["message"]
    assert not CallRecord.objects.exists()
    event = WebhookEvent.objects.get()
    assert event.outcome == "invalid" and event.body is None and words in event.reason


def test_a_body_over_the_limit_is_refused_unread(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str, settings: Any
) -> None:
    settings.WEBHOOK_MAX_BODY_BYTES = 1000
    response = post(client, hook_path, completed_event(caller_name="x" * 2000), webhook_secret)
    assert response.status_code == 413
    assert "larger than 1000 bytes" in response.json()["message"]
    assert not CallRecord.objects.exists()


def test_long_text_is_cut_to_the_column_not_refused(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    response = post(client, hook_path, completed_event(user_name="N" * 500), webhook_secret)
    assert response.status_code == 200
    assert CallRecord.objects.get().agent == "N" * 128


@pytest.mark.parametrize(
    ("token", "reason"),
    [(None, RefusalReason.TOKEN), ("", RefusalReason.TOKEN), ("wrong-token", RefusalReason.TOKEN)],
)
def test_a_wrong_or_missing_token_is_refused_and_counted(
    client: Client, pbx: Integration, hook_path: str, token: str | None, reason: str
) -> None:
    response = post(client, hook_path, completed_event(), token)
    assert response.status_code == 401
    assert response.json() == {
        "code": 401,
        "message": "Not authorised",
        "outcome": "refused",
        "event": response.json()["event"],
    }
    assert not CallRecord.objects.exists()
    endpoint = pbx.webhook_endpoint
    endpoint.refresh_from_db()
    assert (endpoint.refused_count, endpoint.last_refused_reason, endpoint.last_refused_address) == (
        1,
        reason,
        "127.0.0.1",
    )
    event = WebhookEvent.objects.get()
    assert event.body is None and event.reason == "wrong or missing X-Pbx-Token"


def test_an_address_off_the_inbound_allowlist_is_refused_whatever_the_token(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    response = post(client, hook_path, completed_event(), webhook_secret, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 401
    endpoint = pbx.webhook_endpoint
    endpoint.refresh_from_db()
    assert endpoint.last_refused_reason == RefusalReason.ADDRESS
    assert endpoint.last_refused_address == "198.51.100.7"
    assert webhooks.refusal_summary(endpoint)["last_reason"] == "address not on the inbound allowlist"


def test_the_vendor_allowlist_does_not_open_the_webhook(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    allowlists.add_entry(pbx, "198.51.100.0/24", CLI, kind="vendor")
    response = post(client, hook_path, completed_event(), webhook_secret, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 401
    allowlists.add_entry(pbx, "198.51.100.0/24", CLI, kind="inbound")
    assert (
        post(client, hook_path, completed_event(), webhook_secret, REMOTE_ADDR="198.51.100.7").status_code
        == 200
    )


def test_an_integration_without_a_webhook_secret_refuses_everything(client: Client, db: None) -> None:
    from integrations.services.integrations import create_integration
    from tests.inbound.conftest import PBX

    integration = create_integration(vendor="voipcloud", name="no-secret", credential_values=PBX, actor=CLI)
    allowlists.add_entry(integration, "127.0.0.1", CLI)
    path = "/" + str(webhooks.webhook_url(integration)).split("/", 3)[3]
    assert post(client, path, completed_event(), "anything").status_code == 401
    assert post(client, path, completed_event(), None).status_code == 401
    endpoint = integration.webhook_endpoint
    endpoint.refresh_from_db()
    assert (endpoint.refused_count, endpoint.last_refused_reason) == (2, RefusalReason.NO_SECRET)


def test_a_changed_secret_takes_effect_at_once(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    credentials.save_credentials(pbx, {"webhook_secret": "the-new-secret-token-value"}, CLI)
    assert post(client, hook_path, completed_event(), webhook_secret).status_code == 401
    assert post(client, hook_path, completed_event(), "the-new-secret-token-value").status_code == 200


def test_an_unknown_url_or_vendor_is_404(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    assert post(client, "/hooks/voipcloud/not-a-slug/", completed_event(), webhook_secret).status_code == 404
    wrong_vendor = hook_path.replace("/voipcloud/", "/vcclive/")
    assert post(client, wrong_vendor, completed_event(), webhook_secret).status_code == 404
    assert pbx.webhook_endpoint.refused_count == 0


def test_the_url_without_its_trailing_slash_works_and_get_is_405(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    assert post(client, hook_path.rstrip("/"), completed_event(), webhook_secret).status_code == 200
    response = client.get(hook_path)
    assert response.status_code == 405 and response.json()["code"] == 405 and response["Allow"] == "POST"


def test_the_token_presented_is_never_logged_or_stored(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str, all_logs: Any
) -> None:
    wrong = f"{webhook_secret}-but-wrong"
    post(client, hook_path, completed_event(), wrong)
    post(client, hook_path, completed_event(), webhook_secret)
    post(client, hook_path, completed_event(), webhook_secret, REMOTE_ADDR="198.51.100.7")
    logs = log_text(all_logs)
    assert "refused" in logs
    assert webhook_secret not in logs
    for event in WebhookEvent.objects.all():
        assert webhook_secret not in json.dumps([event.body, event.reason, event.kind])
