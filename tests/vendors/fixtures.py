"""The vendors' documented example answers, kept as fixtures in each vendor's folder, and a server
that plays them back over real HTTP so a connector reads them exactly as it reads the vendor."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

import integrations.vendors
from integrations.http import HttpClient, HttpRequest, TargetPolicy
from integrations.simkit import RunningServer, serve
from integrations.vendors.base import Account, Connector

VENDORS_DIR = Path(integrations.vendors.__file__).parent
LOOPBACK = TargetPolicy(allow_private=True, approved_hosts=("127.0.0.1",))


@dataclass(frozen=True)
class Fixture:
    vendor: str
    name: str
    source: str
    method: str
    path: str
    query: dict[str, str]
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)

    def request(self, root: str, **changes: Any) -> HttpRequest:
        """The fixture's request against the server at `root` (json=/form= replace its body)."""
        body = changes.get("json", self.json)
        form = changes.get("form", self.form)
        return HttpRequest(
            self.method,
            root + self.path,
            params=tuple(changes.get("query", self.query).items()),
            json=body,
            form=tuple(form.items()),
        )


def names(vendor: str) -> list[str]:
    return sorted(path.stem for path in (VENDORS_DIR / vendor / "fixtures").glob("*.json"))


def load(vendor: str, name: str) -> Fixture:
    raw = json.loads((VENDORS_DIR / vendor / "fixtures" / f"{name}.json").read_text())
    request = raw["request"]
    return Fixture(
        vendor=vendor,
        name=name,
        source=raw["source"],
        method=request["method"],
        path=request["path"],
        query=dict(request.get("query", {})),
        json=request.get("json"),
        form=dict(request.get("form", {})),
        status=raw["status"],
        headers=dict(raw.get("headers", {})),
        body=raw["body"],
    )


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    mimetype: str
    form: dict[str, str]
    json: Any


@dataclass
class Answer:
    method: str
    path: str
    query: Mapping[str, str]
    status: int
    body: Any
    headers: Mapping[str, str]


class FixtureServer:
    """A WSGI app answering each request with the first registered answer for its method and path
    whose query is contained in the request's; it records every request it is sent."""

    def __init__(self, fixtures: Iterable[Fixture] = ()) -> None:
        self.answers: list[Answer] = []
        self.seen: list[Seen] = []
        for fixture in fixtures:
            self.play(fixture)

    def play(self, fixture: Fixture, *, query: Mapping[str, str] | None = None) -> None:
        """Answer the fixture's method and path (with `query`, or any query) with its status and body."""
        self.answer(fixture.method, fixture.path, fixture.body, fixture.status, fixture.headers, query or {})

    def answer(
        self,
        method: str,
        path: str,
        body: Any,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> None:
        self.answers.append(Answer(method, path, query or {}, status, body, headers or {}))

    def __call__(self, environ: Any, start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        query = dict(request.args.items())
        self.seen.append(
            Seen(
                request.method,
                request.path,
                query,
                request.mimetype,
                dict(request.form.items()),
                request.get_json(silent=True),
            )
        )
        for answer in self.answers:
            if (answer.method, answer.path) == (request.method, request.path) and all(
                query.get(k) == v for k, v in answer.query.items()
            ):
                headers = {"Content-Type": "application/json", **answer.headers}
                response = Response(json.dumps(answer.body), status=answer.status, headers=headers)
                return response(environ, start_response)
        return Response("no fixture answers this", status=404)(environ, start_response)


@contextmanager
def served(app: Any) -> Iterator[RunningServer]:
    server = serve(app, "127.0.0.1", 0)
    try:
        yield server
    finally:
        server.shutdown()


@contextmanager
def client() -> Iterator[HttpClient]:
    with HttpClient(policy=LOOPBACK, read_timeout=5.0, sleep=lambda seconds: None) as http:
        yield http


def account(connector: type[Connector], base_url: str, timezone: str = "UTC", **public: str) -> Account:
    """An account at `base_url`; every secret field reads as a fixed placeholder."""
    secrets = connector.sensitive_fields()
    return Account(
        base_url=base_url,
        public=public,
        secret=lambda name: f"fixture-{name}" if name in secrets else "",
        timezone=timezone,
    )
