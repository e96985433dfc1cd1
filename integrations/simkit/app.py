"""The base WSGI app every vendor simulator extends.

Request pipeline for a vendor path: forced 429 -> fault injection -> IP firewall -> rate limit ->
the vendor's route (``routes()``; a vendor does its own authentication there).  ``/_sim/...`` is
the simulator-only control API (``control.py``) and bypasses all of it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, ClassVar, Generic, TypeVar
from wsgiref.types import StartResponse, WSGIEnvironment

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .clock import SimClock
from .control import Control
from .records import RecordSet
from .settings import SimSettings, address_in, apply_changes, parse_networks
from .tokens import TokenStore
from .web import FORM_TYPES, redact_path, redacted_form, redacted_query

S = TypeVar("S", bound=SimSettings)
Handler = Callable[..., Response]
log = logging.getLogger("integrations.simkit")

DATA_SETTINGS = frozenset({"data_size", "seed", "data_start", "data_spacing_seconds", "timezone"})
RATE_SETTINGS = frozenset({"rate_limit", "rate_window_seconds"})
HTML_ERROR = (
    "<!DOCTYPE html>\n<html><head><title>{status} Bad Gateway</title></head>\n"
    "<body><center><h1>{status} Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n"
)


class DroppedConnection(Exception):
    """Raised inside the pipeline to close the socket without any HTTP response."""


class SimulatorApp(ABC, Generic[S]):
    """A vendor simulator: subclasses set ``vendor``/``base_path`` and implement the hooks."""

    vendor: ClassVar[str]
    base_path: ClassVar[str]
    ip_firewall: ClassVar[bool] = True
    # Kinds of TokenStore tokens that POST /_sim/expire-tokens expires.
    expirable_token_kinds: ClassVar[tuple[str, ...]] = ()
    # Settings (beyond DATA_SETTINGS) whose change rebuilds the generated data.
    extra_data_settings: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, settings: S, *, clock: SimClock | None = None) -> None:
        self.settings: S = settings
        self.clock = clock or SimClock()
        self.lock = threading.RLock()
        self.tokens = TokenStore(self.clock)
        self._hits: dict[str, deque[float]] = {}
        self._requests: deque[dict[str, Any]] = deque(maxlen=100)
        self._resolve_data_start()
        self.datasets: dict[str, RecordSet[Any]] = self.build_datasets()
        self.url_map = Map(self.routes(), strict_slashes=False, merge_slashes=False)
        self.control = Control(self)

    # ---- hooks for the vendor ------------------------------------------------------------
    @abstractmethod
    def routes(self) -> list[Rule]:
        """werkzeug rules whose endpoints are the names of handler methods."""

    @abstractmethod
    def error_response(self, status: int, message: str) -> Response:
        """An error in the vendor's own envelope."""

    @abstractmethod
    def build_datasets(self) -> dict[str, RecordSet[Any]]:
        """The generated resources, by name (used by ``/_sim/data/<name>/...``)."""

    def firewall_response(self, request: Request, address: str) -> Response:
        return self.error_response(403, f"Access denied for IP address {address}")

    def rate_limited_response(self, retry_after: int) -> Response:
        # ASSUMPTION (vendors.md, Simulator decisions): 429 + Retry-After (seconds) in the
        # vendor's own envelope, "Too many requests"; off unless configured (except VoIPcloud).
        response = self.error_response(429, "Too many requests")
        response.headers["Retry-After"] = str(retry_after)
        return response

    def rate_key(self, request: Request) -> str:
        """Who a rate limit counts against (by default: the client address)."""
        return request.remote_addr or ""

    def expire_tokens(self) -> int:
        """Expire every issued session/access token now; returns how many."""
        return self.tokens.expire_all(self.expirable_token_kinds)

    def guard(self, request: Request, endpoint: str) -> Response | None:
        """Authentication and authorisation for a matched route; a Response refuses it."""
        return None

    def control_routes(self) -> list[Rule]:
        """Extra simulator-only routes under /_sim/; endpoints are callables (request, **args)."""
        return []

    # ---- public helpers --------------------------------------------------------------------
    def data(self, name: str) -> RecordSet[Any]:
        """A generated resource, for the mutation helpers (append, update, insert_late)."""
        return self.datasets[name]

    def configure(self, **changes: Any) -> S:
        """Change settings live (validated as PATCH /_sim/config does); returns the new ones."""
        with self.lock:
            new = apply_changes(self.settings, changes)
            self.settings = new
            if new.data_start is None:
                self._resolve_data_start()
            if DATA_SETTINGS.union(self.extra_data_settings).intersection(changes):
                self.datasets = self.build_datasets()
            if RATE_SETTINGS.intersection(changes):
                self._hits.clear()
            return new

    def force_429(self, count: int) -> None:
        """The next ``count`` vendor requests answer 429."""
        self.configure(force_429=count)

    def recent_requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self.lock:
            self._requests.clear()

    # ---- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except DroppedConnection:
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            # werkzeug treats a ConnectionError from the app as a dropped client: no response.
            raise ConnectionAbortedError("simulated dropped connection") from None
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if request.path == "/_sim" or request.path.startswith("/_sim/"):
            return self.control.handle(request)
        try:
            response = self._pipeline(request)
        except DroppedConnection:
            self._record(request, 0)
            raise
        self._record(request, response.status_code)
        return response

    # ---- internals -------------------------------------------------------------------------
    def _pipeline(self, request: Request) -> Response:
        settings = self.settings
        with self.lock:
            forced = settings.force_429 > 0
            if forced:
                settings.force_429 -= 1
        if forced:
            return self.rate_limited_response(settings.retry_after_seconds or 1)
        fault = self._take_fault(request.path)
        if fault == "drop":
            raise DroppedConnection
        if fault == "500":
            return self.error_response(500, "Internal server error")
        if fault == "html_error":
            status = settings.html_error_status
            return Response(HTML_ERROR.format(status=status), status=status, content_type="text/html")
        if fault == "slow":
            time.sleep(settings.slow_seconds)
        response = self._check_firewall(request) or self._check_rate(request) or self._route(request)
        if fault == "malformed_json":
            body = response.get_data()
            response.set_data(body[: len(body) // 2] or b"{")
        return response

    def _take_fault(self, path: str) -> str | None:
        with self.lock:
            s = self.settings
            if s.fault is None or (s.fault_path is not None and not re.search(s.fault_path, path)):
                return None
            if s.fault_count is not None:
                if s.fault_count <= 0:
                    return None
                s.fault_count -= 1
            return s.fault

    def _check_firewall(self, request: Request) -> Response | None:
        allowed = self.settings.allowed_clients
        if not self.ip_firewall or allowed is None:
            return None
        address = request.remote_addr or ""
        if address_in(address, parse_networks(allowed)):
            return None
        return self.firewall_response(request, address)

    def _check_rate(self, request: Request) -> Response | None:
        s = self.settings
        if s.rate_limit is None:
            return None
        now = self.clock.time()
        with self.lock:
            hits = self._hits.setdefault(self.rate_key(request), deque())
            while hits and hits[0] <= now - s.rate_window_seconds:
                hits.popleft()
            if len(hits) >= s.rate_limit:
                wait = s.retry_after_seconds
                if wait is None:
                    wait = max(1, math.ceil(hits[0] + s.rate_window_seconds - now))
                return self.rate_limited_response(wait)
            hits.append(now)
        return None

    def _route(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            return self.error_response(404, "Resource not found")
        except MethodNotAllowed:
            return self.error_response(405, "Method not allowed")
        except HTTPException as exc:  # e.g. a redirect for a missing slash
            return self.error_response(exc.code or 400, exc.description or "Bad request")
        handler: Handler = getattr(self, endpoint)
        try:
            return self.guard(request, endpoint) or handler(request, **args)
        except Exception:
            log.exception("simulator %s: handler %s failed", self.vendor, endpoint)
            return self.error_response(500, "Internal server error")

    def _record(self, request: Request, status: int) -> None:
        entry = {
            "at": self.clock.now().isoformat(timespec="milliseconds"),
            "method": request.method,
            "path": redact_path(request.path),
            "query": redacted_query(request),
            "client": request.remote_addr,
            "status": status,
            # What body came, so a test can prove a form was sent as multipart (values of
            # secret-looking fields hidden, as in the query).
            "content_type": request.mimetype,
            "form": redacted_form(request) if request.mimetype in FORM_TYPES else "",
        }
        with self.lock:
            self._requests.append(entry)

    def _resolve_data_start(self) -> None:
        s = self.settings
        if s.data_start is None:
            span = timedelta(seconds=s.data_size * s.data_spacing_seconds)
            s.data_start = (self.clock.now() - span).replace(microsecond=0)
