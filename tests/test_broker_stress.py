"""The broker under concurrent producers: 4 processes of 500 tasks each against one running worker.

Every task runs exactly once and the worker never dies (the embedded filesystem broker this
replaced crashed the worker on a half-written message file; celery/kombu#1551).
"""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import ROOT, Workers, worker_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.broker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PRODUCERS = 4
TASKS_EACH = 500
PRODUCE = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
import django
django.setup()
from portal.celery import app
first = int(sys.argv[1])
for number in range(first, first + int(sys.argv[2])):
    app.send_task("tests.broker_probe.record", args=[number], queue="interactive")
"""


def test_four_producers_two_thousand_tasks_each_run_once_and_the_worker_lives(
    workers: Workers, broker_url: str, tmp_path: Path
) -> None:
    probe = tmp_path / "ran.txt"
    env = worker_env(broker_url, tmp_path / "var", PROBE_FILE=str(probe))
    log = tmp_path / "worker.log"
    worker = workers.start(
        env,
        "-Q",
        "interactive",
        "--pool",
        "threads",
        "--concurrency",
        "8",
        "--include",
        "tests.broker_probe",
        log=log,
    )
    producers = [
        subprocess.Popen(
            [sys.executable, "-c", PRODUCE, str(n * TASKS_EACH), str(TASKS_EACH)], cwd=ROOT, env=env
        )
        for n in range(PRODUCERS)
    ]
    for producer in producers:
        assert producer.wait(timeout=120) == 0

    expected = PRODUCERS * TASKS_EACH
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and worker.poll() is None:
        if probe.exists() and len(probe.read_text().splitlines()) >= expected:
            break
        time.sleep(0.1)
    time.sleep(1)  # long enough for a duplicate, were there one, to land too

    assert worker.poll() is None, log.read_text()[-2000:]
    ran = [int(line) for line in probe.read_text().splitlines()]
    assert sorted(ran) == list(range(expected))  # each exactly once
    assert "Unrecoverable error" not in log.read_text()
