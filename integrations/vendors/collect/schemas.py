"""Collect! REST API payload shapes (vendors.md section 3 and "Simulator decisions").

Shared by the simulator and the connector.  Field values are strings, as in the docs' example
(``"de_rowid":"123"``); naive dates are in the account's time zone.
"""

from __future__ import annotations

from typing import Any, TypedDict

LIMIT_DEFAULT = 100
LIMIT_MAX = 1000
RECORD_TYPES = ("debtor", "contact", "operator")
ROW_ID_FIELDS = {"debtor": "de_rowid", "contact": "co_rowid", "operator": "op_rowid"}


class LoginRequest(TypedDict):
    op_id: str
    op_password: str


class RefreshRequest(TypedDict):
    refresh_token: str


class NxOperator(TypedDict):
    """The operator who logged in, as the login answer shows it (numbers are numbers here)."""

    op_rowid: str
    op_id: str
    op_name: str
    op_level: int
    op_function: int


class LoginResult(TypedDict):
    nx_operator: NxOperator
    access_token: str
    refresh_token: str


class LoginResponse(TypedDict):
    """POST /api/v1/auth/login and POST /api/v1/auth/refresh: everything inside `result`."""

    status: int
    result: LoginResult


class Operator(TypedDict):
    """A row of the `operator` table (field values are strings, as in the read example)."""

    op_rowid: str
    op_id: str
    op_name: str
    op_email: str
    op_level: str


class ErrorBody(TypedDict):
    status: int
    message: str


class RecordType(TypedDict):
    recId: str
    rowId: str
    numRecords: int
    numPages: int


class ListResponse(TypedDict):
    status: int
    type: RecordType
    data: list[Any]


class SingleType(TypedDict):
    recId: str
    rowId: str


class SingleResponse(TypedDict):
    status: int
    type: SingleType
    data: Any


class Debtor(TypedDict):
    de_rowid: str
    de_name: str
    de_type: str
    de_status: str
    de_owing: str  # money as a decimal string, e.g. "1234.56"
    de_modified: str  # "YYYY-MM-DD HH:MM:SS", account time zone


class Contact(TypedDict):
    co_rowid: str
    co_type: str
    co_description: str
    co_priority: str
    co_who: str  # operator id
    co_date: str  # "YYYY-MM-DD", account time zone
    co_time: str  # "HH:MM:SS"
    co_debtor: str  # de_rowid of the debtor
