"""Redaction: unit behaviour of Redactor, then a canary secret hunted through everything the client
produces (log records at DEBUG from every logger, error messages, reprs)."""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import quote, quote_plus

import pytest
from werkzeug.wrappers import Request, Response

from integrations.http import (
    MASK,
    BasicAuth,
    ConnectionRefused,
    HttpClient,
    HttpError,
    HttpRequest,
    LoginSessionAuth,
    Redactor,
    error_for_status,
)
from integrations.simkit import RunningServer

from .conftest import App, all_log_text


# ---- Redactor -------------------------------------------------------------------------------------
def test_text_masks_every_registered_secret_longest_first():
    redactor = Redactor(["abcd", "abcdefgh"])

    assert redactor.text("x abcdefgh y abcd z") == f"x {MASK} y {MASK} z"


def test_values_shorter_than_four_characters_are_not_registered():
    redactor = Redactor(["abc", ""])

    assert redactor.text("abc abcabc") == "abc abcabc"


def test_url_encoded_and_json_escaped_forms_are_masked_too(canary: str):
    secret = f'{canary}/+&= "x'
    redactor = Redactor([secret])

    for form in (secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]):
        assert canary not in redactor.text(f"before {form} after")


def test_basic_credentials_are_masked_in_base64(canary: str):
    redactor = Redactor()
    redactor.add_basic("user-1", canary)
    encoded = base64.b64encode(f"user-1:{canary}".encode()).decode()

    assert redactor.text(f"Authorization: Basic {encoded}") == f"Authorization: Basic {MASK}"
    assert redactor.text(canary) == MASK


def test_url_drops_user_info_and_masks_sensitive_query_values_and_secrets(canary: str):
    redactor = Redactor([canary])
    url = f"https://u:{canary}@l7api.com/v1.2/apitokens/{canary}?api_key=k-123&page=2&Token=zz&q={canary}"

    shown = redactor.url(url)

    assert shown == f"https://l7api.com/v1.2/apitokens/{MASK}?api_key={MASK}&page=2&Token={MASK}&q={MASK}"


def test_headers_keep_only_the_auth_scheme(canary: str):
    redactor = Redactor([canary])
    headers = {
        "Authorization": f"Bearer {canary}",
        "proxy-authorization": "Basic dXNlcjpwYXNz",
        "X-Auth-Token": "anything",
        "Cookie": "session=1",
        "X-Pbx-Token": "hook",
        "token": "pbx-key",
        "X-Trace": f"echo {canary}",
        "Accept": "application/json",
    }

    assert redactor.headers(headers) == {
        "Authorization": f"Bearer {MASK}",
        "proxy-authorization": f"Basic {MASK}",
        "X-Auth-Token": MASK,
        "Cookie": MASK,
        "X-Pbx-Token": MASK,
        "token": MASK,
        "X-Trace": f"echo {MASK}",
        "Accept": "application/json",
    }


def test_json_masks_sensitive_keys_at_any_depth_and_secrets_in_any_string(canary: str):
    redactor = Redactor([canary])
    payload = {
        "user_token": "abc123456",
        "data": [{"API_TOKEN": "t-1", "name": f"key {canary}"}, {"secret_key_2": {"nested": 1}}],
        "nonce": None,
        "count": 3,
    }

    assert redactor.json(payload) == {
        "user_token": MASK,
        "data": [{"API_TOKEN": MASK, "name": f"key {MASK}"}, {"secret_key_2": MASK}],
        "nonce": None,
        "count": 3,
    }
    assert payload["user_token"] == "abc123456"  # a copy, not in place


def test_body_pretty_prints_json_whatever_the_content_type(canary: str):
    redactor = Redactor([canary])
    body = json.dumps({"password": "pw-1234", "note": canary}).encode()

    assert redactor.body(body, "text/plain") == json.dumps(
        {"password": MASK, "note": MASK}, indent=2, ensure_ascii=False
    )


def test_body_that_is_not_json_is_masked_as_text(canary: str):
    redactor = Redactor([canary])

    assert redactor.body(f"<html>{canary}</html>\xff".encode("latin-1")) == f"<html>{MASK}</html>\ufffd"


def test_connector_sensitive_fields_extend_the_default_keys():
    redactor = Redactor(sensitive_keys=["pin_code"])

    assert redactor.json({"PIN_CODE": "1234", "password": "x"}) == {"PIN_CODE": MASK, "password": MASK}


# ---- the canary hunt ------------------------------------------------------------------------------
def test_a_secret_never_reaches_logs_messages_or_reprs(
    app: App,
    server: RunningServer,
    client: HttpClient,
    canary: str,
    caplog: pytest.LogCaptureFixture,
    closed_port: int,
):
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's included

    @app.route("/login")
    def login(request: Request) -> Response:
        # A careless vendor: echoes the password in its error and sets it as a cookie.
        body = json.dumps({"message": f"Wrong password {request.get_json(force=True)['password']}"})
        return Response(
            body, status=401, headers={"Set-Cookie": f"s={canary}"}, content_type="application/json"
        )

    @app.route("/echo")
    def echo(request: Request) -> Response:
        return Response(request.query_string, status=503, headers={"X-Echo": canary})

    seen: list[str] = []
    auth = LoginSessionAuth(f"{server.url}/login", lambda: {"email": "a@b.c", "password": canary})
    with pytest.raises(HttpError) as login_error:
        client.send(HttpRequest("GET", f"{server.url}/me"), auth=auth)
    seen += [str(login_error.value), repr(login_error.value)]

    request = HttpRequest("GET", f"{server.url}/echo/{canary}", params=(("api_key", canary),))
    request = request.with_headers({"X-Auth-Token": canary})
    response = client.send(HttpRequest("GET", f"{server.url}/echo", params=(("api_key", canary),)))
    client.send(request, auth=BasicAuth(lambda: "user", lambda: canary))
    vendor_error = error_for_status(response)
    assert vendor_error is not None
    seen += [repr(request), repr(response), str(vendor_error), client.redactor.url(response.url)]
    seen.append(json.dumps(client.redactor.headers(response.headers)))
    seen.append(client.redactor.body(response.body, response.content_type))

    with pytest.raises(ConnectionRefused) as refused:
        client.send(HttpRequest("GET", f"http://127.0.0.1:{closed_port}/x/{canary}?api_key={canary}"))
    seen += [str(refused.value), repr(refused.value)]
    assert refused.value.__cause__ is None
    assert refused.value.__context__ is None  # the requests exception (which quotes the URL) is gone

    assert app.hits["/echo"] == 3  # a 503 on a GET is retried; everything above really ran
    # The simulated vendor's own access log is the other side of the wire: not ours to scan.
    caplog.records[:] = [r for r in caplog.records if not r.name.startswith("integrations.simkit")]
    assert caplog.records, "expected log records to scan"
    for text in [*seen, all_log_text(caplog)]:
        assert canary not in text
