"""Simulated VoIPcloud PBX integration API v2 (vendors.md section 5 and its "Simulator decisions")."""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Literal

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
    json_response,
    secret_field,
    with_overrides,
)
from integrations.simkit.control import control_json
from integrations.simkit.settings import LOOPBACK
from integrations.simkit.web import int_param, json_body

from . import sim_pushes
from .schemas import (
    LIMIT_DEFAULT,
    LIMIT_MAX,
    RATE_LIMIT,
    RATE_WINDOW_SECONDS,
    SORT_ORDERS,
    CallId,
    CallsPage,
    CallToNumberAnswer,
    ErrorBody,
)

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
NAMES = ("Olivia Smith", "Jack Wilson", "Mia Brown", "Noah Taylor", "Ava Martin", "Liam White", "Zoe King")
# Per list: its selector parameter, the id stride (ids are unique across the three lists) and
# the row field the selector matches.
LISTS = {
    "user_calls": ("users", 1, "user_number"),
    "queue_calls": ("queues", 2, "queue_name"),
    "ringgroup_calls": ("ringgroups", 3, "ring_group_name"),
}


def _default_users() -> dict[str, str]:
    return {str(201 + i): name for i, name in enumerate(NAMES)}


@dataclass
class VoipCloudSettings(SimSettings):
    pbx_host: str = "pbx.sim.example.test"
    api_key: str = secret_field("sim-voipcloud-api-key")
    # ASSUMPTION (beyond vendors.md): whether an old key keeps working for a while after a new one
    # is generated in the portal is not documented. Further keys accepted besides api_key, so a
    # test can model an overlap (or none, the default).
    extra_api_keys: list[str] = field(default_factory=list, metadata={"secret": True})
    webhook_secret: str = secret_field("sim-voipcloud-webhook-secret")
    # ASSUMPTION (vendors.md, Simulator decisions): 100 requests per 15 minutes per key.
    rate_limit: int | None = RATE_LIMIT
    rate_window_seconds: float = RATE_WINDOW_SECONDS
    # Three public v2 clients agree: limit defaults to 100 and runs 1 to 10000.
    limit_default: int = LIMIT_DEFAULT
    limit_max: int = LIMIT_MAX
    # ASSUMPTION (vendors.md, Simulator decisions): an unanswered call's connected_at is null
    # ("null") or left out ("absent"); the clients accept both.
    unanswered_connected_at: Literal["null", "absent"] = "null"
    # ASSUMPTION (vendors.md documents "user_inbound_missed" only): the last word of a user
    # call's type when it was answered, and the words an unanswered one may end in.
    answered_outcome: str = "answered"
    unanswered_outcomes: list[str] = field(default_factory=lambda: ["missed", "busy"])
    # ASSUMPTION (vendors.md, Simulator decisions): call-to-number takes multipart/form-data only;
    # a JSON or urlencoded body is refused with 400.
    call_to_number_multipart_only: bool = True
    users: dict[str, str] = field(default_factory=_default_users)  # extension -> user name
    queues: dict[str, str] = field(default_factory=lambda: {"601": "Sales", "602": "Support"})
    ringgroups: dict[str, str] = field(default_factory=lambda: {"701": "Reception", "702": "After Hours"})
    # SIMULATOR-ONLY: the networks POST /_sim/webhooks/send may post to (the portal on loopback).
    webhook_targets: list[str] = field(default_factory=lambda: list(LOOPBACK))
    # ASSUMPTION (older documentation): completed events carry `duration` and `status` instead of
    # call_duration / conversation_duration.
    webhook_legacy_fields: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 1 <= self.limit_default <= self.limit_max or not self.unanswered_outcomes:
            raise ValueError("limit_default must be 1..limit_max, and unanswered_outcomes not empty")


