"""Serve a WSGI app on a real socket in a daemon thread (threaded werkzeug server)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit
from wsgiref.types import WSGIApplication

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .web import redact_path

log = logging.getLogger("integrations.simkit")


class QuietRequestHandler(WSGIRequestHandler):
    """Logs method, path and status only: never a query string, header or body."""

    def _where(self) -> tuple[str, str]:
        path = getattr(self, "path", "") or ""
        return getattr(self, "command", "-") or "-", redact_path(urlsplit(path).path)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info("%s %s %s", *self._where(), code)

    def log_error(self, format: str, *args: object) -> None:
        log.debug("simulator connection error on %s %s", *self._where())

    def log(self, type: str, message: str, *args: object) -> None:
        log.debug("simulator server %s", type)


@dataclass
class RunningServer:
    """A simulator listening on ``host:port``; ``shutdown()`` stops it."""

    host: str
    port: int
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def shutdown(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(app: WSGIApplication, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start ``app`` on ``host:port`` (0 = an ephemeral port) and return at once."""
    server = make_server(host, port, app, threaded=True, request_handler=QuietRequestHandler)
    # A short poll interval so shutdown() returns in well under a second.
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"simulator-{host}:{server.server_port}",
        daemon=True,
    )
    thread.start()
    return RunningServer(host=host, port=server.server_port, server=server, thread=thread)
