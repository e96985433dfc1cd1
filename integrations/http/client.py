"""The one outbound HTTP client: timeouts, bounded retries, a size cap, netguard, typed errors.

It returns a response for any HTTP status (the caller decides what a 404 means; ``error_for_status``
maps the usual ones) and raises typed errors for transport failures.  It logs one line per attempt:
method, host, path, status and milliseconds; never a header, a body or a query string.

Every ``send`` has a total deadline: connect, headers, the whole body, every retry and wait, and
any login the auth step makes on the way. A slow vendor costs a worker slot for that long at most.
"""

from __future__ import annotations

import codecs
import json as jsonlib
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from . import untrusted_json
from ._transport import TRANSPORT_ERRORS, Watchdog, new_session, translate
from .errors import BadResponse, HttpError, Timeout, parse_retry_after
from .netguard import TargetPolicy, check_url
from .redact import Redactor

if TYPE_CHECKING:
    import requests

    from .auth import Auth

log = logging.getLogger("integrations.http")
T = TypeVar("T")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})
CHUNK = 64 * 1024
LOG_LINE = "%s %s%s -> %s in %dms"  # method, host, path, status or error type, milliseconds


@dataclass(frozen=True, repr=False)
class HttpRequest:
    method: str
    url: str
    params: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    form: tuple[tuple[str, str], ...] = ()
    """Fields sent as multipart/form-data (VoIPcloud's call-to-number takes no JSON)."""
    idempotent: bool | None = None

    def __post_init__(self) -> None:
        if self.json is not None and self.form:
            raise ValueError("a request body is JSON or form fields, not both")

    @property
    def content_type(self) -> str | None:
        """The body's media type (requests adds the multipart boundary itself)."""
        if self.json is not None:
            return "application/json"
        return "multipart/form-data" if self.form else None

    def body_text(self) -> str:
        """The body as a person reads it: indented JSON, or one `name=value` line per form field."""
        if self.json is not None:
            return jsonlib.dumps(self.json, indent=2)
        return "\n".join(f"{name}={value}" for name, value in self.form)

    @property
    def is_idempotent(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method.upper() in IDEMPOTENT_METHODS

    def with_headers(self, headers: Mapping[str, str] | None = None, /, **more: str) -> HttpRequest:
        """A copy with these headers set; a name given again replaces the old one, whatever its case."""
        merged = dict(self.headers)
        for name, value in {**(headers or {}), **more}.items():
            for existing in [k for k in merged if k.lower() == name.lower()]:
                del merged[existing]
            merged[name] = value
        return replace(self, headers=merged)

    def __repr__(self) -> str:
        # Headers, params, body and even the path (VoIPstudio revokes a token by putting it in the
        # path) may carry credentials, and a repr ends up in tracebacks and logs: host only.
        return f"<HttpRequest {self.method} {_host(self.url)}>"


@dataclass(repr=False)
class HttpResponse:
    status_code: int
    headers: dict[str, str]
    body: bytes
    elapsed_ms: float
    url: str
    attempts: int
    truncated: bool = False

    def header(self, name: str) -> str | None:
        """A header by name, case-insensitively."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    @property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").split(";", 1)[0].strip().lower()

    def text(self) -> str:
        charset = "utf-8"
        for param in (self.header("Content-Type") or "").split(";")[1:]:
            key, _, value = param.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip("\"'")
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:  # an unknown charset name
            return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON whatever Content-Type says (VCC Live serves JSON as text/plain)."""
        host = urlsplit(self.url).hostname or "the vendor"
        prefix = f"{host} did not answer with JSON (HTTP {self.status_code}"
        if "html" in self.content_type or self.body.lstrip()[:1] == b"<":
            raise BadResponse(f"{prefix}: an HTML page)", response=self)
        if not self.body.strip():
            raise BadResponse(f"{prefix}: an empty body)", response=self)
        body = self.body.removeprefix(codecs.BOM_UTF8)
        try:
            # orjson underneath: several times faster than the standard library on large pages (a
            # pull reads 5,000 rows at a time; see docs/performance.md), and just as strict.
            return untrusted_json.loads(body)
        except untrusted_json.TooDeep as exc:
            raise BadResponse(f"{prefix}: the answer {exc})", response=self) from None
        except untrusted_json.JSONDecodeError as exc:
            if "utf-8" in str(exc).lower():
                raise BadResponse(f"{prefix}: not UTF-8)", response=self) from None
            # The position, never the document: the body may hold anything.
            where = f"{exc.msg.split(':')[0]} at line {exc.lineno} column {exc.colno}"
            raise BadResponse(f"{prefix}: malformed, {where})", response=self) from None

    def __repr__(self) -> str:
        return f"<HttpResponse {self.status_code} from {_host(self.url)}, {len(self.body)} bytes>"


class HttpClient:
    def __init__(
        self,
        *,
        policy: TargetPolicy,
        redactor: Redactor | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        max_attempts: int = 3,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        max_retry_after: float = 30.0,
        max_bytes: int = 5_000_000,
        verify: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        user_agent: str = "Switchboard/0.1",
        deadline: float = 60.0,
        on_progress: Callable[[str], None] | None = None,
    ) -> None:
        self.policy = policy
        self.redactor = redactor if redactor is not None else Redactor()
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.max_bytes = max_bytes
        self.verify = verify
        self.sleep = sleep
        self.deadline = deadline
        """Seconds one `send` may take in all (the logins and retries it makes included)."""
        self.on_progress = on_progress
        """Told, in a few words, what is happening ("attempt 2 of 3, waiting for an answer")."""
        # When the outermost send of this thread must end: a login inside it shares its budget.
        self._budget = threading.local()
        # With private targets allowed there is nothing for the rebinding guard to refuse.
        self._session = new_session(guarded=not policy.allow_private, user_agent=user_agent)

    # ---- public ----------------------------------------------------------------------------
    def send(self, request: HttpRequest, auth: Auth | None = None) -> HttpResponse:
        outermost = getattr(self._budget, "ends", None) is None
        if outermost:
            self._budget.ends = time.monotonic() + self.deadline
        try:
            return self._send(request, auth)
        finally:
            if outermost:
                self._budget.ends = None

    def _send(self, request: HttpRequest, auth: Auth | None) -> HttpResponse:
        original = request
        if auth is not None:
            request = auth.apply(self, request)
        response = self._send_with_retries(request)
        # A 401 may only mean the session token expired: refresh (or log in) once and try again.
        if auth is not None and response.status_code == 401 and auth.refresh(self):
            earlier = response.attempts
            response = self._send_with_retries(auth.apply(self, original))
            response.attempts += earlier
        return response

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ---- retries ---------------------------------------------------------------------------
    def _send_with_retries(self, request: HttpRequest) -> HttpResponse:
        idempotent = request.is_idempotent
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.max_attempts
            try:
                response = self._attempt(request, attempt)
            except HttpError as exc:
                # Transport failures are retried only where sending twice is harmless.
                if exc.permanent or not idempotent or last:
                    raise
                backoff = self._backoff(attempt)
                if not self._may_wait(backoff):
                    raise
                self._wait(backoff, attempt, type(exc).__name__)
                continue
            wait = self._retry_wait(response, idempotent, attempt)
            if wait is None or last or not self._may_wait(wait):
                return response
            self._wait(wait, attempt, f"HTTP {response.status_code}")

    def _remaining(self) -> float:
        ends = getattr(self._budget, "ends", None)
        return self.deadline if ends is None else ends - time.monotonic()

    def _may_wait(self, seconds: float) -> bool:
        """Whether waiting `seconds` still leaves time for another attempt within the deadline."""
        return self._remaining() - seconds > 0.05 * self.deadline

    def _wait(self, seconds: float, attempt: int, why: str) -> None:
        self._progress(f"waiting {seconds:.1f} s before attempt {attempt + 1} of {self.max_attempts} ({why})")
        self.sleep(seconds)

    def _progress(self, text: str) -> None:
        if self.on_progress is not None:
            self.on_progress(text)

    def _retry_wait(self, response: HttpResponse, idempotent: bool, attempt: int) -> float | None:
        """Seconds to wait before another attempt, or None to return this response."""
        status = response.status_code
        if status in (429, 503):
            retry_after = parse_retry_after(response.header("Retry-After"))
            if retry_after is not None:
                # The vendor did not act on the request, so any method may be sent again; but a
                # wait longer than the bound is the caller's business (a scheduled retry).
                return retry_after if retry_after <= self.max_retry_after else None
        if status in RETRY_STATUSES and idempotent:
            return self._backoff(attempt)
        return None

    def _backoff(self, attempt: int) -> float:
        # Exponential backoff with full jitter, so workers that failed together do not return together.
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return random.uniform(0.0, ceiling)  # noqa: S311 (jitter, not cryptography)

    # ---- one attempt -----------------------------------------------------------------------
    def _attempt(self, request: HttpRequest, attempt: int) -> HttpResponse:
        host = _host(request.url)
        path = self.redactor.text(urlsplit(request.url).path or "/")  # a vendor may put a token in the path
        method = request.method.upper()
        started = time.monotonic()
        self._progress(f"{method} {path}: attempt {attempt} of {self.max_attempts}, waiting for an answer")
        try:
            response = self._exchange(request, method, f"{host}{path}", attempt, started)
        except HttpError as exc:
            log.info(LOG_LINE, method, host, path, type(exc).__name__, _ms(started))
            raise
        log.info(LOG_LINE, method, host, path, response.status_code, response.elapsed_ms)
        return response

    def _exchange(
        self, request: HttpRequest, method: str, where: str, attempt: int, started: float
    ) -> HttpResponse:
        check_url(request.url, self.policy)
        allowed = self._remaining()
        if allowed <= 0:
            raise Timeout(f"{method} {where}: no time left within the {self.deadline:g} s deadline")

        def call() -> requests.Response:
            return self._session.request(
                method,
                request.url,
                params=list(request.params),
                headers=dict(request.headers),
                json=request.json,
                # (None, value): a plain form field, no file name; `files=` makes requests send
                # multipart/form-data where `data=` would send a urlencoded form.
                files=[(name, (None, value)) for name, value in request.form] or None,
                timeout=(self.connect_timeout, self.read_timeout),
                allow_redirects=False,  # a redirect to another host would bypass netguard
                stream=True,
                verify=self.verify,
            )

        with Watchdog(allowed) as watchdog:
            raw = self._guard(call, method, where, watchdog)
            watchdog.answered = True
            try:
                body, too_big = self._guard(lambda: self._read(raw), method, where, watchdog)
            finally:
                raw.close()
            if watchdog.fired:
                # A body that ends with the connection reads as complete when it was cut short.
                raise self._deadline_error(method, where, watchdog)
        response = HttpResponse(
            status_code=raw.status_code,
            headers=dict(raw.headers),
            body=body,
            elapsed_ms=_ms(started),
            url=raw.url,
            attempts=attempt,
            truncated=too_big,
        )
        if too_big:
            message = f"response larger than {self.max_bytes} bytes from {where}"
            raise BadResponse(message, response=response)
        return response

    def _read(self, raw: requests.Response) -> tuple[bytes, bool]:
        """The body, stopping past the cap: (at most max_bytes bytes, whether there was more)."""
        declared = raw.headers.get("Content-Length", "")
        # A HEAD answer declares the length of a body it does not send.
        if raw.request.method != "HEAD" and declared.isdigit() and int(declared) > self.max_bytes:
            return b"", True
        chunks: list[bytes] = []
        size = 0
        for chunk in raw.iter_content(CHUNK):
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_bytes:
                return b"".join(chunks)[: self.max_bytes], True
        return b"".join(chunks), False

    def _guard(self, fn: Callable[[], T], method: str, where: str, watchdog: Watchdog) -> T:
        """Run fn; a transport exception becomes a typed error raised with no chained cause."""
        try:
            return fn()
        except TRANSPORT_ERRORS as exc:
            if watchdog.fired:
                # The watchdog shut the socket: whatever the library made of that, it was our deadline.
                failure: HttpError = self._deadline_error(method, where, watchdog)
            else:
                failure = translate(
                    exc,
                    method=method,
                    where=where,
                    connect_timeout=self.connect_timeout,
                    read_timeout=self.read_timeout,
                )
        # Raised outside the except block: the requests exception (whose text quotes the URL) is
        # neither the cause nor the context of what callers see.
        raise failure

    @staticmethod
    def _deadline_error(method: str, where: str, watchdog: Watchdog) -> Timeout:
        seconds = f"{watchdog.seconds:.0f} s"
        if watchdog.answered:
            return Timeout(f"{method} {where}: the vendor was still sending its answer after {seconds}")
        return Timeout(f"{method} {where}: no answer within {seconds} (the deadline for the whole request)")


def _host(url: str) -> str:
    """host[:port] without user-info."""
    return urlsplit(url).netloc.rpartition("@")[2]


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000.0
