"""The path of `make run`: migrate, the demo superuser, then web + worker + beat under honcho.

Real processes on a throw-away VAR_DIR (its own SQLite file and filesystem broker).
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from tests.processes import BIN, ROOT, manage

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port_run(length: int) -> int:
    """The first of `length` consecutive free ports (the simulators take N … N+4)."""
    for _ in range(50):
        base = free_port()
        try:
            socks = []
            for port in range(base, base + length):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError("no run of free ports")


@pytest.fixture
def run_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_", "PORTAL_"))}
    env.update(
        DEBUG="true",
        ALLOW_PRIVATE_TARGETS="true",
        VAR_DIR=str(tmp_path / "var"),
        WEB_PORT=str(free_port()),
        SIM_PORT_BASE=str(free_port_run(5)),
        PYTHONUNBUFFERED="1",
    )
    return env


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def honcho(run_env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    assert manage(run_env, "migrate", "--no-input").returncode == 0
    demo = manage(run_env, "bootstrap_demo", "--sim-port-base", run_env["SIM_PORT_BASE"])
    assert demo.returncode == 0, demo.stderr
    process = subprocess.Popen(
        [str(BIN / "honcho"), "start", "-f", "Procfile"],
        cwd=ROOT,
        env=run_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_demo_superuser_password_is_generated_and_printed_once(run_env: dict[str, str]) -> None:
    assert manage(run_env, "migrate", "--no-input").returncode == 0
    first = manage(run_env, "bootstrap_demo")
    second = manage(run_env, "bootstrap_demo")
    assert "password:" in first.stdout
    assert "password:" not in second.stdout
    assert "exists" in second.stdout


def test_web_answers_a_worker_consumes_a_task_and_the_sandbox_vendors_answer(
    run_env: dict[str, str], honcho: subprocess.Popen[str]
) -> None:
    login = f"http://127.0.0.1:{run_env['WEB_PORT']}/admin/login/"

    def web_up() -> bool:
        try:
            return requests.get(login, timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    wait_for(web_up, 60, "the web server")
    sent = manage(run_env, "shell", "-c", "from integrations.tasks import ping; ping.delay('interactive')")
    assert sent.returncode == 0, sent.stderr

    database = Path(run_env["VAR_DIR"]) / "switchboard.sqlite3"

    def pinged_and_both_queues_served() -> bool:
        with sqlite3.connect(database) as db:
            queues = {row[0] for row in db.execute("SELECT queue FROM integrations_workerheartbeat")}
            pinged = db.execute(
                "SELECT count(*) FROM integrations_workerheartbeat WHERE queue = 'interactive' "
                "AND pinged_at IS NOT NULL"
            ).fetchone()[0]
        return queues == {"interactive", "bulk"} and bool(pinged)

    # The Procfile's two worker pools each report their queue; the interactive one ran the ping.
    wait_for(pinged_and_both_queues_served, 60, "both workers, and the interactive one to run the ping")

    # The sandbox integrations talk to the simulators honcho started.
    for vendor in ("vcclive", "voipstudio", "collect", "ipscape", "voipcloud"):
        tested = manage(run_env, "integrations", "test", f"sandbox-{vendor}", "--json")
        assert tested.returncode == 0, tested.stdout + tested.stderr
        assert json.loads(tested.stdout)["diagnosis"] == "ok"

    # Ctrl-C stops them all.
    os.killpg(honcho.pid, signal.SIGINT)
    honcho.wait(timeout=30)
    with pytest.raises(requests.ConnectionError):
        requests.get(login, timeout=2)


def test_worker_refuses_to_start_with_a_ring_that_cannot_decrypt(run_env: dict[str, str]) -> None:
    assert manage(run_env, "migrate", "--no-input").returncode == 0  # canary under the dev key
    env = {**run_env, "PORTAL_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    worker = subprocess.run(
        [str(BIN / "celery"), "-A", "portal", "worker", "--pool", "solo", "--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode != 0
    assert "cannot decrypt the secrets stored" in worker.stdout + worker.stderr


def test_beat_refuses_to_start_with_a_ring_that_cannot_decrypt(run_env: dict[str, str]) -> None:
    assert manage(run_env, "migrate", "--no-input").returncode == 0  # canary under the dev key
    env = {**run_env, "PORTAL_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    beat = subprocess.run(
        [str(BIN / "celery"), "-A", "portal", "beat", "--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert beat.returncode != 0
    assert "Refusing to start beat" in beat.stderr
    assert "cannot decrypt the secrets stored" in beat.stderr


def test_a_missing_key_file_is_refused_naming_the_variable_and_the_path(
    run_env: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-dir" / "keys.txt"
    env = {**run_env, "PORTAL_ENCRYPTION_KEYS_FILE": str(missing)}
    said = f"PORTAL_ENCRYPTION_KEYS_FILE names {missing}, which cannot be read (No such file or directory)"
    checked = manage(env, "check")
    assert checked.returncode != 0
    assert f"(switchboard.E003) {said}" in checked.stderr
    migrated = manage(env, "migrate", "--no-input")  # refused by the same check, nothing created
    assert migrated.returncode != 0
    assert said in migrated.stderr
    worker = subprocess.run(
        [str(BIN / "celery"), "-A", "portal", "worker", "--pool", "solo", "--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode != 0
    assert f"Refusing to start the worker: {said}" in worker.stderr
    web = subprocess.run(
        [str(BIN / "python"), "-c", "import portal.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert web.returncode != 0
    assert f"ImproperlyConfigured: {said}" in web.stderr
    for run in (checked, migrated, worker, web):
        assert "FileNotFoundError" not in run.stdout + run.stderr
