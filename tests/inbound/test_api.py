"""The read API through Django's test client: tokens, scopes, filters, pages, errors, test runs."""

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from integrations.models import (
    AuditEvent,
    CallRecord,
    Integration,
    PortalToken,
    Report,
    ReportRun,
    Scope,
    TestRun,
)
from integrations.services import portal_tokens
from integrations.services.audit import CLI
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def api(client: Client, token: str | None, path: str, method: str = "get", **kwargs: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return getattr(client, method)(f"/api/v1/{path}", **headers, **kwargs)


def make_calls(integration: Integration, count: int, **fields: Any) -> list[CallRecord]:
    return [
        CallRecord.objects.create(
            integration=integration,
            resource="user_calls",
            vendor_call_id=f"{integration.pk}.{i}.{fields.get('agent', '')}",
            started_at=START + timedelta(minutes=i),
            direction=fields.get("direction", "inbound" if i % 2 else "outbound"),
            agent=fields.get("agent", "Mia Brown"),
            queue=fields.get("queue", ""),
            outcome=fields.get("outcome", "answered"),
            answered=fields.get("outcome", "answered") == "answered",
            duration_seconds=60 + i,
            raw={"unique_call_id": str(i)},
        )
        for i in range(count)
    ]


@pytest.fixture
def calls(pbx: Integration) -> list[CallRecord]:
    return make_calls(pbx, 5)


def test_no_token_is_401_in_the_envelope(client: Client) -> None:
    response = api(client, None, "calls/")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": "Authentication credentials were not provided."}
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_session_does_not_open_the_api(client: Client, integration_admin: User, calls: Any) -> None:
    client.force_login(integration_admin)
    assert api(client, None, "calls/").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Token abc", "Bearer", "Bearer sbt_nope", "Basic dXNlcjpwYXNz", "Bearer sbt_abcdefghij_" + "x" * 43],
)
def test_a_malformed_or_unknown_token_is_401(client: Client, db: None, header: str) -> None:
    response = client.get("/api/v1/calls/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"]["code"] in ("token_invalid", "not_authenticated")


def test_calls_are_listed_newest_first_with_their_vendor_rows(
    client: Client, issue: Callable[..., str], calls: list[CallRecord]
) -> None:
    response = api(client, issue(), "calls/")
    assert response.status_code == 200
    body = response.json()
    assert [c["vendor_call_id"] for c in body["results"]] == [c.vendor_call_id for c in reversed(calls)]
    first = body["results"][0]
    assert first["integration"] == "pbx" and first["vendor_row"] == {"unique_call_id": "4"}
    assert set(first) >= {
        "started_at",
        "duration_seconds",
        "outcome",
        "answered",
        "agent",
        "queue",
        "direction",
    }


def test_cursor_pages_walk_every_call_once_while_new_calls_arrive(
    client: Client, issue: Callable[..., str], pbx: Integration
) -> None:
    make_calls(pbx, 25)
    token = issue()
    seen: list[str] = []
    url: str | None = "calls/?limit=10"
    pages = 0
    while url:
        body = api(client, token, url).json()
        seen += [c["vendor_call_id"] for c in body["results"]]
        if pages == 0:  # a newer call arrives after the first page: it must not shift the rest
            CallRecord.objects.create(
                integration=pbx,
                resource="user_calls",
                vendor_call_id="new",
                started_at=START + timedelta(days=1),
                raw={},
            )
        pages += 1
        url = body["next"].split("/api/v1/", 1)[1] if body["next"] else None
    assert pages == 3 and len(seen) == 25 == len(set(seen))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("direction=inbound", 3),
        ("agent=Liam+White", 3),
        ("queue=Sales", 3),
        ("outcome=missed", 3),
        ("answered=false", 3),
        ("answered=true", 5),
        ("integration=pbx", 5),
        ("integration=nobody", 0),
        (f"since={(START + timedelta(minutes=3)).isoformat().replace('+', '%2B')}", 2),
        (f"until={(START + timedelta(minutes=2)).isoformat().replace('+', '%2B')}", 4),
    ],
)
def test_calls_filter_by_integration_time_direction_agent_queue_and_outcome(
    client: Client, issue: Callable[..., str], calls: Any, pbx: Integration, query: str, expected: int
) -> None:
    other = Integration.objects.create(vendor="voipcloud", name="other")
    make_calls(other, 3, agent="Liam White", queue="Sales", outcome="missed")
    response = api(client, issue(), f"calls/?{query}")
    assert response.status_code == 200, response.json()
    assert len(response.json()["results"]) == expected


def test_a_bad_filter_is_a_400_naming_the_field(
    client: Client, issue: Callable[..., str], calls: Any
) -> None:
    response = api(client, issue(), "calls/?since=last+tuesday&direction=sideways")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == {"since", "direction"}


