"""Queues and users by name where the vendor's directory names them, per integration, ids otherwise."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from integrations.models import CallRecord, Integration, RawRecord, Report
from integrations.registry import get_connector
from integrations.services import reports
from integrations.services.audit import CLI
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 11, 20, 9, tzinfo=UTC)
# What each integration's directory says, wherever its connector says the names live.
DIRECTORY = {"queue": {"2": "Sales hotline"}, "agent": {"1005": "Alice Smith", "1006": ""}}


def name_directory(integration: Integration) -> dict[tuple[str, str], str]:
    """Store the directory rows for `integration`; return the names its connector makes known."""
    known = {}
    for field, source in get_connector(integration.vendor).name_sources.items():
        resource, name_field = source
        for vendor_id, name in DIRECTORY.get(field, {}).items():
            RawRecord.objects.create(
                integration=integration,
                resource=resource,
                vendor_id=vendor_id,
                raw={name_field: name, "id": 1},
            )
            if name:
                known[(field, vendor_id)] = name
    return known


def calls(integration: Integration, count: int) -> None:
    CallRecord.objects.bulk_create(
        [
            CallRecord(
                integration=integration,
                resource="cdrs",
                vendor_call_id=f"{integration.pk}-{n}",
                agent=("1005", "1006", "1007")[n % 3],
                queue="2",
                started_at=DAY + timedelta(minutes=n),
                duration_seconds=100,
                answered=True,
                raw={},
            )
            for n in range(count)
        ]
    )


def test_names_come_from_each_connectors_name_sources_and_two_vendors_ids_never_merge(
    admin_client: Client,
) -> None:
    vcc = IntegrationFactory.create(name="vcc", vendor="vcclive")
    pbx = IntegrationFactory.create(name="pbx", vendor="voipcloud")
    known = {vcc.name: name_directory(vcc), pbx.name: name_directory(pbx)}
    assert known["vcc"], "this test needs a connector that declares name_sources"
    # A row of another resource with the same id must not lend its name.
    RawRecord.objects.create(
        integration=vcc, resource="records", vendor_id="1007", raw={"name": "Not a user"}
    )
    calls(vcc, 9)
    calls(pbx, 6)
    report = Report.objects.create(name="ops", recipients="lead@example.com")
    run = reports.run(report, CLI, day=date(2026, 11, 20))

    queues = {
        (row["integration"], row["key"]): (row["name"], row["calls"]) for row in run.numbers["per_queue"]
    }
    assert queues == {
        ("vcc", "2"): (known["vcc"].get(("queue", "2")), 9),
        ("pbx", "2"): (known["pbx"].get(("queue", "2")), 6),
    }
    users = {(row["integration"], row["key"]): row["name"] for row in run.numbers["per_user"]}
    assert users == {
        (integration, agent): known[integration].get(("agent", agent))
        for integration in ("vcc", "pbx")
        for agent in ("1005", "1006", "1007")
    }

    page = admin_client.get(reverse("admin:integrations_reportrun_change", args=[run.pk])).content.decode()
    body = str(mail.outbox[0].body)
    for integration in ("vcc", "pbx"):
        shown = known[integration].get(("queue", "2"), "2")
        assert f"{shown} ({integration}): " in body
        name = known[integration].get(("agent", "1005"))
        if name:
            assert f'{name} <span class="report-quiet">#1005</span>' in page
    assert "Sales hotline" in page and "Not a user" not in page


def test_ids_no_directory_names_are_shown_as_ids(admin_client: Client) -> None:
    vcc = IntegrationFactory.create(name="vcc", vendor="vcclive")  # declares sources; none pulled yet
    calls(vcc, 3)
    run = reports.run(Report.objects.create(name="ops"), CLI, day=date(2026, 11, 20))
    assert {row["key"]: row["name"] for row in run.numbers["per_user"]} == {
        "1005": None,
        "1006": None,
        "1007": None,
    }
    page = admin_client.get(reverse("admin:integrations_reportrun_change", args=[run.pk])).content.decode()
    assert '<th scope="row">1007</th>' in page
