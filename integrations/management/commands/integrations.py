"""`manage.py integrations add|list|test|pull|rotate|rollback|allowlist|tokens` — DESIGN.md's CLI."""

from dataclasses import asdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from integrations.management.commands import _tokens
from integrations.management.commands._cli import CliError, parse_assignments, run_reporting_errors
from integrations.models import AllowlistKind, Integration, PullRun, PullStatus, TestRun
from integrations.registry import VENDORS, UnknownVendor, get_connector
from integrations.services import allowlists, pulls, rotation, testing, webhooks
from integrations.services.audit import CLI
from integrations.services.integrations import create_integration


def _integration(name: str) -> Integration:
    try:
        return Integration.objects.get(name=name)
    except Integration.DoesNotExist:
        raise CliError(f"no integration named {name!r} (see `integrations list`)") from None


def _describe(integration: Integration) -> dict[str, Any]:
    active = integration.active_credentials
    return {
        "name": integration.name,
        "vendor": integration.vendor,
        "enabled": integration.enabled,
        "base_url": integration.base_url,
        "timezone": integration.timezone,
        "credential_version": active.version if active else None,
        "credential_last_verified": active.last_verified_at.isoformat()
        if active and active.last_verified_at
        else None,
        "rotation_in_progress": _rotation_step(integration),
        "account": dict(active.public_values) if active else {},
        "allowlist": {kind: integration.allowlist.filter(kind=kind).count() for kind in AllowlistKind.values},
        "last_test": _last_test(integration),
        **_webhook(integration),
    }


def _webhook(integration: Integration) -> dict[str, Any]:
    endpoint = webhooks.endpoint_for(integration)
    if endpoint is None:
        return {"webhook_url": None}
    return {
        "webhook_url": webhooks.webhook_url(integration),
        "webhook_refusals": webhooks.refusal_summary(endpoint),
    }


def _rotation_step(integration: Integration) -> str | None:
    current = rotation.open_rotation(integration)
    return f"#{current.pk} at {current.step}" if current else None


def _last_test(integration: Integration) -> dict[str, Any] | None:
    run = TestRun.objects.filter(integration=integration).first()
    if run is None:
        return None
    return {
        "at": run.created_at.isoformat(),
        "endpoint": run.endpoint,
        "status": run.status,
        "diagnosis": run.diagnosis or None,
        "ok": run.ok,
    }


def _test_result(run: TestRun) -> dict[str, Any]:
    return {
        "integration": run.integration.name,
        "endpoint": run.endpoint,
        "ok": run.ok,
        "diagnosis": run.diagnosis or None,
        "status_code": run.status_code,
        "latency_ms": run.latency_ms,
        "message": run.diagnosis_title or run.error,
        "vendor_message": run.vendor_message,
        "observed": run.observed,
        "facts": [list(fact) for fact in run.facts],  # [name, value]; a name may come twice
        "next_steps": run.next_steps,
        "test_run": run.pk,
    }


def _parse_since(text: str, zone: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(
            f"--since {text!r} is not an ISO-8601 date or time (e.g. 2026-11-01T00:00:00Z)"
        ) from None
    # A time without a zone is read in the integration's own time zone, like the vendor's times.
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))


def _pull_result(run: PullRun) -> dict[str, Any]:
    return {
        "integration": run.integration.name,
        "resource": run.resource,
        "status": run.status,
        "pages": run.pages,
        "created": run.created,
        "updated": run.updated,
        "watermark": run.watermark_after.isoformat() if run.watermark_after else None,
        "diagnosis": run.diagnosis or None,
        "message": run.message,
        "pull_run": run.pk,
    }


