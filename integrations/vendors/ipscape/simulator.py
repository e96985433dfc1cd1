"""Simulated ipSCAPE Platform API v3.0 (vendors.md section 4 and its "Simulator decisions")."""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
    json_response,
    secret_field,
    with_overrides,
)
from integrations.simkit.control import control_error, control_json

from .schemas import (
    FILTER_PARAMS,
    PAGE_SIZE,
    ActivitiesPage,
    Activity,
    CallCommon,
    ErrorBody,
    InboundCall,
    OutboundCall,
)

AGENTS = ("Alex Chen", "Sam Patel", "Jo Nguyen", "Chris Brown", "Pat Kelly", "Morgan Lee", "Kim Park")
CAMPAIGNS = ("Inbound Sales", "Customer Care", "Renewals", "Collections", "Surveys")
WRAPS = (("SALE", "Sale made"), ("CB", "Call back"), ("NI", "Not interested"), ("INFO", "Information given"))
DIAL_STATUSES = ((1, "Answered"), (2, "No answer"), (3, "Busy"), (4, "Answering machine"))


@dataclass
class IpscapeSettings(SimSettings):
    subdomain: str = "sim"
    api_token: str = secret_field("sim-ipscape-api-token")
    secret_key_1: str = secret_field("sim-ipscape-secret-key-1")
    secret_key_2: str = secret_field("sim-ipscape-secret-key-2")
    # ASSUMPTION (vendors.md, Simulator decisions): 100 activities a page, oldest first.
    page_size: int = PAGE_SIZE
    # ASSUMPTION (beyond vendors.md): createdTimestampTo is exclusive (From is inclusive).
    to_exclusive: bool = True
    # ASSUMPTION (beyond vendors.md): an unregistered client address gets 403 in the errors envelope.
    firewall_status: int = 403
    campaign_count: int = 5


