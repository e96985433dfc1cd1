"""Collect! REST API: operator login to a Bearer token, optional `x-collect-database`."""

from typing import Any
from urllib.parse import urljoin

from integrations.http import Auth, BearerRefreshAuth
from integrations.vendors.base import NOT_BLANK, Account, Connector, CredentialField, matches
from integrations.vendors.catalogue import Endpoint, Param
from integrations.vendors.diagnosis import Code, Diagnosis


class Collect(Connector):
    key = "collect"
    label = "Collect!"
    # No default host: every customer runs its own API server, so the base URL is always typed in
    # (and so approved for outbound requests).
    base_url_pattern = ""
    credential_fields = (
        CredentialField("op_id", "Operator ID", validators=(NOT_BLANK,)),
        CredentialField("op_password", "Operator password", secret=True, validators=(NOT_BLANK,)),
        CredentialField(
            "database",
            "Database",
            required=False,
            help_text="Only with several databases: sent as x-collect-database, e.g. cv_masterdb",
            validators=(matches(r"cv_[A-Za-z0-9_]+", "must look like cv_name"),),
        ),
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
        return BearerRefreshAuth(
            urljoin(account.base_url, "auth/login"),
            lambda: {"op_id": account.public["op_id"], "op_password": account.secret("op_password")},
            urljoin(account.base_url, "auth/refresh"),
            extra_headers={"x-collect-database": database} if database else {},
        )

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
