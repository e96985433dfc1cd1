"""Serve the five vendor simulators on loopback: the offline sandbox."""

import json
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from integrations.simkit.sandbox import SANDBOX_PORT_OFFSETS, sandbox_config, serve_all


class Command(BaseCommand):
    help = "Serve the simulated VCC Live, VoIPstudio, Collect!, ipSCAPE and VoIPcloud APIs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port-base", type=int, default=8701, help="Ports N … N+4 (default 8701).")
        parser.add_argument(
            "--print-config", action="store_true", help="Print the sandbox accounts as JSON and exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, base = options["host"], options["port_base"]
        if options["print_config"]:
            self.stdout.write(json.dumps(sandbox_config(host, base), indent=2))
            return
        servers = serve_all(host, base)
        for key in SANDBOX_PORT_OFFSETS:
            self.stdout.write(f"{key:<11} {servers[key].url}")
        self.stdout.write("Simulators running; Ctrl-C stops them.")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for server in servers.values():
                server.shutdown()