@pytest.mark.parametrize(
    "path", ["calls/?cursor=garbage", "calls/999999/", "nothing-here/", "calls/1/extra/"]
)
def test_unknown_things_are_404_in_the_envelope(client: Client, issue: Callable[..., str], path: str) -> None:
    response = api(client, issue(), path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_path_without_its_slash_is_told_the_right_one(client: Client, issue: Callable[..., str]) -> None:
    response = api(client, issue(), "calls")
    assert response.status_code == 404 and "/api/v1/calls/" in response.json()["error"]["message"]


def test_a_token_without_the_scope_is_403(client: Client, issue: Callable[..., str], calls: Any) -> None:
    token = issue(Scope.REPORTS_READ)
    response = api(client, token, "calls/")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "scope_missing",
        "message": "The token needs one of these scopes: calls:read.",
    }
    assert api(client, token, "reports/").status_code == 200


def test_an_owner_who_loses_the_permission_takes_the_token_with_them(
    client: Client, issue: Callable[..., str], api_owner: User, calls: Any
) -> None:
    token = issue(Scope.CALLS_READ)
    api_owner.groups.clear()
    api_owner = User.objects.get(pk=api_owner.pk)  # drop the cached permissions
    response = api(client, token, "calls/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_a_revoked_token_is_refused(client: Client, issue: Callable[..., str], calls: Any) -> None:
    token = issue()
    assert api(client, token, "calls/").status_code == 200
    portal_tokens.revoke(PortalToken.objects.get(), CLI)
    response = api(client, token, "calls/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "token_revoked"


def test_an_expired_token_is_refused(client: Client, issue: Callable[..., str], calls: Any) -> None:
    token = issue(expires_at=timezone.now() + timedelta(hours=1))
    PortalToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api(client, token, "calls/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "token_expired"


def test_an_inactive_owner_makes_the_token_invalid(
    client: Client, issue: Callable[..., str], api_owner: User, calls: Any
) -> None:
    token = issue()
    User.objects.filter(pk=api_owner.pk).update(is_active=False)
    assert api(client, token, "calls/").status_code == 401


def test_a_token_is_refused_outside_its_allowed_addresses(
    client: Client, issue: Callable[..., str], calls: Any
) -> None:
    token = issue(allowed_ips=["192.0.2.0/24", "2001:db8::/32"])
    refused = api(client, token, "calls/")
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "address_not_allowed",
        "message": "The token may not be used from 127.0.0.1.",
    }
    assert api(client, token, "calls/", REMOTE_ADDR="192.0.2.44").status_code == 200
    assert api(client, token, "calls/", REMOTE_ADDR="2001:db8::5").status_code == 200


def test_use_is_recorded_at_most_once_a_minute(client: Client, issue: Callable[..., str], calls: Any) -> None:
    token = issue()
    api(client, token, "calls/", HTTP_USER_AGENT="crm-sync/1.0")
    row = PortalToken.objects.get()
    assert row.last_used_address == "127.0.0.1" and row.last_used_user_agent == "crm-sync/1.0"
    first = row.last_used_at
    assert first is not None
    api(client, token, "calls/", HTTP_USER_AGENT="crm-sync/2.0")
    row.refresh_from_db()
    assert (row.last_used_at, row.last_used_user_agent) == (first, "crm-sync/1.0")
    PortalToken.objects.update(last_used_at=first - timedelta(minutes=2))
    api(client, token, "calls/", HTTP_USER_AGENT="crm-sync/2.0")
    row.refresh_from_db()
    assert row.last_used_user_agent == "crm-sync/2.0"


def test_each_token_has_its_own_rate_limit(
    client: Client, issue: Callable[..., str], calls: Any, settings: Any
) -> None:
    settings.API_RATE_LIMIT = "3/minute"
    cache.clear()
    busy, quiet = issue(name="busy"), issue(name="quiet")
    assert [api(client, busy, "calls/").status_code for _ in range(3)] == [200, 200, 200]
    limited = api(client, busy, "calls/")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited" and int(limited["Retry-After"]) > 0
    assert api(client, quiet, "calls/").status_code == 200


def test_report_runs_and_their_csv(client: Client, issue: Callable[..., str]) -> None:
    report = Report.objects.create(name="daily-ops")
    run = ReportRun.objects.create(
        report=report,
        period_start=START,
        period_end=START + timedelta(days=1),
        status="succeeded",
        csv="section,integration\r\nsummary,pbx\r\n",
        numbers={"calls": 3},
    )
    token = issue(Scope.REPORTS_READ)
    runs = api(client, token, "report-runs/?report__name=daily-ops").json()["results"]
    assert [r["id"] for r in runs] == [run.pk] and runs[0]["numbers"] == {"calls": 3}
    assert runs[0]["csv_url"] == f"http://testserver/api/v1/report-runs/{run.pk}/csv/"
    csv = api(client, token, f"report-runs/{run.pk}/csv/")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert csv.content == run.csv.encode() and "daily-ops-2026-11-02.csv" in csv["Content-Disposition"]
    assert api(client, token, f"report-runs/{run.pk}/csv/", HTTP_ACCEPT="text/csv").status_code == 200
    assert api(client, token, "reports/").json() == [
        {"id": report.pk, "name": "daily-ops", "period": "daily", "timezone": "UTC", "enabled": True}
    ]


def test_run_a_test_request_then_poll_it(client: Client, issue: Callable[..., str], pbx: Integration) -> None:
    token = issue(Scope.TESTS_RUN)
    response = api(
        client, token, "integrations/pbx/test-runs/", "post", data={}, content_type="application/json"
    )
    assert response.status_code == 202
    run = TestRun.objects.get()
    assert (run.endpoint, run.requested_via) == ("connection", "api")
    body = response.json()
    assert response["Location"] == body["url"] == f"http://testserver/api/v1/test-runs/{run.pk}/"
    polled = api(client, token, f"test-runs/{run.pk}/").json()
    assert polled["status"] == "queued" and polled["done"] is False
    audit = AuditEvent.objects.get(action="test.run")
    assert audit.actor_label.startswith("crm-owner (API token ") and audit.source_ip == "127.0.0.1"


def test_integrations_list_their_endpoints(
    client: Client, issue: Callable[..., str], pbx: Integration
) -> None:
    listed = api(client, issue(Scope.TESTS_RUN), "integrations/").json()
    assert [i["name"] for i in listed] == ["pbx"]
    endpoints = {e["key"]: e for e in listed[0]["endpoints"]}
    assert endpoints["connection"]["connectivity"] is True
    assert endpoints["call_to_number"]["side_effect"]


def test_an_endpoint_with_a_side_effect_needs_its_scope_and_a_yes(
    client: Client, issue: Callable[..., str], pbx: Integration
) -> None:
    call = {"endpoint": "call_to_number", "params": {"user_number": "201", "number_to_call": "+61291234567"}}

    def start(token: str, **extra: Any) -> Any:
        return api(
            client,
            token,
            "integrations/pbx/test-runs/",
            "post",
            data={**call, **extra},
            content_type="application/json",
        )

    plain = start(issue(Scope.TESTS_RUN, name="plain"))
    assert plain.status_code == 403 and plain.json()["error"]["code"] == "side_effect_not_allowed"
    allowed = issue(Scope.TESTS_RUN, Scope.TESTS_SIDE_EFFECTS, name="allowed")
    unconfirmed = start(allowed)
    assert (
        unconfirmed.status_code == 403 and unconfirmed.json()["error"]["code"] == "side_effect_not_confirmed"
    )
    assert not TestRun.objects.exists()
    assert start(allowed, allow_side_effect=True).status_code == 202
    assert TestRun.objects.get().endpoint == "call_to_number"


def test_a_test_request_with_bad_parameters_is_400(
    client: Client, issue: Callable[..., str], pbx: Integration
) -> None:
    token = issue(Scope.TESTS_RUN)
    bad = {"endpoint": "user_calls", "params": {"limit": "0", "bogus": "1"}}
    response = api(
        client, token, "integrations/pbx/test-runs/", "post", data=bad, content_type="application/json"
    )
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"limit", "bogus"}
    unknown = api(
        client,
        token,
        "integrations/pbx/test-runs/",
        "post",
        data={"endpoint": "nope"},
        content_type="application/json",
    )
    assert unknown.status_code == 400 and "unknown endpoint" in str(unknown.json())
    missing = api(
        client, token, "integrations/nope/test-runs/", "post", data={}, content_type="application/json"
    )
    assert missing.status_code == 404
    malformed = api(
        client, token, "integrations/pbx/test-runs/", "post", data="{", content_type="application/json"
    )
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "parse_error"


def test_a_token_owner_without_run_test_cannot_have_a_tests_token(db: None) -> None:
    viewer = UserFactory.create(username="viewer", groups=["Report viewers"])
    with pytest.raises(Exception, match="may not run test requests"):
        portal_tokens.create(name="x", owner=viewer, scopes=[Scope.TESTS_RUN], actor=CLI)
    assert not PortalToken.objects.exists()


def test_the_schema_and_its_browsable_page_are_served_without_a_cdn(client: Client, db: None) -> None:
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    spec = schema.json()
    assert spec["components"]["securitySchemes"]["portalToken"]["scheme"] == "bearer"
    assert "/api/v1/calls/" in spec["paths"] and "Error" in spec["components"]["schemas"]
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html and "drf_spectacular_sidecar" in html
    assert "cdn" not in html.lower() and "unpkg" not in html


@pytest.mark.parametrize(
    ("position", "status"),
    [
        ("not-a-time", 404),
        ("2026-11-02T09:00:00", 404),  # no zone: not a cursor the API wrote
        ("9999-12-31T23:59:59-23:59", 404),  # past the end of the calendar in UTC
        ("2026-11-02T09:00:00+16:48", 200),  # an offset PostgreSQL refuses: read in UTC
    ],
)
def test_a_forged_cursor_is_a_404_or_read_safely_never_a_server_error(
    client: Client, issue: Callable[..., str], calls: Any, position: str, status: int
) -> None:
    cursor = base64.b64encode(urlencode({"p": position}).encode()).decode()
    assert api(client, issue(), f"calls/?{urlencode({'cursor': cursor})}").status_code == status