def _test_text(result: dict[str, Any]) -> str:
    latency = "—" if result["latency_ms"] is None else result["latency_ms"]
    outcome = result["diagnosis"] or "failed"
    lines = [
        f"{result['integration']} {result['endpoint']}: {outcome} — {result['message']}",
        f"  status {result['status_code'] or '—'}, {latency} ms",
    ]
    if result["observed"]:
        lines.append(f"  observed: {result['observed']}")
    if result["vendor_message"]:
        lines.append(f"  the vendor said: {result['vendor_message']}")
    lines += [f"  {name}: {value}" for name, value in result["facts"]]
    lines += [f"  next: {step}" for step in result["next_steps"]]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Vendor integrations: add, list, test, pull, allowlist, tokens. Every subcommand takes --json."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)

        add = sub.add_parser("add", help="Add an integration with its first credentials.")
        add.add_argument("--vendor", required=True, help=f"One of: {', '.join(VENDORS)}")
        add.add_argument("--name", required=True)
        add.add_argument("--base-url", default="", help="Override the vendor's default address.")
        add.add_argument("--timezone", default="UTC")
        add.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help="A credential field. Secrets only as FIELD=@ENVVAR or FIELD=- (stdin).",
        )
        add.add_argument("--json", action="store_true")

        lst = sub.add_parser("list", help="List integrations (never a secret).")
        lst.add_argument("--json", action="store_true")

        test = sub.add_parser("test", help="Send a test request now and print the diagnosis.")
        test.add_argument("name")
        test.add_argument("--endpoint", help="An endpoint key (default: the connectivity test).")
        test.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
        test.add_argument(
            "--confirm-side-effect",
            action="store_true",
            help="Send an endpoint that changes something at the vendor (e.g. places a real call).",
        )
        test.add_argument("--json", action="store_true")

        pull = sub.add_parser("pull", help="Pull a resource now (incremental from its watermark).")
        pull.add_argument("name")
        pull.add_argument("resource")
        pull.add_argument("--since", help="ISO-8601 start of the window, instead of the watermark.")
        pull.add_argument("--json", action="store_true")

        rotate = sub.add_parser(
            "rotate", help="Rotate the credentials the vendor's way; exit 0 once the new ones are verified."
        )
        rotate.add_argument("name")
        rotate.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="FIELD=@ENVVAR",
            help="A new secret, as FIELD=@ENVVAR or FIELD=- (stdin); e.g. ipSCAPE's key not in use.",
        )
        rotate.add_argument("--abandon", action="store_true", help="Abandon the rotation in progress.")
        rotate.add_argument("--json", action="store_true")

        rollback = sub.add_parser("rollback", help="Restore the previous credential version.")
        rollback.add_argument("name")
        rollback.add_argument("--json", action="store_true")

        allow = sub.add_parser("allowlist", help="Show or change an integration's allowlist.")
        allow.add_argument("name")
        allow.add_argument("action", choices=["add", "remove", "list"])
        allow.add_argument("cidr", nargs="?", help="Address or CIDR network (add/remove).")
        allow.add_argument(
            "--kind",
            choices=AllowlistKind.values,
            default=AllowlistKind.INBOUND,
            help="inbound: may call the portal (webhooks); vendor: registered at the vendor.",
        )
        allow.add_argument("--note", default="")
        allow.add_argument("--json", action="store_true")

        _tokens.add_arguments(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        handler = getattr(self, f"do_{options['subcommand']}")
        handler(options)

    def do_add(self, options: dict[str, Any]) -> None:
        def action() -> dict[str, Any]:
            try:
                connector = get_connector(options["vendor"])
            except UnknownVendor as exc:
                raise CliError(str(exc)) from None
            values = parse_assignments(options["set"], connector.sensitive_fields())
            integration = create_integration(
                vendor=options["vendor"],
                name=options["name"],
                credential_values=values,
                actor=CLI,
                base_url_override=options["base_url"],
                timezone=options["timezone"],
            )
            return {"ok": True, **_describe(integration)}

        run_reporting_errors(
            self, options["json"], action, lambda r: f"Added {r['name']} ({r['vendor']}) → {r['base_url']}"
        )

    def do_list(self, options: dict[str, Any]) -> None:
        def action() -> dict[str, Any]:
            return {"integrations": [_describe(i) for i in Integration.objects.order_by("name")]}

        def text(result: dict[str, Any]) -> str:
            rows = result["integrations"]
            if not rows:
                return "No integrations yet: add one with `integrations add`."
            width = max(len(r["name"]) for r in rows)
            return "\n".join(
                f"{r['name']:<{width}}  {r['vendor']:<10}  {'enabled ' if r['enabled'] else 'disabled'}  "
                f"{r['base_url']}"
                for r in rows
            )

        run_reporting_errors(self, options["json"], action, text)

    def do_test(self, options: dict[str, Any]) -> None:
        outcome: dict[str, Any] = {}

        def action() -> dict[str, Any]:
            integration = _integration(options["name"])
            params = {}
            for pair in options["param"]:
                key, sep, value = pair.partition("=")
                if not sep:
                    raise CliError(f"--param takes key=value, got {pair!r}")
                params[key.strip()] = value
            try:
                run = testing.start(
                    integration,
                    options["endpoint"],
                    params,
                    CLI,
                    via="cli",
                    inline=True,
                    confirm_side_effect=options["confirm_side_effect"],
                )
            except ValidationError as exc:
                if getattr(exc, "code", None) == "confirm":
                    raise CliError(f"{exc.messages[0]} Add --confirm-side-effect to send it.") from None
                raise
            outcome.update(_test_result(run))
            return outcome

        run_reporting_errors(self, options["json"], action, _test_text)
        if outcome and not outcome["ok"]:
            # Exit 0 only when the diagnosis is ok (scripts and monitors rely on it).
            raise SystemExit(1)

    def do_pull(self, options: dict[str, Any]) -> None:
        outcome: dict[str, Any] = {}

        def action() -> dict[str, Any]:
            integration = _integration(options["name"])
            since = _parse_since(options["since"], integration.timezone) if options["since"] else None
            run = pulls.start(integration, options["resource"], CLI, trigger="cli", since=since, inline=True)
            outcome.update(_pull_result(run))
            return outcome

        def text(result: dict[str, Any]) -> str:
            line = (
                f"{result['integration']} {result['resource']}: {result['status']} — "
                f"{result['pages']} pages, {result['created']} created, {result['updated']} updated; "
                f"watermark {result['watermark']}"
            )
            return line + (f"\n  {result['message']}" if result["message"] else "")

        run_reporting_errors(self, options["json"], action, text)
        if outcome and outcome["status"] != PullStatus.SUCCEEDED:
            raise SystemExit(1)

    def do_rotate(self, options: dict[str, Any]) -> None:
        outcome: dict[str, Any] = {}

        def action() -> dict[str, Any]:
            integration = _integration(options["name"])
            if options["abandon"]:
                current = rotation.open_rotation(integration)
                if current is None:
                    raise CliError(f"{integration} has no rotation in progress")
                rotation.abandon(current, CLI)
                outcome.update(asdict(rotation.outcome(integration, current)), ok=True)
                return outcome
            changes = parse_assignments(options["set"], integration.connector.sensitive_fields())
            try:
                result = rotation.rotate(integration, CLI, changes)
            except rotation.RotationBusy as exc:
                raise CliError(str(exc)) from None
            outcome.update(asdict(result), ok=result.ok)
            return outcome

        def text(result: dict[str, Any]) -> str:
            return (
                f"{result['integration']}: {result['status']} (active version {result['active_version']}, "
                f"last test {result['diagnosis'] or '—'})\n  {result['message']}"
            )

        run_reporting_errors(self, options["json"], action, text)
        if outcome and not outcome["ok"]:
            raise SystemExit(1)

    def do_rollback(self, options: dict[str, Any]) -> None:
        def action() -> dict[str, Any]:
            integration = _integration(options["name"])
            restored, run = rotation.rollback(integration, CLI)
            return {
                "ok": True,
                "integration": integration.name,
                "status": "rolled_back",
                "active_version": restored.version,
                "diagnosis": run.diagnosis if run else None,
            }

        def text(result: dict[str, Any]) -> str:
            return (
                f"{result['integration']}: version {result['active_version']} is active again "
                f"(live test: {result['diagnosis'] or '—'})"
            )

        run_reporting_errors(self, options["json"], action, text)

    def do_tokens(self, options: dict[str, Any]) -> None:
        _tokens.handle(self, options)

    def do_allowlist(self, options: dict[str, Any]) -> None:
        def action() -> dict[str, Any]:
            integration = _integration(options["name"])
            verb, cidr, kind = options["action"], options["cidr"], options["kind"]
            if verb in ("add", "remove") and not cidr:
                raise CliError(f"allowlist {verb} needs an address or CIDR network")
            if verb == "add":
                entry = allowlists.add_entry(integration, cidr, CLI, kind=kind, note=options["note"])
                return {"ok": True, "integration": integration.name, "added": entry.cidr, "kind": kind}
            if verb == "remove":
                allowlists.remove_entry(integration, cidr, CLI, kind=kind)
                return {"ok": True, "integration": integration.name, "removed": cidr, "kind": kind}
            return {
                "integration": integration.name,
                "entries": [
                    {"cidr": e.cidr, "kind": e.kind, "note": e.note, "created_at": e.created_at.isoformat()}
                    for e in integration.allowlist.all()
                ],
            }

        def text(result: dict[str, Any]) -> str:
            if "entries" in result:
                entries = result["entries"]
                return "\n".join(f"{e['kind']:<8} {e['cidr']:<43} {e['note']}" for e in entries) or "(empty)"
            if "added" in result:
                return f"Added {result['added']} ({result['kind']}) to {result['integration']}"
            return f"Removed {result['removed']} ({result['kind']}) from {result['integration']}"

        run_reporting_errors(self, options["json"], action, text)
