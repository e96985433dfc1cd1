"""`manage.py reports run NAME [--date D] [--json]` — build a report now."""

from datetime import date
from typing import Any

from django.core.mail import get_connection
from django.core.management.base import BaseCommand, CommandParser

from integrations.management.commands._cli import CliError, run_reporting_errors
from integrations.models import Report
from integrations.services import reports
from integrations.services.audit import CLI


def _report(name: str) -> Report:
    try:
        return Report.objects.get(name=name)
    except Report.DoesNotExist:
        raise CliError(f"no report named {name!r}") from None


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise CliError(f"--date {text!r} is not a date like 2026-11-20") from None


class Command(BaseCommand):
    help = "Build a report now, for the last full period or the one containing --date."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        run = sub.add_parser("run", help="Build one report now (and e-mail it to its recipients).")
        run.add_argument("name")
        run.add_argument("--date", help="A day in the period to build (YYYY-MM-DD).")
        run.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        outcome: dict[str, Any] = {}

        def action() -> dict[str, Any]:
            report, day = _report(options["name"]), _day(options["date"])
            # stdout carries our one JSON object (or line of text); an e-mail backend that prints
            # (the console backend) prints to stderr instead. Other backends ignore `stream`.
            mail = get_connection(stream=self.stderr)
            run = reports.run(report, CLI, day=day, trigger="cli", mail_connection=mail)
            outcome.update(
                ok=run.status == "succeeded",
                report=report.name,
                status=run.status,
                period=run.period_label,
                timezone=report.timezone,
                period_start=run.period_start.isoformat(),
                period_end=run.period_end.isoformat(),
                totals=run.numbers.get("totals"),
                previous_totals=run.numbers.get("previous", {}).get("totals"),
                emailed_to=run.emailed_to,
                error=run.error or None,
                report_run=run.pk,
            )
            return outcome

        def text(result: dict[str, Any]) -> str:
            calls = (result["totals"] or {}).get("calls", 0)
            line = f"{result['report']} {result['period']}: {result['status']}, {calls} calls"
            return line + (f"\n  {result['error']}" if result["error"] else "")

        run_reporting_errors(self, options["json"], action, text)
        if outcome and not outcome["ok"]:
            raise SystemExit(1)
