"""simkit.RecordSet: lazy deterministic records, both orders, and the mutation helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from integrations.simkit import Item, RecordSet, Rng, SimClock

START = datetime(2024, 1, 1, tzinfo=UTC)


def build(seed: int) -> Any:
    def builder(item: Item) -> dict[str, Any]:
        rng = Rng(seed, "test", item.seq)
        return {"seq": item.seq, "ts": item.ts, "value": rng.randint(0, 10**9), **item.overrides}

    return builder


def records(size: int = 100, seed: int = 1, clock: SimClock | None = None) -> RecordSet[dict[str, Any]]:
    return RecordSet(build(seed), size=size, start=START, spacing_seconds=60, clock=clock or SimClock())


def test_record_is_a_pure_function_of_seed_and_index() -> None:
    assert records(10).record(7) == records(200_000).record(7)
    assert records(10, seed=1).record(7)["value"] != records(10, seed=2).record(7)["value"]


def test_two_hundred_thousand_records_cost_no_memory_and_any_page_is_cheap() -> None:
    rs = records(200_000)
    assert len(rs) == 200_000
    assert rs.record(199_999)["ts"] == START + timedelta(minutes=199_999)
    page = rs.select("time").page(150_000, 3)
    assert page == [150_000, 150_001, 150_002]
    assert rs.select("time", since=START + timedelta(minutes=100_000)).page(0, 1) == [100_000]


def test_append_adds_later_records_with_new_seqs() -> None:
    rs = records(10)
    assert rs.append(3) == [10, 11, 12]
    assert len(rs) == 13
    assert rs.item(10).ts == START + timedelta(minutes=10)


def test_update_overrides_fields_and_modified_is_newer_than_everything() -> None:
    clock = SimClock()
    rs = records(10, clock=clock)
    first = rs.update(3, value="changed")
    second = rs.update(5, value="also")
    assert rs.record(3)["value"] == "changed"
    assert first.modified > rs.newest()  # type: ignore[operator]
    assert first.modified >= clock.now() - timedelta(seconds=1)
    assert second.modified > first.modified
    assert rs.item(4).modified == rs.item(4).ts


def test_late_record_has_the_highest_seq_and_an_older_timestamp() -> None:
    rs = records(10)
    late = rs.insert_late(START + timedelta(minutes=4, seconds=30), value="late")
    assert late == 10
    assert rs.item(late).ts < rs.newest()  # type: ignore[operator]
    assert rs.select("id").page(0, 20)[-1] == late  # id order: at the end
    assert rs.select("time").page(0, 20)[5] == late  # time order: where its timestamp puts it
    with pytest.raises(ValueError, match="older"):
        rs.insert_late(START + timedelta(hours=5))


def test_time_order_matches_a_sort_after_mixed_mutations() -> None:
    rs = records(20)
    rs.insert_late(START + timedelta(minutes=3, seconds=1))
    rs.append(2)
    rs.insert_late(START + timedelta(minutes=15))  # same timestamp as seq 15: sorts after it
    rs.insert_late()
    expected = sorted(range(len(rs)), key=lambda seq: (rs.item(seq).ts, seq))
    assert list(rs.select("time")) == expected
    for position, seq in enumerate(expected):
        assert rs.time_position(rs.item(seq).ts) <= position
        assert rs.position_after(rs.item(seq).ts, seq) == position + 1


def test_select_window_filter_and_cache_follow_mutations() -> None:
    rs = records(100)
    since, until = START + timedelta(minutes=10), START + timedelta(minutes=20)
    assert len(rs.select("time", since=since, until=until)) == 10
    assert len(rs.select("time", since=since, until=until, until_inclusive=True)) == 11
    even = rs.select("time", where=lambda item: item.seq % 2 == 0, where_key="even")
    assert len(even) == 50
    rs.append(2)
    assert len(rs.select("time", where=lambda item: item.seq % 2 == 0, where_key="even")) == 51
    ids = rs.select("id", since=since, until=until)
    assert list(ids) == list(range(10, 20))
    assert even.page(0, 3, descending=True) == [98, 96, 94]


def test_rng_draws_are_deterministic_and_in_range() -> None:
    a, b = Rng(1, "x", 5), Rng(1, "x", 5)
    assert [a.randint(1, 6) for _ in range(50)] == [b.randint(1, 6) for _ in range(50)]
    assert all(1 <= Rng(2, "y", i).randint(1, 6) <= 6 for i in range(100))
    digits = Rng(1, "z", 1).digits(30)
    assert len(digits) == 30 and digits.isdigit()
