"""The client against real loopback servers: statuses, typed transport errors, retries, the size cap."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import pytest
from werkzeug.http import http_date
from werkzeug.wrappers import Request, Response

from integrations.http import (
    BadResponse,
    ConnectionDropped,
    ConnectionRefused,
    HttpClient,
    HttpRequest,
    RateLimited,
    Timeout,
    TlsFailure,
    VendorError,
    error_for_status,
)
from integrations.simkit import RunningServer

from .conftest import App, drop_connection


def json_ok(payload: object, content_type: str = "application/json") -> Callable[[Request], Response]:
    return lambda request: Response(json.dumps(payload), content_type=content_type)


def sequence(*responses: Response) -> Callable[[Request], Response]:
    """Answers with each response in turn, then keeps answering with the last one."""
    queue = list(responses)
    return lambda request: queue.pop(0) if len(queue) > 1 else queue[0]


def get(server: RunningServer, path: str, params: tuple[tuple[str, str], ...] = ()) -> HttpRequest:
    return HttpRequest("GET", f"{server.url}{path}", params=params)


# ---- success --------------------------------------------------------------------------------------
def test_get_returns_status_headers_body_and_parsed_json(app: App, server: RunningServer, client: HttpClient):
    app.route("/v2/projects")(json_ok({"response": [1, 2]}))

    response = client.send(get(server, "/v2/projects", params=(("num", "10"),)))

    assert response.status_code == 200
    assert response.json() == {"response": [1, 2]}
    assert response.content_type == "application/json"
    assert response.header("content-type") == "application/json"
    assert response.attempts == 1
    assert response.url.endswith("/v2/projects?num=10")
    assert response.elapsed_ms >= 0
    assert app.seen[0].query == "num=10"
    assert app.seen[0].headers["User-Agent"] == "Switchboard/0.1"


def test_json_is_parsed_whatever_the_content_type_says(app: App, server: RunningServer, client: HttpClient):
    # VCC Live serves its JSON as text/plain.
    app.route("/v2/users")(json_ok({"response": [], "errors": []}, "text/plain; charset=utf-8"))

    assert client.send(get(server, "/v2/users")).json() == {"response": [], "errors": []}


def test_post_sends_json_body_and_headers(app: App, server: RunningServer, client: HttpClient):
    app.route("/echo")(lambda r: Response(r.get_data(), content_type="application/json"))
    request = HttpRequest("POST", f"{server.url}/echo", json={"a": 1}).with_headers({"X-Trace": "t1"})

    response = client.send(request)

    assert response.json() == {"a": 1}
    assert app.seen[0].headers["X-Trace"] == "t1"
    assert app.seen[0].headers["Content-Type"] == "application/json"


def test_post_sends_form_fields_as_multipart(app: App, server: RunningServer, client: HttpClient):
    # VoIPcloud's call-to-number takes multipart/form-data, not JSON and not a urlencoded form.
    seen: dict[str, object] = {}

    def echo(request: Request) -> Response:
        seen.update(mimetype=request.mimetype, form=list(request.form.items(multi=True)))
        seen["files"] = len(request.files)
        return Response("{}", content_type="application/json")

    app.route("/call-to-number")(echo)
    form = (("user_number", "201"), ("number_to_call", "+61299999999"), ("note", "a b&c=d"))
    request = HttpRequest("POST", f"{server.url}/call-to-number", form=form)

    assert client.send(request).status_code == 200
    assert seen == {"mimetype": "multipart/form-data", "form": list(form), "files": 0}
    assert request.content_type == "multipart/form-data"
    assert request.body_text() == "user_number=201\nnumber_to_call=+61299999999\nnote=a b&c=d"


def test_a_request_body_is_json_or_form_not_both():
    with pytest.raises(ValueError, match="not both"):
        HttpRequest("POST", "https://x/", json={"a": 1}, form=(("b", "2"),))
    assert HttpRequest("POST", "https://x/", json={"a": 1}).content_type == "application/json"
    assert HttpRequest("GET", "https://x/").content_type is None
    assert HttpRequest("GET", "https://x/").body_text() == ""


def test_any_http_status_is_returned_for_the_caller_to_judge(
    app: App, server: RunningServer, client: HttpClient
):
    app.route("/missing")(lambda r: Response('{"message": "nope"}', status=404))

    response = client.send(get(server, "/missing"))

    assert response.status_code == 404
    error = error_for_status(response)
    assert isinstance(error, BadResponse)
    assert str(error) == "HTTP 404 from 127.0.0.1"


def test_redirects_are_returned_not_followed(app: App, server: RunningServer, client: HttpClient):
    app.route("/moved")(lambda r: Response("", status=302, headers={"Location": "https://evil.example/"}))

    response = client.send(get(server, "/moved"))

    assert response.status_code == 302
    assert app.hits["/moved"] == 1


def test_each_attempt_logs_method_host_path_status_and_ms_without_query(
    app: App, server: RunningServer, client: HttpClient, caplog: pytest.LogCaptureFixture
):
    app.route("/cdrs")(json_ok({}))
    caplog.set_level(logging.INFO, logger="integrations.http")

    client.send(get(server, "/cdrs", params=(("start", "2024-01-01"),)))

    lines = [r.getMessage() for r in caplog.records if r.name == "integrations.http"]
    assert len(lines) == 1
    assert lines[0].startswith(f"GET 127.0.0.1:{server.port}/cdrs -> 200 in ")
    assert lines[0].endswith("ms")
    assert "2024" not in lines[0]


# ---- response bodies the caller cannot use ---------------------------------------------------------
def test_malformed_json_raises_bad_response_without_quoting_the_body(
    app: App, server: RunningServer, client: HttpClient
):
    app.route("/half")(
        lambda r: Response('{"response": [{"uuid": "secretish', content_type="application/json")
    )

    response = client.send(get(server, "/half"))

    with pytest.raises(BadResponse, match="did not answer with JSON") as caught:
        response.json()
    assert "secretish" not in str(caught.value)
    assert caught.value.code == "unexpected_response"
    assert caught.value.permanent


def test_html_error_page_raises_bad_response(app: App, server: RunningServer, client: HttpClient):
    page = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1>nginx</body></html>"
    app.route("/html")(lambda r: Response(page, status=200, content_type="text/html"))

    response = client.send(get(server, "/html"))

    with pytest.raises(BadResponse, match="HTML page") as caught:
        response.json()
    assert "nginx" not in str(caught.value)


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_body_over_the_size_cap_raises_bad_response(
    app: App, server: RunningServer, make_client: Callable[..., HttpClient], streamed: bool
):
    def big(request: Request) -> Response:
        if streamed:  # no Content-Length: the cap must hold while streaming
            return Response((b"x" * 500 for _ in range(10)), content_type="application/json")
        return Response(b"x" * 5000, content_type="application/json")

    app.route("/big")(big)
    client = make_client(max_bytes=1000)

    with pytest.raises(BadResponse, match="response larger than 1000 bytes") as caught:
        client.send(get(server, "/big"))
    assert caught.value.response is not None
    assert caught.value.response.truncated
    assert len(caught.value.response.body) <= 1000


def test_body_at_the_size_cap_is_accepted(
    app: App, server: RunningServer, make_client: Callable[..., HttpClient]
):
    app.route("/exact")(lambda r: Response(b"y" * 1000))

    response = make_client(max_bytes=1000).send(get(server, "/exact"))

    assert len(response.body) == 1000
    assert not response.truncated


# ---- transport failures ---------------------------------------------------------------------------
def test_slow_vendor_raises_timeout_after_retrying_a_get(
    app: App, server: RunningServer, make_client: Callable[..., HttpClient], sleeps: list[float]
):
    @app.route("/slow")
    def slow(request: Request) -> Response:
        app.release.wait(5)
        return Response("late")

    client = make_client(read_timeout=0.2, max_attempts=2)

    with pytest.raises(Timeout, match=r"no answer within 0\.2s") as caught:
        client.send(get(server, "/slow"))
    assert caught.value.code == "timeout"
    assert not caught.value.permanent
    assert app.hits["/slow"] == 2
    assert len(sleeps) == 1


def test_closed_port_raises_connection_refused_within_the_attempt_bound(
    client: HttpClient, closed_port: int, sleeps: list[float]
):
    with pytest.raises(ConnectionRefused) as caught:
        client.send(HttpRequest("GET", f"http://127.0.0.1:{closed_port}/ping"))
    assert caught.value.code == "connection_refused"
    assert len(sleeps) == 2  # three attempts in all


def test_dropped_connection_raises_connection_dropped_after_retries_for_get(
    app: App, server: RunningServer, client: HttpClient, sleeps: list[float]
):
    app.route("/drop")(drop_connection)

    with pytest.raises(ConnectionDropped, match="closed the connection") as caught:
        client.send(get(server, "/drop"))
    assert caught.value.code == "vendor_error"
    assert app.hits["/drop"] == 3
    assert len(sleeps) == 2


def test_dropped_connection_is_not_retried_for_post(
    app: App, server: RunningServer, client: HttpClient, sleeps: list[float]
):
    app.route("/drop")(drop_connection)

    with pytest.raises(ConnectionDropped):
        client.send(HttpRequest("POST", f"{server.url}/drop", json={"call": 1}))
    assert app.hits["/drop"] == 1
    assert sleeps == []


def test_plain_http_server_behind_https_url_raises_tls_failure(server: RunningServer, client: HttpClient):
    with pytest.raises(TlsFailure) as caught:
        client.send(HttpRequest("GET", f"https://127.0.0.1:{server.port}/"))
    assert caught.value.permanent


# ---- retries --------------------------------------------------------------------------------------
def test_get_is_retried_with_backoff_after_503(
    app: App, server: RunningServer, client: HttpClient, sleeps: list[float]
):
    app.route("/flaky")(
        sequence(Response("busy", status=503), Response("{}", content_type="application/json"))
    )

    response = client.send(get(server, "/flaky"))

    assert response.status_code == 200
    assert response.attempts == 2
    assert len(sleeps) == 1
    assert 0.0 <= sleeps[0] <= 0.5  # full jitter below backoff_base


def test_backoff_grows_exponentially_up_to_the_cap(
    app: App, server: RunningServer, make_client: Callable[..., HttpClient], sleeps: list[float]
):
    app.route("/down")(lambda r: Response("down", status=502))

    response = make_client(max_attempts=5, backoff_base=1.0, backoff_max=3.0).send(get(server, "/down"))

    assert response.status_code == 502
    assert response.attempts == 5
    assert len(sleeps) == 4
    for sleep, ceiling in zip(sleeps, [1.0, 2.0, 3.0, 3.0], strict=True):
        assert 0.0 <= sleep <= ceiling
    assert isinstance(error_for_status(response), VendorError)


def test_post_is_not_retried_on_502(app: App, server: RunningServer, client: HttpClient, sleeps: list[float]):
    app.route("/calls")(lambda r: Response("bad gateway", status=502))

    response = client.send(HttpRequest("POST", f"{server.url}/calls", json={"destination": "+61"}))

    assert response.status_code == 502
    assert response.attempts == 1
    assert app.hits["/calls"] == 1
    assert sleeps == []


def test_post_is_retried_on_429_with_retry_after(
    app: App, server: RunningServer, client: HttpClient, sleeps: list[float]
):
    limited = Response("{}", status=429, headers={"Retry-After": "2"})
    app.route("/calls")(sequence(limited, Response('{"status": "success"}')))

    response = client.send(HttpRequest("POST", f"{server.url}/calls", json={"destination": "+61"}))

    assert response.status_code == 200
    assert response.attempts == 2
    assert sleeps == [2.0]


def test_retry_after_as_http_date_is_honoured(
    app: App, server: RunningServer, client: HttpClient, sleeps: list[float]
):
    later = http_date(time.time() + 5)
    app.route("/busy")(sequence(Response("", status=503, headers={"Retry-After": later}), Response("ok")))

    response = client.send(get(server, "/busy"))

    assert response.status_code == 200
    assert len(sleeps) == 1
    assert 3.0 <= sleeps[0] <= 5.0


def test_retry_after_above_the_bound_returns_the_429_at_once(
    app: App, server: RunningServer, client: HttpClient, sleeps: list[float]
):
    app.route("/limited")(lambda r: Response("{}", status=429, headers={"Retry-After": "120"}))

    response = client.send(get(server, "/limited"))

    assert response.status_code == 429
    assert response.attempts == 1
    assert sleeps == []
    error = error_for_status(response)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 120.0
    assert not error.permanent


def test_429_without_retry_after_is_returned(
    app: App, server: RunningServer, client: HttpClient, sleeps: list[float]
):
    app.route("/limited")(lambda r: Response("{}", status=429))

    assert client.send(get(server, "/limited")).attempts == 1
    assert sleeps == []


def test_explicit_idempotent_post_is_retried(
    app: App, server: RunningServer, client: HttpClient, sleeps: list[float]
):
    app.route("/search")(sequence(Response("", status=504), Response("{}")))

    response = client.send(HttpRequest("POST", f"{server.url}/search", json={}, idempotent=True))

    assert response.attempts == 2


def test_client_is_a_context_manager(app: App, server: RunningServer, make_client: Callable[..., HttpClient]):
    app.route("/ping")(json_ok({"data": {"response": "Pong"}}))

    with make_client() as client:
        assert client.send(get(server, "/ping")).json()["data"]["response"] == "Pong"


def test_request_helpers_replace_headers_case_insensitively_and_default_idempotency():
    request = HttpRequest("GET", "https://l7api.com/v1.2/voipstudio/ping", headers={"x-auth-token": "a"})

    changed = request.with_headers({"X-Auth-Token": "b"}, Accept="application/json")

    assert dict(changed.headers) == {"X-Auth-Token": "b", "Accept": "application/json"}
    assert dict(request.headers) == {"x-auth-token": "a"}
    assert [
        HttpRequest(m, "https://x/").is_idempotent for m in ("GET", "PUT", "DELETE", "POST", "PATCH")
    ] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_head_is_not_refused_for_the_length_it_declares(
    app: App, server: RunningServer, make_client: Callable[..., HttpClient]
):
    app.route("/monitors/1.mp3")(lambda r: Response(b"z" * 5000, content_type="audio/mpeg"))

    response = make_client(max_bytes=1000).send(HttpRequest("HEAD", f"{server.url}/monitors/1.mp3"))

    assert response.status_code == 200
    assert response.header("Content-Length") == "5000"
    assert response.body == b""
