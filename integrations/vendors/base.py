"""The connector protocol: what a vendor declares, and the only thing the rest of the portal reads.

Connectors import no models and no services (import-linter holds this): a service hands them plain
data and stores what they return, so a connector can be tested with no database at all.
"""

import contextlib
import ipaddress
import json
import re
import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, ClassVar, Protocol
from urllib.parse import urljoin

from integrations.http import (
    Auth,
    BadResponse,
    HttpClient,
    HttpError,
    HttpRequest,
    HttpResponse,
    error_for_status,
)
from integrations.vendors.catalogue import Endpoint
from integrations.vendors.diagnosis import Code, Diagnosis, default
from integrations.vendors.resources import Call, Page, Resource
from integrations.vendors.rotation import RotationPlan, staged
from integrations.vendors.webhooks import WebhookCode

Validator = Callable[[str], str | None]
"""Returns an error message for a bad value, None for a good one."""


def matches(pattern: str, message: str) -> Validator:
    compiled = re.compile(pattern)

    def check(value: str) -> str | None:
        return None if compiled.fullmatch(value) else message

    return check


def one_of(*allowed: str) -> Validator:
    def check(value: str) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(allowed)}"

    return check


HOST_LABEL = matches(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", "must be a lower-case host name label")
HOST_NAME = matches(
    r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*",
    "must be a lower-case host name such as pbx.example.com",
)
# Strict on purpose: these values end up in headers, JSON bodies and a copyable shell line. The
# local part takes what real addresses use (o'brien+ops@…), the domain host-name labels and a TLD.
EMAIL = matches(
    r"[A-Za-z0-9._%+'-]{1,64}@(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
    "must be an e-mail address such as ops@example.com",
)
DIGITS = matches(r"[0-9]+", "must be a number")
NOT_BLANK = matches(r"\S.*", "must not be blank")


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    secret: bool = False
    required: bool = True
    help_text: str = ""
    validators: tuple[Validator, ...] = field(default=())

    def validate(self, value: str) -> str | None:
        for validator in self.validators:
            error = validator(value)
            if error:
                return error
        return None


@dataclass(frozen=True)
class Account:
    """What a service hands a connector: public settings and a way to read one secret, lazily."""

    base_url: str
    public: Mapping[str, str]
    secret: Callable[[str], str]
    timezone: str = "UTC"
    session_token: Callable[[], str] | None = None
    """A vendor-issued session token to send instead of logging in (a renewal's verification)."""


class UnknownEndpoint(KeyError):
    def __str__(self) -> str:
        return f"unknown endpoint {self.args[0]!r}; this vendor offers: {self.args[1]}"


class PullCode(Protocol):
    """A vendor's `pulls.py` module, as the connector's pull methods delegate to it."""

    def fetch_pages(
        self,
        connector: type["Connector"],
        client: HttpClient,
        auth: Auth,
        account: Account,
        resource: Resource,
        since: datetime,
        until: datetime,
    ) -> Iterator[Page]: ...

    def row_id(self, resource: Resource, row: Mapping[str, Any]) -> str: ...

    def row_time(self, resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> datetime | None: ...

    def to_call(self, resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> Call: ...


class UnknownResource(KeyError):
    def __str__(self) -> str:
        return f"unknown resource {self.args[0]!r}; this vendor offers: {self.args[1]}"


class Connector:
    """Base of every vendor connector. Subclasses set the class attributes below."""

    key: ClassVar[str]
    label: ClassVar[str]
    base_url_pattern: ClassVar[str] = ""
    """`str.format` pattern filled from the public credential fields; empty = no default."""
    credential_fields: ClassVar[tuple[CredentialField, ...]]
    credential_sets: ClassVar[tuple[tuple[str, ...], ...]] = ()
    """Alternative sets of fields, one of which must be complete (empty: every required field)."""
    rotation: ClassVar[RotationPlan] = staged(
        "A person changes the secret at the vendor and types it here; it is verified before use.",
        "the vendor's own admin pages",
    )
    """The steps of the vendor's key-rotation workflow (see `vendors/rotation.py`)."""

    @classmethod
    def sensitive_fields(cls) -> frozenset[str]:
        """The one list that forms, admin, audit and log redaction honour."""
        return frozenset(f.name for f in cls.credential_fields if f.secret)

    @classmethod
    def public_fields(cls) -> tuple[CredentialField, ...]:
        return tuple(f for f in cls.credential_fields if not f.secret)

    @classmethod
    def field(cls, name: str) -> CredentialField | None:
        return next((f for f in cls.credential_fields if f.name == name), None)

    @classmethod
    def base_url_fields(cls) -> tuple[str, ...]:
        return tuple(name for _, name, _, _ in string.Formatter().parse(cls.base_url_pattern) if name)

    @classmethod
    def default_base_url(cls, public_values: Mapping[str, str]) -> str | None:
        if not cls.base_url_pattern:
            return None
        try:
            return cls.base_url_pattern.format(**public_values)
        except KeyError:
            return None

    @classmethod
    def validate_credentials(cls, values: Mapping[str, str]) -> dict[str, str]:
        """Errors by field name for a complete set of credential values (empty when valid)."""
        errors: dict[str, str] = {}
        known = {f.name for f in cls.credential_fields}
        for name in values:
            if name not in known:
                errors[name] = f"unknown field for {cls.label}; expected one of {', '.join(sorted(known))}"
        present = {name for name, value in values.items() if value not in ("", None)}
        for f in cls.credential_fields:
            if f.name in present:
                error = f.validate(values[f.name])
                if error:
                    errors[f.name] = error
        if cls.credential_sets:
            if not any(set(group) <= present for group in cls.credential_sets):
                options = " or ".join("+".join(group) for group in cls.credential_sets)
                errors.setdefault("__all__", f"{cls.label} needs {options}")
        else:
            for f in cls.credential_fields:
                if f.required and f.name not in present:
                    errors.setdefault(f.name, "is required")
        return errors

    # --- the test catalogue and requests ------------------------------------------------------
    host_patterns: ClassVar[tuple[str, ...]] = ()
    """Host names the vendor serves from (`{label}` = one DNS label), for the netguard."""
    endpoints: ClassVar[tuple[Endpoint, ...]] = ()
    wording: ClassVar[Mapping[Code, tuple[str, str, tuple[str, ...]]]] = {}
    """Vendor-specific (title, explanation, next steps) for the shared diagnosis codes."""

    @classmethod
    def endpoint(cls, key: str) -> Endpoint:
        for endpoint in cls.endpoints:
            if endpoint.key == key:
                return endpoint
        raise UnknownEndpoint(key, ", ".join(e.key for e in cls.endpoints))

    @classmethod
    def connectivity_endpoint(cls) -> Endpoint:
        return next(e for e in cls.endpoints if e.connectivity)

    @classmethod
    def auth(cls, account: Account) -> Auth:
        raise NotImplementedError

    @classmethod
    def format_value(cls, value: Any) -> str:
        """How a typed parameter value is written in a query string or path."""
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, list | dict):
            return json.dumps(value, separators=(",", ":"))
        return str(value)

    @classmethod
    def build_request(cls, account: Account, endpoint: Endpoint, values: Mapping[str, Any]) -> HttpRequest:
        """The request for cleaned parameter values (see `Endpoint.clean`)."""
        present = {p.name: values[p.name] for p in endpoint.params if values.get(p.name) is not None}
        # Path values go in typed, so a path can format them (e.g. "cdrs/{day:%Y/%m/%d}").
        path_values = {p.name: present[p.name] for p in endpoint.params if p.in_path and p.name in present}
        query = tuple(
            (p.name, cls.format_value(present[p.name]))
            for p in endpoint.params
            if not (p.in_path or p.in_body or p.in_form) and p.name in present
        )
        body = {p.name: present[p.name] for p in endpoint.params if p.in_body and p.name in present}
        form = tuple(
            (p.name, cls.format_value(present[p.name]))
            for p in endpoint.params
            if p.in_form and p.name in present
        )
        return HttpRequest(
            method=endpoint.method,
            url=urljoin(account.base_url, endpoint.path.format(**path_values)),
            params=query,
            json=body or None,
            form=form,
        )

    # --- reading answers ----------------------------------------------------------------------
    @classmethod
    def error_text(cls, payload: Any) -> str:
        """The vendor's own error words from a JSON error body ('' when there are none)."""
        if isinstance(payload, dict):
            for key in ("message", "error", "errors"):
                value = payload.get(key)
                if isinstance(value, str) and value:
                    return value
                if isinstance(value, list) and value:
                    first = value[0]
                    return str(first.get("message", first)) if isinstance(first, dict) else str(first)
        return ""

    @classmethod
    def envelope_error(cls, payload: Any) -> str | None:
        """An error a vendor reports inside a 200 answer (None when the envelope says success)."""
        return None

    @classmethod
    def code_for_status(cls, status: int, message: str) -> Code:
        if status == 401:
            return Code.BAD_CREDENTIALS
        if status == 403:
            return Code.IP_NOT_ALLOWED
        if status == 429:
            return Code.RATE_LIMITED
        if status >= 500:
            return Code.VENDOR_ERROR
        return Code.UNEXPECTED_RESPONSE

    @classmethod
    def interpret(cls, endpoint: Endpoint, response: HttpResponse) -> Diagnosis:
        """Turn any HTTP answer into a diagnosis: success only when the vendor's envelope says so."""
        unreadable = ""
        try:
            payload = response.json()
        except HttpError as exc:
            payload, unreadable = None, str(exc)  # e.g. "... the answer nests deeper than 64 levels"
        status = response.status_code
        if 200 <= status < 300:
            if payload is None:
                diagnosis = cls.diagnose(Code.UNEXPECTED_RESPONSE, status=status)
                if unreadable:
                    diagnosis = diagnosis.but(facts=(*diagnosis.facts, ("What was wrong", unreadable)))
                return diagnosis
            problem = cls.envelope_error(payload)
            if problem is None:
                return cls.diagnose(Code.OK, status=status)
            return cls.diagnose(cls.code_for_status(400, problem), vendor_message=problem, status=status)
        message = cls.error_text(payload) if payload is not None else ""
        diagnosis = cls.diagnose(cls.code_for_status(status, message), vendor_message=message, status=status)
        if status in (429, 503) and "retry-after" in {k.lower() for k in response.headers}:
            retry = next(v for k, v in response.headers.items() if k.lower() == "retry-after")
            diagnosis = diagnosis.but(retry_after=float(retry) if retry.isdigit() else None)
        return diagnosis

    @classmethod
    def diagnose_error(cls, error: HttpError) -> Diagnosis:
        """The diagnosis of a failed request. The error's own text is what the portal observed;
        only words from the vendor's response body count as the vendor's (no answer: none)."""
        code = Code(error.code)
        said = ""
        status = error.status_code
        if status is not None and error.response is not None:
            with contextlib.suppress(HttpError):
                said = cls.error_text(error.response.json())
            # A login step refused with an HTTP answer: a firewall, a limit or an outage reads as
            # such; anything else (VoIPstudio answers a bad password with 400) is bad credentials.
            code = cls.code_for_status(status, said or str(error))
            if code is Code.UNEXPECTED_RESPONSE and error.code == Code.BAD_CREDENTIALS and status >= 400:
                code = Code.BAD_CREDENTIALS
        return cls.diagnose(code, vendor_message=said, status=status).but(observed=str(error))

    @classmethod
    def seen_address(cls, vendor_message: str) -> str | None:
        """The client address a vendor reports in its refusal text, if it does."""
        for candidate in re.findall(r"[0-9A-Fa-f.:]{3,45}", vendor_message):
            try:
                return str(ipaddress.ip_address(candidate.strip(".:")))
            except ValueError:
                continue
        return None

    @classmethod
    def diagnose(cls, code: Code, *, vendor_message: str = "", status: int | None = None) -> Diagnosis:
        diagnosis = default(code, cls.label)
        if code in cls.wording:
            title, explanation, steps = cls.wording[code]
            diagnosis = diagnosis.but(title=title, explanation=explanation, next_steps=steps)
        facts = (("HTTP status", str(status)),) if status is not None else ()
        return diagnosis.but(
            vendor_message=vendor_message, seen_address=cls.seen_address(vendor_message), facts=facts
        )

    # --- pulls ----------------------------------------------------------------------------------
    resources: ClassVar[tuple[Resource, ...]] = ()
    name_sources: ClassVar[Mapping[str, tuple[str, str]]] = {}
    """Call fields that hold a vendor id rather than a name, and where the name is found:
    `{"agent": ("users", "name")}` = the RAW resource `users`, whose rows (keyed by that id) carry
    the display name in their `name` field. Reports and pages show the name when it is known."""
    pull_code: ClassVar[PullCode | None] = None
    """A vendor whose pull code lives in its own `pulls.py` names that module here."""
    webhook_code: ClassVar[WebhookCode | None] = None
    """A vendor that pushes events names its `webhooks.py` module here (vendors/webhooks.py)."""

    @classmethod
    def resource(cls, key: str) -> Resource:
        for resource in cls.resources:
            if resource.key == key:
                return resource
        raise UnknownResource(key, ", ".join(r.key for r in cls.resources) or "nothing")

    @classmethod
    def get_json(cls, client: HttpClient, auth: Auth, request: HttpRequest) -> Any:
        """Send; raise the typed error for a refusal; return the payload when the envelope is good."""
        response = client.send(request, auth=auth)
        error = error_for_status(response)
        if error is not None:
            raise error
        payload = response.json()
        problem = cls.envelope_error(payload)
        if problem is not None:
            raise BadResponse(f"{cls.label}: {problem}", status_code=response.status_code, response=response)
        return payload

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
        """Walk `resource` to its last page for records timed in [since, until] (aware datetimes).

        Memory stays bounded by one page: pages are yielded as they arrive.
        """
        yield from cls._pull_code().fetch_pages(cls, client, auth, account, resource, since, until)

    @classmethod
    def row_id(cls, resource: Resource, row: Mapping[str, Any]) -> str:
        """The vendor's id of a row: unique per integration and resource."""
        return cls._pull_code().row_id(resource, row)

    @classmethod
    def row_time(cls, resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> datetime | None:
        """The row's watermark time, aware (naive vendor times are read in `tz`)."""
        return cls._pull_code().row_time(resource, row, tz)

    @classmethod
    def to_call(cls, resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> Call:
        """A call-like row, normalised (only for resources of kind CALLS)."""
        return cls._pull_code().to_call(resource, row, tz)

    @classmethod
    def _pull_code(cls) -> "PullCode":
        if cls.pull_code is None:
            raise NotImplementedError(f"{cls.__name__} implements its pulls itself or has none")
        return cls.pull_code
