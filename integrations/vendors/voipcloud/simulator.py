"""Simulated VoIPcloud PBX integration API (vendors.md section 5 and its "Simulator decisions")."""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass, field
from functools import partial
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
    iso_offset,
    json_body,
    json_response,
    parse_naive_local,
    secret_field,
    with_overrides,
)
from integrations.simkit.web import int_param

from .schemas import (
    LIMIT_DEFAULT,
    LIMIT_MAX,
    RATE_LIMIT,
    RATE_WINDOW_SECONDS,
    Call,
    CallsPage,
    ErrorBody,
    SystemStatus,
)

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
NAMES = ("Olivia Smith", "Jack Wilson", "Mia Brown", "Noah Taylor", "Ava Martin", "Liam White", "Zoe King")
# Which records each endpoint serves, the query parameter that narrows it, and the id stride.
ENDPOINTS = {
    "user_calls": ("users", 1),
    "queue_calls": ("queues", 2),
    "ringgroup_calls": ("ringgroups", 3),
}


def _default_users() -> dict[str, str]:
    return {str(201 + i): name for i, name in enumerate(NAMES)}


@dataclass
class VoipCloudSettings(SimSettings):
    pbx_host: str = "pbx.sim.example.test"
    api_key: str = secret_field("sim-voipcloud-api-key")
    webhook_secret: str = secret_field("sim-voipcloud-webhook-secret")
    version: str = "simulator-1.0"
    # ASSUMPTION (vendors.md, Simulator decisions): 100 requests per 15 minutes per key.
    rate_limit: int | None = RATE_LIMIT
    rate_window_seconds: float = RATE_WINDOW_SECONDS
    # ASSUMPTION (vendors.md, Simulator decisions): limit default 50, max 500 (over it: 400).
    limit_default: int = LIMIT_DEFAULT
    limit_max: int = LIMIT_MAX
    # ASSUMPTION (beyond vendors.md): date_to is inclusive, like date_from.
    date_to_inclusive: bool = True
    users: dict[str, str] = field(default_factory=_default_users)  # extension -> user name
    queues: dict[str, str] = field(default_factory=lambda: {"601": "Sales", "602": "Support"})
    ringgroups: dict[str, str] = field(default_factory=lambda: {"701": "Reception", "702": "After Hours"})


