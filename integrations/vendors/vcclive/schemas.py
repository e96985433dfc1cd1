"""VCC Live Database API v2 payload shapes (vendors.md section 1 and "Simulator decisions").

Shared by the simulator and the connector.  Every body is ``{"response": ..., "errors": [...]}``.
"""

from __future__ import annotations

from typing import Any, TypedDict

ONLINE_STATES = (
    "AFTERWORK",
    "AVAILABLE4CALL",
    "CALL",
    "EMAIL",
    "HOLD",
    "PREWORK",
    "RINGING",
    "TICKET_BROWSING",
    "UNAVAILABLE",
    "WAITING4CALL",
    "WAITING4RECALL",
    "ORIGINATOR_RINGING",
    "AUX",
)
NUM_DEFAULT = 10
# The most rows one answer holds, whatever `num` asks: a public reporting client pages CDRs in
# steps of 500 because "Record count of response is hard-coded to 500".
ROWS_CAP = 500


class Envelope(TypedDict):
    response: Any
    errors: list[str]


class Project(TypedDict):
    projectid: int
    name: str
    status: str
    folderid: int
    container: bool
    folder: str


class Cdr(TypedDict):
    uuid: str
    projectid: int
    userid: int
    callerid: str
    destination: str
    direction: str  # "in" | "out"
    billing_ts: str  # "YYYY-MM-DD hh:mm:ss" in the account's time zone
    billing_ts_utc: str  # "YYYY-MM-DD hh:mm:ss" in UTC
    billingtime: int  # seconds
    beforequeuetime: int
    afterwork: int
    dc: int  # disconnect cause
    dialermode: str
    currency: str
    call_rate: float


class RowsPage(TypedDict):
    """``response`` of a list call: the rows and the total, the total given as a string."""

    rows: list[Any]
    totalCount: str


class Contact(TypedDict):
    email: str
    name: str
    phone: str
    title: str


class DbRecord(TypedDict):
    numberid: int
    create_date: str
    create_date_utc: str
    contacts: dict[str, Contact]  # keyed "phone1", "phone2", ...
    data: dict[str, Any]  # custom fields; select values come back as valueids


class Event(TypedDict):
    type: str
    date: str


class DbRecordDetail(DbRecord):
    cdrs: list[Cdr]
    events: list[Event]


class User(TypedDict):
    userid: int
    name: str  # the public reporting client reads user["name"]
    group_name: str
    status: str
    teams_name: str


class OnlineUser(TypedDict):
    userId: int
    state: str
