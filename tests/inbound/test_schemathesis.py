"""Schemathesis against the schema the portal serves: no 5xx, and every answer as the schema says.

Over real HTTP (live_server), with a valid token holding every scope, a bounded number of
generated requests per operation and hypothesis derandomised, so a run is repeatable.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.core.result import Ok

from integrations.models import CallRecord, Integration, Report, ReportRun, Scope
from integrations.services import portal_tokens
from integrations.services.audit import CLI
from integrations.services.integrations import create_integration
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EXAMPLES_PER_OPERATION = 30
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


def seed() -> dict[str, list[Any]]:
    """Rows for the generated requests to find; returns the known values of each path parameter."""
    integration = create_integration(
        vendor="voipcloud",
        name="pbx",
        credential_values={"pbx_host": "pbx.example.com", "api_key": "voipcloud-api-key-for-tests"},
        actor=CLI,
    )
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    for i in range(3):
        CallRecord.objects.create(
            integration=integration,
            resource="user_calls",
            vendor_call_id=f"call-{i}",
            started_at=start + timedelta(minutes=i),
            outcome="answered",
            answered=True,
            raw={"unique_call_id": f"call-{i}"},
        )
    report = Report.objects.create(name="daily")
    run = ReportRun.objects.create(
        report=report, period_start=start, period_end=start + timedelta(days=1), csv="a,b\r\n"
    )
    assert Integration.objects.count() == 1
    ids = [*CallRecord.objects.values_list("pk", flat=True), run.pk]
    return {"name": [integration.name], "id": ids}


def test_the_served_schema_holds_for_generated_requests(live_server: Any, settings: Any) -> None:
    settings.API_RATE_LIMIT = "100000/minute"  # the run is bounded by its examples, not throttled
    known = seed()
    owner = UserFactory.create(username="schema-owner", groups=["Integration admins"])
    token = portal_tokens.create(name="schemathesis", owner=owner, scopes=list(Scope.values), actor=CLI).value
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), results  # the schema itself is valid
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 9
    answered: dict[str, set[int]] = {}
    for operation in operations:
        answered[operation.label] = run_operation(operation, live_server.url, headers, known)
    # Not a run of refusals only: the list endpoints answered with data.
    assert 200 in answered["GET /api/v1/calls/"] and 200 in answered["GET /api/v1/report-runs/"]
    assert 202 in answered["POST /api/v1/integrations/{name}/test-runs/"]
    assert 200 in answered["GET /api/v1/report-runs/{id}/csv/"]


def run_operation(
    operation: Any, base_url: str, headers: dict[str, str], known: dict[str, list[Any]]
) -> set[int]:
    statuses: set[int] = set()
    generated = operation.as_strategy()
    names = [p.name for p in operation.path_parameters]
    if names:
        # Half the cases name a row that exists, so the 2xx answers are held to the schema too.
        values = st.fixed_dictionaries({name: st.sampled_from(known[name]) for name in names})
        generated = st.one_of(generated, st.tuples(generated, values).map(lambda pair: with_path(*pair)))

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=generated)
    def check(case: Any) -> None:
        response = case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)
        statuses.add(response.status_code)

    check()
    return statuses


def with_path(case: Any, values: dict[str, Any]) -> Any:
    case.path_parameters = {**(case.path_parameters or {}), **values}
    return case
