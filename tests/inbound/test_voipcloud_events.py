"""Reading VoIPcloud's webhook events (vendors.md section 5) with the v2 pull mapping; no database."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from integrations.vendors.voipcloud import pulls, webhooks
from integrations.vendors.webhooks import BadEvent, Stage
from tests.inbound.conftest import completed_event, stage_event

SYDNEY = ZoneInfo("Australia/Sydney")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stage", "expected", "outcome"),
    [
        ("ringing", Stage.RINGING, "unknown"),
        ("answered", Stage.ANSWERED, "answered"),
        ("completed", Stage.FINAL, "answered"),
    ],
)
def test_each_stage_of_a_user_call(stage: str, expected: Stage, outcome: str) -> None:
    body = stage_event(stage)
    event = webhooks.read_event(body)
    assert (event.stage, event.resource, event.call_id) == (expected, "user_calls", "1767225600.101")
    call = webhooks.to_call(event, body, SYDNEY, NOW)
    assert call.outcome == outcome and call.direction == "inbound"
    assert call.started_at == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)


def test_a_pushed_completion_maps_like_the_pulled_row_of_the_same_call() -> None:
    body = completed_event()
    pushed = webhooks.to_call(webhooks.read_event(body), body, SYDNEY, NOW)
    pulled = pulls.to_call(pulls.RESOURCES[0], {**body, "type": "user_inbound_answered"}, SYDNEY)
    same = (
        "vendor_call_id",
        "started_at",
        "direction",
        "caller",
        "callee",
        "agent",
        "duration_seconds",
        "outcome",
    )
    assert [getattr(pushed, f) for f in same] == [getattr(pulled, f) for f in same]


def test_a_pulled_row_is_final_whatever_its_type_says() -> None:
    assert (
        webhooks.stage({"type": "user_inbound_answered", "call_duration": 5, "conversation_duration": 2})
        == Stage.FINAL
    )
    assert webhooks.stage({"callerid": "+61", "status": "abandoned", "call_duration": 9}) == Stage.FINAL


def test_an_event_without_call_start_at_starts_when_it_arrives() -> None:
    body = {k: v for k, v in stage_event("ringing").items() if k != "call_start_at"}
    call = webhooks.to_call(webhooks.read_event(body), body, SYDNEY, NOW)
    assert call.started_at == NOW


@pytest.mark.parametrize(
    "kind", ["voicemail", "recording_inbound", "recording_outbound", "webhook_component"]
)
def test_other_types_are_not_calls(kind: str) -> None:
    event = webhooks.read_event({"type": kind, "unique_call_id": 17})
    assert (event.stage, event.resource, event.call_id) == (Stage.NOT_A_CALL, None, "17")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"type": "user_inbound"},
        {"unique_call_id": "1"},
        {"type": "", "unique_call_id": "1"},
        {"type": "x", "unique_call_id": True},
    ],
)
def test_type_and_unique_call_id_are_required(body: dict[str, object]) -> None:
    with pytest.raises(BadEvent):
        webhooks.read_event(body)


def test_the_sample_event_is_a_readable_completed_call() -> None:
    sample = webhooks.sample_event(NOW, SYDNEY)
    event = webhooks.read_event(sample)
    assert event.stage == Stage.FINAL
    assert webhooks.to_call(event, sample, SYDNEY, NOW).outcome == "answered"
