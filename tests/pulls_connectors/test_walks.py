"""Every pullable resource, walked over real HTTP against its simulator, page by page."""

import dataclasses
import inspect
from datetime import timedelta

import pytest

from integrations.vendors.base import UnknownResource
from integrations.vendors.ipscape.pulls import next_url
from integrations.vendors.resources import IncompleteWalk, Page, WalkTooLong
from tests.pulls_connectors.simulated import (
    CASES,
    CONNECTORS,
    DATA_START,
    PAGE,
    ROWS,
    SETTINGS,
    SimFactory,
    everything,
)

RESOURCE_KEYS = {
    "vcclive": {"projects", "cdrs", "records", "users"},
    "voipstudio": {"cdrs"},
    "collect": {"debtor", "contact"},
    "ipscape": {"activities"},
    "voipcloud": {"user_calls", "queue_calls", "ringgroup_calls"},
}
IDS = [f"{vendor}-{key}" for vendor, key in CASES]


@pytest.mark.parametrize("vendor", list(CONNECTORS))
def test_connector_declares_exactly_its_resource_keys(vendor: str) -> None:
    connector = CONNECTORS[vendor]
    assert {r.key for r in connector.resources} == RESOURCE_KEYS[vendor]
    with pytest.raises(UnknownResource):
        connector.resource("nope")


@pytest.mark.parametrize("vendor", list(CONNECTORS))
def test_fetch_pages_is_a_generator_so_memory_stays_one_page(vendor: str) -> None:
    assert inspect.isgeneratorfunction(CONNECTORS[vendor].fetch_pages)


@pytest.mark.parametrize(("vendor", "key"), CASES, ids=IDS)
def test_multi_page_walk_yields_every_record_in_the_window_once(
    sim: SimFactory, vendor: str, key: str
) -> None:
    box = sim(vendor, **SETTINGS[(vendor, key)])
    since, until = everything()
    pages = list(box.pages(key, since, until))
    ids = box.ids(key, box.rows(pages))
    expected = box.expected(key, since, until)
    assert len(expected) >= ROWS
    assert len(ids) == len(set(ids)), "a row came twice"
    assert set(ids) == set(expected)
    assert box.page_requests(key) >= 3, "the walk should have taken several pages"
    assert all(len(page.rows) <= PAGE for page in pages)


@pytest.mark.parametrize(("vendor", "key"), CASES, ids=IDS)
def test_since_and_until_narrow_the_walk_inclusively(sim: SimFactory, vendor: str, key: str) -> None:
    box = sim(vendor, **SETTINGS[(vendor, key)])
    times = sorted(box.expected(key, *everything()).values())
    # Both ends fall exactly on a record's time: both of those records belong to the window.
    since, until = times[6], times[18]
    ids = box.ids(key, box.rows(box.pages(key, since, until)))
    expected = box.expected(key, since, until)
    assert 13 <= len(expected) < len(times)  # two VCC Live projects share times, hence not == 13
    assert sorted(ids) == sorted(expected)


@pytest.mark.parametrize(("vendor", "key"), CASES, ids=IDS)
def test_row_time_is_the_vendor_time_read_in_the_account_zone(sim: SimFactory, vendor: str, key: str) -> None:
    box = sim(vendor, **SETTINGS[(vendor, key)])
    since, until = everything()
    resource = box.resource(key)
    expected = box.expected(key, since, until)
    for row in box.rows(box.pages(key, since, until)):
        when = box.connector.row_time(resource, row, box.account_tz)
        assert when is not None and when.utcoffset() is not None
        assert when == expected[box.connector.row_id(resource, row)]


@pytest.mark.parametrize(("vendor", "key"), CASES, ids=IDS)
def test_first_page_arrives_before_the_second_is_requested(sim: SimFactory, vendor: str, key: str) -> None:
    box = sim(vendor, **SETTINGS[(vendor, key)])
    pages = box.pages(key, *everything())
    first = next(pages)
    assert isinstance(first, Page)
    assert box.page_requests(key) == 1, "fetch_pages read ahead instead of yielding the page it had"
    next(pages)
    assert box.page_requests(key) == 2


@pytest.mark.parametrize(("vendor", "key"), CASES, ids=IDS)
def test_429_with_retry_after_mid_walk_is_waited_out_and_the_walk_completes(
    sim: SimFactory, vendor: str, key: str
) -> None:
    box = sim(vendor, retry_after_seconds=1, **SETTINGS[(vendor, key)])
    since, until = everything()
    pages = box.pages(key, since, until)
    rows = box.rows([next(pages)])
    box.app.force_429(1)
    rows += box.rows(pages)
    assert box.waits == [1.0], "the client should wait the Retry-After once, then send again"
    statuses = [r["status"] for r in box.app.recent_requests()]
    assert 429 in statuses
    ids = box.ids(key, rows)
    assert sorted(ids) == sorted(box.expected(key, since, until))


