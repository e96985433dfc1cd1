"""Credential schemes against small token-issuing servers on loopback."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable

import pytest
from werkzeug.wrappers import Request, Response

from integrations.http import (
    MASK,
    AuthFailed,
    BadResponse,
    BasicAuth,
    BearerRefreshAuth,
    HeaderAuth,
    HttpClient,
    HttpRequest,
    LoginSessionAuth,
    VendorError,
)
from integrations.simkit import RunningServer

from .conftest import App

PASSWORD = "s3cret-pass"


def reply(payload: object, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


class TokenVendor:
    """Issues session tokens (VoIPstudio-like) and access/refresh pairs (Collect!-like)."""

    def __init__(self, app: App) -> None:
        self.counter = itertools.count(1)
        self.sessions: set[str] = set()
        self.access: set[str] = set()
        self.refresh: set[str] = set()
        self.flat = False
        app.route("/login")(self.login)
        app.route("/me")(self.me)
        app.route("/auth/login")(self.bearer_login)
        app.route("/auth/refresh")(self.bearer_refresh)
        app.route("/data")(self.data)

    def token(self, kind: str) -> str:
        return f"{kind}-token-{next(self.counter):04d}"

    def login(self, request: Request) -> Response:
        body = request.get_json(force=True)
        if body.get("email") == "2fa@example.com":
            return reply({"nonce": "n0nce-value"}, 202)
        if body.get("password") != PASSWORD:
            return reply(
                {"message": f"Invalid email and/or password {body.get('password')}.", "errors": []}, 400
            )
        token = self.token("session")
        self.sessions.add(token)
        return reply({"message": "Login success", "user_token": token, "user_id": 7})

    def me(self, request: Request) -> Response:
        if request.headers.get("X-Auth-Token") not in self.sessions:
            return reply({"message": "Unauthorized", "errors": []}, 401)
        return reply({"data": {"id": 7}})

    def bearer_login(self, request: Request) -> Response:
        if request.get_json(force=True).get("op_password") != PASSWORD:
            return reply({"status": 401, "message": "Invalid operator ID or password"}, 401)
        return self.pair()

    def bearer_refresh(self, request: Request) -> Response:
        old = request.get_json(force=True).get("refresh_token")
        if old not in self.refresh:
            return reply({"status": 401, "message": "Unauthorized"}, 401)
        self.refresh.discard(old)  # the old refresh token stops working
        return self.pair()

    def pair(self) -> Response:
        access, refresh = self.token("access"), self.token("refresh")
        self.access.add(access)
        self.refresh.add(refresh)
        pair: dict[str, object] = {
            "nx_operator": {"op_id": "OP"},
            "access_token": access,
            "refresh_token": refresh,
        }
        # Collect!'s documented shape wraps the pair in `result`; `flat` answers it at the top.
        return reply(pair if self.flat else {"status": 200, "result": pair})

    def data(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self.access:
            return reply({"status": 401, "message": "Unauthorized"}, 401)
        return reply({"status": 200, "database": request.headers.get("x-collect-database")})


@pytest.fixture
def vendor(app: App) -> TokenVendor:
    return TokenVendor(app)


def basic_app(app: App, user: str, password: str) -> None:
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    app.route("/activities")(
        lambda r: reply({"items": []}) if r.headers.get("Authorization") == expected else reply({}, 401)
    )


# ---- fixed credentials ----------------------------------------------------------------------------
def test_basic_auth_signs_the_request_and_registers_the_secret(
    app: App, server: RunningServer, client: HttpClient
):
    basic_app(app, "api-token-1", PASSWORD)
    auth = BasicAuth(lambda: "api-token-1", lambda: PASSWORD)

    response = client.send(HttpRequest("GET", f"{server.url}/activities"), auth=auth)

    assert response.status_code == 200
    sent = app.seen[0].headers["Authorization"]
    assert client.redactor.text(sent) == f"Basic {MASK}"
    assert client.redactor.text(PASSWORD) == MASK
    assert auth.preview_headers() == {"Authorization": f"Basic {MASK}"}


def test_basic_auth_returns_a_401_without_retrying(
    app: App, server: RunningServer, client: HttpClient, sleeps: list[float]
):
    basic_app(app, "api-token-1", PASSWORD)

    response = client.send(
        HttpRequest("GET", f"{server.url}/activities"), auth=BasicAuth(lambda: "api-token-1", lambda: "wrong")
    )

    assert response.status_code == 401
    assert response.attempts == 1
    assert app.hits["/activities"] == 1
    assert sleeps == []


def test_header_auth_sends_the_key_in_its_header(app: App, server: RunningServer, client: HttpClient):
    app.route("/get-system-status")(
        lambda r: reply({"system": "ok"}) if r.headers.get("token") == "pbx-api-key" else reply({}, 401)
    )
    auth = HeaderAuth("token", lambda: "pbx-api-key")

    assert client.send(HttpRequest("GET", f"{server.url}/get-system-status"), auth=auth).status_code == 200
    assert auth.preview_headers() == {"token": MASK}
    assert auth.refresh(client) is False
    assert client.redactor.text("key=pbx-api-key") == f"key={MASK}"


# ---- login session --------------------------------------------------------------------------------
def login_session(
    server: RunningServer, email: str = "a@example.com", password: str = PASSWORD
) -> LoginSessionAuth:
    return LoginSessionAuth(f"{server.url}/login", lambda: {"email": email, "password": password})


def test_login_session_logs_in_once_and_reuses_the_token(
    vendor: TokenVendor, app: App, server: RunningServer, client: HttpClient
):
    auth = login_session(server)

    for _ in range(3):
        assert client.send(HttpRequest("GET", f"{server.url}/me"), auth=auth).status_code == 200

    assert auth.logins == 1
    assert app.hits["/login"] == 1


def test_login_session_logs_in_again_when_the_token_expires(
    vendor: TokenVendor, app: App, server: RunningServer, client: HttpClient
):
    auth = login_session(server)
    client.send(HttpRequest("GET", f"{server.url}/me"), auth=auth)
    vendor.sessions.clear()  # the vendor expires every session token

    response = client.send(HttpRequest("GET", f"{server.url}/me"), auth=auth)

    assert response.status_code == 200
    assert response.attempts == 2  # the 401, then the success
    assert auth.logins == 2
    assert [s.path for s in app.seen] == ["/login", "/me", "/me", "/login", "/me"]


def test_login_session_token_is_registered_with_the_redactor(
    vendor: TokenVendor, server: RunningServer, client: HttpClient
):
    auth = login_session(server)
    client.send(HttpRequest("GET", f"{server.url}/me"), auth=auth)

    token = next(iter(vendor.sessions))
    assert client.redactor.text(f"token {token}") == f"token {MASK}"
    assert client.redactor.headers({"X-Auth-Token": token}) == {"X-Auth-Token": MASK}


def test_login_refused_raises_auth_failed_with_the_vendors_words_redacted(
    vendor: TokenVendor, server: RunningServer, client: HttpClient, canary: str
):
    with pytest.raises(AuthFailed) as caught:
        client.send(HttpRequest("GET", f"{server.url}/me"), auth=login_session(server, password=canary))

    message = str(caught.value)
    assert "Invalid email and/or password" in message
    assert "HTTP 400" in message
    assert canary not in message  # the simulator echoes the password; the message must not
    assert caught.value.code == "bad_credentials"


def test_two_factor_account_raises_auth_failed_asking_for_an_api_token(
    vendor: TokenVendor, server: RunningServer, client: HttpClient
):
    with pytest.raises(AuthFailed, match="requires two-factor login; use an API token instead"):
        client.send(
            HttpRequest("GET", f"{server.url}/me"), auth=login_session(server, email="2fa@example.com")
        )
    assert client.redactor.text("n0nce-value") == MASK


def test_login_answered_by_a_broken_vendor_is_a_vendor_error_not_bad_credentials(
    app: App, server: RunningServer, client: HttpClient
):
    app.route("/login")(lambda r: reply({"message": "maintenance"}, 503))

    with pytest.raises(VendorError, match="HTTP 503"):
        client.send(HttpRequest("GET", f"{server.url}/me"), auth=login_session(server))
    assert app.hits["/login"] == 1  # a login POST is not idempotent: not retried


def test_preview_headers_never_log_in(vendor: TokenVendor, app: App, server: RunningServer):
    session = login_session(server)
    bearer = BearerRefreshAuth(
        f"{server.url}/auth/login",
        dict,
        f"{server.url}/auth/refresh",
        extra_headers={"x-collect-database": "cv_a"},
    )

    assert session.preview_headers() == {"X-Auth-Token": MASK}
    assert bearer.preview_headers() == {"x-collect-database": "cv_a", "Authorization": f"Bearer {MASK}"}
    assert (session.logins, bearer.logins) == (0, 0)
    assert app.seen == []


# ---- bearer with refresh --------------------------------------------------------------------------
def bearer(server: RunningServer, password: str = PASSWORD) -> BearerRefreshAuth:
    return BearerRefreshAuth(
        f"{server.url}/auth/login",
        lambda: {"op_id": "OP", "op_password": password},
        f"{server.url}/auth/refresh",
        access_key=("result.access_token", "access_token"),
        refresh_key=("result.refresh_token", "refresh_token"),
        extra_headers={"x-collect-database": "cv_masterdb"},
    )


@pytest.mark.parametrize("flat", [False, True], ids=["in-result", "top-level"])
def test_bearer_reads_the_pair_where_the_vendor_puts_it_and_refreshes_by_field_name(
    vendor: TokenVendor, app: App, server: RunningServer, client: HttpClient, flat: bool
):
    vendor.flat = flat
    auth = bearer(server)
    client.send(HttpRequest("GET", f"{server.url}/data"), auth=auth)
    vendor.access.clear()

    assert client.send(HttpRequest("GET", f"{server.url}/data"), auth=auth).status_code == 200
    assert (auth.logins, auth.refreshes) == (1, 1)
    refresh_body = json.loads(next(s.body for s in app.seen if s.path == "/auth/refresh"))
    assert list(refresh_body) == ["refresh_token"]  # the name sent, not the path read


def test_bearer_with_the_token_elsewhere_than_its_keys_is_auth_failed(
    vendor: TokenVendor, server: RunningServer, client: HttpClient
):
    # The default keys look at the top level only; the vendor nests the pair in `result`.
    login = {"op_id": "OP", "op_password": PASSWORD}
    auth = BearerRefreshAuth(f"{server.url}/auth/login", lambda: login, f"{server.url}/auth/refresh")

    with pytest.raises(AuthFailed, match="without a access_token"):
        client.send(HttpRequest("GET", f"{server.url}/data"), auth=auth)


def test_bearer_logs_in_and_sends_the_access_token_and_extra_headers(
    vendor: TokenVendor, app: App, server: RunningServer, client: HttpClient
):
    auth = bearer(server)

    response = client.send(HttpRequest("GET", f"{server.url}/data"), auth=auth)

    assert response.json() == {"status": 200, "database": "cv_masterdb"}
    assert auth.logins == 1
    assert auth.refreshes == 0


def test_bearer_uses_the_refresh_token_when_the_access_token_expires(
    vendor: TokenVendor, app: App, server: RunningServer, client: HttpClient
):
    auth = bearer(server)
    client.send(HttpRequest("GET", f"{server.url}/data"), auth=auth)
    vendor.access.clear()

    response = client.send(HttpRequest("GET", f"{server.url}/data"), auth=auth)

    assert response.status_code == 200
    assert (auth.logins, auth.refreshes) == (1, 1)
    assert app.seen[-2].path == "/auth/refresh"
    for token in vendor.access | vendor.refresh:
        assert client.redactor.text(token) == MASK


def test_bearer_logs_in_again_when_the_refresh_token_is_refused(
    vendor: TokenVendor, app: App, server: RunningServer, client: HttpClient
):
    auth = bearer(server)
    client.send(HttpRequest("GET", f"{server.url}/data"), auth=auth)
    vendor.access.clear()
    vendor.refresh.clear()

    response = client.send(HttpRequest("GET", f"{server.url}/data"), auth=auth)

    assert response.status_code == 200
    assert (auth.logins, auth.refreshes) == (2, 0)
    assert [s.path for s in app.seen[-3:]] == ["/auth/refresh", "/auth/login", "/data"]


def test_bearer_with_wrong_password_raises_auth_failed(
    vendor: TokenVendor, server: RunningServer, client: HttpClient
):
    with pytest.raises(AuthFailed, match="Invalid operator ID or password"):
        client.send(HttpRequest("GET", f"{server.url}/data"), auth=bearer(server, password="wrong-one"))


def test_a_401_that_survives_a_fresh_login_is_returned(
    app: App, vendor: TokenVendor, server: RunningServer, make_client: Callable[..., HttpClient]
):
    app.route("/me")(lambda r: reply({"message": "Unauthorized"}, 401))  # e.g. the account lacks rights
    auth = login_session(server)

    response = make_client().send(HttpRequest("GET", f"{server.url}/me"), auth=auth)

    assert response.status_code == 401
    assert auth.logins == 2  # one re-login, not a loop


def test_login_answered_with_an_html_page_is_an_unexpected_response(
    app: App, server: RunningServer, client: HttpClient
):
    app.route("/login")(lambda r: Response("<html><body>maintenance</body></html>", content_type="text/html"))

    with pytest.raises(BadResponse, match="the answer was not JSON") as caught:
        client.send(HttpRequest("GET", f"{server.url}/me"), auth=login_session(server))
    assert caught.value.code == "unexpected_response"


def test_login_json_without_the_token_is_auth_failed(app: App, server: RunningServer, client: HttpClient):
    app.route("/login")(lambda r: reply({"message": "Login success"}))

    with pytest.raises(AuthFailed, match="without a user_token"):
        client.send(HttpRequest("GET", f"{server.url}/me"), auth=login_session(server))
