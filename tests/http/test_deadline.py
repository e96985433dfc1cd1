"""The total deadline of a send: a trickling vendor, retries and logins all end within it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from werkzeug.wrappers import Request, Response

from integrations.http import HttpClient, HttpRequest, LoginSessionAuth, Timeout
from integrations.simkit import RunningServer
from tests.http.conftest import App


def trickle(app: App, total: int, every: float, sent: list[int]) -> Callable[[Request], Response]:
    """A body of `total` bytes, one byte every `every` seconds (each read well within its timeout)."""

    def handler(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(total):
                if app.release.wait(every):
                    return
                sent.append(1)
                yield b"x"

        return Response(body(), content_type="application/json")

    return handler


def test_a_vendor_trickling_its_body_is_cut_at_the_deadline(
    app: App, server: RunningServer, make_client: Callable[..., HttpClient]
) -> None:
    sent: list[int] = []
    app.route("/slow")(trickle(app, total=200, every=0.05, sent=sent))
    client = make_client(read_timeout=2.0, deadline=1.0, max_attempts=1)

    with pytest.raises(Timeout) as raised:
        client.send(HttpRequest("GET", f"{server.url}/slow"))

    assert "was still sending its answer after 1 s" in str(raised.value)
    # The per-read timeout alone would have waited for all 200 bytes (10 s of trickle).
    assert len(sent) < 200


@pytest.fixture
def trickling_headers() -> Iterator[tuple[str, threading.Event]]:
    """A raw server that accepts, then sends its status line a byte at a time."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        with listener:
            conn, _ = listener.accept()
            with conn:
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}":
                    if stop.wait(0.2):
                        return
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", stop
    stop.set()
    thread.join(timeout=5)


def test_headers_that_never_finish_are_cut_at_the_deadline(
    trickling_headers: tuple[str, threading.Event], make_client: Callable[..., HttpClient]
) -> None:
    url, stop = trickling_headers
    client = make_client(read_timeout=2.0, deadline=1.0, max_attempts=1)

    with pytest.raises(Timeout) as raised:
        client.send(HttpRequest("GET", f"{url}/x"))

    assert "no answer within 1 s (the deadline for the whole request)" in str(raised.value)
    assert not stop.is_set()  # the server was still sending when the client gave up


def test_no_retry_waits_past_the_deadline(
    app: App, server: RunningServer, make_client: Callable[..., HttpClient], sleeps: list[float]
) -> None:
    app.route("/busy")(lambda r: Response("{}", status=503, headers={"Retry-After": "20"}))
    client = make_client(deadline=10.0, max_retry_after=30.0)

    response = client.send(HttpRequest("GET", f"{server.url}/busy"))

    # Waiting 20 s would leave nothing of a 10 s deadline: the answer is returned at once.
    assert response.status_code == 503 and response.attempts == 1
    assert sleeps == []


def test_a_login_shares_the_deadline_of_the_request_it_serves(
    app: App, server: RunningServer, make_client: Callable[..., HttpClient]
) -> None:
    sent: list[int] = []
    app.route("/login")(trickle(app, total=200, every=0.05, sent=sent))
    app.route("/data")(lambda r: Response("{}", content_type="application/json"))
    client = make_client(read_timeout=2.0, deadline=1.0, max_attempts=1)
    auth = LoginSessionAuth(f"{server.url}/login", lambda: {"email": "a@b.test", "password": "pw"})
    started = time.monotonic()

    with pytest.raises(Timeout):
        client.send(HttpRequest("GET", f"{server.url}/data"), auth=auth)

    assert app.hits["/data"] == 0
    # One budget for the send and its login: a second one would have started after the first.
    assert len(sent) < 40 and time.monotonic() - started < 10


def test_progress_says_which_attempt_is_waiting_and_why(
    app: App, server: RunningServer, make_client: Callable[..., HttpClient]
) -> None:
    answers = iter([Response("{}", status=503), Response("{}", status=200)])
    app.route("/flaky")(lambda r: next(answers))
    told: list[str] = []
    client = make_client(on_progress=told.append)

    client.send(HttpRequest("GET", f"{server.url}/flaky"))

    assert told[0] == "GET /flaky: attempt 1 of 3, waiting for an answer"
    assert told[1].startswith("waiting ") and told[1].endswith("before attempt 2 of 3 (HTTP 503)")
    assert told[2] == "GET /flaky: attempt 2 of 3, waiting for an answer"