class IpscapeSimulator(SimulatorApp[IpscapeSettings]):
    vendor = "ipscape"
    base_path = "/platform-api/v3.0/"  # ASSUMPTION (vendors.md, Simulator decisions): the base path
    extra_data_settings = frozenset({"campaign_count"})

    def __init__(self, settings: IpscapeSettings | None = None, *, clock: SimClock | None = None) -> None:
        super().__init__(settings or IpscapeSettings(), clock=clock)

    def error_response(self, status: int, message: str, code: str | None = None) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): {"errors": [{"code", "message"}]}.
        codes = {400: "INVALID_PARAMETER", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}
        code = code or codes.get(status, "TOO_MANY_REQUESTS" if status == 429 else "SERVER_ERROR")
        return json_response(ErrorBody(errors=[{"code": code, "message": message}]), status)

    def firewall_response(self, request: Request, address: str) -> Response:
        return self.error_response(self.settings.firewall_status, f"Access denied for IP address {address}")

    def guard(self, request: Request, endpoint: str) -> Response | None:
        s = self.settings
        auth = request.authorization
        if auth is not None and auth.type == "basic":
            token_ok = hmac.compare_digest((auth.username or "").encode(), s.api_token.encode())
            given = (auth.password or "").encode()
            # ASSUMPTION (vendors.md, Simulator decisions): Basic, API token + either secret key.
            key_ok = any(hmac.compare_digest(given, k.encode()) for k in (s.secret_key_1, s.secret_key_2))
            if token_ok and key_ok:
                return None
        # ASSUMPTION (vendors.md, Simulator decisions): wrong token or key -> 401.
        return self.error_response(401, "Invalid API token or secret key")

    def routes(self) -> list[Rule]:
        return [Rule("/platform-api/v3.0/activities", endpoint="activities", methods=["GET"])]

    def control_routes(self) -> list[Rule]:
        # SIMULATOR-ONLY: plays the operator rotating a key in the ipSCAPE workspace.
        # ASSUMPTION (vendors.md, Simulator decisions): POST /_sim/tokens/{token}/secret-keys/{1|2}/rotate
        # returns the new key and invalidates the old one at once.
        rule = "/_sim/tokens/<token>/secret-keys/<int:number>/rotate"
        return [Rule(rule, endpoint=self.rotate_secret_key, methods=["POST"])]

    def rotate_secret_key(self, request: Request, token: str, number: int) -> Response:
        """Replace secret key 1 or 2 with a new one; the old one stops working at once."""
        if not hmac.compare_digest(token.encode(), self.settings.api_token.encode()) or number not in (1, 2):
            return control_error("no such API token or secret key", 404)
        new_key = "sk_" + secrets.token_urlsafe(24)
        self.configure(**{f"secret_key_{number}": new_key})
        return control_json({"simulator_only": True, "key": number, "secret_key": new_key})

    # ---- activities -----------------------------------------------------------------------
    def activities(self, request: Request) -> Response:
        rs = self.data("activities")
        after: tuple[datetime, int] | None = None
        try:
            if request.args.get("cursor"):
                filters, after = _decode_cursor(request.args["cursor"])
            else:
                filters = {k: request.args[k] for k in FILTER_PARAMS if request.args.get(k)}
            since = self._timestamp(filters.get("createdTimestampFrom"))
            until = self._timestamp(filters.get("createdTimestampTo"))
        except ValueError as exc:
            return self.error_response(400, str(exc))
        exact = {k: filters[k] for k in ("campaignId", "activityType", "leadId") if k in filters}

        def where(item: Item) -> bool:
            activity = rs.record(item.seq)
            data = activity["data"]
            return (
                ("activityType" not in exact or activity["type"] == exact["activityType"])
                and ("campaignId" not in exact or str(data.get("campaignId")) == exact["campaignId"])
                and ("leadId" not in exact or str(data.get("leadId")) == exact["leadId"])
            )

        selection = rs.select(
            "time",
            since=since,
            until=until,
            until_inclusive=not self.settings.to_exclusive,
            where=where if exact else None,
            where_key=tuple(sorted(exact.items())),
        )
        first = selection.index_from_position(rs.position_after(*after)) if after else 0
        seqs = selection.page(first, self.settings.page_size)
        next_uri = None
        if seqs and first + len(seqs) < len(selection):
            last = rs.item(seqs[-1])
            # ASSUMPTION (vendors.md, Simulator decisions): nextUri carries the cursor; null at the end.
            next_uri = f"{self.base_path}activities?cursor={_encode_cursor(filters, last.ts, last.seq)}"
        return json_response(ActivitiesPage(metadata={"nextUri": next_uri}, items=rs.records(seqs)))

    def _timestamp(self, text: str | None) -> datetime | None:
        if not text:
            return None
        text = text.strip()
        if len(text) > 5 and text[-5] == " ":  # a "+" the client left unencoded became a space
            text = text[:-5] + "+" + text[-4:]
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"Invalid timestamp {text!r}; expected e.g. 2020-07-06T13:11:06+1000") from exc
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=self.settings.tz)).astimezone(UTC)

    # ---- data ---------------------------------------------------------------------------------
    def build_datasets(self) -> dict[str, RecordSet[Any]]:
        s = self.settings
        assert s.data_start is not None
        rs = RecordSet(
            self._activity,
            size=s.data_size,
            start=s.data_start,
            spacing_seconds=s.data_spacing_seconds,
            clock=self.clock,
        )
        return {"activities": rs}

    def _activity(self, item: Item) -> Activity:
        s = self.settings
        rng = Rng(s.seed, "ipscape.activity", item.seq)
        campaign = rng.randint(1, s.campaign_count)
        agent = rng.randint(0, len(AGENTS) - 1)
        answered = rng.chance(0.8)
        talk = rng.randint(20, 900) if answered else 0

        # ASSUMPTION (vendors.md, Simulator decisions): timestamps like 2020-07-06T13:11:06+1000.
        def at(seconds: int) -> str:
            return iso_offset(item.ts + timedelta(seconds=seconds), s.tz, colon=False)

        common = CallCommon(
            activityId=item.seq + 1,
            campaignId=campaign,
            campaignName=CAMPAIGNS[(campaign - 1) % len(CAMPAIGNS)],
            agentId=500 + agent if answered else None,
            agentFullName=AGENTS[agent] if answered else None,
        )
        if rng.chance(0.5):
            wrap = rng.choice(WRAPS)
            queue, ivr = rng.randint(0, 300), rng.randint(5, 60)
            answer_at = ivr + queue
            inbound = InboundCall(
                **common,
                parentActivityId=None,
                rootActivityId=item.seq + 1,
                activityStatusId=1 if answered else 2,
                activityStatusName="Answered" if answered else "Abandoned",
                source="+614" + rng.digits(8),
                destination="+6113" + rng.digits(5),
                agentInteractionId=item.seq + 70001 if answered else None,
                wrapCode=wrap[0] if answered else None,
                wrapDescription=wrap[1] if answered else None,
                recordingStatus="RECORDED" if answered else "NOT_RECORDED",
                recordingMetadata={
                    "mediaId": item.seq + 100,
                    "mediaUri": f"/v3.0/media/{item.seq + 100}",
                    "duration": talk,
                    "deleted": False,
                }
                if answered
                else None,
                voicemailMetadata=[],
                survey={"started": False, "startTimestamp": None, "workflowId": None, "workflowName": None},
                callQualityScore=rng.randint(1, 5) if answered else None,
                durations={
                    "ivr": ivr,
                    "queue": queue,
                    "hold": 0,
                    "interaction": talk,
                    "wrap": 15,
                    "talk": talk,
                },
                timestamps={
                    "created": at(0),
                    "joinQueue": at(ivr),
                    "answered": at(answer_at) if answered else None,
                    "hangUp": at(answer_at + talk),
                    "wrapUp": at(answer_at + talk + 15) if answered else None,
                },
            )
            return with_overrides(Activity(type="call.inbound", data=dict(inbound)), item)
        status = DIAL_STATUSES[0] if answered else rng.choice(DIAL_STATUSES[1:])
        dial = rng.randint(5, 40)
        outbound = OutboundCall(
            **common,
            attemptId=item.seq + 900001,
            dialStatusId=status[0],
            dialStatusName=status[1],
            phoneIndex=rng.randint(1, 3),
            phoneNumber="+614" + rng.digits(8),
            leadId=rng.randint(10000, 99999),
            durations={"dial": dial, "interaction": talk},
            timestamps={
                "created": at(0),
                "answered": at(dial) if answered else None,
                "hangUp": at(dial + talk),
            },
        )
        return with_overrides(Activity(type="call.outbound", data=dict(outbound)), item)


def _encode_cursor(filters: dict[str, str], ts: datetime, seq: int) -> str:
    """An opaque cursor: the filters plus the (timestamp, seq) of the last item served."""
    raw = json.dumps({"f": filters, "a": [ts.isoformat(), seq]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dict[str, str], tuple[datetime, int]]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        filters = {str(k): str(v) for k, v in raw["f"].items() if k in FILTER_PARAMS}
        return filters, (datetime.fromisoformat(raw["a"][0]), int(raw["a"][1]))
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise ValueError("Invalid cursor") from exc
