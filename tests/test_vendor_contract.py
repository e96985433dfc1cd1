"""The contract every registered vendor keeps: fields, endpoints, and a simulator that answers."""

from datetime import date

import pytest

from integrations.registry import VENDORS, get_connector
from integrations.services import testing
from integrations.services.audit import CLI
from integrations.simkit.sandbox import BASE_PATHS, SANDBOX_PORT_OFFSETS
from integrations.vendors.catalogue import KINDS
from integrations.vendors.resources import RAW, Call
from tests.sandbox import SandboxFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", list(VENDORS))
def test_vendor_declares_a_usable_catalogue(key: str) -> None:
    connector = get_connector(key)
    assert connector.label and connector.credential_fields
    assert len([e for e in connector.endpoints if e.connectivity]) == 1, "exactly one connectivity test"
    keys = [e.key for e in connector.endpoints]
    assert len(keys) == len(set(keys))
    for endpoint in connector.endpoints:
        assert endpoint.method in {"GET", "POST", "PUT", "PATCH", "DELETE"}
        for param in endpoint.params:
            assert param.kind in KINDS
            assert param.in_path + param.in_body + param.in_form <= 1, (endpoint.key, param.name)
            if param.in_path:
                assert "{" + param.name in endpoint.path
        assert not any(p.in_body for p in endpoint.params) or not any(p.in_form for p in endpoint.params)
        _, errors = endpoint.clean(endpoint.initial())
        required_blank = {p.name for p in endpoint.params if p.required and not p.initial()}
        assert set(errors) == required_blank, (endpoint.key, errors)
    assert key in SANDBOX_PORT_OFFSETS and key in BASE_PATHS, "every vendor has a simulator in the sandbox"


@pytest.mark.parametrize("key", list(VENDORS))
def test_simulator_answers_every_get_endpoint_with_its_defaults(sandbox: SandboxFactory, key: str) -> None:
    box = sandbox(key)
    required = {"day": date.today().isoformat(), "projectid": "1"}
    for endpoint in get_connector(key).endpoints:
        if endpoint.method != "GET":
            continue
        params = {p.name: required[p.name] for p in endpoint.params if p.required and p.name in required}
        run = testing.start(box.integration, endpoint.key, params, CLI, via="cli", inline=True)
        assert run.diagnosis == "ok", (endpoint.key, run.diagnosis_title, run.response_excerpt[:300])


@pytest.mark.parametrize("key", list(VENDORS))
def test_name_sources_point_at_raw_resources_of_the_same_vendor(key: str) -> None:
    connector = get_connector(key)
    for call_field, (resource_key, name_field) in connector.name_sources.items():
        assert call_field in Call.__dataclass_fields__
        resource = connector.resource(resource_key)
        assert resource.kind == RAW and name_field
    assert all(resource.max_pages >= 1 for resource in connector.resources)


def test_vcclive_names_its_projects_and_users() -> None:
    assert get_connector("vcclive").name_sources == {
        "queue": ("projects", "name"),
        "agent": ("users", "name"),
    }


def test_voipcloud_call_to_number_checks_e164_before_sending_and_sends_multipart(
    sandbox: SandboxFactory,
) -> None:
    from django.core.exceptions import ValidationError

    box = sandbox("voipcloud")
    with pytest.raises(ValidationError, match=r"E\.164"):
        testing.start(
            box.integration, "call_to_number", {"user_number": "201", "number_to_call": "0291234567"}, CLI
        )
    values = {"user_number": "201", "number_to_call": "+61291234567", "caller_id": "+61290000000"}
    preview = testing.preview(box.integration, "call_to_number", values)
    assert preview.headers["Content-Type"] == "multipart/form-data"
    assert "-F user_number=201 -F number_to_call=+61291234567 -F caller_id=+61290000000" in preview.curl
    run = testing.start(
        box.integration,
        "call_to_number",
        values,
        CLI,
        inline=True,
        confirm_side_effect=True,  # it places a call: never sent without saying so
    )
    assert run.diagnosis == "ok", run.response_excerpt
    assert run.request_body == "user_number=201\nnumber_to_call=+61291234567\ncaller_id=+61290000000"
    received = box.app.recent_requests()[-1]
    assert (received["path"], received["content_type"]) == (
        "/api/integration/v2/call-to-number",
        "multipart/form-data",
    )
    assert received["form"] == "user_number=201&number_to_call=+61291234567&caller_id=+61290000000"
    assert '"unique_call_id"' in run.response_excerpt


def test_voipstudio_between_filter_is_refused_before_sending(sandbox: SandboxFactory) -> None:
    from django.core.exceptions import ValidationError

    box = sandbox("voipstudio")
    between = '[{"operator": "between", "property": "calldate", "value": ["2026-11-01", "2026-11-02"]}]'
    with pytest.raises(ValidationError, match="does not support 'between'"):
        testing.start(box.integration, "cdrs", {"filter": between}, CLI)
    good = '[{"operator": "gte", "property": "calldate", "value": "2026-11-01 00:00:00"}]'
    run = testing.start(box.integration, "cdrs", {"filter": good, "limit": "5"}, CLI, inline=True)
    assert run.diagnosis == "ok"
    assert "filter=" in run.request_url
