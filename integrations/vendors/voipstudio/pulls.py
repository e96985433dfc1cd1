"""VoIPstudio pulls: `/cdrs` paged by page/limit under a JSON `filter` on `calldate`."""

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from integrations.http import Auth, BadResponse, HttpClient, HttpRequest
from integrations.vendors.base import Account, Connector, UnknownResource
from integrations.vendors.paging import Answer, walk
from integrations.vendors.resources import CALLS, Call, Page, Resource
from integrations.vendors.values import as_count, naive_text, read_time

from .schemas import LIMIT_MAX

CDRS = Resource(
    "cdrs",
    "Call detail records",
    CALLS,
    page_size=LIMIT_MAX,  # 5000: VoIPstudio answers 400 above it
    overlap=timedelta(minutes=15),
    description="GET /cdrs, oldest id first, filtered on calldate.",
)
RESOURCES = (CDRS,)

# The CDR type: O = outbound, I = inbound, M = missed (an inbound call nobody took).
DIRECTIONS = {"O": "outbound", "I": "inbound", "M": "inbound"}
# The disposition, in the shared vocabulary (CANCEL: the caller hung up before an answer).
OUTCOMES = {
    "ANSWERED": "answered",
    "NO ANSWER": "missed",
    "CANCEL": "missed",
    "BUSY": "busy",
    "FAILED": "failed",
    "CONGESTION": "failed",
}


def fetch_pages(
    connector: type[Connector],
    client: HttpClient,
    auth: Auth,
    account: Account,
    resource: Resource,
    since: datetime,
    until: datetime,
) -> Iterator[Page]:
    if resource.key != CDRS.key:
        raise UnknownResource(resource.key, CDRS.key)
    tz = ZoneInfo(account.timezone)
    # `between` answers 400 live (VoIPstudio's own CLI client): one gte and one lte entry, ANDed.
    # calldate is naive in the account's zone; seconds are floored, which is exact for lte (rows
    # have whole seconds) and at worst takes one extra second at the start (an overlap anyway).
    window = [
        {"property": "calldate", "operator": "gte", "value": naive_text(since, tz)},
        {"property": "calldate", "operator": "lte", "value": naive_text(until, tz)},
    ]
    url = urljoin(account.base_url, "cdrs")
    limit = resource.page_size

    def fetch(index: int, received: int) -> Answer:
        params = (
            ("page", str(index + 1)),  # pages start at 1
            ("limit", str(limit)),
            ("filter", connector.format_value(window)),
            # id ascending is stable while calls are written: a new CDR takes a higher id, so it
            # lands after the page being read and never shifts the rows not yet read.
            ("sort", "id"),
            ("dir", "ASC"),
        )
        payload = connector.get_json(client, auth, HttpRequest("GET", url, params=params))
        rows = payload.get("data")
        if not isinstance(rows, list):
            raise BadResponse("VoIPstudio: /cdrs answered without a 'data' list")
        # The total is re-read every page, so CDRs written during the walk are still reached.
        return Answer(rows, as_count(payload.get("total")))

    for answer in walk(fetch, where="cdrs", max_pages=resource.max_pages, limit=limit):
        yield Page(answer.rows, answer.total)


def row_id(resource: Resource, row: Mapping[str, Any]) -> str:
    return str(_field(row, "id"))


def row_time(resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> datetime:
    return read_time(str(_field(row, "calldate")), tz, "VoIPstudio")


def to_call(resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> Call:
    kind = str(row.get("type") or "").upper()
    disposition = str(row.get("disposition") or "")
    outcome = OUTCOMES.get(disposition.upper(), "unknown")
    # A missed call (M) is inbound and unanswered whatever its disposition says.
    if kind == "M" and outcome in ("answered", "unknown"):
        outcome = "missed"
    inbound = kind in ("I", "M")
    return Call(
        vendor_call_id=row_id(resource, row),
        started_at=row_time(resource, row, tz),
        direction=DIRECTIONS.get(kind, "unknown"),
        caller=str(row.get("src") or row.get("clid") or ""),
        callee=str(row.get("dst") or ""),
        # The agent is our own extension: the destination of an inbound call, the source otherwise.
        agent=str((row.get("dst") if inbound else row.get("src")) or ""),
        # billsec is talk time; duration adds the ringing, kept beside it.
        duration_seconds=int(row.get("billsec") or 0),
        disposition=disposition,
        outcome=outcome,
    )


def _field(row: Mapping[str, Any], name: str) -> Any:
    value = row.get(name)
    if value in (None, ""):
        raise BadResponse(f"VoIPstudio: a CDR without {name!r}")
    return value
