"""What the client needs from `requests`/urllib3 and nothing else may touch (private).

* A watchdog that bounds each attempt as a whole (see `Watchdog`).
* An adapter whose connections check the address they actually connected to: netguard resolved the
  host before the request, but urllib3 resolves it again to connect, and a hostile DNS server can
  answer with a public address the first time and 127.0.0.1 the second (DNS rebinding).  The check
  runs on the TCP socket before any TLS or HTTP byte is sent.
* Translation of transport exceptions into typed errors whose messages hold no URL, query string or
  credential (the str() of a requests exception quotes the URL, user-info included).
* A filter that keeps urllib3's DEBUG/INFO lines out of the logs: they quote the request line,
  query string and all.
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import logging
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .errors import (
    BadResponse,
    BlockedTarget,
    ConnectionDropped,
    ConnectionRefused,
    DnsFailure,
    HttpError,
    Timeout,
    TlsFailure,
)
from .netguard import blocked_reason

TRANSPORT_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


class _QuietUrllib3(logging.Filter):
    """Drop urllib3 records below ERROR: "GET /path?api_key=... HTTP/1.1" must never be logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


_QUIET = _QuietUrllib3()
for _name in (
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
):
    logging.getLogger(_name).addFilter(_QUIET)


# ---- the deadline watchdog -----------------------------------------------------------------------
# Timeouts bound each socket read, not the request: a vendor trickling a byte a second holds a
# request for as long as it likes. A watchdog bounds the whole attempt (connect, headers and body)
# by shutting the connection's socket down when its time is up, which wakes the blocked read.
_ACTIVE = threading.local()


class Watchdog:
    """Bounds one attempt to `seconds`; `fired` says the deadline (not the vendor) ended it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = max(seconds, 0.0)
        self.fired = False
        self.answered = False
        """Set once the status line and headers are in: the rest is the body."""
        # The socket itself, not only its connection: once headers say "Connection: close",
        # http.client hands the socket to the response and the connection forgets it.
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(self.seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        _ACTIVE.watchdog = self
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()
        _ACTIVE.watchdog = None

    def attach(self, connection: HTTPConnection) -> None:
        sock = getattr(connection, "sock", None)
        if sock is None:
            return  # not connected yet: connect() attaches again (connect_timeout bounds that)
        with self._lock:
            self._sockets.append(sock)
            if self.fired:
                _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _watch(connection: HTTPConnection) -> None:
    watchdog: Watchdog | None = getattr(_ACTIVE, "watchdog", None)
    if watchdog is not None:
        watchdog.attach(connection)


# ---- DNS-rebinding guard -------------------------------------------------------------------------
def _checked(sock: socket.socket, host: str) -> socket.socket:
    try:
        peer = str(sock.getpeername()[0])
    except OSError:
        sock.close()
        raise
    reason = blocked_reason(peer)
    if reason is not None:
        sock.close()
        raise BlockedTarget(f"refused {host}: the connection went to {peer}, not a public address ({reason})")
    return sock


class _WatchedConnection(HTTPConnection):
    """Known to the attempt's watchdog whether new or reused; checks its peer when `guarded`."""

    guarded = False

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        return _checked(sock, self.host) if self.guarded else sock

    def connect(self) -> None:
        super().connect()
        _watch(self)  # the socket exists only now (and is TLS-wrapped by now for HTTPS)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _GuardedConnection(_WatchedConnection):
    guarded = True


class _GuardedHTTPSConnection(_WatchedHTTPSConnection):
    guarded = True


def _pool(base: type[HTTPConnectionPool], connection: type[HTTPConnection]) -> type[HTTPConnectionPool]:
    return type(f"{connection.__name__}Pool", (base,), {"ConnectionCls": connection})