class VoipCloudSimulator(SimulatorApp[VoipCloudSettings]):
    vendor = "voipcloud"
    base_path = "/api/integration/v2/"  # vendors.md: v2 is the current API
    # The settings that shape the generated rows: changing one rebuilds them.
    extra_data_settings = frozenset(
        (
            "users",
            "queues",
            "ringgroups",
            "unanswered_connected_at",
            "answered_outcome",
            "unanswered_outcomes",
        )
    )

    def __init__(self, settings: VoipCloudSettings | None = None, *, clock: SimClock | None = None) -> None:
        super().__init__(settings or VoipCloudSettings(), clock=clock)

    def error_response(self, status: int, message: str) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): {"code": N, "message": ...}.
        return json_response(ErrorBody(code=status, message=message), status)

    def firewall_response(self, request: Request, address: str) -> Response:
        # vendors.md: a caller address that is not whitelisted gets the same 401 as a wrong key.
        return self.error_response(401, "Not authorised")

    def rate_key(self, request: Request) -> str:
        # ASSUMPTION (vendors.md, Simulator decisions): the limit counts per API key.
        return "key:" + request.headers.get("token", "")

    def guard(self, request: Request, endpoint: str) -> Response | None:
        # vendors.md: the key goes in a header named `token` (the old query parameter no longer
        # works); a wrong key is 401 "Not authorised".
        given = request.headers.get("token", "").encode()
        keys = (self.settings.api_key, *self.settings.extra_api_keys)
        if not given or not any(hmac.compare_digest(given, key.encode()) for key in keys):
            return self.error_response(401, "Not authorised")
        return None

    def routes(self) -> list[Rule]:
        b = "/api/integration/v2"
        return [
            Rule(f"{b}/get-user-calls", endpoint="user_calls", methods=["GET"]),
            Rule(f"{b}/get-queue-calls", endpoint="queue_calls", methods=["GET"]),
            Rule(f"{b}/get-ringgroup-calls", endpoint="ringgroup_calls", methods=["GET"]),
            Rule(f"{b}/call-to-number", endpoint="call_to_number", methods=["POST"]),
        ]

    def control_routes(self) -> list[Rule]:
        # SIMULATOR-ONLY: plays the PBX posting a call's webhook events (sim_pushes.py).
        return [Rule("/_sim/webhooks/send", endpoint=self.send_webhooks, methods=["POST"])]

    def send_webhooks(self, request: Request) -> Response:
        s = self.settings
        result = sim_pushes.send(
            json_body(request) or {},
            now=self.clock.now().replace(microsecond=0),
            tz=s.tz,
            users=s.users,
            secret=s.webhook_secret,
            targets=s.webhook_targets,
            legacy=s.webhook_legacy_fields,
        )
        return control_json(result)

    def user_calls(self, request: Request) -> Response:
        return self._calls(request, "user_calls")

    def queue_calls(self, request: Request) -> Response:
        return self._calls(request, "queue_calls")

    def ringgroup_calls(self, request: Request) -> Response:
        return self._calls(request, "ringgroup_calls")

    def call_to_number(self, request: Request) -> Response:
        if self.settings.call_to_number_multipart_only and request.mimetype != "multipart/form-data":
            return self.error_response(400, "Expected a multipart/form-data body")
        user, number = request.form.get("user_number", ""), request.form.get("number_to_call", "")
        if not E164.fullmatch(number):
            # ASSUMPTION (vendors.md, Simulator decisions): a number that is not E.164 -> 400.
            return self.error_response(400, "Invalid destination number")
        if user not in self.settings.users:
            # ASSUMPTION (beyond vendors.md): an unknown user_number is a 400 too.
            return self.error_response(400, "Invalid user number")
        call_id = f"{int(self.clock.time())}.{secrets.randbelow(10**6)}"
        return json_response(CallToNumberAnswer(code=200, data=[CallId(unique_call_id=call_id)]))

    # ---- call lists --------------------------------------------------------------------------
    def _calls(self, request: Request, dataset: str) -> Response:
        s, rs = self.settings, self.data(dataset)
        param, _, field_name = LISTS[dataset]
        try:
            offset = int_param(request, "offset", 0)
            limit = int_param(request, "limit", s.limit_default)
            # vendors.md: whole days in the PBX's zone, to_date inclusive.
            first, last = _day(request, "from_date"), _day(request, "to_date")
        except ValueError as exc:
            return self.error_response(400, str(exc))
        if not 1 <= limit <= s.limit_max:
            return self.error_response(400, f"limit must be between 1 and {s.limit_max}")
        sort_by = request.args.get("sort_by", "newest_first")
        if sort_by not in SORT_ORDERS:
            return self.error_response(400, "sort_by must be newest_first or oldest_first")
        # ASSUMPTION (vendors.md, Simulator decisions): `users` / `queues` / `ringgroups`,
        # comma-separated numbers or names; left out = all.
        wanted = frozenset(v.strip() for v in request.args.get(param, "").split(",") if v.strip())
        names = {"users": s.users, "queues": s.queues, "ringgroups": s.ringgroups}[param]
        wanted |= {names[v] for v in wanted if v in names}
        call_id = request.args.get("unique_call_id", "")

        def where(item: Item) -> bool:
            row = rs.record(item.seq)
            return (not wanted or row.get(field_name) in wanted) and (
                not call_id or row["unique_call_id"] == call_id
            )

        selection = rs.select(
            "time",
            since=self._midnight(first) if first else None,
            until=self._midnight(last + timedelta(days=1)) if last else None,
            where=where if wanted or call_id else None,
            where_key=(param, wanted, call_id),
        )
        # vendors.md: newest_first is the default order.
        rows = rs.records(selection.page(offset, limit, descending=sort_by == "newest_first"))
        return json_response(CallsPage(code=200, data=rows))

    def _midnight(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=self.settings.tz)

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
            for name in LISTS
        }

    def _call(self, dataset: str, item: Item) -> dict[str, Any]:
        # ASSUMPTION (vendors.md, Simulator decisions): the row fields of schemas.UserCall and
        # schemas.GroupCall, as the public v2 clients read them.
        s = self.settings
        _, stride, _ = LISTS[dataset]
        rng = Rng(s.seed, f"voipcloud.{dataset}", item.seq)
        user_number = rng.choice(sorted(s.users))
        outside = "+614" + rng.digits(8)
        answered = rng.chance(0.7)
        ring = rng.randint(2, 30)
        talk = rng.randint(5, 1500) if answered else 0
        common: dict[str, Any] = {
            # Asterisk-style id: the start time and a number unique across the three lists.
            "unique_call_id": f"{int(item.ts.timestamp())}.{item.seq * 3 + stride}",
            "caller_name": "",
            "call_start_at": iso_offset(item.ts, s.tz),
            "call_duration": ring + talk,
            "conversation_duration": talk,
        }
        if answered:
            common["connected_at"] = iso_offset(item.ts + timedelta(seconds=ring), s.tz)
        elif s.unanswered_connected_at == "null":
            common["connected_at"] = None
        if dataset == "user_calls":
            outbound = rng.chance(0.45)
            word = s.answered_outcome if answered else rng.choice(s.unanswered_outcomes)
            row: dict[str, Any] = {
                "unique_call_id": common.pop("unique_call_id"),
                "type": f"user_{'outbound' if outbound else 'inbound'}_{word}",
                "caller_id": user_number if outbound else outside,
                "caller_name": s.users[user_number] if outbound else "",
                "dest_number": outside if outbound else user_number,
                "user_name": s.users[user_number],
                "user_number": user_number,
                **common,
            }
        else:
            groups = s.queues if dataset == "queue_calls" else s.ringgroups
            number = rng.choice(sorted(groups))
            name_field = "queue_name" if dataset == "queue_calls" else "ring_group_name"
            row = {
                "unique_call_id": common.pop("unique_call_id"),
                "callerid": outside,
                "dest_number": number,
                name_field: groups[number],
                "user_name": s.users[user_number] if answered else "",
                "user_number": user_number if answered else "",
                "status": "answered" if answered else "abandoned",
                **common,
            }
        return with_overrides(row, item)


def _day(request: Request, name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ValueError(f"{name} must be a date like 2026-11-23") from exc
