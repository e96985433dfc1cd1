"""`integrations tokens create|list|revoke`: portal API tokens from the command line.

`create` prints the token once (on stdout, in the JSON object with --json); nothing else ever
prints it, and it is not stored.
"""

import re
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from integrations.management.commands._cli import CliError, run_reporting_errors
from integrations.models import PortalToken, Scope
from integrations.services import portal_tokens
from integrations.services.audit import CLI

DEFAULT_EXPIRY = "90d"
RELATIVE = re.compile(r"([1-9][0-9]{0,4})([dh])")


def add_arguments(sub: Any) -> None:
    tokens = sub.add_parser("tokens", help="Issue, list and revoke portal API tokens (docs/api.md).")
    actions = tokens.add_subparsers(dest="token_action", required=True)

    create = actions.add_parser("create", help="Issue a token; it is printed this once.")
    create.add_argument("name", help="What will use it, e.g. 'CRM sync'.")
    create.add_argument("--owner", required=True, help="The user the token acts as.")
    create.add_argument(
        "--scope", action="append", required=True, choices=Scope.values, help="Repeat for several scopes."
    )
    create.add_argument(
        "--expires",
        default=DEFAULT_EXPIRY,
        help=f"30d, 12h, a date or time (ISO 8601), or 'never' (default {DEFAULT_EXPIRY}).",
    )
    create.add_argument(
        "--allow", action="append", default=[], metavar="CIDR", help="May be used from here only; repeatable."
    )
    create.add_argument("--json", action="store_true")

    lst = actions.add_parser("list", help="List tokens (never their values).")
    lst.add_argument("--all", action="store_true", help="Include revoked and expired tokens.")
    lst.add_argument("--json", action="store_true")

    revoke = actions.add_parser("revoke", help="Revoke a token: refused from now on.")
    revoke.add_argument("token", help="Its key, its prefix (sbt_<key>) or its name.")
    revoke.add_argument("--json", action="store_true")


def handle(command: BaseCommand, options: dict[str, Any]) -> None:
    action = options["token_action"]
    as_json = options["json"]
    if action == "create":
        run_reporting_errors(command, as_json, lambda: _create(options), _created_text)
    elif action == "list":
        run_reporting_errors(command, as_json, lambda: _list(options["all"]), _list_text)
    else:
        run_reporting_errors(command, as_json, lambda: _revoke(options["token"]), _revoked_text)


def parse_expiry(text: str) -> datetime | None:
    value = text.strip().lower()
    if value == "never":
        return None
    if match := RELATIVE.fullmatch(value):
        amount, unit = int(match.group(1)), match.group(2)
        return timezone.now() + (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"--expires {text!r}: give 30d, 12h, an ISO 8601 date or time, or 'never'") from None
    return moment if moment.tzinfo else timezone.make_aware(moment)


def _create(options: dict[str, Any]) -> dict[str, Any]:
    User = get_user_model()
    owner = User.objects.filter(username=options["owner"]).first()
    if owner is None:
        raise CliError(f"no user named {options['owner']!r}")
    issued = portal_tokens.create(
        name=options["name"],
        owner=owner,
        scopes=options["scope"],
        actor=CLI,
        expires_at=parse_expiry(options["expires"]),
        allowed_ips=options["allow"],
    )
    return {"ok": True, "token": portal_tokens.describe(issued.token), "value": issued.value}


def _created_text(result: dict[str, Any]) -> str:
    token = result["token"]
    expires = token["expires_at"] or "never"
    return (
        f"Issued {token['name']} ({token['prefix']}) for {token['owner']}: {', '.join(token['scopes'])}; "
        f"expires {expires}.\nThe token, shown this once (send it as 'Authorization: Bearer <token>'):\n"
        f"{result['value']}"
    )


def _list(include_all: bool) -> dict[str, Any]:
    tokens = PortalToken.objects.select_related("owner").order_by("-created_at", "-id")
    rows = [portal_tokens.describe(t) for t in tokens]
    return {"tokens": rows if include_all else [r for r in rows if r["status"] == "active"]}


def _list_text(result: dict[str, Any]) -> str:
    rows = result["tokens"]
    if not rows:
        return "No portal API tokens (issue one with `integrations tokens create`)."
    return "\n".join(
        f"{r['prefix']:<20} {r['status']:<8} {r['name']:<24} {r['owner']:<12} {','.join(r['scopes'])}  "
        f"expires {r['expires_at'] or 'never'}, last used {r['last_used_at'] or 'never'}"
        for r in rows
    )


def _revoke(reference: str) -> dict[str, Any]:
    token = portal_tokens.find(reference)
    portal_tokens.revoke(token, CLI)
    return {"ok": True, "token": portal_tokens.describe(token)}


def _revoked_text(result: dict[str, Any]) -> str:
    return f"Revoked {result['token']['name']} ({result['token']['prefix']}): refused from now on."
