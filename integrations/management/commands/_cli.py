"""Shared plumbing of the JSON-speaking commands: one JSON object on stdout, non-zero on failure."""

import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError


class CliError(CommandError):
    """A failure the user can act on; its message never holds a secret."""


def validation_message(exc: ValidationError) -> str:
    """Each message after the name the user typed (`--set password`, `--param limit`)."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            msg if field == "__all__" else f"{field}: {msg}"
            for field, msgs in exc.message_dict.items()
            for msg in msgs
        )
    return "; ".join(exc.messages)


def run_reporting_errors(
    command: BaseCommand, as_json: bool, action: Callable[[], Mapping[str, Any]], text: Callable[[Any], str]
) -> None:
    """Run `action`; print its result as JSON or as text; turn known failures into a clean exit 1."""
    try:
        result = action()
    except ValidationError as exc:
        fail(command, as_json, validation_message(exc))
    except PermissionDenied as exc:
        fail(command, as_json, str(exc) or "permission denied")
    except CliError as exc:
        fail(command, as_json, str(exc))
    else:
        if as_json:
            command.stdout.write(json.dumps(result, default=str))
        else:
            command.stdout.write(text(result))


def fail(command: BaseCommand, as_json: bool, message: str) -> None:
    if as_json:
        command.stdout.write(json.dumps({"ok": False, "error": message}))
        raise SystemExit(1)
    raise CommandError(message)


def parse_assignments(pairs: list[str], secret_fields: frozenset[str]) -> dict[str, str]:
    """`--set field=value` pairs. Secrets only as `@ENVVAR` or `-` (stdin), never literally.

    Literal secret values are refused *without* echoing them: shell history and process lists
    would already have them, and our error message must not add a third copy.
    """
    values: dict[str, str] = {}
    stdin_used = False
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CliError(f"--set takes field=value, got {name or pair.split('=')[0]!r} with no '='")
        if raw.startswith("@"):
            var = raw[1:]
            if var not in os.environ:
                raise CliError(f"--set {name}=@{var}: environment variable {var} is not set")
            values[name] = os.environ[var]
        elif raw == "-":
            if stdin_used:
                raise CliError("only one --set field may read from stdin ('-')")
            stdin_used = True
            values[name] = sys.stdin.readline().rstrip("\r\n")
        elif name in secret_fields:
            raise CliError(
                f"--set {name}: a secret is never taken literally on the command line; "
                f"use --set {name}=@ENVVAR (read from that environment variable) or --set {name}=- (stdin)"
            )
        else:
            values[name] = raw
    return values
