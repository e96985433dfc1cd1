"""Simulated VoIPstudio REST API (vendors.md section 2 and its "Simulator decisions")."""

from __future__ import annotations

import hmac
import itertools
import operator
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from integrations.simkit import (
    IssuedToken,
    Item,
    RecordSet,
    Rng,
    SimClock,
    SimSettings,
    SimulatorApp,
    json_body,
    json_response,
    naive_local,
    secret_field,
    with_overrides,
)
from integrations.simkit.filters import Condition, FilterError, parse_filter, partial_likes, row_matches
from integrations.simkit.web import int_param, parse_naive_local

from .schemas import (
    APITOKEN_FIELDS,
    CDR_FIELDS,
    FILTER_OPERATORS,
    LIMIT_DEFAULT,
    LIMIT_MAX,
    ApiToken,
    Cdr,
    ErrorBody,
    LoginSuccess,
    Me,
)

SESSION, API, NONCE = "session", "api", "nonce"
TIME_TESTS: dict[str, Callable[[datetime, datetime], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "eq": operator.eq,
    "ne": operator.ne,
}
Conditions = tuple[Condition, ...]
DISPOSITIONS = ("ANSWERED", "ANSWERED", "ANSWERED", "NO ANSWER", "BUSY", "FAILED")


@dataclass
class VoipStudioSettings(SimSettings):
    email: str = "sim-user@example.test"
    password: str = secret_field("sim-voipstudio-password")
    user_id: int = 100001
    customer_id: int = 50001
    first_name: str = "Sim"
    last_name: str = "User"
    two_factor_enabled: bool = False
    two_factor_code: str = secret_field("123456")
    # ASSUMPTION (vendors.md, Simulator decisions): the login session idles out after 30 minutes.
    session_idle_seconds: float = 1800.0
    # ASSUMPTION (vendors.md, Simulator decisions): limit default 50, max 5000 (over it: 400).
    limit_default: int = LIMIT_DEFAULT
    limit_max: int = LIMIT_MAX
    # ASSUMPTION (vendors.md, Simulator decisions): `between` answers 400 (official CLI client).
    unsupported_operators: list[str] | None = None  # None = ["between"]
    # ASSUMPTION (VoIPstudio's own CLI: "--caller 4478: partial match"; whether the server or the
    # CLI adds the wildcards is not known): `like` without a % matches anywhere in the value.
    like_without_percent_is_partial: bool = True
    extensions: int = 10


class VoipStudioSimulator(SimulatorApp[VoipStudioSettings]):
    vendor = "voipstudio"
    base_path = "/v1.2/voipstudio/"  # ASSUMPTION (vendors.md, Simulator decisions): the base path
    # ASSUMPTION (vendors.md, Simulator decisions): VoIPstudio has no IP allowlist, so
    # `allowed_clients` has no effect here.
    ip_firewall = False
    # POST /_sim/expire-tokens expires login sessions; API tokens expire only by idling.
    expirable_token_kinds = (SESSION,)
    extra_data_settings = frozenset({"extensions", "user_id"})

    def __init__(self, settings: VoipStudioSettings | None = None, *, clock: SimClock | None = None) -> None:
        super().__init__(settings or VoipStudioSettings(), clock=clock)
        self._token_ids = itertools.count(1)

    # ---- envelopes -------------------------------------------------------------------------------
    def error_response(self, status: int, message: str, errors: list[str] | None = None) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): {"message", "errors": [{"message"}]}.
        body = ErrorBody(message=message, errors=[{"message": m} for m in errors or []])
        return json_response(body, status)

    def validation_error(self, *messages: str) -> Response:
        return self.error_response(400, "Validation error", list(messages))

    def single(self, data: Any, status: int = 200) -> Response:
        return json_response({"data": data, "links": {}}, status)

    # ---- auth ---------------------------------------------------------------------------------
    def current_token(self, request: Request) -> IssuedToken | None:
        value = request.headers.get("X-Auth-Token")
        auth = request.authorization
        if not value and auth is not None and auth.type == "basic":
            # ASSUMPTION (vendors.md, Simulator decisions): HTTP Basic user_id:token is accepted too.
            if auth.username != str(self.settings.user_id):
                return None
            value = auth.password
        return self.tokens.use(value, (SESSION, API)) if value else None

    def guard(self, request: Request, endpoint: str) -> Response | None:
        if endpoint in ("login", "login2fa"):
            return None
        if self.current_token(request) is None:
            # ASSUMPTION (vendors.md, Simulator decisions): unknown or expired token -> 401.
            return self.error_response(401, "Unauthorized")
        return None

    def routes(self) -> list[Rule]:
        b = "/v1.2/voipstudio"
        return [
            Rule(f"{b}/login", endpoint="login", methods=["POST"]),
            Rule(f"{b}/login2fa", endpoint="login2fa", methods=["POST"]),
            Rule(f"{b}/me", endpoint="me", methods=["GET"]),
            Rule(f"{b}/ping", endpoint="ping", methods=["GET"]),
            Rule(f"{b}/apitokens", endpoint="apitokens", methods=["GET", "POST"]),
            Rule(f"{b}/apitokens/<token>", endpoint="apitoken_delete", methods=["DELETE"]),
            Rule(f"{b}/cdrs", endpoint="cdrs", methods=["GET"]),
        ]

    def login(self, request: Request) -> Response:
        s = self.settings
        body = json_body(request) or {}
        email_ok = str(body.get("email", "")).lower() == s.email.lower()
        password_ok = hmac.compare_digest(str(body.get("password", "")).encode(), s.password.encode())
        if not (email_ok and password_ok):
            # ASSUMPTION (vendors.md, Simulator decisions): a failed login is 400, not 401.
            return self.error_response(400, "Invalid email and/or password.")
        if s.two_factor_enabled:
            # ASSUMPTION (vendors.md, Simulator decisions): 2FA accounts get 202 + nonce.
            nonce = self.tokens.issue(NONCE, str(s.user_id), 300)
            return json_response({"nonce": nonce.value}, 202)
        return self._session()

    def login2fa(self, request: Request) -> Response:
        body = json_body(request) or {}
        nonce = self.tokens.peek(str(body.get("nonce", "")), (NONCE,))
        code_ok = hmac.compare_digest(
            str(body.get("code", "")).encode(), self.settings.two_factor_code.encode()
        )
        if nonce is None or not code_ok:
            # ASSUMPTION (beyond vendors.md): a wrong code or stale nonce is a 400 like a failed login.
            return self.error_response(400, "Invalid two-factor authentication code.")
        self.tokens.revoke(nonce.value)
        return self._session()

    def _session(self) -> Response:
        s = self.settings
        token = self.tokens.issue(SESSION, str(s.user_id), s.session_idle_seconds, idle=True)
        return json_response(LoginSuccess(message="Login success", user_token=token.value, user_id=s.user_id))

    def me(self, request: Request) -> Response:
        s = self.settings
        return self.single(
            Me(
                id=s.user_id,
                email=s.email,
                first_name=s.first_name,
                last_name=s.last_name,
                customer_id=s.customer_id,
            )
        )

    def ping(self, request: Request) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): {"data": {"response": "Pong"}, "links": {}}.
        return self.single({"response": "Pong"})

    # ---- API tokens -------------------------------------------------------------------------------
    def apitokens(self, request: Request) -> Response:
        if request.method == "POST":
            return self._create_token(request)
        # ASSUMPTION (vendors.md, Simulator decisions): GET /apitokens is {"data": [...], "total": N}.
        rows = [self._token_row(t) for t in self.tokens.live(API, str(self.settings.user_id))]
        try:
            conditions = self._filter(request, APITOKEN_FIELDS, FILTER_OPERATORS)
        except FilterError as exc:
            return self.validation_error(str(exc))
        rows = [row for row in rows if row_matches(row, conditions)]
        return self.collection(rows, len(rows))

    def _create_token(self, request: Request) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): 201 with data = {id, user_id, token,
        # customer_id, name, host, user_agent, expiry, last_request_at, created_at}.
        s = self.settings
        body = json_body(request) or {}
        name, expiry = body.get("name"), body.get("expiry", 0)
        if not isinstance(name, str) or not name.strip():
            return self.validation_error("name: This value should not be blank.")
        if not isinstance(expiry, int) or isinstance(expiry, bool) or expiry < 0:
            return self.validation_error("expiry: This value should be 0 or more seconds.")
        if any(t.data["name"] == name for t in self.tokens.live(API, str(s.user_id))):
            # ASSUMPTION (vendors.md, Simulator decisions): (name, user_id) is unique.
            return self.validation_error("name: This value is already used.")
        token = self.tokens.issue(
            API,
            str(s.user_id),
            expiry or None,  # ASSUMPTION (vendors.md, Simulator decisions): 0 = never expires
            idle=True,  # ASSUMPTION (vendors.md, Simulator decisions): the expiry is an idle expiry
            nbytes=20,
            id=next(self._token_ids),
            name=name,
            expiry=expiry,
            host=request.remote_addr or "",
            user_agent=request.user_agent.string,
        )
        return self.single(self._token_row(token), 201)

    def apitoken_delete(self, request: Request, token: str) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): revoke by the token value, 204.
        found = self.tokens.peek(token, (API,))
        if found is None or found.subject != str(self.settings.user_id):
            return self.error_response(404, "Resource not found")
        self.tokens.revoke(token)
        return Response(status=204)

    def _token_row(self, token: IssuedToken) -> ApiToken:
        s, tz = self.settings, self.settings.tz
        used = token.last_used if token.last_used > token.issued_at else None
        return ApiToken(
            id=int(token.data["id"]),
            user_id=s.user_id,
            token=token.value,
            customer_id=s.customer_id,
            name=str(token.data["name"]),
            host=str(token.data["host"]),
            user_agent=str(token.data["user_agent"]),
            expiry=int(token.data["expiry"]),
            last_request_at=naive_local(_at(used), tz) if used else None,
            created_at=naive_local(_at(token.issued_at), tz),
        )

    # ---- CDRs -------------------------------------------------------------------------------------
    def cdrs(self, request: Request) -> Response:
        s = self.settings
        try:
            page = int_param(request, "page", 1)
            limit = int_param(request, "limit", s.limit_default)
            unsupported = s.unsupported_operators if s.unsupported_operators is not None else ["between"]
            operators = [op for op in (*FILTER_OPERATORS, "between") if op not in unsupported]
            # ASSUMPTION (vendors.md, Simulator decisions): an unknown property or operator: 400.
            conditions = self._filter(request, CDR_FIELDS, operators)
        except ValueError as exc:
            return self.validation_error(str(exc))
        if limit > s.limit_max:
            return self.validation_error(f"limit: must be at most {s.limit_max}")
        if page < 1 or limit < 1:
            return self.validation_error("page and limit must be at least 1")
        # ASSUMPTION (vendors.md, Simulator decisions): sort=<property>&dir=ASC|DESC; unknown ones: 400.
        sort = request.args.get("sort", "id")
        direction = request.args.get("dir", "ASC").upper()
        if sort not in CDR_FIELDS or direction not in ("ASC", "DESC"):
            return self.validation_error("sort: unknown property or dir not ASC/DESC")
        rs = self.data("cdrs")
        try:
            where = self._where(conditions) if conditions else None
        except ValueError:
            return self.validation_error("filter: calldate must look like YYYY-MM-DD HH:MM:SS")
        descending = direction == "DESC"
        if sort in ("id", "calldate"):
            # ASSUMPTION (vendors.md, Simulator decisions): default order is id ascending.
            selection = rs.select("id" if sort == "id" else "time", where=where, where_key=conditions)
            rows = rs.records(selection.page((page - 1) * limit, limit, descending=descending))
            return self.collection(rows, len(selection))
        every: list[Cdr] = rs.records(rs.select("id", where=where, where_key=conditions))
        every.sort(key=lambda row: _sort_key(cast(dict[str, Any], row).get(sort)), reverse=descending)
        return self.collection(every[(page - 1) * limit : page * limit], len(every))

    def collection(self, rows: list[Any], total: int) -> Response:
        return json_response({"data": rows, "total": total + self.settings.total_surplus})

    def _filter(
        self, request: Request, properties: Collection[str], operators: Collection[str]
    ) -> Conditions:
        conditions = parse_filter(request.args.get("filter"), properties, operators)
        return partial_likes(conditions) if self.settings.like_without_percent_is_partial else conditions

    def _where(self, conditions: tuple[Condition, ...]) -> Callable[[Item], bool]:
        """A predicate on Items: calldate and id are tested without building the row."""
        rs, tz = self.data("cdrs"), self.settings.tz
        time_conds = [
            (TIME_TESTS[c.operator], parse_naive_local(str(c.value), tz))
            for c in conditions
            if c.property == "calldate" and c.operator in TIME_TESTS
        ]
        id_conds = [c for c in conditions if c.property == "id"]
        rest = [
            c
            for c in conditions
            if c.property != "id" and not (c.property == "calldate" and c.operator in TIME_TESTS)
        ]

        def where(item: Item) -> bool:
            if not all(test(item.ts, when) for test, when in time_conds):
                return False
            if not all(c.test(item.seq + 1) for c in id_conds):
                return False
            return not rest or row_matches(rs.record(item.seq), rest)

        return where

    # ---- data ---------------------------------------------------------------------------------------
    def build_datasets(self) -> dict[str, RecordSet[Any]]:
        s = self.settings
        assert s.data_start is not None
        cdrs = RecordSet(
            self._build_cdr,
            size=s.data_size,
            start=s.data_start,
            spacing_seconds=s.data_spacing_seconds,
            clock=self.clock,
        )
        return {"cdrs": cdrs}

    def _build_cdr(self, item: Item) -> Cdr:
        # ASSUMPTION (vendors.md, Simulator decisions): the CDR row fields (schemas.Cdr).
        s = self.settings
        rng = Rng(s.seed, "voipstudio.cdr", item.seq)
        kind = rng.choice(("O", "O", "I", "I", "M"))
        ext_index = rng.randint(0, s.extensions - 1)
        ext, user = str(1001 + ext_index), s.user_id + ext_index
        outside = "44" + rng.digits(10)
        talked = 0 if kind == "M" else rng.randint(0, 1200)
        ring = rng.randint(3, 30)
        rate = round(rng.randint(1, 30) / 1000, 3)
        outbound = kind == "O"
        row = Cdr(
            id=item.seq + 1,
            calldate=naive_local(item.ts, s.tz),
            src=ext if outbound else outside,
            src_id=user if outbound else None,
            dst=outside if outbound else ext,
            dst_id=None if outbound else user,
            clid=ext if outbound else outside,
            billsec=talked,
            duration=talked + ring,
            charge=round(talked / 60 * rate, 4) if outbound else 0.0,
            rate=rate if outbound else 0.0,
            type=kind,
            disposition="NO ANSWER"
            if kind == "M"
            else ("ANSWERED" if talked else rng.choice(DISPOSITIONS[3:])),
        )
        return with_overrides(row, item)


def _at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _sort_key(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)
