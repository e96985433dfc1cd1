"""Pulls over real HTTP against the simulators, into the real database."""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count
from django.utils import timezone

from integrations.models import CallRecord, PullRun, PullState, RawRecord
from integrations.services import pulls
from integrations.services.audit import CLI
from integrations.simkit import serve
from tests.sandbox import Sandbox, SandboxFactory

pytestmark = pytest.mark.django_db

# Call-like resources: (vendor, resource, dataset, records for about 2.5 pages).
CALL_RESOURCES = [
    ("voipstudio", "cdrs", "cdrs", 12_000),
    ("voipcloud", "user_calls", "user_calls", 12_500),
    ("ipscape", "activities", "activities", 250),
    ("vcclive", "cdrs", "cdrs", 2_500),
]


def recent_data(count: int, days: float = 5) -> dict[str, Any]:
    """`count` records ending a day ago, so appended records still lie in the past."""
    start = timezone.now() - timedelta(days=days + 1)
    return {"data_size": count, "data_start": start.isoformat(), "data_spacing_seconds": days * 86400 / count}


def pull(box: Sandbox, resource: str, **kwargs: Any) -> PullRun:
    return pulls.start(box.integration, resource, CLI, trigger="cli", inline=True, **kwargs)


def stored_ids(box: Sandbox) -> list[str]:
    return list(
        CallRecord.objects.filter(integration=box.integration).values_list("vendor_call_id", flat=True)
    )


@pytest.mark.parametrize(("vendor", "resource", "dataset", "count"), CALL_RESOURCES)
def test_pull_stores_exactly_the_vendors_records_and_repulls_only_what_is_new(
    sandbox: SandboxFactory, vendor: str, resource: str, dataset: str, count: int
) -> None:
    box = sandbox(vendor, **recent_data(count))
    first = pull(box, resource)
    assert first.status == "succeeded", first.message
    assert first.pages >= 2
    assert (first.created, first.updated) == (count, 0)
    ids = stored_ids(box)
    assert len(ids) == len(set(ids)) == count
    state = PullState.objects.get(integration=box.integration, resource=resource)
    assert state.watermark == first.watermark_after
    assert state.running is None

    box.app.data(dataset).append(7)
    second = pull(box, resource)
    assert second.status == "succeeded"
    assert (second.created, second.updated) == (7, 0)
    assert CallRecord.objects.filter(integration=box.integration).count() == count + 7
    assert first.watermark_after is not None and second.watermark_after is not None
    assert second.watermark_after > first.watermark_after
    assert second.window_start == first.watermark_after - box.integration.connector.resource(resource).overlap


def test_a_changed_record_is_updated_not_duplicated(sandbox: SandboxFactory) -> None:
    box = sandbox("voipstudio", **recent_data(600))
    pull(box, "cdrs")
    box.app.data("cdrs").update(599, disposition="FAILED", billsec=0)  # the newest: inside the overlap
    again = pull(box, "cdrs")
    assert (again.created, again.updated) == (0, 1)
    assert CallRecord.objects.filter(integration=box.integration).count() == 600
    assert CallRecord.objects.filter(integration=box.integration, disposition="FAILED").count() >= 1


def test_a_late_arriving_record_inside_the_overlap_is_caught(sandbox: SandboxFactory) -> None:
    box = sandbox("voipcloud", **recent_data(300))
    first = pull(box, "user_calls")
    assert first.watermark_after is not None
    late_time = first.watermark_after - timedelta(minutes=5)  # inside the 15-minute overlap
    box.app.data("user_calls").insert_late(late_time)
    again = pull(box, "user_calls")
    assert again.created == 1
    assert CallRecord.objects.filter(integration=box.integration).count() == 301


def test_since_pulls_an_earlier_window_without_moving_the_watermark_back(sandbox: SandboxFactory) -> None:
    box = sandbox("ipscape", **recent_data(150))
    first = pull(box, "activities")
    again = pull(box, "activities", since=timezone.now() - timedelta(days=30))
    assert (again.created, again.updated) == (0, 0)
    assert again.rows_seen == 150
    assert again.watermark_after == first.watermark_after


@pytest.mark.parametrize(
    ("vendor", "resource"), [("collect", "debtor"), ("collect", "contact"), ("vcclive", "projects")]
)
def test_raw_resources_are_kept_as_json_keyed_by_vendor_id(
    sandbox: SandboxFactory, vendor: str, resource: str
) -> None:
    box = sandbox(vendor, **recent_data(2_300))
    run = pull(box, resource)
    assert run.status == "succeeded", run.message
    rows = RawRecord.objects.filter(integration=box.integration, resource=resource)
    assert rows.count() == run.created > 0
    assert not rows.values("vendor_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert pull(box, resource).created == 0


def expiring_after_first_page(box: Sandbox, path_part: str) -> Callable[..., Iterable[bytes]]:
    """The simulator, wrapped: after it serves the first data page, every token expires."""
    served = {"pages": 0}

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = box.app(environ, start_response)
        if path_part in environ["PATH_INFO"]:
            served["pages"] += 1
            if served["pages"] == 1:
                box.app.expire_tokens()
        return body

    return app


@pytest.mark.parametrize(
    ("vendor", "resource", "path_part"), [("voipstudio", "cdrs", "/cdrs"), ("collect", "debtor", "/data/")]
)
def test_token_expiring_in_the_middle_of_a_pull_is_renewed_and_the_pull_completes(
    sandbox: SandboxFactory, vendor: str, resource: str, path_part: str
) -> None:
    box = sandbox(vendor, **recent_data(12_000 if vendor == "voipstudio" else 2_500))
    wrapped = serve(expiring_after_first_page(box, path_part), "127.0.0.1", 0)
    sandbox.servers.append(wrapped)
    box.integration.base_url_override = box.integration.base_url_override.replace(
        f":{box.server.port}/", f":{wrapped.port}/"
    )
    box.integration.save()
    run = pull(box, resource)
    assert run.status == "succeeded", run.message
    assert run.pages >= 2
    statuses = [r["status"] for r in box.app.recent_requests()]
    assert 401 in statuses  # the expiry really bit, and the pull still finished


def test_a_vendor_failure_fails_the_run_with_a_diagnosis_and_keeps_the_watermark(
    sandbox: SandboxFactory,
) -> None:
    box = sandbox("voipcloud", **recent_data(1_250))
    first = pull(box, "user_calls")
    box.app.configure(fault="500")
    failed = pull(box, "user_calls")
    assert failed.status == "failed"
    assert failed.diagnosis == "vendor_error"
    assert "VoIPcloud had an internal error" in failed.message
    state = PullState.objects.get(integration=box.integration, resource="user_calls")
    assert state.watermark == first.watermark_after and state.running is None


def test_unknown_resource_is_a_clear_error(sandbox: SandboxFactory) -> None:
    from django.core.exceptions import ValidationError

    box = sandbox("voipcloud")
    with pytest.raises(ValidationError, match="unknown resource 'cdrs'; this vendor offers: user_calls"):
        pull(box, "cdrs")
    assert not PullRun.objects.exists()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("UTC")),
        datetime(2026, 11, 28, 10, 0, 0, 123456, tzinfo=ZoneInfo("UTC")),
        datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/Budapest")),
        datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Budapest")),
        datetime(2026, 11, 28, 23, 59, 59, tzinfo=ZoneInfo("Australia/Sydney")),
    ],
)
def test_the_fast_time_adapter_writes_what_django_writes(moment: datetime) -> None:
    from django.db import connection

    from integrations.services.records import time_adapter

    assert time_adapter()(moment) == connection.ops.adapt_datetimefield_value(moment)
