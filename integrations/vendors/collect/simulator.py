"""Simulated Collect! REST API (vendors.md section 3 and its "Simulator decisions")."""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass, field
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from integrations.simkit import (
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
from integrations.simkit.web import int_param

from .schemas import (
    LIMIT_DEFAULT,
    LIMIT_MAX,
    ROW_ID_FIELDS,
    Contact,
    Debtor,
    ErrorBody,
    LoginResponse,
    LoginResult,
    NxOperator,
    Operator,
)

ACCESS, REFRESH = "access", "refresh"
NAMES = ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Walker")
DEBTOR_TYPES = ("RET", "COM", "MED", "UTL")
DEBTOR_STATUSES = ("NEW", "ACT", "PIF", "SIF", "HLD", "CLS")
CONTACT_TYPES = ("PH", "LT", "EM", "RV", "PR")


@dataclass
class CollectSettings(SimSettings):
    op_id: str = "SIM"
    op_password: str = secret_field("sim-collect-password")
    operator_name: str = "Simulated Operator"
    # The login answer's nx_operator numbers (the docs' example: op_level 10, op_function 1).
    operator_level: int = 10
    operator_function: int = 1
    # Databases this operator may use; the first answers requests without x-collect-database.
    databases: list[str] = field(default_factory=lambda: ["cv_masterdb"])
    # ASSUMPTION (vendors.md, Simulator decisions): access 15 minutes, refresh 24 hours.
    access_lifetime_seconds: float = 900.0
    refresh_lifetime_seconds: float = 86400.0
    # ASSUMPTION (vendors.md, Simulator decisions): limit default 100, max 1000 (over it: 400).
    limit_default: int = LIMIT_DEFAULT
    limit_max: int = LIMIT_MAX
    # ASSUMPTION (beyond vendors.md): an unregistered client address gets 403 in the JSON envelope.
    firewall_status: int = 403
    operator_count: int = 8


class CollectSimulator(SimulatorApp[CollectSettings]):
    vendor = "collect"
    base_path = "/api/v1/"
    expirable_token_kinds = (ACCESS,)  # refresh tokens survive, so the refresh flow can be tested
    extra_data_settings = frozenset({"operator_count", "op_id", "operator_name"})

    def __init__(self, settings: CollectSettings | None = None, *, clock: SimClock | None = None) -> None:
        super().__init__(settings or CollectSettings(), clock=clock)

    def error_response(self, status: int, message: str) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): errors are {"status": N, "message": ...}.
        return json_response(ErrorBody(status=status, message=message), status)

    def firewall_response(self, request: Request, address: str) -> Response:
        return self.error_response(self.settings.firewall_status, f"Access denied for IP address {address}")

    def guard(self, request: Request, endpoint: str) -> Response | None:
        if endpoint in ("login", "refresh"):
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or self.tokens.use(value.strip(), (ACCESS,)) is None:
            # ASSUMPTION (vendors.md, Simulator decisions): missing/wrong/expired Bearer -> 401.
            return self.error_response(401, "Unauthorized")
        database = request.headers.get("x-collect-database")
        if database is not None and database not in self.settings.databases:
            # ASSUMPTION (vendors.md, Simulator decisions): unknown database -> 401 "Not authorized...".
            return self.error_response(401, f"Not authorized for database {database}")
        return None

    def routes(self) -> list[Rule]:
        b = "/api/v1"
        return [
            Rule(f"{b}/auth/login", endpoint="login", methods=["POST"]),
            # ASSUMPTION (vendors.md, Simulator decisions): the refresh endpoint's path.
            Rule(f"{b}/auth/refresh", endpoint="refresh", methods=["POST"]),
            Rule(f"{b}/collect/data/<record>", endpoint="list_records", methods=["GET"]),
            Rule(f"{b}/collect/data/<record>/<rowid>", endpoint="one_record", methods=["GET"]),
        ]

    # ---- auth -------------------------------------------------------------------------------------
    def login(self, request: Request) -> Response:
        s = self.settings
        body = json_body(request) or {}
        id_ok = str(body.get("op_id", "")) == s.op_id
        password_ok = hmac.compare_digest(str(body.get("op_password", "")).encode(), s.op_password.encode())
        if not (id_ok and password_ok):
            # ASSUMPTION (vendors.md, Simulator decisions): 401 "Invalid operator ID or password".
            return self.error_response(401, "Invalid operator ID or password")
        return self._pair()

    def refresh(self, request: Request) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): the answer has the login's shape.
        body = json_body(request) or {}
        old = self.tokens.use(str(body.get("refresh_token", "")), (REFRESH,))
        if old is None:
            return self.error_response(401, "Unauthorized")
        # ASSUMPTION (vendors.md, Simulator decisions): the old refresh token stops working.
        self.tokens.revoke(old.value)
        return self._pair()

    def _pair(self) -> Response:
        s = self.settings
        access = self.tokens.issue(ACCESS, s.op_id, s.access_lifetime_seconds, nbytes=24)
        refresh = self.tokens.issue(REFRESH, s.op_id, s.refresh_lifetime_seconds, nbytes=24)
        operator = NxOperator(
            op_rowid="1",
            op_id=s.op_id,
            op_name=s.operator_name,
            op_level=s.operator_level,
            op_function=s.operator_function,
        )
        # Exactly the shape of the REST API page's example: status, then everything in `result`.
        result = LoginResult(nx_operator=operator, access_token=access.value, refresh_token=refresh.value)
        return json_response(LoginResponse(status=200, result=result))

    # ---- data -------------------------------------------------------------------------------------
    def list_records(self, request: Request, record: str) -> Response:
        rs = self.datasets.get(record)
        if rs is None:
            return self.error_response(404, f"Unknown record type {record}")
        s = self.settings
        try:
            # ASSUMPTION (vendors.md, Simulator decisions): lower-case `limit` and `page`, pages from 1.
            limit = int_param(request, "limit", s.limit_default)
            page = int_param(request, "page", 1)
        except ValueError as exc:
            return self.error_response(400, str(exc))
        if not 1 <= limit <= s.limit_max:
            return self.error_response(400, f"limit must be between 1 and {s.limit_max}")
        if page < 1:
            return self.error_response(400, "page must be at least 1")
        total = len(rs) + s.total_surplus
        seqs = rs.select("id").page((page - 1) * limit, limit)
        # ASSUMPTION (vendors.md, Simulator decisions): {"status": 200, "type": {recId, rowId, numRecords,
        # numPages}, "data": [...]}.
        return json_response(
            {
                "status": 200,
                "type": {
                    "recId": record,
                    "rowId": ROW_ID_FIELDS[record],
                    "numRecords": total,
                    "numPages": math.ceil(total / limit),
                },
                "data": rs.records(seqs),
            }
        )

    def one_record(self, request: Request, record: str, rowid: str) -> Response:
        rs = self.datasets.get(record)
        seq = int(rowid) - 1 if rowid.isdigit() else -1
        if rs is None or not rs.has(seq):
            return self.error_response(404, f"{record} {rowid} not found")
        data = rs.record(seq)
        return json_response(
            {"status": 200, "type": {"recId": record, "rowId": ROW_ID_FIELDS[record]}, "data": data}
        )

    def build_datasets(self) -> dict[str, RecordSet[Any]]:
        # ASSUMPTION (vendors.md, Simulator decisions): records served: debtor, contact, operator.
        s = self.settings
        assert s.data_start is not None
        common: dict[str, Any] = {"start": s.data_start, "clock": self.clock}
        span = max(s.data_size, 1) * s.data_spacing_seconds
        return {
            "debtor": RecordSet(
                self._debtor, size=s.data_size, spacing_seconds=s.data_spacing_seconds, **common
            ),
            "contact": RecordSet(
                self._contact, size=s.data_size, spacing_seconds=s.data_spacing_seconds, **common
            ),
            "operator": RecordSet(
                self._operator,
                size=s.operator_count,
                spacing_seconds=span / max(s.operator_count, 1),
                **common,
            ),
        }

    def _debtor(self, item: Item) -> Debtor:
        s = self.settings
        rng = Rng(s.seed, "collect.debtor", item.seq)
        row = Debtor(
            de_rowid=str(item.seq + 1),
            de_name=f"{rng.choice(NAMES)}, {rng.choice(('A.', 'B.', 'C.', 'J.', 'M.'))}",
            de_type=rng.choice(DEBTOR_TYPES),
            de_status=rng.choice(DEBTOR_STATUSES),
            de_owing=f"{rng.randint(0, 2_000_000) / 100:.2f}",
            # `update()` gives a changed debtor a newer modified time (item.modified).
            de_modified=naive_local(item.modified, s.tz),
        )
        return with_overrides(row, item)

    def _contact(self, item: Item) -> Contact:
        s = self.settings
        rng = Rng(s.seed, "collect.contact", item.seq)
        local = item.ts.astimezone(s.tz)
        row = Contact(
            co_rowid=str(item.seq + 1),
            co_type=rng.choice(CONTACT_TYPES),
            co_description=rng.choice(
                ("Promise to pay", "Left message", "No answer", "Letter sent", "Review")
            ),
            co_priority=str(rng.randint(1, 9)),
            co_who=s.op_id if rng.chance(0.3) else f"OP{rng.randint(1, s.operator_count):02d}",
            co_date=local.strftime("%Y-%m-%d"),
            co_time=local.strftime("%H:%M:%S"),
            co_debtor=str(rng.randint(1, max(s.data_size, 1))),
        )
        return with_overrides(row, item)

    def _operator(self, item: Item) -> Operator:
        s = self.settings
        first = item.seq == 0
        row = Operator(
            op_rowid=str(item.seq + 1),
            op_id=s.op_id if first else f"OP{item.seq:02d}",
            op_name=s.operator_name if first else f"Operator {item.seq}",
            op_email=f"op{item.seq + 1}@example.test",
            op_level="99" if first else "10",
        )
        return with_overrides(row, item)
