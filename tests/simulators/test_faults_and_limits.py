"""Fault injection, forced 429s and rate limits, the same for every vendor's simulator."""

from __future__ import annotations

import json

import pytest
import requests

from tests.simulators.clients import CASES, Case
from tests.simulators.conftest import Serve

pytestmark = pytest.mark.parametrize("case", CASES, ids=lambda case: case.key)


def test_probe_succeeds_without_faults(case: Case, serve_app: Serve) -> None:
    probe = case.connect(serve_app(case.make()).url)
    assert probe().status_code == 200


def test_fault_500_answers_in_the_vendor_envelope(case: Case, serve_app: Serve) -> None:
    sim = case.make()
    probe = case.connect(serve_app(sim).url)
    sim.configure(fault="500")
    response = probe()
    assert response.status_code == 500
    assert response.json() == case.server_error


def test_fault_slow_makes_a_short_client_timeout_expire(case: Case, serve_app: Serve) -> None:
    sim = case.make()
    probe = case.connect(serve_app(sim).url)
    sim.configure(fault="slow", slow_seconds=0.3)
    with pytest.raises(requests.exceptions.ReadTimeout):
        probe(timeout=0.1)


def test_fault_malformed_json_is_a_200_whose_body_does_not_parse(case: Case, serve_app: Serve) -> None:
    sim = case.make()
    probe = case.connect(serve_app(sim).url)
    sim.configure(fault="malformed_json")
    response = probe()
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_fault_html_error_answers_an_html_page(case: Case, serve_app: Serve) -> None:
    sim = case.make()
    probe = case.connect(serve_app(sim).url)
    sim.configure(fault="html_error")
    response = probe()
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html>" in response.text


def test_fault_drop_closes_the_connection_without_a_response(case: Case, serve_app: Serve) -> None:
    sim = case.make()
    probe = case.connect(serve_app(sim).url)
    sim.configure(fault="drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        probe()
    assert sim.recent_requests()[-1]["status"] == 0


def test_fault_count_applies_to_the_next_requests_only(case: Case, serve_app: Serve) -> None:
    sim = case.make()
    probe = case.connect(serve_app(sim).url)
    sim.configure(fault="500", fault_count=2)
    assert [probe().status_code for _ in range(3)] == [500, 500, 200]


def test_fault_path_limits_the_fault_to_matching_paths(case: Case, serve_app: Serve) -> None:
    sim = case.make()
    probe = case.connect(serve_app(sim).url)
    sim.configure(fault="500", fault_path=r"/no-such-path$")
    assert probe().status_code == 200


def test_forced_429_answers_with_retry_after_in_the_vendor_envelope(case: Case, serve_app: Serve) -> None:
    sim = case.make()
    probe = case.connect(serve_app(sim).url)
    sim.configure(force_429=1, retry_after_seconds=7)
    response = probe()
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json() == case.too_many
    assert probe().status_code == 200


def test_rate_limit_refuses_over_the_limit_until_the_window_passes(case: Case, serve_app: Serve) -> None:
    sim = case.make()
    probe = case.connect(serve_app(sim).url)
    sim.configure(rate_limit=2, rate_window_seconds=60)
    assert [probe().status_code for _ in range(2)] == [200, 200]
    refused = probe()
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    sim.clock.advance(61)
    assert probe().status_code == 200


def test_control_api_is_not_subject_to_faults_or_limits(case: Case, serve_app: Serve) -> None:
    sim = case.make(fault="500", force_429=5, allowed_clients=["192.0.2.1/32"])
    server = serve_app(sim)
    response = requests.get(f"{server.url}/_sim/config", timeout=5)
    assert response.status_code == 200
    assert response.headers["X-Simulator-Only"] == "true"
    assert response.json()["simulator"] == case.key