@pytest.mark.parametrize(
    ("vendor", "key", "counter"),
    [
        ("voipstudio", "cdrs", "logins"),
        ("collect", "debtor", "refreshes"),
        ("collect", "contact", "refreshes"),
    ],
)
def test_token_expiring_between_pages_is_renewed_and_the_walk_completes(
    sim: SimFactory, vendor: str, key: str, counter: str
) -> None:
    box = sim(vendor)
    since, until = everything()
    pages = box.pages(key, since, until)
    rows = box.rows([next(pages)])
    assert box.app.expire_tokens() >= 1
    rows += box.rows(pages)
    statuses = [r["status"] for r in box.app.recent_requests()]
    assert 401 in statuses, "the second page should have met the expired token"
    # VoIPstudio logs in again (a second login); Collect! uses its refresh token.
    assert getattr(box.auth, counter) == (2 if counter == "logins" else 1)
    ids = box.ids(key, rows)
    assert len(ids) == len(set(ids))
    assert set(ids) == set(box.expected(key, since, until))


def test_vcclive_projects_is_one_call_whatever_the_window(sim: SimFactory) -> None:
    box = sim("vcclive", project_count=3)
    late = everything()[1] + timedelta(days=365)
    pages = list(box.pages("projects", late, late + timedelta(minutes=1)))
    assert [p.total for p in pages] == [3]
    resource = box.resource("projects")
    rows = box.rows(pages)
    assert [box.connector.row_id(resource, row) for row in rows] == ["1", "2", "3"]
    assert all(box.connector.row_time(resource, row, box.account_tz) is None for row in rows)
    assert [r["path"] for r in box.app.recent_requests()] == ["/v2/projects"]


def test_vcclive_cdrs_are_listed_per_local_day_with_a_string_or_numeric_total(sim: SimFactory) -> None:
    for as_string in (True, False):
        box = sim("vcclive", total_count_as_string=as_string, **SETTINGS[("vcclive", "cdrs")])
        times = sorted(box.expected("cdrs", *everything()).values())
        since, until = times[0], times[-1]
        ids = box.ids("cdrs", box.rows(box.pages("cdrs", since, until)))
        assert sorted(ids) == sorted(box.expected("cdrs", since, until))
        days = {r["path"] for r in box.app.recent_requests()}
        # 30 CDRs two hours apart from 05:30 local on 1 March (00:00 UTC): three local days.
        assert days == {"/v2/cdrs/2026/03/01", "/v2/cdrs/2026/03/02", "/v2/cdrs/2026/03/03"}


def test_vcclive_cdr_walk_stops_at_the_first_row_past_until(sim: SimFactory) -> None:
    box = sim("vcclive", **SETTINGS[("vcclive", "cdrs")])
    times = sorted(box.expected("cdrs", *everything()).values())
    list(box.pages("cdrs", times[0], times[3]))
    # Four rows sit on the first page of the first day: nothing further is asked for.
    assert [r["query"] for r in box.app.recent_requests()] == ["start=0&num=10"]


def test_voipstudio_pages_in_id_order_under_a_calldate_filter_in_the_account_zone(sim: SimFactory) -> None:
    box = sim("voipstudio")
    since, until = everything()
    list(box.pages("cdrs", since, until))
    query = next(r["query"] for r in box.app.recent_requests() if r["path"].endswith("/cdrs"))
    assert "sort=id&dir=ASC" in query
    # 2026-02-28 00:00 UTC is 05:30 in Kolkata: the filter speaks the account's local time.
    assert '"operator":"gte","value":"2026-02-28 05:30:00"' in query
    assert '"operator":"lte"' in query and "between" not in query


def test_voipcloud_asks_whole_days_oldest_first_and_keeps_only_the_window(sim: SimFactory) -> None:
    box = sim("voipcloud")
    times = sorted(box.expected("user_calls", *everything()).values())
    since, until = times[3], times[20]
    rows = box.rows(box.pages("user_calls", since, until))
    queries = [r["query"] for r in box.app.recent_requests()]
    # 2026-03-01 00:45 UTC is 06:15 in Kolkata: the days are the account's own.
    assert queries[0] == "from_date=2026-03-01&to_date=2026-03-01&sort_by=oldest_first&offset=0&limit=10"
    assert [q.split("offset=")[1] for q in queries] == ["0&limit=10", "10&limit=10", "20&limit=10"]
    resource = box.resource("user_calls")
    known = [t for row in rows if (t := box.connector.row_time(resource, row, box.account_tz))]
    assert len(known) == len(rows) == 18
    assert known == sorted(known) and known[0] == since and known[-1] == until


def test_ipscape_follows_next_uri_until_it_is_null(sim: SimFactory) -> None:
    box = sim("ipscape", page_size=PAGE)
    list(box.pages("activities", *everything()))
    requests = box.app.recent_requests()
    assert len(requests) == 3
    assert "createdTimestampFrom=" in requests[0]["query"]
    assert all(r["query"].startswith("cursor=") for r in requests[1:])


