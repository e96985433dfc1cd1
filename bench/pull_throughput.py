"""Pull throughput: the portal's pull of N VoIPstudio CDRs vs a bare `requests` loop.

    python bench/pull_throughput.py --records 200000

Serves the VoIPstudio simulator in a child process on loopback, pulls N CDRs into the default
database through the real pull service (HTTP client, connector, upsert, progress), then fetches
the same pages with a bare `requests` loop that only parses JSON. Prints progress, then one JSON
line: {"records", "portal_rps", "baseline_rps", "ratio", "peak_rss_mb"}: medians over `--rounds`
interleaved rounds (portal, then baseline), the ratio being the median of the rounds' ratios.
`peak_rss_mb` is the process's peak resident memory, read as each portal pull ends. Each round's
bench integration and its records are deleted afterwards, the records by one DELETE: the ORM's
delete would load them all (a webhook event may point at a call record), and the peak it leaves
would be the next round's reading.
"""

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EMAIL, PASSWORD = "sandbox@example.test", "sandbox-voipstudio-password"


def serve_simulator(port: int, records: int, start: str) -> None:
    """Child process: the VoIPstudio simulator with `records` CDRs ending a day ago."""
    from integrations.simkit import serve
    from integrations.simkit.sandbox import sandbox_apps

    app = sandbox_apps()["voipstudio"]
    app.configure(
        data_size=records,
        data_start=start,
        data_spacing_seconds=2 * 86400 / records,
        rate_limit=None,
    )
    serve(app, "127.0.0.1", port)
    while True:
        time.sleep(3600)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the simulator did not start")


def portal_pull(base_url: str, records: int) -> tuple[float, float]:
    """Seconds the pull took, and the peak resident memory in MB when it ended."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.db import connection

    from integrations.models import CallRecord, Integration
    from integrations.services import pulls
    from integrations.services.audit import CLI
    from integrations.services.integrations import create_integration

    name = f"bench-voipstudio-{os.getpid()}"
    integration = create_integration(
        vendor="voipstudio",
        name=name,
        credential_values={"email": EMAIL, "password": PASSWORD},
        actor=CLI,
        base_url_override=base_url,
    )
    try:
        started = time.perf_counter()
        run = pulls.start(integration, "cdrs", CLI, trigger="cli", inline=True)
        elapsed = time.perf_counter() - started
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        stored = CallRecord.objects.filter(integration=integration).count()
        if run.status != "succeeded" or stored != records:
            raise SystemExit(f"pull {run.status}: {stored} of {records} stored; {run.message}")
        print(f"portal: {records} records, {run.pages} pages in {elapsed:.2f} s", file=sys.stderr)
        return elapsed, peak_rss_mb
    finally:
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(CallRecord._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE integration_id = %s", [integration.pk])  # noqa: S608
        Integration.objects.filter(name=name).delete()


def baseline_pull(base_url: str, records: int, since: datetime, until: datetime) -> float:
    """The same pages, fetched and parsed with nothing else: the ceiling for the portal."""
    import requests

    started = time.perf_counter()
    with requests.Session() as session:
        token = session.post(base_url + "login", json={"email": EMAIL, "password": PASSWORD}).json()[
            "user_token"
        ]
        flt = json.dumps(
            [
                {"operator": "gte", "property": "calldate", "value": since.strftime("%Y-%m-%d %H:%M:%S")},
                {"operator": "lte", "property": "calldate", "value": until.strftime("%Y-%m-%d %H:%M:%S")},
            ]
        )
        seen, page = 0, 1
        while True:
            body = session.get(
                base_url + "cdrs",
                params=[("page", page), ("limit", 5000), ("filter", flt), ("sort", "id"), ("dir", "ASC")],
                headers={"X-Auth-Token": token},
            ).json()
            seen += len(body["data"])
            if not body["data"] or seen >= int(body["total"]):
                break
            page += 1
    elapsed = time.perf_counter() - started
    if seen != records:
        raise SystemExit(f"baseline saw {seen} of {records}")
    print(f"baseline: {records} records in {elapsed:.2f} s", file=sys.stderr)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved rounds; medians are reported.")
    parser.add_argument("--serve-simulator", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--start", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_simulator:
        serve_simulator(args.serve_simulator, args.records, args.start)
        return

    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("ALLOW_PRIVATE_TARGETS", "true")
    start = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    port = free_port()
    # Our own script with our own arguments.
    child = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            __file__,
            "--records",
            str(args.records),
            "--serve-simulator",
            str(port),
            "--start",
            start.isoformat(),
        ],
    )
    portal, baseline, ratios, peak_rss_mb = [], [], [], 0.0
    try:
        wait_for_port(port)
        base_url = f"http://127.0.0.1:{port}/v1.2/voipstudio/"
        # Interleaved rounds, medians reported: single runs on these machines swing by ±30 %.
        for _ in range(args.rounds):
            elapsed, rss_mb = portal_pull(base_url, args.records)
            portal_rps = args.records / elapsed
            peak_rss_mb = max(peak_rss_mb, rss_mb)
            baseline_rps = args.records / baseline_pull(base_url, args.records, start, datetime.now(UTC))
            portal.append(portal_rps)
            baseline.append(baseline_rps)
            ratios.append(portal_rps / baseline_rps)
    finally:
        child.terminate()
        child.wait()
    print(
        json.dumps(
            {
                "records": args.records,
                "portal_rps": round(statistics.median(portal)),
                "baseline_rps": round(statistics.median(baseline)),
                "ratio": round(statistics.median(ratios), 3),
                "peak_rss_mb": round(peak_rss_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
