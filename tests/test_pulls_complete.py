"""A pull proves it is complete: through the real pull service, over real HTTP, into the database."""

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone

from integrations.models import CallRecord, PullRun, PullState, RawRecord
from integrations.services import pulls
from integrations.services.audit import CLI
from tests.sandbox import Sandbox, SandboxFactory

pytestmark = pytest.mark.django_db


def pull(box: Sandbox, resource: str) -> PullRun:
    return pulls.start(box.integration, resource, CLI, trigger="cli", inline=True)


def yesterday() -> datetime:
    today = timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=1)


def one_day_of_cdrs(count: int) -> dict[str, Any]:
    """`count` CDRs a minute apart from yesterday's midnight (UTC, the account's zone): one day."""
    assert count <= 1440
    return {"data_size": count, "data_start": yesterday().isoformat(), "data_spacing_seconds": 60}


def held(box: Sandbox) -> dict[str, int]:
    """What the simulator says it holds, per dataset (its control API, as an operator would ask)."""
    counts: dict[str, int] = requests.get(f"{box.server.url}/_sim/data", timeout=5).json()
    return counts


def test_vcclive_day_of_1200_cdrs_stores_all_1200_though_each_answer_holds_500(
    sandbox: SandboxFactory,
) -> None:
    box = sandbox("vcclive", **one_day_of_cdrs(1200))
    run = pull(box, "cdrs")
    assert run.status == "succeeded", run.message
    assert (run.created, run.rows_seen) == (1200, 1200)
    assert CallRecord.objects.filter(integration=box.integration).count() == 1200 == held(box)["cdrs"]
    day = f"/v2/cdrs/{yesterday():%Y/%m/%d}"
    asked = [r["query"] for r in box.app.recent_requests() if r["path"] == day]
    assert asked == ["start=0&num=500", "start=500&num=500", "start=1000&num=500"]


def test_vcclive_under_reporting_its_total_gives_an_incomplete_run_and_keeps_the_watermark(
    sandbox: SandboxFactory,
) -> None:
    box = sandbox("vcclive", **one_day_of_cdrs(1000))
    first = pull(box, "cdrs")
    assert first.status == "succeeded" and first.watermark_after is not None
    box.app.data("cdrs").append(100)
    box.app.configure(total_surplus=40)  # totalCount now says 40 more than the day serves

    short = pull(box, "cdrs")

    assert short.status == "incomplete"
    assert short.created == 100  # what was fetched is stored
    # The window (two hours before the watermark, to now) spans yesterday and today: yesterday
    # serves 1,100 CDRs and claims 1,140, today serves none and claims 40.
    assert "the vendor said it holds 1180 rows" in short.message
    assert "but the walk received 1100" in short.message
    assert f"cdrs/{yesterday():%Y/%m/%d}" in short.message
    assert "watermark did not move" in short.message
    state = PullState.objects.get(integration=box.integration, resource="cdrs")
    assert state.watermark == first.watermark_after and state.running is None
    assert short.watermark_after is None

    box.app.configure(total_surplus=0)
    again = pull(box, "cdrs")
    assert again.status == "succeeded" and again.created == 0
    assert again.watermark_after is not None and again.watermark_after > first.watermark_after


def test_collect_pull_logs_in_through_the_result_envelope_and_stores_the_whole_table(
    sandbox: SandboxFactory,
) -> None:
    box = sandbox("collect", data_size=2300)
    run = pull(box, "debtor")
    assert run.status == "succeeded", run.message
    assert RawRecord.objects.filter(integration=box.integration, resource="debtor").count() == 2300
    assert held(box)["debtor"] == 2300
    paths = [r["path"] for r in box.app.recent_requests()]
    assert paths[0] == "/api/v1/auth/login" and paths.count("/api/v1/collect/data/debtor") == 3


def test_voipcloud_v2_pull_of_several_pages_reads_oldest_first_and_stores_every_call(
    sandbox: SandboxFactory,
) -> None:
    start = timezone.now() - timedelta(days=3)
    box = sandbox("voipcloud", data_size=23_000, data_start=start.isoformat(), data_spacing_seconds=10)
    run = pull(box, "user_calls")
    assert run.status == "succeeded", run.message
    assert run.pages == 5 and run.created == 23_000 == held(box)["user_calls"]
    queries = [r["query"] for r in box.app.recent_requests() if r["path"].endswith("/get-user-calls")]
    offsets = [f"{offset}&limit=5000" for offset in range(0, 23_000, 5000)]
    assert [q.split("&offset=")[1] for q in queries] == offsets
    assert all("&sort_by=oldest_first&" in q and q.startswith("from_date=") for q in queries)
    outcomes = set(CallRecord.objects.filter(integration=box.integration).values_list("outcome", "answered"))
    assert outcomes == {("answered", True), ("missed", False), ("busy", False)}


def test_a_walk_past_its_bound_on_pages_fails_the_pull_with_the_bound_named(
    sandbox: SandboxFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = sandbox("vcclive", **one_day_of_cdrs(1_200))
    connector = box.integration.connector
    # The connector's declared bound, lowered: three answers of 500 are needed, two are allowed.
    bounded = tuple(
        dataclasses.replace(r, max_pages=2) if r.key == "cdrs" else r for r in connector.resources
    )
    monkeypatch.setattr(connector, "resources", bounded)
    run = pull(box, "cdrs")
    assert run.status == "failed" and "bound of 2 pages" in run.message
    assert PullState.objects.get(integration=box.integration, resource="cdrs").watermark is None
