"""Re-encrypt every encrypted value with the first key of PORTAL_ENCRYPTION_KEYS."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from integrations.models import KeyCanary
from integrations.services import audit
from integrations.services.keys import FieldRotation, rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of PORTAL_ENCRYPTION_KEYS. Put the new "
        "key first and keep the old ones after it while this runs; it is resumable and safe while "
        "the portal serves. Remove the old keys only after it reports no failures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(result: FieldRotation) -> None:
            if not options["json"]:
                self.stdout.write(
                    f"{result.label}: {result.reencrypted} re-encrypted, {result.already_current} "
                    f"already current, {result.changed_meanwhile} changed meanwhile, "
                    f"{len(result.failed_rows)} failed"
                )

        results = rotate_all(batch_size=options["batch_size"], progress=progress)
        totals = {
            "reencrypted": sum(r.reencrypted for r in results),
            "already_current": sum(r.already_current for r in results),
            "changed_meanwhile": sum(r.changed_meanwhile for r in results),
            "failed": sum(len(r.failed_rows) for r in results),
        }
        with transaction.atomic():
            canary = KeyCanary.objects.first()
            if canary is not None:
                audit.record("encryption.rotate", audit.CLI, canary, details=totals)
        failures = {r.label: r.failed_rows for r in results if r.failed_rows}
        # The canary moves last, after a clean pass: until it has, the old key must stay.
        complete = not any(r.held_back for r in results)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {"ok": not failures and complete, **totals, "failed_rows": failures, "complete": complete}
                )
            )
        else:
            self.stdout.write(
                f"Total: {totals['reencrypted']} re-encrypted, {totals['already_current']} already current, "
                f"{totals['failed']} failed."
            )
        if failures:
            detail = "; ".join(f"{label} rows {', '.join(rows)}" for label, rows in failures.items())
            message = (
                f"Some values open with no key of the ring: {detail}. Add the key they were written "
                "with (after the current one) and run again."
            )
        elif not complete:
            message = (
                f"{totals['changed_meanwhile']} values changed while this ran: run it again (it skips "
                "what is done). Keep the old key in the ring until a run finishes without this."
            )
        else:
            return
        if options["json"]:
            raise SystemExit(1)
        raise CommandError(message)
