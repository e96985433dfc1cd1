"""Each vendor's simulator on an ephemeral loopback port and a connector walking it: no database.

The simulators run in a zone with a half-hour offset (Asia/Kolkata, +05:30, no DST), so a naive
vendor time read in the wrong zone, or a day cut in UTC instead of the account's zone, shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from integrations.http import Auth, HttpClient, TargetPolicy
from integrations.simkit import RecordSet, RunningServer, SimulatorApp, serve
from integrations.simkit.sandbox import sandbox_apps, servers_config
from integrations.vendors.base import Account, Connector
from integrations.vendors.collect.connector import Collect
from integrations.vendors.ipscape.connector import Ipscape
from integrations.vendors.resources import Page, Resource
from integrations.vendors.vcclive.connector import VccLive
from integrations.vendors.voipcloud.connector import VoipCloud
from integrations.vendors.voipstudio.connector import VoipStudio

TZ_NAME = "Asia/Kolkata"
TZ = ZoneInfo(TZ_NAME)
DATA_START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
PAGE = 10  # rows a page in these tests
ROWS = 25  # 2.5 pages

CONNECTORS: dict[str, type[Connector]] = {
    "vcclive": VccLive,
    "voipstudio": VoipStudio,
    "collect": Collect,
    "ipscape": Ipscape,
    "voipcloud": VoipCloud,
}

# (vendor, resource) -> the simulator settings that make 2.5 pages of it.
SETTINGS: dict[tuple[str, str], dict[str, Any]] = {
    ("voipstudio", "cdrs"): {},
    ("voipcloud", "user_calls"): {},
    ("voipcloud", "queue_calls"): {},
    ("voipcloud", "ringgroup_calls"): {},
    # Every two hours: about a dozen CDRs a local day over three days, so days have 2 pages.
    ("vcclive", "cdrs"): {"data_size": 30, "data_spacing_seconds": 7200},
    ("vcclive", "records"): {"project_count": 2, "records_per_project": ROWS},
    # ipSCAPE fixes its page size (100): the simulator's setting shrinks it.
    ("ipscape", "activities"): {"page_size": PAGE},
    ("collect", "debtor"): {},
    ("collect", "contact"): {},
}
CASES = list(SETTINGS)
CALL_CASES = [case for case in CASES if case != ("vcclive", "records") and case[0] != "collect"]

# What each resource's id is, read from the simulator's own record (not by the connector).
IDS: dict[tuple[str, str], Callable[[Mapping[str, Any]], str]] = {
    ("voipstudio", "cdrs"): lambda row: str(row["id"]),
    ("voipcloud", "user_calls"): lambda row: str(row["unique_call_id"]),
    ("voipcloud", "queue_calls"): lambda row: str(row["unique_call_id"]),
    ("voipcloud", "ringgroup_calls"): lambda row: str(row["unique_call_id"]),
    ("vcclive", "cdrs"): lambda row: str(row["uuid"]),
    ("vcclive", "records"): lambda row: str(row["numberid"]),
    ("ipscape", "activities"): lambda row: str(row["data"]["activityId"]),
    ("collect", "debtor"): lambda row: str(row["de_rowid"]),
    ("collect", "contact"): lambda row: str(row["co_rowid"]),
}
# The request path that serves one page of the resource (to count page requests).
PAGE_PATHS: dict[tuple[str, str], str] = {
    ("voipstudio", "cdrs"): "/cdrs",
    ("voipcloud", "user_calls"): "/get-user-calls",
    ("voipcloud", "queue_calls"): "/get-queue-calls",
    ("voipcloud", "ringgroup_calls"): "/get-ringgroup-calls",
    ("vcclive", "cdrs"): "/v2/cdrs/",
    ("vcclive", "records"): "/records",
    ("ipscape", "activities"): "/activities",
    ("collect", "debtor"): "/collect/data/debtor",
    ("collect", "contact"): "/collect/data/contact",
}


@dataclass
class Sim:
    """One served simulator, the account pointing at it, and a client that records its waits."""

    vendor: str
    app: SimulatorApp[Any]
    server: RunningServer
    connector: type[Connector]
    account: Account
    client: HttpClient
    waits: list[float] = field(default_factory=list)
    auth: Auth = field(init=False)

    def __post_init__(self) -> None:
        self.auth = self.connector.auth(self.account)

    @property
    def account_tz(self) -> ZoneInfo:
        return ZoneInfo(self.account.timezone)

    def resource(self, key: str) -> Resource:
        resource = self.connector.resource(key)
        # A small page so that a few dozen records make several pages (ipSCAPE ignores it).
        return dataclasses.replace(resource, page_size=PAGE)

    def pages(self, key: str, since: datetime, until: datetime) -> Iterator[Page]:
        return self.connector.fetch_pages(
            self.client, self.auth, self.account, self.resource(key), since, until
        )

    def rows(self, pages: Iterator[Page] | list[Page]) -> list[dict[str, Any]]:
        return [row for page in pages for row in page.rows]

    def ids(self, key: str, rows: list[dict[str, Any]]) -> list[str]:
        resource = self.resource(key)
        return [self.connector.row_id(resource, row) for row in rows]

    def expected(self, key: str, since: datetime, until: datetime) -> dict[str, datetime]:
        """The simulator's own records of `key` timed in [since, until]: id -> time."""
        if (self.vendor, key) == ("vcclive", "records"):
            sets = [self.app.data(f"records-{p}") for p in range(1, self.app.settings.project_count + 1)]
        else:
            sets = [self.app.data(key)]
        found: dict[str, datetime] = {}
        for rs in sets:
            for seq in range(len(rs)):
                item = rs.item(seq)
                # A debtor is timed by its last change; everything else by its own time.
                when = item.modified if (self.vendor, key) == ("collect", "debtor") else item.ts
                if since <= when <= until:
                    found[IDS[(self.vendor, key)](_record(rs, seq))] = when
        return found

    def page_requests(self, key: str) -> int:
        path = PAGE_PATHS[(self.vendor, key)]
        return sum(1 for r in self.app.recent_requests() if path in r["path"])


