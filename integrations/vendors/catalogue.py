"""Test endpoints and their typed parameters, as the vendors' consoles offer them."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from integrations.http import untrusted_json

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
CSV = re.compile(r"[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*")
KINDS = ("text", "int", "date", "datetime", "choice", "e164", "json", "csv")


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    kind: str = "text"
    default: str | Callable[[], str] = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    help_text: str = ""
    in_path: bool = False
    in_body: bool = False
    """A field of the JSON body."""
    in_form: bool = False
    """A multipart/form-data field (VoIPcloud's call-to-number takes no JSON)."""

    def initial(self) -> str:
        return self.default() if callable(self.default) else self.default

    def clean(self, raw: str) -> Any:
        """The typed value of `raw`; raises ValueError with a message a person can act on."""
        text = raw.strip()
        if not text:
            if self.required:
                raise ValueError("is required")
            return None
        if self.kind == "int":
            if not re.fullmatch(r"-?[0-9]+", text):
                raise ValueError("must be a whole number")
            number = int(text)
            if self.minimum is not None and number < self.minimum:
                raise ValueError(f"must be at least {self.minimum}")
            if self.maximum is not None and number > self.maximum:
                raise ValueError(f"must be at most {self.maximum}")
            return number
        if self.kind == "date":
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise ValueError("must be a date like 2026-11-23") from None
        if self.kind == "datetime":
            try:
                return datetime.fromisoformat(text.replace(" ", "T", 1))
            except ValueError:
                raise ValueError("must be a date and time like 2026-11-23 14:30:00") from None
        if self.kind == "choice" and text not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)}")
        if self.kind == "e164" and not E164.fullmatch(text):
            raise ValueError("must be an E.164 number: + then country code and number, e.g. +61291234567")
        if self.kind == "csv" and not CSV.fullmatch(text.replace(" ", "")):
            raise ValueError("must be a comma-separated list, e.g. 201,202")
        if self.kind == "csv":
            return text.replace(" ", "")
        if self.kind == "json":
            try:
                return untrusted_json.loads(text)
            except untrusted_json.TooDeep as exc:
                raise ValueError(f"is refused: the JSON {exc}") from None
            except untrusted_json.JSONDecodeError as exc:
                raise ValueError(f"is not valid JSON ({exc.msg} at position {exc.pos})") from None
        return text


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    method: str
    path: str
    """Relative to the integration's base URL; `{name}` placeholders are filled from path params."""
    params: tuple[Param, ...] = ()
    connectivity: bool = False
    description: str = ""
    side_effect: str = ""
    """Non-empty when sending changes something at the vendor (e.g. places a call): shown as a warning."""
    validate: Callable[[Mapping[str, Any]], dict[str, str]] | None = None
    """Cross-field checks on the cleaned values: errors by parameter name."""

    def initial(self) -> dict[str, str]:
        return {p.name: p.initial() for p in self.params}

    def clean(self, values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        """Typed values and errors by parameter name. Unknown names are errors, not ignored."""
        known = {p.name: p for p in self.params}
        errors = {name: "is not a parameter of this endpoint" for name in values if name not in known}
        cleaned: dict[str, Any] = {}
        for param in self.params:
            raw = values.get(param.name)
            if raw is None:
                raw = param.initial()
            try:
                cleaned[param.name] = param.clean(raw)
            except ValueError as exc:
                errors[param.name] = str(exc)
        if not errors and self.validate:
            errors.update(self.validate(cleaned))
        return cleaned, errors
