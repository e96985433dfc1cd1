"""VoIPcloud pulls: the three v2 call lists, paged by offset over whole days.

v2 states no total, so a list is read in big pages (a key has only 100 requests per 15 minutes)
oldest first, so that calls made during the walk land after the rows
still to read, until a short page. The API takes whole days (`from_date`/`to_date`, the PBX's
zone, `to_date` inclusive): rows outside [since, until] are dropped here.
"""

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from integrations.http import Auth, BadResponse, HttpClient, HttpRequest
from integrations.vendors.base import Account, Connector, UnknownResource
from integrations.vendors.paging import Answer, walk
from integrations.vendors.resources import CALLS, Call, Page, Resource
from integrations.vendors.values import as_count, read_time, rows_in_window

from .schemas import LIMIT_MAX

# Half of the 10,000 a request may ask for: 10,000 rows come to some 3.5 MB, too near the HTTP
# client's 5 MB cap on an answer once names are long; 5,000 still costs few of the 100 requests
# a key has per 15 minutes.
PAGE_ROWS = LIMIT_MAX // 2

# Resource key -> the list's path (the same call shape for all three).
CALL_LISTS = {
    "user_calls": "get-user-calls",
    "queue_calls": "get-queue-calls",
    "ringgroup_calls": "get-ringgroup-calls",
}
# The words a user call's type (user_<direction>_<outcome>) may end in, as outcomes, for a call
# with no connected_at: only "missed" is documented, the rest are the plausible others.
UNANSWERED = {
    "missed": "missed",
    "noanswer": "missed",
    "no_answer": "missed",
    "cancelled": "missed",
    "abandoned": "missed",
    "busy": "busy",
    "failed": "failed",
    "congestion": "failed",
    "voicemail": "voicemail",
}
GROUP_STATUSES = {"answered": "answered", "abandoned": "missed", "missed": "missed", "voicemail": "voicemail"}


def _resource(key: str, label: str) -> Resource:
    return Resource(
        key,
        label,
        CALLS,
        page_size=PAGE_ROWS,
        overlap=timedelta(minutes=15),
        # 100 pages is one rate-limit window's worth of requests: half a million calls.
        max_pages=100,
        description=f"GET {CALL_LISTS[key]}, oldest first, every user/queue/ring group, whole days.",
    )


RESOURCES = (
    _resource("user_calls", "User calls"),
    _resource("queue_calls", "Queue calls"),
    _resource("ringgroup_calls", "Ring group calls"),
)


def fetch_pages(
    connector: type[Connector],
    client: HttpClient,
    auth: Auth,
    account: Account,
    resource: Resource,
    since: datetime,
    until: datetime,
) -> Iterator[Page]:
    path = CALL_LISTS.get(resource.key)
    if path is None:
        raise UnknownResource(resource.key, ", ".join(CALL_LISTS))
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("pull windows are aware datetimes")
    tz = ZoneInfo(account.timezone)
    url = urljoin(account.base_url, path)
    limit = resource.page_size
    # users/queues/ringgroups left out = all of them.
    days = (
        ("from_date", since.astimezone(tz).date().isoformat()),
        ("to_date", until.astimezone(tz).date().isoformat()),
    )

    def fetch(index: int, received: int) -> Answer:
        # oldest_first, not the default newest_first: a new call then lands after the rows still
        # to read instead of shifting every later offset (newest first would serve a row twice).
        params = (*days, ("sort_by", "oldest_first"), ("offset", str(received)), ("limit", str(limit)))
        payload = connector.get_json(client, auth, HttpRequest("GET", url, params=params))
        rows = payload.get("data")
        if not isinstance(rows, list):
            raise BadResponse(f"VoIPcloud: {path} answered without a 'data' list")
        return Answer(rows)

    # Each request costs one of 100 per 15 minutes: a short page ends the walk, without asking
    # for an empty one.
    for answer in walk(fetch, where=path, max_pages=resource.max_pages, limit=limit):
        yield Page(rows_in_window(answer.rows, lambda row: row_time(resource, row, tz), since, until))


def row_id(resource: Resource, row: Mapping[str, Any]) -> str:
    value = row.get("unique_call_id")
    if value in (None, ""):
        raise BadResponse("VoIPcloud: a call without unique_call_id")
    return str(value)


def row_time(resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> datetime:
    text = row.get("call_start_at")
    if not text:
        raise BadResponse("VoIPcloud: a call without call_start_at")
    # ISO 8601, normally with an offset; a bare time is read in the PBX's zone.
    return read_time(str(text), tz, "VoIPcloud")


def to_call(resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> Call:
    kind = str(row.get("type") or "").lower()
    status = str(row.get("status") or "")
    # connected_at is the answered signal (absent or null when nobody answered): the clients
    # trust it over the words of the type.
    connected = bool(row.get("connected_at"))
    if resource.key == "user_calls":
        # user_<direction>_<outcome>, e.g. user_inbound_missed.
        _, _, rest = kind.partition("_")
        direction, _, word = rest.partition("_")
        outcome = "answered" if connected else UNANSWERED.get(word, "missed")
        disposition = kind
    else:
        # Queue and ring-group calls come in, and say how they ended in `status`.
        direction = "inbound"
        outcome = GROUP_STATUSES.get(status.lower()) or ("answered" if connected else "unknown")
        disposition = status
    talked = as_count(row.get("conversation_duration"))
    return Call(
        vendor_call_id=row_id(resource, row),
        started_at=row_time(resource, row, tz),
        direction=direction if direction in ("inbound", "outbound", "internal") else "unknown",
        # Queue and ring-group rows spell it `callerid`.
        caller=str(row.get("caller_id") or row.get("callerid") or ""),
        callee=str(row.get("dest_number") or ""),
        agent=str(row.get("user_name") or row.get("user_number") or ""),
        queue=str(row.get("queue_name") or row.get("ring_group_name") or ""),
        # Talk time; call_duration adds the ringing and stays in the raw row.
        duration_seconds=talked or 0,
        disposition=disposition,
        outcome=outcome,
    )
