"""Real Celery worker processes on the test database and the test broker (crash and load tests)."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`manage.py ARGS` as its own process with `env`, its output captured."""
    return subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def database_url() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    raise NotImplementedError(connection.vendor)


def worker_env(broker_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker that shares this test's database, broker and keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_", "PORTAL_"))}
    env.update(
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=broker_url,
        VAR_DIR=str(var_dir),
        SECRET_KEY=settings.SECRET_KEY,
        PORTAL_ENCRYPTION_KEYS=",".join(settings.PORTAL_ENCRYPTION_KEYS),
        PORTAL_TOKEN_PEPPER=settings.PORTAL_TOKEN_PEPPER,
        ALLOW_PRIVATE_TARGETS="true",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


class Workers:
    """Starts `celery worker` processes and kills them (and their pool children) for good."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, env: dict[str, str], *args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [str(BIN / "celery"), "-A", "portal", "worker", "--loglevel", "INFO", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.started:
            self.kill(process)


@pytest.fixture
def workers() -> Iterator[Workers]:
    started = Workers()
    yield started
    started.stop_all()


def slow_voipstudio(records: int, **settings_: Any) -> dict[str, Any]:
    """Settings for a VoIPstudio simulator whose CDR pages take a while (a walk worth interrupting)."""
    from datetime import timedelta

    from django.utils import timezone

    return {
        "data_size": records,
        "data_start": (timezone.now() - timedelta(days=3)).isoformat(),
        "data_spacing_seconds": 2 * 86400 / records,
        "fault": "slow",
        "fault_path": "/cdrs",
        **settings_,
    }
