"""Call-like rows, normalised: aware times, known directions, each vendor's fields mapped."""

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from integrations.vendors.resources import DIRECTIONS, Call
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
    answered = row["type"] != "M" and row["disposition"] == "ANSWERED"
    return {"direction": direction, "answered": answered, "duration_seconds": row["billsec"]}


def _voipcloud(row: Mapping[str, Any]) -> dict[str, Any]:
    direction = "inbound" if row["type"] == "missed" else row["type"]
    answered = row["status"] == "answered"
    queue = row["queue_name"] or row["ring_group_name"]
    return {"direction": direction, "answered": answered, "agent": row["user_name"], "queue": queue}


def _vcclive(row: Mapping[str, Any]) -> dict[str, Any]:
    direction = {"in": "inbound", "out": "outbound"}[row["direction"]]
    return {
        "direction": direction,
        "answered": row["billingtime"] > 0,
        "duration_seconds": row["billingtime"],
        "agent": str(row["userid"]),
    }


def _ipscape(row: Mapping[str, Any]) -> dict[str, Any]:
    data = row["data"]
    inbound = row["type"] == "call.inbound"
    status = data["activityStatusName"] if inbound else data["dialStatusName"]
    talk = data["durations"]["talk"] if inbound else data["durations"]["interaction"]
    return {
        "direction": "inbound" if inbound else "outbound",
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
        assert call.answered in (True, False)
        assert isinstance(call.duration_seconds, int) and call.duration_seconds >= 0
    # The generated data holds both kinds; a mapping that always says one thing would show.
    assert {call.answered for _, call in calls} == {True, False}


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


def test_voipcloud_internal_and_missed_calls_keep_their_meaning(sim: SimFactory) -> None:
    box = sim("voipcloud", data_size=60)
    calls = _calls(box, "user_calls")
    kinds = {row["type"]: call for row, call in calls}
    assert kinds["internal"].direction == "internal"
    assert (kinds["missed"].direction, kinds["missed"].answered) == ("inbound", False)


@pytest.mark.parametrize(
    ("vendor", "key"), [("collect", "debtor"), ("collect", "contact"), ("vcclive", "records")]
)
def test_raw_resources_are_not_calls(vendor: str, key: str) -> None:
    connector = CONNECTORS[vendor]
    with pytest.raises(TypeError):
        connector.to_call(connector.resource(key), {}, TZ)
