"""Test requests under load: the portal's own time per test, idle and while two pulls run, and a
connectivity check of many integrations at once.

    python bench/runtime_latency.py [--tests 40] [--integrations 200] [--vendor-ms 300]

Starts what `make run` starts (the embedded broker, the interactive worker with 16 threads, the
bulk worker with 2 processes) on a throw-away VAR_DIR, and the vendor simulators in a child
process. Then, with the real services:

1. idle: `--tests` test requests one after the other; for each, the time from Send (the run's
   creation) to its result stored (`finished_at`), minus the time spent talking to the vendor
   (`total_ms`: what a faster vendor would give back): the portal's own cost, queueing included;
   then "Test connectivity" on `--integrations` integrations whose vendor answers in
   `--vendor-ms`: wall time from the first Send to the last result, against the bound
   1.5 * (integrations * vendor time / 16 threads);
2. the same two while two long pulls hold the bulk worker.

Prints one JSON line: p50/p90 of the test requests (ms), the connectivity wall times and their
bound (s).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
INTERACTIVE_THREADS = 16


def serve_simulators(port_file: str, vendor_ms: int, pull_records: int) -> None:
    """Child process: a fast VCC Live (tests), a slow one (connectivity) and a slow VoIPstudio (pulls)."""
    from integrations.simkit import serve
    from integrations.simkit.sandbox import sandbox_apps, servers_config

    fast = sandbox_apps()["vcclive"]
    slow = sandbox_apps()["vcclive"]
    slow.configure(fault="slow", slow_seconds=vendor_ms / 1000)
    pulls = sandbox_apps()["voipstudio"]
    start = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    pulls.configure(
        data_size=pull_records,
        data_start=start,
        data_spacing_seconds=2 * 86400 / pull_records,
        fault="slow",
        slow_seconds=0.5,
        fault_path="/cdrs",
        rate_limit=None,
    )
    accounts = {}
    for name, vendor, app in (
        ("fast", "vcclive", fast),
        ("slow", "vcclive", slow),
        ("pulls", "voipstudio", pulls),
    ):
        accounts[name] = {"vendor": vendor, **servers_config({vendor: serve(app, "127.0.0.1", 0)})[vendor]}
    Path(port_file).write_text(json.dumps(accounts))
    while True:
        time.sleep(3600)


def start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    # Our own commands with fixed arguments.
    return subprocess.Popen(  # noqa: S603
        list(args),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def worker(env: dict[str, str], queue: str, pool: str, concurrency: int) -> subprocess.Popen[bytes]:
    """One worker pool as the Procfile starts it."""
    return start(
        env, str(BIN / "celery"), "-A", "portal", "worker", "-Q", queue, "-n", f"{queue}@%h",
        "--pool", pool, "--concurrency", str(concurrency),
    )  # fmt: skip


def wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.01)


def overheads(integration: Any, count: int) -> list[float]:
    """Milliseconds of each test request that were the portal's, not the vendor's."""
    from integrations.models import TestRun
    from integrations.services import testing
    from integrations.services.audit import CLI

    spent = []
    for _ in range(count):
        run = testing.start(integration, None, {}, CLI)
        wait(lambda run=run: TestRun.objects.get(pk=run.pk).is_done, 60, "a test request")
        run.refresh_from_db()
        if not run.ok or run.finished_at is None:
            raise SystemExit(f"test failed: {run.diagnosis} {run.error}")
        total = (run.finished_at - run.created_at).total_seconds() * 1000
        spent.append(total - (run.total_ms or 0))
    return spent


def connectivity(integrations: list[Any]) -> float:
    """Seconds from the first Send to the last result of one "Test connectivity" over them all."""
    from integrations.models import TestRun
    from integrations.services import testing
    from integrations.services.audit import CLI

    batch = TestRun.new_batch()
    started = time.monotonic()
    for each in integrations:
        testing.start(each, None, {}, CLI, via="connectivity", batch=batch)
    wait(lambda: not TestRun.objects.filter(batch=batch, finished_at__isnull=True).exists(), 300, "the batch")
    wall = time.monotonic() - started
    ok = TestRun.objects.filter(batch=batch, diagnosis="ok").count()
    if ok != len(integrations):
        raise SystemExit(f"connectivity: {ok} of {len(integrations)} ok")
    return round(wall, 2)


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 1),
        "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests", type=int, default=40)
    parser.add_argument("--integrations", type=int, default=200)
    parser.add_argument("--vendor-ms", type=int, default=300)
    parser.add_argument("--pull-records", type=int, default=200_000)
    parser.add_argument("--serve-simulators", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_simulators:
        serve_simulators(args.serve_simulators, args.vendor_ms, args.pull_records)
        return

    var = Path(tempfile.mkdtemp(prefix="sb-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_", "PORTAL_"))}
    env.update(DEBUG="true", ALLOW_PRIVATE_TARGETS="true", VAR_DIR=str(var), PYTHONUNBUFFERED="1")
    os.environ.update(env)
    subprocess.run([str(BIN / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    ports = var / "simulators.json"
    processes = [
        start(
            env,
            sys.executable,
            __file__,
            "--serve-simulators",
            str(ports),
            "--vendor-ms",
            str(args.vendor_ms),
            "--pull-records",
            str(args.pull_records),
        ),
        start(env, str(BIN / "python"), "manage.py", "embedded_broker"),
        worker(env, "interactive", "threads", INTERACTIVE_THREADS),
        worker(env, "bulk", "prefork", 2),
    ]
    try:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        django.setup()
        from integrations.models import PullRun, WorkerHeartbeat
        from integrations.services import pulls
        from integrations.services.audit import CLI
        from integrations.services.integrations import create_integration

        wait(ports.exists, 30, "the simulators")
        accounts = json.loads(ports.read_text())
        wait(lambda: WorkerHeartbeat.objects.values("queue").distinct().count() == 2, 60, "both workers")

        def integration(account: str, name: str) -> Any:
            entry = accounts[account]
            return create_integration(
                vendor=entry["vendor"],
                name=name,
                credential_values=entry["credentials"],
                actor=CLI,
                base_url_override=entry["base_url"],
            )

        fast = integration("fast", "fast")
        overheads(fast, 3)  # warm the worker's imports and connections
        idle = overheads(fast, args.tests)
        print(f"idle: {percentiles(idle)}", file=sys.stderr)

        slow = [integration("slow", f"slow-{n}") for n in range(args.integrations)]
        connectivity_idle = connectivity(slow)

        busy_pulls = [pulls.start(integration("pulls", f"pull-{n}"), "cdrs", CLI) for n in range(2)]
        wait(lambda: PullRun.objects.filter(status="running").count() == 2, 60, "two running pulls")
        loaded = overheads(fast, args.tests)
        connectivity_loaded = connectivity(slow)
        still = PullRun.objects.filter(pk__in=[p.pk for p in busy_pulls], status="running").count()
        bound = 1.5 * args.integrations * args.vendor_ms / 1000 / INTERACTIVE_THREADS
        result = {
            "idle_ms": percentiles(idle),
            "during_two_pulls_ms": percentiles(loaded),
            "connectivity_idle_s": connectivity_idle,
            "connectivity_during_two_pulls_s": connectivity_loaded,
            "connectivity_bound_s": round(bound, 2),
            "pulls_still_running": still,
        }
        print(json.dumps(result))
    finally:
        for process in processes:
            os.killpg(process.pid, 9)


if __name__ == "__main__":
    main()
