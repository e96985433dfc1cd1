"""Simulated VCC Live Database API v2 (vendors.md section 1 and its "Simulator decisions")."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
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
    naive_local,
    naive_utc,
    secret_field,
    with_overrides,
)
from integrations.simkit.web import int_param, local_period

from .schemas import (
    NUM_DEFAULT,
    ONLINE_STATES,
    ROWS_CAP,
    Cdr,
    Contact,
    DbRecord,
    DbRecordDetail,
    Envelope,
    OnlineUser,
    Project,
    RowsPage,
    User,
)

FOLDERS = ("Sales", "Support", "Collections", "Retention")
CITIES = ("Budapest", "London", "Vienna", "Warsaw", "Prague")
TEAMS = ("Alpha", "Bravo", "Charlie")
DIALER_MODES = ("predictive", "progressive", "preview", "inbound")
FIRST_NAMES = ("Anna", "Bence", "Csilla", "David", "Eszter", "Ferenc", "Gabor", "Hanna")
SURNAMES = ("Kovacs", "Nagy", "Szabo", "Toth")


@dataclass
class VccLiveSettings(SimSettings):
    customer: str = "sim-customer"
    password: str = secret_field("sim-vcclive-password")
    # ASSUMPTION (vendors.md, Simulator decisions): a token's "Allowed resources" are regexes
    # matched (re.search) against "<path after /v2/>[?<query>]"; None = every resource.
    allowed_resources: list[str] | None = None
    # More tokens of the same customer: password -> their allowed resources (None = all).
    extra_tokens: dict[str, list[str] | None] = field(default_factory=dict, metadata={"secret": True})
    # ASSUMPTION (vendors.md, Simulator decisions): JSON served as text/plain, like the docs.
    content_type: str = "text/plain; charset=utf-8"
    # ASSUMPTION (vendors.md, Simulator decisions): totalCount comes back as a string.
    total_count_as_string: bool = True
    # vendors.md (the CDR docs): num defaults to 10.
    num_default: int = NUM_DEFAULT
    # ASSUMPTION (vendors.md, Simulator decisions, from a public client): an answer holds at
    # most 500 rows whatever `num` asks; a larger `num` is not an error, the rows are cut.
    rows_cap: int = ROWS_CAP
    project_count: int = 4
    records_per_project: int = 50
    user_count: int = 12

    def __post_init__(self) -> None:
        super().__post_init__()
        for rx in [
            *(self.allowed_resources or []),
            *(r for v in self.extra_tokens.values() for r in v or []),
        ]:
            re.compile(rx)
        if not 1 <= self.project_count <= 99 or self.user_count < 1:
            raise ValueError("project_count must be 1..99 and user_count at least 1")


class VccLiveSimulator(SimulatorApp[VccLiveSettings]):
    vendor = "vcclive"
    base_path = "/v2/"
    extra_data_settings = frozenset({"project_count", "records_per_project", "user_count"})

    def __init__(self, settings: VccLiveSettings | None = None, *, clock: SimClock | None = None) -> None:
        super().__init__(settings or VccLiveSettings(), clock=clock)

    # ---- envelope ----------------------------------------------------------------------------
    def _body(self, status: int, payload: Envelope, headers: dict[str, str] | None = None) -> Response:
        return Response(
            json.dumps(payload), status=status, content_type=self.settings.content_type, headers=headers
        )

    def ok(self, response: Any, resource: str) -> Response:
        body = json.dumps(Envelope(response=response, errors=[]))
        etag = hashlib.blake2b(body.encode(), digest_size=16).hexdigest()
        # The docs' example response carries these headers; copied for fidelity.
        headers = {"Allow": "GET", "Etag": f'"{etag}"', "X-Resource": resource}
        return Response(body, status=200, content_type=self.settings.content_type, headers=headers)

    def error_response(self, status: int, message: str) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): {"response": null, "errors": [message]}.
        return self._body(status, Envelope(response=None, errors=[message]))

    def firewall_response(self, request: Request, address: str) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): unregistered client address -> 403.
        return self.error_response(403, f"Access denied for IP address {address}")

    def rows(self, rows: list[Any], total: int, resource: str) -> Response:
        total += self.settings.total_surplus
        count: Any = str(total) if self.settings.total_count_as_string else total
        return self.ok(RowsPage(rows=rows, totalCount=count), resource)

    # ---- auth -------------------------------------------------------------------------------------
    def guard(self, request: Request, endpoint: str) -> Response | None:
        s = self.settings
        auth = request.authorization
        allowed: list[str] | None = None
        valid = False
        if auth is not None and auth.type == "basic" and auth.username == s.customer:
            given = (auth.password or "").encode()
            tokens = {s.password: s.allowed_resources, **s.extra_tokens}
            for password, resources in tokens.items():
                if hmac.compare_digest(given, password.encode()):
                    valid, allowed = True, resources
        if not valid:
            # ASSUMPTION (vendors.md, Simulator decisions): wrong user/password -> 401 + realm.
            response = self.error_response(401, "Authentication failed")
            response.headers["WWW-Authenticate"] = 'Basic realm="Database API"'
            return response
        if allowed is not None:
            resource = request.path.removeprefix(self.base_path)
            if request.query_string:
                resource += "?" + request.query_string.decode("latin-1")
            if not any(re.search(rx, resource) for rx in allowed):
                # ASSUMPTION (vendors.md, Simulator decisions): outside "Allowed resources" -> 403.
                return self.error_response(403, "Resource not allowed")
        return None

    # ---- routes -----------------------------------------------------------------------------------
    def routes(self) -> list[Rule]:
        get = ["GET"]
        return [
            Rule("/v2/projects", endpoint="projects", methods=get),
            Rule("/v2/projects/<int:projectid>/records", endpoint="records", methods=get),
            Rule("/v2/projects/<int:projectid>/records/<int:numberid>", endpoint="record", methods=get),
            Rule("/v2/cdrs/<int:year>/<int:month>", endpoint="cdrs", methods=get),
            Rule("/v2/cdrs/<int:year>/<int:month>/<int:day>", endpoint="cdrs", methods=get),
            Rule("/v2/cdr/<int:year>/<int:month>/<uuid>", endpoint="cdr", methods=get),
            Rule("/v2/users", endpoint="users", methods=get),
            Rule("/v2/onlineusers", endpoint="online_users", methods=get),
        ]

    def projects(self, request: Request) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): rows of projectid, name, status, folderid,
        # container, folder.
        return self.ok(self.project_list(), "ProjectsResource")

    def cdrs(self, request: Request, year: int, month: int, day: int | None = None) -> Response:
        try:
            start, num = self._paging(request)
            since, until = local_period(year, month, day, self.settings.tz)
            raw_project = request.args.get("projectid")
            projectid = int(raw_project) if raw_project else None
        except ValueError as exc:
            return self.error_response(400, str(exc) or "Invalid parameter")
        rs = self.data("cdrs")
        where = None if projectid is None else (lambda item: self._cdr_projectid(item) == projectid)
        selection = rs.select(
            "time", since=since, until=until, where=where, where_key=("projectid", projectid)
        )
        # ASSUMPTION (vendors.md, Simulator decisions): rows ordered by billing_ts ascending.
        return self.rows(rs.records(selection.page(start, num)), len(selection), "CdrsResource")

    def cdr(self, request: Request, year: int, month: int, uuid: str) -> Response:
        rs = self.data("cdrs")
        try:
            seq = int(uuid.rsplit("-", 1)[-1], 16)  # the simulator keeps the seq in the uuid's tail
        except ValueError:
            seq = -1
        if rs.has(seq):
            row: Cdr = rs.record(seq)
            if row["uuid"] == uuid and row["billing_ts"].startswith(f"{year:04d}-{month:02d}-"):
                # ASSUMPTION (beyond vendors.md): one CDR comes back as the row object in `response`.
                return self.ok(row, "CdrResource")
        return self.error_response(404, "CDR not found")

    def records(self, request: Request, projectid: int) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): same rows/totalCount shape; rows of numberid,
        # create_date, create_date_utc, contacts, data.
        rs = self.datasets.get(f"records-{projectid}")
        if rs is None:
            return self.error_response(404, "Project not found")
        try:
            start, num = self._paging(request)
        except ValueError as exc:
            return self.error_response(400, str(exc))
        selection = rs.select("id")
        rows = [_summary(rec) for rec in rs.records(selection.page(start, num))]
        return self.rows(rows, len(selection), "RecordsResource")

    def record(self, request: Request, projectid: int, numberid: int) -> Response:
        rs = self.datasets.get(f"records-{projectid}")
        seq = numberid // 100 - 1
        if rs is None or numberid % 100 != projectid or not rs.has(seq):
            return self.error_response(404, "Record not found")
        return self.ok(rs.record(seq), "RecordResource")

    def users(self, request: Request) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): rows of userid, group_name, status,
        # teams_name, plus the name the public reporting client reads.
        return self.ok(self.user_list(), "UsersResource")

    def online_users(self, request: Request) -> Response:
        rng = Rng(self.settings.seed, "vcclive.online", int(self.clock.time() // 60))
        online = [
            OnlineUser(userId=user["userid"], state=rng.choice(ONLINE_STATES))
            for user in self.user_list()
            if rng.chance(0.6)
        ]
        return self.ok(online, "OnlineUsersResource")

    def _paging(self, request: Request) -> tuple[int, int]:
        """(start, rows to serve): `num` cut to the cap, as the vendor does."""
        start = int_param(request, "start", 0)
        num = int_param(request, "num", self.settings.num_default)
        if num < 1:
            # ASSUMPTION (beyond vendors.md): num 0 is refused with 400.
            raise ValueError("num must be at least 1")
        return start, min(num, self.settings.rows_cap)

    # ---- data -------------------------------------------------------------------------------------
    def project_list(self) -> list[Project]:
        out = []
        for pid in range(1, self.settings.project_count + 1):
            rng = Rng(self.settings.seed, "vcclive.project", pid)
            folder_index = rng.randint(0, len(FOLDERS) - 1)
            out.append(
                Project(
                    projectid=pid,
                    name=f"{FOLDERS[folder_index]} - {rng.choice(CITIES)}",
                    status="inactive" if pid % 4 == 0 else "active",
                    folderid=folder_index + 1,
                    container=False,
                    folder=FOLDERS[folder_index],
                )
            )
        return out

    def user_list(self) -> list[User]:
        return [
            User(
                userid=100 + i,
                name=f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {SURNAMES[i // len(FIRST_NAMES) % len(SURNAMES)]}",
                group_name="supervisor" if i % 6 == 0 else "operator",
                status="active",
                teams_name=TEAMS[i % len(TEAMS)],
            )
            for i in range(self.settings.user_count)
        ]

    def build_datasets(self) -> dict[str, RecordSet[Any]]:
        s = self.settings
        assert s.data_start is not None
        out: dict[str, RecordSet[Any]] = {
            "cdrs": RecordSet(
                self._build_cdr,
                size=s.data_size,
                start=s.data_start,
                spacing_seconds=s.data_spacing_seconds,
                clock=self.clock,
            )
        }
        span = max(s.data_size, 1) * s.data_spacing_seconds
        for pid in range(1, s.project_count + 1):
            out[f"records-{pid}"] = RecordSet(
                partial(self._build_record, pid),
                size=s.records_per_project,
                start=s.data_start,
                spacing_seconds=span / max(s.records_per_project, 1),
                clock=self.clock,
            )
        return out

    def _cdr_projectid(self, item: Item) -> int:
        """A CDR's project without building the whole row (its first draw), for filtering."""
        if "projectid" in item.overrides:
            return int(item.overrides["projectid"])
        return Rng(self.settings.seed, "vcclive.cdr", item.seq).randint(1, self.settings.project_count)

    def _build_cdr(self, item: Item) -> Cdr:
        # ASSUMPTION (vendors.md, Simulator decisions): the CDR row fields (schemas.Cdr).
        s = self.settings
        rng = Rng(s.seed, "vcclive.cdr", item.seq)
        projectid = rng.randint(1, s.project_count)  # first draw: see _cdr_projectid
        h = rng.hex(20)
        direction = rng.choice(("in", "out"))
        talked = 0 if rng.chance(0.15) else rng.randint(5, 1800)
        row = Cdr(
            uuid=f"{h[:8]}-{h[8:12]}-4{h[12:15]}-a{h[15:18]}-{item.seq:012x}",
            projectid=projectid,
            userid=100 + rng.randint(0, s.user_count - 1),
            callerid="36" + rng.digits(9),
            destination="36" + rng.digits(9),
            direction=direction,
            billing_ts=naive_local(item.ts, s.tz),
            billing_ts_utc=naive_utc(item.ts),
            billingtime=talked,
            beforequeuetime=rng.randint(0, 120) if direction == "in" else 0,
            afterwork=rng.randint(0, 60),
            dc=rng.choice((16, 16, 16, 17, 19, 21)),
            dialermode="inbound" if direction == "in" else rng.choice(DIALER_MODES[:3]),
            currency="HUF",
            call_rate=round(rng.randint(5, 40) / 10, 1),
        )
        return with_overrides(row, item)

    def _build_record(self, projectid: int, item: Item) -> DbRecordDetail:
        s = self.settings
        rng = Rng(s.seed, f"vcclive.record.{projectid}", item.seq)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        contact = Contact(
            email=f"contact{item.seq}@example.test", name=name, phone="36" + rng.digits(9), title="Customer"
        )
        created = item.ts
        record = DbRecordDetail(
            numberid=(item.seq + 1) * 100 + projectid,
            create_date=naive_local(created, s.tz),
            create_date_utc=naive_utc(created),
            contacts={"phone1": contact},
            data={"customer_name": name, "segment": rng.randint(1, 5)},
            cdrs=[],
            events=[
                {"type": "attempted_connection", "date": naive_local(created + timedelta(hours=1), s.tz)}
            ],
        )
        return with_overrides(record, item)


def _summary(record: DbRecordDetail) -> DbRecord:
    """The list view of a database record (the detail adds ``cdrs`` and ``events``)."""
    return DbRecord(
        numberid=record["numberid"],
        create_date=record["create_date"],
        create_date_utc=record["create_date_utc"],
        contacts=record["contacts"],
        data=record["data"],
    )
