"""Crash safety: SIGKILL the worker in the middle of a pull, run it again, lose and double nothing."""

import json
import os
import signal
import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from integrations.simkit import serve
from integrations.simkit.sandbox import sandbox_apps
from tests.test_smoke_run import BIN, ROOT, manage, wait_for
from tests.test_smoke_run import run_env as run_env

pytestmark = pytest.mark.slow

RECORDS = 30_000  # six pages of 5,000


def query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database, timeout=10) as db:
        return db.execute(sql).fetchall()


def test_killed_worker_then_rerun_ends_with_exactly_the_vendors_records(run_env: dict[str, str]) -> None:
    app = sandbox_apps()["voipstudio"]
    app.configure(
        data_size=RECORDS,
        data_start=(timezone.now() - timedelta(days=3)).isoformat(),
        data_spacing_seconds=2 * 86400 / RECORDS,
        fault="slow",
        slow_seconds=0.7,
        fault_path="/cdrs",
    )
    server = serve(app, "127.0.0.1", 0)
    env = {**run_env, "ALLOW_PRIVATE_TARGETS": "true", "SIM_PASSWORD": "sandbox-voipstudio-password"}
    database = Path(env["VAR_DIR"]) / "switchboard.sqlite3"
    worker = None
    try:
        assert manage(env, "migrate", "--no-input").returncode == 0
        added = manage(
            env,
            "integrations",
            "add",
            "--vendor",
            "voipstudio",
            "--name",
            "vs",
            "--base-url",
            f"{server.url}/v1.2/voipstudio/",
            "--set",
            "email=sandbox@example.test",
            "--set",
            "password=@SIM_PASSWORD",
            "--json",
        )
        assert added.returncode == 0, added.stdout + added.stderr
        worker = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "portal",
                "worker",
                "-Q",
                "bulk",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        queued = manage(
            env,
            "shell",
            "-c",
            "from integrations.models import Integration; from integrations.services import pulls; "
            "from integrations.services.audit import CLI; "
            "pulls.start(Integration.objects.get(name='vs'), 'cdrs', CLI)",
        )
        assert queued.returncode == 0, queued.stderr

        def one_page_committed() -> bool:
            rows = query(database, "SELECT pages FROM integrations_pullrun")
            return bool(rows) and rows[0][0] >= 1

        wait_for(one_page_committed, 60, "the first page of the pull")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

        ((status, pages),) = query(database, "SELECT status, pages FROM integrations_pullrun")
        partial = query(database, "SELECT count(*) FROM integrations_callrecord")[0][0]
        assert status == "running" and 1 <= pages < 6 and 0 < partial < RECORDS
        assert query(database, "SELECT watermark FROM integrations_pullstate")[0][0] is None  # not moved

        rerun = manage(env, "integrations", "pull", "vs", "cdrs", "--json")
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        result = json.loads(rerun.stdout)
        assert result["status"] == "succeeded"
        assert result["created"] == RECORDS - partial

        total, distinct = query(
            database, "SELECT count(*), count(DISTINCT vendor_call_id) FROM integrations_callrecord"
        )[0]
        assert total == distinct == RECORDS
        watermark = query(database, "SELECT watermark FROM integrations_pullstate")[0][0]
        newest = query(database, "SELECT max(started_at) FROM integrations_callrecord")[0][0]
        assert watermark == newest
        runs = dict(query(database, "SELECT id, status FROM integrations_pullrun"))
        assert sorted(runs.values()) == ["failed", "succeeded"]  # the killed run is marked, not left running
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        server.shutdown()
