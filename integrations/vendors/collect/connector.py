"""Collect! REST API: operator login to a Bearer token, optional `x-collect-database`."""

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from typing import Any, ClassVar
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from integrations.http import Auth, BadResponse, BearerAuth, BearerRefreshAuth, HttpClient, HttpRequest
from integrations.vendors.base import (
    NOT_BLANK,
    Account,
    Connector,
    CredentialField,
    UnknownResource,
    matches,
)
from integrations.vendors.catalogue import Endpoint, Param
from integrations.vendors.diagnosis import Code, Diagnosis
from integrations.vendors.paging import Answer, walk
from integrations.vendors.resources import RAW, Call, Page, Resource
from integrations.vendors.rotation import VERIFY, RotationPlan, SessionPair, Step, Workflow
from integrations.vendors.values import as_count, rows_in_window

from .schemas import LIMIT_MAX

# Resource key -> the field holding the row id.
ROW_IDS = {"debtor": "de_rowid", "contact": "co_rowid"}


class Collect(Connector):
    key = "collect"
    label = "Collect!"
    # No default host: every customer runs its own API server, so the base URL is always typed in
    # (and so approved for outbound requests).
    base_url_pattern = ""
    credential_fields = (
        CredentialField(
            "op_id",
            "Operator ID",
            help_text="The operator's code in Collect!, e.g. OWN",
            # Collect! operator IDs are short codes of letters and digits (nx_operator.op_id "OWN").
            validators=(matches(r"[A-Za-z0-9]{1,32}", "must be an operator code of letters and digits"),),
        ),
        CredentialField("op_password", "Operator password", secret=True, validators=(NOT_BLANK,)),
        CredentialField(
            "database",
            "Database",
            required=False,
            help_text="Only with several databases: sent as x-collect-database, e.g. cv_masterdb",
            validators=(matches(r"cv_[A-Za-z0-9_]+", "must look like cv_name"),),
        ),
    )
    # Sessions are renewed by API (the refresh endpoint is a simulator decision, vendors.md); the
    # operator password is changed inside Collect! by a person and staged like any typed secret.
    rotation: ClassVar[RotationPlan] = RotationPlan(
        Workflow.SESSION,
        "Renew the session with the refresh token (a new login if it is refused), verify the new access "
        "token, record the pair. An operator password change is staged, verified and promoted.",
        steps=(
            Step(
                "renew",
                "Renew the session",
                "POST auth/refresh with the stored refresh token; a new login when it is refused.",
            ),
            VERIFY,
        ),
        where="Collect! → the operator's own settings (operator passwords are managed inside Collect!)",
    )
    endpoints = (
        Endpoint(
            "operators",
            "Operators (login + smallest read)",
            "GET",
            "collect/data/operator",
            params=(Param("limit", "Limit", "int", default="1", minimum=1, maximum=1000),),
            connectivity=True,
            description="Collect! has no ping: log in, then read one operator row.",
        ),
        Endpoint(
            "records",
            "Records of a table",
            "GET",
            "collect/data/{table}",
            params=(
                Param(
                    "table",
                    "Table",
                    "choice",
                    default="debtor",
                    choices=("debtor", "contact", "operator"),
                    in_path=True,
                ),
                Param("limit", "Limit", "int", default="100", minimum=1, maximum=1000),
                Param("page", "Page", "int", default="1", minimum=1),
            ),
        ),
    )
    wording = {
        Code.BAD_CREDENTIALS: (
            "Collect! rejected the operator login",
            "Collect! refused the operator ID or password, or the operator may not use the REST API.",
            ("Sign in to Collect! as this operator to check the password.",),
        ),
    }

    @classmethod
    def auth(cls, account: Account) -> Auth:
        database = account.public.get("database")
        extra = {"x-collect-database": database} if database else {}
        if account.session_token is not None:
            return BearerAuth(account.session_token, extra)
        return BearerRefreshAuth(
            urljoin(account.base_url, "auth/login"),
            lambda: {"op_id": account.public["op_id"], "op_password": account.secret("op_password")},
            urljoin(account.base_url, "auth/refresh"),
            # The REST API page wraps the login answer in `result`; a top-level pair is taken too.
            access_key=("result.access_token", "access_token"),
            refresh_key=("result.refresh_token", "refresh_token"),
            extra_headers=extra,
        )

    @classmethod
    def renew_session(cls, client: HttpClient, account: Account, refresh_token: str | None) -> SessionPair:
        """A new access/refresh pair: the refresh endpoint first, a new login when it refuses."""
        auth = cls.auth(replace(account, session_token=None))
        assert isinstance(auth, BearerRefreshAuth)
        access, refresh, via = auth.renew(client, refresh_token)
        # Collect! states no lifetimes (vendors.md section 3): expires_in stays unknown.
        return SessionPair(access=access, refresh=refresh, via=via)

    # --- pulls ----------------------------------------------------------------------------------
    # Collect!'s list has no time filter: every pull walks the table and keeps the rows whose own
    # time falls in the window. A debtor's time is de_modified, so an edited debtor comes back.
    resources = (
        Resource(
            "debtor",
            "Debtors",
            RAW,
            page_size=LIMIT_MAX,  # 1000: the most Collect! serves a page
            overlap=timedelta(minutes=15),
            # A first pull takes every debtor: an account untouched for years is still owed.
            initial_window=timedelta(days=365 * 100),
            description="collect/data/debtor by row id; kept when de_modified is in the window.",
        ),
        Resource(
            "contact",
            "Contacts",
            RAW,
            page_size=LIMIT_MAX,
            overlap=timedelta(minutes=15),
            description="collect/data/contact by row id; kept when co_date + co_time is in the window.",
        ),
    )

    @classmethod
    def fetch_pages(
        cls,
        client: HttpClient,
        auth: Auth,
        account: Account,
        resource: Resource,
        since: datetime,
        until: datetime,
    ) -> Iterator[Page]:
        if resource.key not in ROW_IDS:
            raise UnknownResource(resource.key, ", ".join(ROW_IDS))
        if since.tzinfo is None or until.tzinfo is None:
            raise ValueError("pull windows are aware datetimes")
        tz = ZoneInfo(account.timezone)
        url = urljoin(account.base_url, f"collect/data/{resource.key}")
        limit = resource.page_size

        def fetch(index: int, received: int) -> Answer:
            # Lower-case limit/page, pages from 1 (the docs' "Limit/Page" spelling is not confirmed).
            params = (("limit", str(limit)), ("page", str(index + 1)))
            payload = cls.get_json(client, auth, HttpRequest("GET", url, params=params))
            rows = payload["data"]  # envelope_error has checked it is there
            if isinstance(rows, dict):
                rows = [rows]  # the docs print `data` as one object
            if not isinstance(rows, list):
                raise BadResponse(f"Collect!: {resource.key} answered without a 'data' list")
            # numRecords counts the whole table (re-read every page: a new row adds to it); rows
            # come in row-id order, so a row added during the walk lands on a later page.
            kind = payload.get("type") or {}
            pages = as_count(kind.get("numPages"))
            last = pages is not None and index + 1 >= pages
            return Answer(rows, as_count(kind.get("numRecords")), last=last)

        where = f"collect/data/{resource.key}"
        for answer in walk(fetch, where=where, max_pages=resource.max_pages, limit=limit):
            # No total for the progress bar: numRecords counts the table, not the rows kept from it.
            yield Page(rows_in_window(answer.rows, lambda row: cls.row_time(resource, row, tz), since, until))

    @classmethod
    def row_id(cls, resource: Resource, row: Mapping[str, Any]) -> str:
        value = row.get(ROW_IDS.get(resource.key, ""))
        if value in (None, ""):
            raise BadResponse(f"Collect!: a {resource.key} row without its row id")
        return str(value)

    @classmethod
    def row_time(cls, resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> datetime | None:
        # Collect! times are naive, in the account's zone.
        if resource.key == "debtor":
            text = str(row.get("de_modified") or "")
        else:
            # A contact's date and time are two fields; a contact without a time is taken at midnight.
            day = str(row.get("co_date") or "")
            text = f"{day} {row.get('co_time') or '00:00:00'}" if day else ""
        if not text.strip():
            return None
        try:
            parsed = datetime.fromisoformat(text.strip())
        except ValueError:
            raise BadResponse(f"Collect!: {text[:40]!r} is not a date and time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)

    @classmethod
    def to_call(cls, resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> Call:
        raise TypeError(f"Collect! {resource.key} rows are kept raw, not as calls")

    @classmethod
    def envelope_error(cls, payload: Any) -> str | None:
        if not isinstance(payload, dict) or "data" not in payload:
            return "the answer has no 'data'"
        status = payload.get("status", 200)
        return None if str(status) == "200" else cls.error_text(payload) or f"status {status}"

    @classmethod
    def diagnose(cls, code: Code, *, vendor_message: str = "", status: int | None = None) -> Diagnosis:
        diagnosis = super().diagnose(code, vendor_message=vendor_message, status=status)
        if "database" in vendor_message.lower():
            return diagnosis.but(
                title="Collect! does not serve that database to this operator",
                explanation="The login worked, but the x-collect-database header names a database this "
                "server does not know or this operator may not use.",
                next_steps=("Check the Database field (cv_ + the database name), or leave it blank.",),
            )
        return diagnosis
