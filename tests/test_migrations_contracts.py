"""The data migrations of the vendor contracts: call outcomes back-filled, VoIPcloud moved to v2."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

APP = "integrations"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def migrate() -> Iterator[Any]:
    """`migrate("0007_...")` → the historical app registry at that migration; back to the latest after."""

    def to(name: str) -> Any:
        executor = MigrationExecutor(connection)
        executor.migrate([(APP, name)])
        executor.loader.build_graph()
        return executor.loader.project_state([(APP, name)]).apps

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes(APP))


def integration(apps: Any, vendor: str, name: str, override: str) -> Any:
    return apps.get_model(APP, "Integration").objects.create(
        vendor=vendor, name=name, base_url_override=override
    )


def test_outcomes_are_back_filled_from_answered(migrate: Any) -> None:
    apps = migrate("0009_callrecord_outcome")
    owner = integration(apps, "voipstudio", "studio", "")
    CallRecord = apps.get_model(APP, "CallRecord")
    for call_id, answered in (("1", True), ("2", False), ("3", None)):
        CallRecord.objects.create(
            integration=owner,
            resource="cdrs",
            vendor_call_id=call_id,
            started_at=timezone.now(),
            answered=answered,
            raw={},
        )

    apps = migrate("0010_callrecord_outcome_backfill")

    stored = apps.get_model(APP, "CallRecord").objects.order_by("vendor_call_id")
    assert list(stored.values_list("answered", "outcome")) == [
        (True, "answered"),
        (False, "missed"),
        (None, "unknown"),
    ]


def test_voipcloud_v1_base_urls_move_to_v2_and_nothing_else_changes(migrate: Any) -> None:
    apps = migrate("0010_callrecord_outcome_backfill")
    overrides = {
        "pbx-a": ("voipcloud", "https://pbx.example.com/api/integration/v1/"),
        "pbx-b": ("voipcloud", "http://127.0.0.1:8705/api/integration/v1"),
        "pbx-c": ("voipcloud", "https://proxy.example.com/voip/v1/"),
        "pbx-d": ("voipcloud", "https://pbx.example.com/api/integration/v2/"),
        "pbx-e": ("voipcloud", ""),
        "collect": ("collect", "https://api.example.com/api/v1/"),
    }
    for name, (vendor, override) in overrides.items():
        integration(apps, vendor, name, override)

    apps = migrate("0011_voipcloud_v2")

    moved = dict(apps.get_model(APP, "Integration").objects.values_list("name", "base_url_override"))
    assert moved == {
        "pbx-a": "https://pbx.example.com/api/integration/v2/",
        "pbx-b": "http://127.0.0.1:8705/api/integration/v2/",
        "pbx-c": "https://proxy.example.com/voip/v2/",
        "pbx-d": "https://pbx.example.com/api/integration/v2/",
        "pbx-e": "",
        "collect": "https://api.example.com/api/v1/",  # another vendor's /v1/ is its own business
    }
