"""The connector protocol: what a vendor declares, and the only thing the rest of the portal reads.

Connectors import no models and no services (import-linter holds this): a service hands them plain
data and stores what they return, so a connector can be tested with no database at all.
"""

import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

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
EMAIL = matches(r"[^@\s]+@[^@\s]+\.[^@\s]+", "must be an e-mail address")
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


class Connector:
    """Base of every vendor connector. Subclasses set the class attributes below."""

    key: ClassVar[str]
    label: ClassVar[str]
    base_url_pattern: ClassVar[str] = ""
    """`str.format` pattern filled from the public credential fields; empty = no default."""
    credential_fields: ClassVar[tuple[CredentialField, ...]]
    credential_sets: ClassVar[tuple[tuple[str, ...], ...]] = ()
    """Alternative sets of fields, one of which must be complete (empty: every required field)."""

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
