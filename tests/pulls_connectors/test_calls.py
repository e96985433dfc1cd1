"""Call-like rows, normalised: aware times, known directions, each vendor's fields mapped."""

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from integrations.vendors.resources import DIRECTIONS, OUTCOMES, Call
from tests.pulls_connectors.simulated import (
    CALL_CASES,
    CONNECTORS,
    SETTINGS,
    TZ,
    Sim,
    SimFactory,
    everything,
)

Expect = Callable[[Mapping[str, Any]], dict[str, Any]]


def _voipstudio(row: Mapping[str, Any]) -> dict[str, Any]:
    # M (missed) is an inbound call nobody took.
    direction = {"O": "outbound", "I": "inbound", "M": "inbound"}[row["type"]]
    outcome = {"ANSWERED": "answered", "NO ANSWER": "missed", "BUSY": "busy", "FAILED": "failed"}[
        row["disposition"]
    ]
    if row["type"] == "M":
        outcome = "missed"
    return {
        "direction": direction,
        "outcome": outcome,
        "answered": outcome == "answered",
        "duration_seconds": row["billsec"],
        "disposition": row["disposition"],
    }


def _voipcloud(row: Mapping[str, Any]) -> dict[str, Any]:
    if "type" in row:  # a user call: user_<direction>_<outcome>
        _, direction, word = row["type"].split("_")
        outcome = "answered" if row.get("connected_at") else {"missed": "missed", "busy": "busy"}[word]
        disposition = row["type"]
    else:  # a queue or ring-group call: inbound, with a status
        direction, outcome = "inbound", {"answered": "answered", "abandoned": "missed"}[row["status"]]
        disposition = row["status"]
    return {
        "direction": direction,
        "outcome": outcome,
        "answered": outcome == "answered",
        "caller": row.get("caller_id") or row.get("callerid"),
        "agent": row["user_name"],
        "queue": row.get("queue_name") or row.get("ring_group_name") or "",
        "duration_seconds": row["conversation_duration"],
        "disposition": disposition,
    }


def _vcclive(row: Mapping[str, Any]) -> dict[str, Any]:
    direction = {"in": "inbound", "out": "outbound"}[row["direction"]]
    if row["billingtime"] > 0:
        outcome = "answered"
    else:
        outcome = {16: "missed", 17: "busy", 19: "missed", 21: "failed"}[row["dc"]]
    return {
        "direction": direction,
        "outcome": outcome,
        "answered": row["billingtime"] > 0,
        "duration_seconds": row["billingtime"],
        "agent": str(row["userid"]),
    }


def _ipscape(row: Mapping[str, Any]) -> dict[str, Any]:
    data = row["data"]
    inbound = row["type"] == "call.inbound"
    status = data["activityStatusName"] if inbound else data["dialStatusName"]
    talk = data["durations"]["talk"] if inbound else data["durations"]["interaction"]
    outcome = {
        "Answered": "answered",
        "Abandoned": "missed",
        "No answer": "missed",
        "Busy": "busy",
        "Answering machine": "voicemail",
    }[status]
    return {
        "direction": "inbound" if inbound else "outbound",
        "outcome": outcome,
        "answered": status == "Answered",
        "disposition": status,
        "duration_seconds": talk,
        "agent": data["agentFullName"] or "",
        "queue": data["campaignName"],
    }


EXPECT: dict[str, Expect] = {
    "voipstudio": _voipstudio,
    "voipcloud": _voipcloud,
    "vcclive": _vcclive,
    "ipscape": _ipscape,
}
IDS = [f"{vendor}-{key}" for vendor, key in CALL_CASES]


def _calls(box: Sim, key: str) -> list[tuple[Mapping[str, Any], Call]]:
    resource = box.resource(key)
    rows = box.rows(box.pages(key, *everything()))
    return [(row, box.connector.to_call(resource, row, box.account_tz)) for row in rows]


@pytest.mark.parametrize(("vendor", "key"), CALL_CASES, ids=IDS)
def test_to_call_gives_aware_times_and_sane_directions(sim: SimFactory, vendor: str, key: str) -> None:
    box = sim(vendor, **SETTINGS[(vendor, key)])
    resource = box.resource(key)
    calls = _calls(box, key)
    assert calls
    for row, call in calls:
        assert call.vendor_call_id == box.connector.row_id(resource, row)
        assert call.started_at.utcoffset() is not None
        assert call.started_at == box.connector.row_time(resource, row, box.account_tz)
        assert call.direction in DIRECTIONS and call.direction != "unknown"
        assert call.outcome in OUTCOMES and call.outcome != "unknown"
        assert call.answered is (call.outcome == "answered")
        assert isinstance(call.duration_seconds, int) and call.duration_seconds >= 0
    # The generated data holds both kinds; a mapping that always says one thing would show.
    assert {call.answered for _, call in calls} == {True, False}
    assert len({call.outcome for _, call in calls}) >= 2


@pytest.mark.parametrize(("vendor", "key"), CALL_CASES, ids=IDS)
def test_to_call_maps_the_vendor_fields(sim: SimFactory, vendor: str, key: str) -> None:
    box = sim(vendor, **SETTINGS[(vendor, key)])
    for row, call in _calls(box, key):
        wanted = EXPECT[vendor](row)
        got = {name: getattr(call, name) for name in wanted}
        assert got == wanted, row


def test_voipstudio_missed_call_is_inbound_and_unanswered(sim: SimFactory) -> None:
    box = sim("voipstudio")
    missed = [call for row, call in _calls(box, "cdrs") if row["type"] == "M"]
    assert missed and all(c.direction == "inbound" and c.answered is False for c in missed)


def test_voipcloud_connected_at_decides_answered_and_queue_status_its_outcome(sim: SimFactory) -> None:
    box = sim("voipcloud", data_size=60)
    users = _calls(box, "user_calls")
    missed = [call for row, call in users if row["type"] == "user_inbound_missed"]
    assert missed
    assert all((c.direction, c.outcome, c.answered) == ("inbound", "missed", False) for c in missed)
    # An answered call has a connected_at, and its talk time is the duration (not call_duration).
    for row, call in users:
        assert call.answered is bool(row["connected_at"])
        assert row["call_duration"] >= call.duration_seconds  # ringing + talking stays in the row
    abandoned = [call for row, call in _calls(box, "queue_calls") if row["status"] == "abandoned"]
    assert abandoned and all((c.direction, c.outcome) == ("inbound", "missed") for c in abandoned)


@pytest.mark.parametrize(
    ("vendor", "key"), [("collect", "debtor"), ("collect", "contact"), ("vcclive", "records")]
)
def test_raw_resources_are_not_calls(vendor: str, key: str) -> None:
    connector = CONNECTORS[vendor]
    with pytest.raises(TypeError):
        connector.to_call(connector.resource(key), {}, TZ)