class VoipCloudSimulator(SimulatorApp[VoipCloudSettings]):
    vendor = "voipcloud"
    base_path = "/api/integration/v1/"  # ASSUMPTION (vendors.md, Simulator decisions): the base path
    extra_data_settings = frozenset({"users", "queues", "ringgroups"})

    def __init__(self, settings: VoipCloudSettings | None = None, *, clock: SimClock | None = None) -> None:
        super().__init__(settings or VoipCloudSettings(), clock=clock)

    def error_response(self, status: int, message: str) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): {"status": "error", "message": ...}.
        return json_response(ErrorBody(status="error", message=message), status)

    def firewall_response(self, request: Request, address: str) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): a caller address that is not whitelisted
        # gets exactly the same 401 as a wrong key.
        return self.error_response(401, "Not authorised")

    def rate_key(self, request: Request) -> str:
        # ASSUMPTION (vendors.md, Simulator decisions): the limit counts per API key.
        return "key:" + request.headers.get("token", "")

    def guard(self, request: Request, endpoint: str) -> Response | None:
        # ASSUMPTION (vendors.md, Simulator decisions): the key goes in a header named `token`
        # (the old query parameter no longer works); a wrong key is 401 "Not authorised".
        given = request.headers.get("token", "").encode()
        if not given or not hmac.compare_digest(given, self.settings.api_key.encode()):
            return self.error_response(401, "Not authorised")
        return None

    def routes(self) -> list[Rule]:
        b = "/api/integration/v1"
        return [
            Rule(f"{b}/get-system-status", endpoint="system_status", methods=["GET"]),
            Rule(f"{b}/get-user-calls", endpoint="user_calls", methods=["GET"]),
            Rule(f"{b}/get-queue-calls", endpoint="queue_calls", methods=["GET"]),
            Rule(f"{b}/get-ringgroup-calls", endpoint="ringgroup_calls", methods=["GET"]),
            Rule(f"{b}/call-to-number", endpoint="call_to_number", methods=["POST"]),
        ]

    def system_status(self, request: Request) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): the body of get-system-status.
        return json_response(SystemStatus(status="success", system="ok", version=self.settings.version))

    def user_calls(self, request: Request) -> Response:
        return self._calls(request, "user_calls")

    def queue_calls(self, request: Request) -> Response:
        return self._calls(request, "queue_calls")

    def ringgroup_calls(self, request: Request) -> Response:
        return self._calls(request, "ringgroup_calls")

    def call_to_number(self, request: Request) -> Response:
        body = json_body(request) or request.form.to_dict()
        user, destination = str(body.get("user_number", "")), str(body.get("destination", ""))
        if not E164.fullmatch(destination):
            # ASSUMPTION (vendors.md, Simulator decisions): a non-E.164 destination -> 400.
            return self.error_response(400, "Invalid destination number")
        if user not in self.settings.users:
            # ASSUMPTION (beyond vendors.md): an unknown user_number is a 400 too.
            return self.error_response(400, "Invalid user number")
        call_id = f"{int(self.clock.time())}.{secrets.randbelow(10**6)}"
        return json_response({"status": "success", "unique_call_id": call_id})

    # ---- call lists --------------------------------------------------------------------------
    def _calls(self, request: Request, dataset: str) -> Response:
        s, rs = self.settings, self.data(dataset)
        param, _ = ENDPOINTS[dataset]
        try:
            offset = int_param(request, "offset", 0)
            limit = int_param(request, "limit", s.limit_default)
            # ASSUMPTION (vendors.md, Simulator decisions): date_from/date_to are YYYY-MM-DD HH:MM:SS.
            since = _date(request, "date_from", s)
            until = _date(request, "date_to", s)
        except ValueError as exc:
            return self.error_response(400, str(exc))
        if not 1 <= limit <= s.limit_max:
            return self.error_response(400, f"limit must be between 1 and {s.limit_max}")
        sort = request.args.get("sort", "desc").lower()
        if sort not in ("asc", "desc"):
            return self.error_response(400, "sort must be asc or desc")
        # ASSUMPTION (vendors.md, Simulator decisions): users/queues/ringgroups left out = all.
        wanted = frozenset(v.strip() for v in request.args.get(param, "").split(",") if v.strip())
        names = {"users": s.users, "queues": s.queues, "ringgroups": s.ringgroups}[param]
        wanted_names = frozenset(names.get(v, v) for v in wanted)
        field_name = {"users": "user_number", "queues": "queue_name", "ringgroups": "ring_group_name"}[param]

        def where(item: Item) -> bool:
            value = rs.record(item.seq)[field_name]
            return value in wanted or value in wanted_names

        selection = rs.select(
            "time",
            since=since,
            until=until,
            until_inclusive=s.date_to_inclusive,
            where=where if wanted else None,
            where_key=(param, wanted),
        )
        # ASSUMPTION (vendors.md, Simulator decisions): sort=desc (newest first) is the default.
        calls = rs.records(selection.page(offset, limit, descending=sort == "desc"))
        return json_response(CallsPage(status="success", total=len(selection), calls=calls))

    # ---- data -----------------------------------------------------------------------------------
    def build_datasets(self) -> dict[str, RecordSet[Any]]:
        s = self.settings
        assert s.data_start is not None
        return {
            name: RecordSet(
                partial(self._call, name),
                size=s.data_size,
                start=s.data_start,
                spacing_seconds=s.data_spacing_seconds,
                clock=self.clock,
            )
            for name in ENDPOINTS
        }

    def _call(self, dataset: str, item: Item) -> Call:
        # ASSUMPTION (vendors.md, Simulator decisions): the call fields (schemas.Call).
        s = self.settings
        _, stride = ENDPOINTS[dataset]
        rng = Rng(s.seed, f"voipcloud.{dataset}", item.seq)
        user_number = rng.choice(sorted(s.users))
        kind = rng.choice(("inbound", "inbound", "outbound", "outbound", "internal", "missed"))
        if dataset != "user_calls" and kind in ("outbound", "internal"):
            kind = "inbound"  # queue and ring-group calls come in
        outside = "+614" + rng.digits(8)
        other = rng.choice(sorted(s.users))
        duration = 0 if kind == "missed" else rng.randint(5, 1500)
        queue = rng.choice(sorted(s.queues.values())) if dataset == "queue_calls" and s.queues else ""
        group = (
            rng.choice(sorted(s.ringgroups.values())) if dataset == "ringgroup_calls" and s.ringgroups else ""
        )
        outbound = kind in ("outbound", "internal")
        row = Call(
            # Asterisk-style id: the start time and a number unique across the three lists.
            unique_call_id=f"{int(item.ts.timestamp())}.{item.seq * 3 + stride}",
            type=kind,
            caller_id=user_number if outbound else outside,
            caller_name=s.users[user_number] if outbound else "",
            dest_number=(other if kind == "internal" else outside) if outbound else user_number,
            user_name=s.users[user_number],
            user_number=user_number,
            call_start_at=iso_offset(item.ts, s.tz),
            duration=duration,
            queue_name=queue,
            ring_group_name=group,
            status="missed" if kind == "missed" else ("answered" if duration else "no-answer"),
        )
        return with_overrides(row, item)


def _date(request: Request, name: str, settings: VoipCloudSettings) -> Any:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return parse_naive_local(raw, settings.tz)
    except ValueError as exc:
        raise ValueError(f"{name} must look like YYYY-MM-DD HH:MM:SS") from exc