@pytest.mark.parametrize(
    ("vendor", "key", "change"),
    [
        # VoIPstudio: a CDR written late (an old calldate, a new id) lands after the rows not yet
        # read in id order, so it is read once and nothing shifts.
        ("voipstudio", "cdrs", "late"),
        # VoIPcloud oldest first: new calls land after the rows not yet read (newest first would
        # shift every later offset and serve a row twice).
        ("voipcloud", "user_calls", "append"),
        ("collect", "debtor", "append"),
    ],
)
def test_rows_written_during_the_walk_neither_repeat_nor_hide_a_row(
    sim: SimFactory, vendor: str, key: str, change: str
) -> None:
    box = sim(vendor)
    since, until = everything()
    pages = box.pages(key, since, until)
    rows = box.rows([next(pages)])
    records = box.app.data(key)
    if change == "late":
        # Older than the rows already read: in calldate order it would shift them all by one.
        records.insert_late(DATA_START + timedelta(seconds=1))
    else:
        records.append(3)
    rows += box.rows(pages)
    ids = box.ids(key, rows)
    assert len(ids) == len(set(ids)), "a row came twice"
    assert set(ids) == set(box.expected(key, since, until))
    assert len(ids) > ROWS


@pytest.mark.parametrize(
    "next_uri",
    [
        "/platform-api/v3.0/activities?cursor=abc",  # what the simulator sends
        "/v3.0/activities?cursor=abc",  # the docs' example, without the /platform-api prefix
        "https://acme.ipscape.com.au/platform-api/v3.0/activities?cursor=abc",
    ],
)
def test_ipscape_next_uri_is_joined_with_the_base_host(next_uri: str) -> None:
    base = "https://acme.ipscape.com.au/platform-api/v3.0/"
    assert next_url(base, next_uri) == "https://acme.ipscape.com.au/platform-api/v3.0/activities?cursor=abc"


# ---- a walk proves it is complete ---------------------------------------------------------------
TOTALLED = [("vcclive", "cdrs"), ("vcclive", "records"), ("voipstudio", "cdrs"), ("collect", "debtor")]


def test_vcclive_short_answers_are_not_the_end_while_total_count_says_more(sim: SimFactory) -> None:
    # The vendor cuts every answer to its cap whatever num asks: 4 here, while the walk asks 10.
    box = sim("vcclive", rows_cap=4, **SETTINGS[("vcclive", "cdrs")])
    since, until = everything()
    pages = list(box.pages("cdrs", since, until))
    assert sorted(box.ids("cdrs", box.rows(pages))) == sorted(box.expected("cdrs", since, until))
    assert max(len(page.rows) for page in pages) == 4
    first_day = [r["query"] for r in box.app.recent_requests() if r["path"] == "/v2/cdrs/2026/03/01"]
    assert first_day[:3] == ["start=0&num=10", "start=4&num=10", "start=8&num=10"]


@pytest.mark.parametrize(("vendor", "key"), TOTALLED, ids=[f"{v}-{k}" for v, k in TOTALLED])
def test_a_total_larger_than_what_is_served_ends_the_walk_incomplete_after_every_page(
    sim: SimFactory, vendor: str, key: str
) -> None:
    box = sim(vendor, total_surplus=3, **SETTINGS[(vendor, key)])
    since, until = everything()
    pages = box.pages(key, since, until)
    seen: list[Page] = []
    with pytest.raises(IncompleteWalk) as caught:
        for page in pages:
            seen.append(page)
    # Every row the vendor served was yielded before the walk said it was short.
    assert sorted(box.ids(key, box.rows(seen))) == sorted(box.expected(key, since, until))
    gap = caught.value
    assert gap.expected - gap.fetched == 3 * (gap.where.count(",") + 1)
    assert f"holds {gap.expected} rows" in str(gap) and f"received {gap.fetched}" in str(gap)
    # The empty answer after the last row ended each list: no list was asked again and again.
    assert box.page_requests(key) < 4 * (gap.where.count(",") + 1) + 3


@pytest.mark.parametrize(("vendor", "key"), CASES, ids=IDS)
def test_every_walk_stops_at_its_bound_on_pages_with_an_error_naming_it(
    sim: SimFactory, vendor: str, key: str
) -> None:
    box = sim(vendor, **SETTINGS[(vendor, key)])
    # VCC Live's days before the data's second one fit a page each (the first is empty): a bound
    # of one page stops 2 March, the day of 12 CDRs, on its first request.
    days = (vendor, key) == ("vcclive", "cdrs")
    bound = 1 if days else 2
    resource = dataclasses.replace(box.resource(key), max_pages=bound)
    pages = box.connector.fetch_pages(box.client, box.auth, box.account, resource, *everything())
    with pytest.raises(WalkTooLong, match=f"bound of {bound} pages"):
        list(pages)
    assert box.page_requests(key) == (3 if days else 2)