_POOLS = {
    False: {
        "http": _pool(HTTPConnectionPool, _WatchedConnection),
        "https": _pool(HTTPSConnectionPool, _WatchedHTTPSConnection),
    },
    True: {
        "http": _pool(HTTPConnectionPool, _GuardedConnection),
        "https": _pool(HTTPSConnectionPool, _GuardedHTTPSConnection),
    },
}


class WatchedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections answer to the attempt's watchdog and, when `guarded`,
    refuse a socket connected to a non-public address."""

    def __init__(self, *, guarded: bool) -> None:
        self.guarded = guarded
        super().__init__(max_retries=0)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS[self.guarded])


def new_session(*, guarded: bool, user_agent: str) -> requests.Session:
    session = requests.Session()
    # No proxy, .netrc or CA bundle from the environment: a stray HTTPS_PROXY or ~/.netrc would
    # silently reroute or add credentials to vendor calls.
    session.trust_env = False
    # No cookie jar: the only state between calls is what an Auth scheme sets explicitly.
    session.cookies.set_policy(_NoCookies())
    session.headers["User-Agent"] = user_agent
    adapter = WatchedAdapter(guarded=guarded)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


# ---- exception translation -----------------------------------------------------------------------
_TLS = (requests.exceptions.SSLError, urllib3.exceptions.SSLError, ssl.SSLError, ssl.CertificateError)
_DNS = (urllib3.exceptions.NameResolutionError, socket.gaierror)
_CONNECT_TIMEOUT = (requests.exceptions.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError)
_TIMEOUT = (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)
_DROPPED = (
    http.client.RemoteDisconnected,
    http.client.IncompleteRead,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
    urllib3.exceptions.ProtocolError,
    requests.exceptions.ChunkedEncodingError,
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes, contexts, urllib3 `reason`s and exception args, depth first."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = (current.__cause__, current.__context__, getattr(current, "reason", None), *current.args)
        stack.extend(item for item in reversed(linked) if isinstance(item, BaseException))


def translate(
    exc: BaseException, *, method: str, where: str, connect_timeout: float, read_timeout: float
) -> HttpError:
    """A typed error for a transport failure; the message names types, never the exception text."""
    chain = list(_chain(exc))

    def first(types: tuple[type[BaseException], ...]) -> BaseException | None:
        return next((e for e in chain if isinstance(e, types)), None)

    def named(found: BaseException) -> str:
        return type(found).__name__

    if (found := first(_TLS)) is not None:
        return TlsFailure(f"TLS handshake with {where} failed ({named(found)})")
    if (found := first(_DNS)) is not None:
        return DnsFailure(f"{where} does not resolve ({named(found)})")
    if (found := first((ConnectionRefusedError,))) is not None:
        return ConnectionRefused(f"{where} refused the connection ({named(found)})")
    connect = next((e for e in chain if isinstance(e, _CONNECT_TIMEOUT) and not _is_new_conn(e)), None)
    if connect is not None:
        return Timeout(f"could not connect to {where} within {connect_timeout:g}s ({named(connect)})")
    timeout = next((e for e in chain if isinstance(e, _TIMEOUT) and not _is_new_conn(e)), None)
    if timeout is not None:
        return Timeout(f"{method} {where}: no answer within {read_timeout:g}s ({named(timeout)})")
    dropped = [e for e in chain if isinstance(e, _DROPPED)]
    if dropped:
        # The innermost one says what happened (RemoteDisconnected rather than ProtocolError).
        deepest = dropped[-1]
        return ConnectionDropped(f"{where} closed the connection without an answer ({named(deepest)})")
    if (found := first((urllib3.exceptions.NewConnectionError,))) is not None:
        cause = found.__cause__ or found
        return ConnectionRefused(f"could not connect to {where} ({named(cause)})")
    return BadResponse(f"{method} {where} failed ({named(exc)})")


def _is_new_conn(exc: BaseException) -> bool:
    # urllib3 2 makes NewConnectionError a ConnectTimeoutError for backward compatibility.
    return isinstance(exc, urllib3.exceptions.NewConnectionError)
