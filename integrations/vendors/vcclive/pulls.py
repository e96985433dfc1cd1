"""VCC Live pulls: projects and users (one call each), CDRs day by day, each project's records.

VCC Live lists with `start` (offset) + `num` and answers `{"rows", "totalCount"}`, the count
often a string. An answer holds at most 500 rows whatever `num` asks, so a list is walked on
`start` until `totalCount` rows have come, never ended by a short page. Neither list takes a time
filter: CDRs are addressed by day, records not at all, so the window is applied to each row here.
"""

from collections.abc import Generator, Iterator, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from integrations.http import Auth, BadResponse, HttpClient, HttpRequest
from integrations.vendors.base import Account, Connector, UnknownResource
from integrations.vendors.paging import Answer, combined, walk
from integrations.vendors.resources import CALLS, RAW, Call, IncompleteWalk, Page, Resource
from integrations.vendors.values import as_count, read_time, rows_in_window

from .schemas import ROWS_CAP

PROJECTS = Resource(
    "projects",
    "Projects",
    RAW,
    page_size=ROWS_CAP,  # one unpaged call
    description="GET projects: every folder and project. No time field: the window is ignored.",
)
USERS = Resource(
    "users",
    "Users",
    RAW,
    page_size=ROWS_CAP,  # one unpaged call
    description="GET users: every user with its name (for reports). No time field: the window is ignored.",
)
CDRS = Resource(
    "cdrs",
    "Call detail records",
    CALLS,
    # Asking for more than the 500 an answer holds gains nothing: ask for what comes.
    page_size=ROWS_CAP,
    # VCC Live writes a CDR minutes after the call, with the call's own billing_ts: start each
    # pull well before the watermark so those late rows are still inside the window.
    overlap=timedelta(hours=2),
    description="GET cdrs/{y}/{m}/{d} for each day of the window, in billing_ts order.",
)
RECORDS = Resource(
    "records",
    "Project records",
    RAW,
    page_size=ROWS_CAP,
    overlap=timedelta(minutes=15),
    # A first pull takes every record of every project, however old.
    initial_window=timedelta(days=365 * 100),
    description="GET projects/{id}/records for each project; kept when create_date is in the window.",
)
RESOURCES = (PROJECTS, CDRS, RECORDS, USERS)
ID_FIELDS = {"projects": "projectid", "cdrs": "uuid", "records": "numberid", "users": "userid"}

DIRECTIONS = {"in": "inbound", "out": "outbound"}
# dc is the ISDN (Q.850) disconnect cause.
DISCONNECT = {
    16: "normal clearing",
    17: "user busy",
    18: "no user responding",
    19: "no answer",
    21: "rejected",
}
# How an unbilled call ended, by its cause; any other cause is a failure (number, network,
# service). 16 also ends a call that simply cleared before anyone answered.
UNBILLED_OUTCOMES = {16: "missed", 17: "busy", 18: "missed", 19: "missed", 21: "failed", 31: "missed"}


def fetch_pages(
    connector: type[Connector],
    client: HttpClient,
    auth: Auth,
    account: Account,
    resource: Resource,
    since: datetime,
    until: datetime,
) -> Iterator[Page]:
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("pull windows are aware datetimes")
    tz = ZoneInfo(account.timezone)
    if resource.key in (PROJECTS.key, USERS.key):
        # No time: since/until are ignored and every pull takes the whole list.
        rows = _listed(connector, client, auth, account, resource.key)
        yield Page(rows, len(rows))
    elif resource.key == CDRS.key:
        yield from _cdrs(connector, client, auth, account, resource, since, until, tz)
    elif resource.key == RECORDS.key:
        yield from _records(connector, client, auth, account, resource, since, until, tz)
    else:
        raise UnknownResource(resource.key, ", ".join(r.key for r in RESOURCES))


def _cdrs(
    connector: type[Connector],
    client: HttpClient,
    auth: Auth,
    account: Account,
    resource: Resource,
    since: datetime,
    until: datetime,
    tz: tzinfo,
) -> Iterator[Page]:
    # One listing per local calendar day (billing_ts is in the account's zone). The first day is
    # read from midnight: the API cannot start at a time, so rows before `since` are dropped here.
    gaps: list[IncompleteWalk] = []
    for day in _days(since.astimezone(tz).date(), until.astimezone(tz).date()):
        try:
            if (yield from _cdr_day(connector, client, auth, account, resource, day, since, until, tz)):
                break
        except IncompleteWalk as gap:
            # The other days are still worth reading; the shortfall is raised once, at the end.
            gaps.append(gap)
    if (shortfall := combined(gaps)) is not None:
        raise shortfall


def _cdr_day(
    connector: type[Connector],
    client: HttpClient,
    auth: Auth,
    account: Account,
    resource: Resource,
    day: date,
    since: datetime,
    until: datetime,
    tz: tzinfo,
) -> Generator[Page, None, bool]:
    """One day's CDRs in the window; returns True once a row lies past `until`."""
    for answer in _listing(connector, client, auth, account, f"cdrs/{day:%Y/%m/%d}", resource):
        # No total: VCC Live counts one day at a time, not the window.
        yield Page(rows_in_window(answer.rows, lambda row: row_time(resource, row, tz), since, until))
        # Rows come in billing_ts order: one past `until` means the rest of the walk is too.
        last = row_time(resource, answer.rows[-1], tz) if answer.rows else None
        if last is not None and last > until:
            return True
    return False


