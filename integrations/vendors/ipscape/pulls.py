"""ipSCAPE pulls: `activities` over a created-time window, then `metadata.nextUri` to the end."""

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit

from integrations.http import Auth, BadResponse, HttpClient, HttpRequest
from integrations.vendors.base import Account, Connector, UnknownResource
from integrations.vendors.paging import Answer, walk
from integrations.vendors.resources import CALLS, Call, Page, Resource

from .schemas import PAGE_SIZE

ACTIVITIES = Resource(
    "activities",
    "Activities (calls)",
    CALLS,
    page_size=PAGE_SIZE,  # ipSCAPE decides: 100 a page, no size parameter
    overlap=timedelta(minutes=15),
    description="GET activities, oldest first, by created time; cursor pages.",
)
RESOURCES = (ACTIVITIES,)

DIRECTIONS = {"call.inbound": "inbound", "call.outbound": "outbound"}
# Activity statuses (inbound) and dial statuses (outbound), lower-cased, as outcomes.
STATUS_OUTCOMES = {
    "answered": "answered",
    "abandoned": "missed",
    "no answer": "missed",
    "busy": "busy",
    "answering machine": "voicemail",
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
    if resource.key != ACTIVITIES.key:
        raise UnknownResource(resource.key, ACTIVITIES.key)
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("pull windows are aware datetimes")
    # createdTimestampTo may be exclusive (the simulator assumes so; the docs do not say): ask
    # to the next whole second and drop what lies past `until` here, exact either way.
    ceiling = until.replace(microsecond=0) + timedelta(seconds=1)
    params: tuple[tuple[str, str], ...] = (
        ("createdTimestampFrom", connector.format_value(since.replace(microsecond=0))),
        ("createdTimestampTo", connector.format_value(ceiling)),
    )
    url, query = urljoin(account.base_url, "activities"), params
    visited: set[str] = set()

    def fetch(index: int, received: int) -> Answer:
        nonlocal url, query
        if url in visited:
            raise BadResponse("ipSCAPE: metadata.nextUri points back at a page already read")
        visited.add(url)
        payload = connector.get_json(client, auth, HttpRequest("GET", url, params=query))
        next_uri = (payload.get("metadata") or {}).get("nextUri")
        if next_uri:
            # The cursor carries the filters, so the next request sends no parameters of its own.
            url, query = next_url(account.base_url, str(next_uri)), ()
        # envelope_error has checked `items` is a list; ipSCAPE gives no total.
        return Answer(payload["items"], last=not next_uri)

    # A cursor walk: only a null nextUri ends it (a page's size says nothing).
    for answer in walk(fetch, where="activities", max_pages=resource.max_pages):
        yield Page([item for item in answer.rows if _within(item, since, until)], None)


def next_url(base_url: str, next_uri: str) -> str:
    """nextUri is a path relative to the host: join it with the base URL's scheme and host.

    The docs' example reads "/v3.0/activities?cursor=..." while the simulator (and, it seems, the
    real host) serves under "/platform-api/v3.0/": a path missing the prefix gets it back.
    """
    url = urljoin(base_url, next_uri)  # an absolute path keeps only scheme + host of the base
    base_path, path = urlsplit(base_url).path, urlsplit(url).path
    if next_uri.startswith("/") and not path.startswith(base_path):
        marker = "/" + path.lstrip("/").split("/", 1)[0] + "/"  # e.g. "/v3.0/"
        prefix, found, _ = base_path.partition(marker)
        if found and prefix:
            url = urljoin(base_url, prefix + next_uri)
    return url


def row_id(resource: Resource, row: Mapping[str, Any]) -> str:
    value = _data(row).get("activityId")
    if value in (None, ""):
        raise BadResponse("ipSCAPE: an activity without data.activityId")
    return str(value)


def row_time(resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> datetime:
    text = (_data(row).get("timestamps") or {}).get("created")
    if not text:
        raise BadResponse("ipSCAPE: an activity without data.timestamps.created")
    # "2020-07-06T13:11:06+1000": Python 3.11 reads the offset without a colon too.
    try:
        parsed = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise BadResponse(f"ipSCAPE: {str(text)[:40]!r} is not a timestamp") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def to_call(resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> Call:
    data = _data(row)
    kind = str(row.get("type") or "")
    durations = data.get("durations") or {}
    timestamps = data.get("timestamps") or {}
    # Inbound calls say activityStatusName ("Answered", "Abandoned"); outbound dial attempts
    # say dialStatusName ("Answered", "No answer", "Busy", ...).
    status = str(data.get("activityStatusName") or data.get("dialStatusName") or "")
    return Call(
        vendor_call_id=row_id(resource, row),
        started_at=row_time(resource, row, tz),
        direction=DIRECTIONS.get(kind, "unknown"),
        # An outbound attempt has no source field, only the number dialled.
        caller=str(data.get("source") or ""),
        callee=str(data.get("destination") or data.get("phoneNumber") or ""),
        agent=str(data.get("agentFullName") or ""),
        queue=str(data.get("campaignName") or ""),
        # Outbound durations carry no `talk`: the interaction is the talk there.
        duration_seconds=int(durations.get("talk") or durations.get("interaction") or 0),
        disposition=status,
        outcome=_outcome(status, timestamps, data.get("voicemailMetadata")),
    )


def _outcome(status: str, timestamps: Mapping[str, Any], voicemails: Any) -> str:
    outcome = STATUS_OUTCOMES.get(status.lower())
    if outcome is None:
        # A status not known here: the answered time says whether someone took the call.
        if "answered" not in timestamps:
            return "unknown"
        outcome = "missed" if timestamps["answered"] is None else "answered"
    # An inbound caller nobody took who left a message went to voicemail.
    return "voicemail" if outcome == "missed" and voicemails else outcome


def _within(item: Any, since: datetime, until: datetime) -> bool:
    if not isinstance(item, Mapping):
        raise BadResponse("ipSCAPE: an activity that is not an object")
    created = row_time(ACTIVITIES, item, UTC)
    return since.replace(microsecond=0) <= created <= until


def _data(row: Mapping[str, Any]) -> Mapping[str, Any]:
    data = row.get("data")
    if not isinstance(data, Mapping):
        raise BadResponse("ipSCAPE: an activity without its 'data' object")
    return data
