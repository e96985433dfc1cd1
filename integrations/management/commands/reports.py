"""`manage.py reports run NAME [--date D]` — build a report now."""

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.models import Report
from integrations.services import reports


class Command(BaseCommand):
    help = "Build a report now, for the last full period or the one containing --date."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        run = sub.add_parser("run", help="Build one report now.")
        run.add_argument("name")
        run.add_argument("--date", help="A day in the period to build (YYYY-MM-DD).")
        run.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        report = Report.objects.filter(name=options["name"]).first()
        if report is None:
            raise CommandError(f"no report named {options['name']!r}")
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError(f"--date {options['date']!r} is not a date like 2026-11-20") from None
        run = reports.run(report, day=day, trigger="cli")
        result = {
            "report": report.name,
            "status": run.status,
            "period": run.numbers.get("period"),
            "totals": run.numbers.get("totals"),
            "emailed_to": run.emailed_to,
            "error": run.error,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            totals = result["totals"] or {}
            self.stdout.write(
                f"{report.name} {run.period_start:%Y-%m-%d}: {run.status}, {totals.get('calls', 0)} calls"
            )
        if run.status != "succeeded":
            raise SystemExit(1)