def _record(rs: RecordSet[Any], seq: int) -> Mapping[str, Any]:
    record: Mapping[str, Any] = rs.record(seq)
    return record


SimFactory = Callable[..., Sim]


@pytest.fixture
def sim() -> Iterator[SimFactory]:
    """`sim("voipstudio", data_size=25)`: a served simulator and a connector's view of it."""
    started: list[Sim] = []

    def start(vendor: str, **settings: Any) -> Sim:
        app = sandbox_apps()[vendor]
        app.configure(
            **{
                "data_size": ROWS,
                "data_start": DATA_START.isoformat(),
                "data_spacing_seconds": 900,
                "timezone": TZ_NAME,
                **settings,
            }
        )
        server = serve(app, "127.0.0.1", 0)
        entry = servers_config({vendor: server})[vendor]
        connector = CONNECTORS[vendor]
        credentials: dict[str, str] = entry["credentials"]
        secret = connector.sensitive_fields()
        account = Account(
            base_url=entry["base_url"],
            public={k: v for k, v in credentials.items() if k not in secret},
            secret=lambda name: credentials.get(name, "") if name in secret else "",
            timezone=TZ_NAME,
        )
        waits: list[float] = []
        client = HttpClient(
            policy=TargetPolicy(allow_private=True, approved_hosts=("127.0.0.1",)),
            read_timeout=5.0,
            sleep=waits.append,  # Retry-After waits are recorded, not slept
        )
        box = Sim(vendor, app, server, connector, account, client, waits)
        started.append(box)
        return box

    yield start
    for box in started:
        box.client.close()
        box.server.shutdown()


def everything() -> tuple[datetime, datetime]:
    """A window around all the generated data."""
    return DATA_START - timedelta(days=1), DATA_START + timedelta(days=30)
