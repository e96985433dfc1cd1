"""The admin's lists cost a fixed number of queries, whatever the number of rows they show.

The counts are pinned (a baseline, as NetBox keeps beside its tests): a change that adds a query
per row fails here at N=50, and a change that adds one query overall shows up as a new baseline
to justify in review.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.models import CallRecord, PullRun, PullStatus, Report, RunStatus, TestRun
from integrations.services import allowlists, reports
from integrations.services.audit import CLI
from integrations.services.integrations import create_integration

pytestmark = pytest.mark.django_db

# Queries per page, whatever the number of rows (session, user, its second factor and lockout
# state, permissions, count, rows, filters).
BASELINE = {
    "integrations_integration": 15,  # and 3 + 4 for what the credential warnings read
    "integrations_testrun": 11,
    "integrations_pullrun": 12,
    "integrations_callrecord": 9,
    "integrations_report": 7,
    "integrations_reportrun": 10,
}
ACCOUNTS = [
    ("vcclive", {"customer": "acme{n}", "password": "pw-{n}-0123456789abcdef"}),
    ("voipcloud", {"pbx_host": "pbx{n}.example.com", "api_key": "key-{n}-0123456789abcdef"}),
]


def integrations(first: int, count: int) -> None:
    now = timezone.now()
    for n in range(first, first + count):
        vendor, fields = ACCOUNTS[n % 2]
        integration = create_integration(
            vendor=vendor,
            name=f"{vendor}-{n}",
            credential_values={k: v.format(n=n) for k, v in fields.items()},
            actor=CLI,
        )
        allowlists.add_entry(integration, f"198.51.100.{n % 250}", CLI, kind="vendor")
        TestRun.objects.create(
            integration=integration, endpoint="x", status=RunStatus.FINISHED, diagnosis="ok"
        )
        report = Report.objects.create(name=f"report-{n}")
        report.integrations.add(integration)
        reports.run(report, CLI, day=(now - timedelta(days=1)).date())
        PullRun.objects.create(integration=integration, resource="r", status=PullStatus.SUCCEEDED)
        for k in range(2):
            CallRecord.objects.create(
                integration=integration,
                resource="r",
                vendor_call_id=f"{n}-{k}",
                started_at=now - timedelta(minutes=n + k),
                raw={},
            )


def queries_for(client: Client, model: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("model", sorted(BASELINE))
def test_a_list_costs_the_same_queries_for_5_rows_as_for_50(admin_client: Client, model: str) -> None:
    integrations(0, 5)
    with_5 = queries_for(admin_client, model)
    integrations(5, 45)
    with_50 = queries_for(admin_client, model)
    assert (with_5, with_50) == (BASELINE[model], BASELINE[model])
