"""VCC Live pulls: projects (one call), CDRs day by day, and each project's records.

VCC Live lists with `start` (offset) + `num` (≤ 1000) and answers `{"rows", "totalCount"}`, the
count often a string. Neither list takes a time filter: CDRs are addressed by day, records not at
all, so the window is applied to each row here.
"""

from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from integrations.http import Auth, BadResponse, HttpClient, HttpRequest
from integrations.vendors.base import Account, Connector, UnknownResource
from integrations.vendors.resources import CALLS, RAW, Call, Page, Resource
from integrations.vendors.values import as_count, in_window, read_time

from .schemas import NUM_MAX

PROJECTS = Resource(
    "projects",
    "Projects",
    RAW,
    page_size=NUM_MAX,  # one unpaged call; the size is VCC Live's maximum for the others
    description="GET projects: every folder and project. No time field: the window is ignored.",
)
CDRS = Resource(
    "cdrs",
    "Call detail records",
    CALLS,
    page_size=NUM_MAX,
    # VCC Live writes a CDR minutes after the call, with the call's own billing_ts: start each
    # pull well before the watermark so those late rows are still inside the window.
    overlap=timedelta(hours=2),
    description="GET cdrs/{y}/{m}/{d} for each day of the window, in billing_ts order.",
)
RECORDS = Resource(
    "records",
    "Project records",
    RAW,
    page_size=NUM_MAX,
    overlap=timedelta(minutes=15),
    # A first pull takes every record of every project, however old.
    initial_window=timedelta(days=365 * 100),
    description="GET projects/{id}/records for each project; kept when create_date is in the window.",
)
RESOURCES = (PROJECTS, CDRS, RECORDS)
ID_FIELDS = {"projects": "projectid", "cdrs": "uuid", "records": "numberid"}

DIRECTIONS = {"in": "inbound", "out": "outbound"}
# dc is the ISDN (Q.850) disconnect cause.
DISCONNECT = {
    16: "normal clearing",
    17: "user busy",
    18: "no user responding",
    19: "no answer",
    21: "rejected",
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
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("pull windows are aware datetimes")
    tz = ZoneInfo(account.timezone)
    if resource.key == PROJECTS.key:
        # Projects have no time: since/until are ignored and every pull takes the whole list.
        projects = _projects(connector, client, auth, account)
        yield Page(projects, len(projects))
    elif resource.key == CDRS.key:
        yield from _cdrs(connector, client, auth, account, resource, since, until, tz)
    elif resource.key == RECORDS.key:
        for project in _projects(connector, client, auth, account):
            # A container is a folder of projects, which holds no records of its own.
            if project.get("container"):
                continue
            pid = project["projectid"]
            path = f"projects/{pid}/records"
            for page in _walk(connector, client, auth, account, path, (), resource.page_size):
                for row in page:
                    # A record's list row does not name its project: note it, for whoever reads it.
                    row.setdefault("projectid", pid)
                yield Page([row for row in page if in_window(row_time(resource, row, tz), since, until)])
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
    for day in _days(since.astimezone(tz).date(), until.astimezone(tz).date()):
        for page in _walk(connector, client, auth, account, f"cdrs/{day:%Y/%m/%d}", (), resource.page_size):
            rows = [row for row in page if in_window(row_time(resource, row, tz), since, until)]
            # No total: VCC Live counts one day at a time, not the window.
            yield Page(rows)
            # Rows come in billing_ts order: one past `until` means the rest of the walk is too.
            if page and (last := row_time(resource, page[-1], tz)) is not None and last > until:
                return


def _walk(
    connector: type[Connector],
    client: HttpClient,
    auth: Auth,
    account: Account,
    path: str,
    params: tuple[tuple[str, str], ...],
    num: int,
) -> Iterator[list[dict[str, Any]]]:
    """Every page of one start/num listing."""
    url = urljoin(account.base_url, path)
    start = 0
    while True:
        query = (*params, ("start", str(start)), ("num", str(num)))
        payload = connector.get_json(client, auth, HttpRequest("GET", url, params=query))
        body = payload.get("response")
        rows = body.get("rows") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise BadResponse(f"VCC Live: {path.split('/')[0]} answered without response.rows")
        yield rows
        start += len(rows)
        # totalCount comes as a string ("N"); a count that is not a number leaves the short page
        # as the only end of the list.
        total = as_count(body.get("totalCount"))
        if len(rows) < num or (total is not None and start >= total):
            return


def _projects(
    connector: type[Connector], client: HttpClient, auth: Auth, account: Account
) -> list[dict[str, Any]]:
    payload = connector.get_json(client, auth, HttpRequest("GET", urljoin(account.base_url, "projects")))
    projects = payload.get("response")
    if not isinstance(projects, list) or not all(isinstance(p, dict) and "projectid" in p for p in projects):
        raise BadResponse("VCC Live: projects answered without a list of projects")
    return projects


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
        # Billed talk time means the call connected; dc alone does not say (16 also ends an
        # unanswered call that simply cleared).
        answered=None if billed is None else billed > 0,
        extra={
            "dc": dc,
            "dialermode": row.get("dialermode") or "",
            "queue_seconds": row.get("beforequeuetime"),
        },
    )


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