def _records(
    connector: type[Connector],
    client: HttpClient,
    auth: Auth,
    account: Account,
    resource: Resource,
    since: datetime,
    until: datetime,
    tz: tzinfo,
) -> Iterator[Page]:
    gaps: list[IncompleteWalk] = []
    for project in _listed(connector, client, auth, account, PROJECTS.key):
        # A container is a folder of projects, which holds no records of its own.
        if project.get("container"):
            continue
        pid = project["projectid"]
        try:
            for answer in _listing(connector, client, auth, account, f"projects/{pid}/records", resource):
                for row in answer.rows:
                    # A record's list row does not name its project: note it, for whoever reads it.
                    row.setdefault("projectid", pid)
                yield Page(rows_in_window(answer.rows, lambda row: row_time(resource, row, tz), since, until))
        except IncompleteWalk as gap:
            gaps.append(gap)
    if (shortfall := combined(gaps)) is not None:
        raise shortfall


def _listing(
    connector: type[Connector],
    client: HttpClient,
    auth: Auth,
    account: Account,
    path: str,
    resource: Resource,
) -> Iterator[Answer]:
    """Every answer of one start/num listing, until its totalCount has come."""
    url = urljoin(account.base_url, path)
    num = resource.page_size

    def fetch(index: int, received: int) -> Answer:
        query = (("start", str(received)), ("num", str(num)))
        payload = connector.get_json(client, auth, HttpRequest("GET", url, params=query))
        body = payload.get("response")
        rows = body.get("rows") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise BadResponse(f"VCC Live: {path.split('/')[0]} answered without response.rows")
        # totalCount comes as a string ("N") or a number; one that is neither leaves an empty page
        # as the only end of the list.
        return Answer(rows, as_count(body.get("totalCount")))

    # No `limit`: an answer may hold fewer rows than `num` asked while more remain.
    return walk(fetch, where=path, max_pages=resource.max_pages)


def _listed(
    connector: type[Connector], client: HttpClient, auth: Auth, account: Account, key: str
) -> list[dict[str, Any]]:
    """The whole of an unpaged list (projects, users): every row an object holding its id."""
    payload = connector.get_json(client, auth, HttpRequest("GET", urljoin(account.base_url, key)))
    rows = payload.get("response")
    name = ID_FIELDS[key]
    if not isinstance(rows, list) or not all(isinstance(r, dict) and name in r for r in rows):
        raise BadResponse(f"VCC Live: {key} answered without a list of {key}")
    return rows


def row_id(resource: Resource, row: Mapping[str, Any]) -> str:
    name = ID_FIELDS.get(resource.key, "")
    value = row.get(name)
    if value in (None, ""):
        raise BadResponse(f"VCC Live: a {resource.key} row without {name!r}")
    return str(value)


def row_time(resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> datetime | None:
    if resource.key == CDRS.key:
        utc, local = row.get("billing_ts_utc"), row.get("billing_ts")
    elif resource.key == RECORDS.key:
        utc, local = row.get("create_date_utc"), row.get("create_date")
    else:
        return None  # projects have no time
    # The naive local time is ambiguous in the hour a DST change repeats; VCC Live sends the UTC
    # twin too, so read that when it is there and the local one in the account's zone otherwise.
    if utc:
        return read_time(str(utc), ZoneInfo("UTC"), "VCC Live")
    return read_time(str(local), tz, "VCC Live") if local else None


def to_call(resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> Call:
    if resource.key != CDRS.key:
        raise TypeError(f"VCC Live {resource.key} rows are kept raw, not as calls")
    started = row_time(resource, row, tz)
    if started is None:
        raise BadResponse("VCC Live: a CDR without billing_ts")
    billed = as_count(row.get("billingtime"))
    dc = as_count(row.get("dc"))
    return Call(
        vendor_call_id=row_id(resource, row),
        started_at=started,
        direction=DIRECTIONS.get(str(row.get("direction") or "").lower(), "unknown"),
        caller=str(row.get("callerid") or ""),
        callee=str(row.get("destination") or ""),
        agent=str(row.get("userid") or ""),
        queue=str(row.get("projectid") or ""),
        duration_seconds=billed or 0,
        disposition=DISCONNECT.get(dc, f"dc {dc}") if dc is not None else "",
        outcome=_outcome(billed, dc),
    )


def _outcome(billed: int | None, dc: int | None) -> str:
    # Billed talk time means the call connected; dc alone does not say (16 also ends an
    # unanswered call that simply cleared).
    if billed is None:
        return "unknown"
    if billed > 0:
        return "answered"
    return "missed" if dc is None else UNBILLED_OUTCOMES.get(dc, "failed")


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
