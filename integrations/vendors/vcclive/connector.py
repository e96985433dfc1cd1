"""VCC Live, Database API v2: HTTP Basic (customer + password) behind a registered-IP firewall."""

from datetime import date
from typing import Any, ClassVar

from integrations.http import Auth, BasicAuth
from integrations.vendors.base import HOST_LABEL, NOT_BLANK, Account, Connector, CredentialField, PullCode
from integrations.vendors.catalogue import Endpoint, Param
from integrations.vendors.diagnosis import Code, Diagnosis
from integrations.vendors.rotation import RotationPlan, staged

from . import pulls
from .schemas import ROWS_CAP

PAGING = (
    Param("start", "Start (offset)", "int", default="0", minimum=0),
    Param(
        "num",
        "Rows (num)",
        "int",
        default="10",
        minimum=1,
        maximum=ROWS_CAP,
        help_text="VCC Live's default is 10; an answer holds at most 500 rows whatever num asks, "
        "so page on start until totalCount rows have come",
    ),
)


class VccLive(Connector):
    key = "vcclive"
    label = "VCC Live"
    base_url_pattern = "https://{customer}.asp.virtual-call-center.eu/v2/"
    host_patterns = ("{label}.asp.virtual-call-center.eu",)
    credential_fields = (
        CredentialField(
            "customer",
            "Customer",
            help_text="Your VCC Live instance name: the part before .asp.virtual-call-center.eu",
            validators=(HOST_LABEL,),
        ),
        CredentialField(
            "password",
            "API password",
            secret=True,
            help_text="The token password created under 'To Create a Token' in the VCC Live admin",
            validators=(NOT_BLANK,),
        ),
    )
    # VCC Live has no rotation API: a person creates a new token (password) in the VCC Live admin,
    # the old one keeps working until deleted there, and the portal verifies the new one first.
    rotation: ClassVar[RotationPlan] = staged(
        "Create a new token in VCC Live, stage its password here, verify, promote; delete the old "
        "token in VCC Live once you have confirmed.",
        "VCC Live admin → To Create a Token (register the portal's address on the new token too)",
        person_rotates=("password",),
    )
    endpoints = (
        Endpoint(
            "projects",
            "List projects",
            "GET",
            "projects",
            connectivity=True,
            description="All folders and projects, active or not: the cheapest authenticated call.",
        ),
        Endpoint(
            "cdrs",
            "CDRs of one day",
            "GET",
            "cdrs/{day:%Y/%m/%d}",
            params=(
                Param(
                    "day",
                    "Day",
                    "date",
                    default=lambda: date.today().isoformat(),
                    in_path=True,
                    required=True,
                ),
                Param("projectid", "Project ID", "int", minimum=1),
                *PAGING,
            ),
            description="Call detail records written that day (VCC Live writes them a few minutes late).",
        ),
        Endpoint(
            "records",
            "Records of a project",
            "GET",
            "projects/{projectid}/records",
            params=(Param("projectid", "Project ID", "int", required=True, minimum=1, in_path=True), *PAGING),
        ),
        Endpoint("users", "List users", "GET", "users", description="Every user, with its name and group."),
    )
    wording = {
        Code.BAD_CREDENTIALS: (
            "VCC Live rejected the customer name or API password",
            "VCC Live answered 'Authentication failed': the customer name or the token's password is wrong, "
            "or the token was deleted.",
            (
                "Compare the password with the token in VCC Live admin → To Create a Token.",
                "Check the customer name: it is the first part of your VCC Live address.",
            ),
        ),
        Code.IP_NOT_ALLOWED: (
            "VCC Live refused our address",
            "VCC Live's Database API only answers addresses registered for the token, and the address this "
            "request came from is not registered.",
            ("Register the portal's egress address for the token in VCC Live admin → To Create a Token.",),
        ),
    }

    @classmethod
    def auth(cls, account: Account) -> Auth:
        return BasicAuth(lambda: account.public["customer"], lambda: account.secret("password"))

    @classmethod
    def envelope_error(cls, payload: Any) -> str | None:
        # Every answer is {"response": ..., "errors": [...]}; an empty "errors" means success.
        if not isinstance(payload, dict) or "errors" not in payload:
            return "the answer is not VCC Live's {response, errors} envelope"
        errors = payload["errors"]
        return "; ".join(str(e) for e in errors) if errors else None

    @classmethod
    def code_for_status(cls, status: int, message: str) -> Code:
        if status == 403 and "resource not allowed" in message.lower():
            return Code.BAD_CREDENTIALS
        return super().code_for_status(status, message)

    @classmethod
    def diagnose(cls, code: Code, *, vendor_message: str = "", status: int | None = None) -> Diagnosis:
        diagnosis = super().diagnose(code, vendor_message=vendor_message, status=status)
        if "resource not allowed" in vendor_message.lower():
            return diagnosis.but(
                title="The VCC Live token may not use this resource",
                explanation="The password is right, but the token's 'Allowed resources' list does not "
                "include this path or its parameters.",
                next_steps=("Add the resource to the token's Allowed resources in VCC Live admin.",),
            )
        return diagnosis

    # --- pulls: in pulls.py ---------------------------------------------------------------------
    resources = pulls.RESOURCES
    # A CDR names its project and user by id: the names are in the pulled projects and users.
    name_sources = {"queue": ("projects", "name"), "agent": ("users", "name")}
    pull_code: ClassVar[PullCode | None] = pulls
