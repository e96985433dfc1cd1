"""Deeply nested JSON from outside: refused with words a person can act on, never a RecursionError.

Each entry point: the parser itself, a JSON parameter on the test page (its preview, the run and
the CLI), a vendor's answer over real HTTP (the client, the stored body excerpt, the diagnosis,
a pull) and the redaction of a body.
"""

import io
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from werkzeug.wrappers import Request, Response

from integrations.http import BadResponse, HttpClient, HttpRequest, Redactor, TargetPolicy, untrusted_json
from integrations.models import Integration, PullRun, PullStatus, RunStatus
from integrations.services import pulls, testing
from integrations.services.audit import CLI
from integrations.services.integrations import create_integration
from integrations.simkit import RunningServer, serve
from integrations.vendors.catalogue import Param
from tests.factories import UserFactory

DEEP_FILTER = "[" * 3_000 + "]" * 3_000
OPEN_BRACKETS = b"[" * 100_000  # what a broken vendor once sent: never closed
VALID_BUT_DEEP = b'{"data": ' + b"[" * 1_000 + b"]" * 1_000 + b"}"
TOO_DEEP = "nests deeper than 64 levels"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- the parser ---------------------------------------------------------------------------------
def test_sixty_four_levels_parse_and_sixty_five_are_refused() -> None:
    assert untrusted_json.loads(nested(64)) == json.loads(nested(64))
    assert untrusted_json.loads('{"a": {"b": [1, {"c": null}]}}') == {"a": {"b": [1, {"c": None}]}}
    for text in (nested(65), '{"a": ' * 65 + "1" + "}" * 65, DEEP_FILTER):
        with pytest.raises(untrusted_json.TooDeep, match=TOO_DEEP):
            untrusted_json.loads(text)


def test_a_body_of_open_brackets_or_a_thousand_levels_is_too_deep_not_a_recursion_error() -> None:
    for body in (OPEN_BRACKETS, VALID_BUT_DEEP):
        with pytest.raises(untrusted_json.TooDeep):
            untrusted_json.loads(body)


def test_malformed_json_is_still_a_decode_error_with_its_position() -> None:
    with pytest.raises(untrusted_json.JSONDecodeError) as caught:
        untrusted_json.loads("[1, 2")
    assert caught.value.pos == 5


# --- a JSON parameter typed on the test page ----------------------------------------------------
def test_a_deep_json_parameter_is_a_form_error() -> None:
    with pytest.raises(ValueError, match=f"the JSON {TOO_DEEP}"):
        Param("filter", "Filter", "json").clean(DEEP_FILTER)


@pytest.mark.django_db
def test_the_test_page_preview_and_run_refuse_a_deep_filter_with_a_message(client: Client) -> None:
    integration = create_integration(
        vendor="voipstudio",
        name="vs",
        credential_values={"user_id": "1234", "api_token": "a-token-value"},
        actor=CLI,
    )
    preview = testing.preview(integration, "cdrs", {"filter": DEEP_FILTER})
    assert preview.errors == {"filter": f"Filter (JSON) is refused: the JSON {TOO_DEEP}"}

    client.force_login(UserFactory.create(username="ia", groups=["Integration admins"]))
    shown = client.get(
        reverse("admin:integrations_integration_test_preview", args=[integration.pk]),
        {"endpoint": "cdrs", "p-filter": DEEP_FILTER},
    )
    assert shown.status_code == 200
    assert TOO_DEEP in shown.json()["html"]
    sent = client.post(
        reverse("admin:integrations_integration_test", args=[integration.pk]),
        {"endpoint": "cdrs", "p-filter": DEEP_FILTER},
    )
    assert sent.status_code == 200
    assert TOO_DEEP in sent.content.decode()
    assert not integration.test_runs.exists()


@pytest.mark.django_db
def test_the_cli_refuses_a_deep_filter_with_a_message() -> None:
    create_integration(
        vendor="voipstudio",
        name="vs",
        credential_values={"user_id": "1234", "api_token": "a-token-value"},
        actor=CLI,
    )
    out, err = io.StringIO(), io.StringIO()
    saved, sys.stdin = sys.stdin, io.StringIO("")
    try:
        with pytest.raises(SystemExit) as exited:
            call_command(
                "integrations", "test", "vs", "--endpoint", "cdrs", "--param", f"filter={DEEP_FILTER}",
                "--json", stdout=out, stderr=err,
            )  # fmt: skip
    finally:
        sys.stdin = saved
    assert exited.value.code != 0
    assert TOO_DEEP in out.getvalue() + err.getvalue()


# --- a vendor answering a deep body, over real HTTP ---------------------------------------------
@pytest.fixture
def deep_vendor() -> Iterator[Callable[[bytes], RunningServer]]:
    """A werkzeug app on a loopback port answering every request with the given body."""
    started: list[RunningServer] = []

    def start(body: bytes) -> RunningServer:
        def app(environ: Any, start_response: Any) -> Any:
            Request(environ).get_data()
            return Response(body, content_type="application/json")(environ, start_response)

        server = serve(app, "127.0.0.1", 0)
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()


def test_the_client_refuses_a_deep_answer_with_a_bad_response(
    deep_vendor: Callable[[bytes], RunningServer],
) -> None:
    for body in (OPEN_BRACKETS, VALID_BUT_DEEP):
        server = deep_vendor(body)
        policy = TargetPolicy(allow_private=True, approved_hosts=("127.0.0.1",))
        with HttpClient(policy=policy) as client:
            response = client.send(HttpRequest("GET", server.url + "/cdrs"))
        with pytest.raises(BadResponse, match=f"the answer {TOO_DEEP}"):
            response.json()
        # The excerpt a person is shown is the body as text (masked), not a parse of it.
        assert Redactor(["secret-value"]).body(response.body) == body.decode()


def deep_integration(server: RunningServer) -> Integration:
    return create_integration(
        vendor="voipcloud",
        name="pbx",
        credential_values={"pbx_host": "pbx.example.com", "api_key": "the-api-key-value"},
        actor=CLI,
        base_url_override=server.url + "/api/integration/v2/",
    )


@pytest.mark.django_db
def test_a_test_run_against_a_deep_answer_is_diagnosed_in_words(
    deep_vendor: Callable[[bytes], RunningServer], settings: Any
) -> None:
    settings.ALLOW_PRIVATE_TARGETS = True
    integration = deep_integration(deep_vendor(OPEN_BRACKETS))
    run = testing.start(integration, None, {}, CLI, inline=True)
    assert run.status == RunStatus.FINISHED
    assert run.diagnosis == "unexpected_response"
    assert any(TOO_DEEP in value for _, value in run.facts)
    assert run.response_excerpt.startswith("[[[[")

    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("integrations", "test", "pbx", "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["diagnosis"] == "unexpected_response"
    assert any(TOO_DEEP in value for _, value in printed["facts"])


@pytest.mark.django_db
def test_a_pull_against_a_deep_answer_fails_with_the_reason(
    deep_vendor: Callable[[bytes], RunningServer], settings: Any
) -> None:
    settings.ALLOW_PRIVATE_TARGETS = True
    integration = deep_integration(deep_vendor(VALID_BUT_DEEP))
    run = pulls.start(integration, "user_calls", CLI, inline=True)
    run = PullRun.objects.get(pk=run.pk)
    assert run.status == PullStatus.FAILED
    assert TOO_DEEP in run.message
