"""The control API under ``/_sim/``: SIMULATOR-ONLY, never part of any vendor's API.

Tests and the sandbox use it to change a running simulator.  It answers loopback clients only
(setting ``control_allowed_clients``), never shows a secret setting, and its responses carry
``X-Simulator-Only: true``.

- ``GET /_sim/config``, ``PATCH /_sim/config`` (JSON object of settings to change)
- ``POST /_sim/expire-tokens`` -> ``{"expired": N}``
- ``GET /_sim/requests`` (last 100 vendor requests: method, path, query, client, status,
  content_type, form), ``DELETE /_sim/requests``
- ``GET /_sim/clock``, ``POST /_sim/clock`` ``{"advance": seconds}``
- ``GET /_sim/data`` -> ``{"<dataset>": records held, ...}`` (what a complete pull of each stores);
  ``POST /_sim/data/<name>/append`` ``{"count": n}``,
  ``.../update`` ``{"seq": i, "fields": {...}}``, ``.../late`` ``{"age_seconds": s, "fields": {...}}``
- plus the vendor's own ``control_routes()``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .settings import address_in, parse_networks, settings_to_json
from .web import json_body, json_response

if TYPE_CHECKING:
    from .app import SimulatorApp

MARK = {"X-Simulator-Only": "true"}


def control_json(payload: Any, status: int = 200) -> Response:
    return json_response(payload, status, headers=dict(MARK))


def control_error(message: str, status: int = 400) -> Response:
    return control_json({"simulator_only": True, "error": message}, status)


class Control:
    def __init__(self, app: SimulatorApp[Any]) -> None:
        self.app = app
        rules = [
            Rule("/_sim/config", methods=["GET", "PATCH"], endpoint=self.config),
            Rule("/_sim/expire-tokens", methods=["POST"], endpoint=self.expire_tokens),
            Rule("/_sim/requests", methods=["GET", "DELETE"], endpoint=self.requests),
            Rule("/_sim/clock", methods=["GET", "POST"], endpoint=self.clock),
            Rule("/_sim/data", methods=["GET"], endpoint=self.data_index),
            Rule("/_sim/data/<name>/<action>", methods=["POST"], endpoint=self.data_mutate),
        ]
        self.url_map = Map(rules + app.control_routes(), strict_slashes=False)

    def handle(self, request: Request) -> Response:
        allowed = parse_networks(self.app.settings.control_allowed_clients)
        if not address_in(request.remote_addr or "", allowed):
            return control_error("the simulator control API is not open to this client", 403)
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            return control_error("no such simulator control endpoint", 404)
        except MethodNotAllowed:
            return control_error("method not allowed", 405)
        try:
            response: Response = endpoint(request, **args)
        except (ValueError, KeyError, TypeError, re.error) as exc:
            return control_error(str(exc))
        response.headers.update(MARK)
        return response

    def snapshot(self) -> dict[str, Any]:
        return {
            "simulator": self.app.vendor,
            "simulator_only": True,
            "settings": settings_to_json(self.app.settings),
            "clock": self.app.clock.now().isoformat(),
            "data": {name: len(rs) for name, rs in self.app.datasets.items()},
        }

    def config(self, request: Request) -> Response:
        if request.method == "PATCH":
            changes = json_body(request)
            if changes is None:
                return control_error("PATCH /_sim/config takes a JSON object of settings")
            self.app.configure(**changes)
        return control_json(self.snapshot())

    def expire_tokens(self, request: Request) -> Response:
        return control_json({"simulator_only": True, "expired": self.app.expire_tokens()})

    def requests(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.app.clear_requests()
        return control_json({"simulator_only": True, "requests": self.app.recent_requests()})

    def clock(self, request: Request) -> Response:
        if request.method == "POST":
            body = json_body(request) or {}
            seconds = body.get("advance")
            if not isinstance(seconds, int | float) or isinstance(seconds, bool):
                return control_error('POST /_sim/clock takes {"advance": seconds}')
            self.app.clock.advance(float(seconds))
        return control_json({"simulator_only": True, "now": self.app.clock.now().isoformat()})

    def data_index(self, request: Request) -> Response:
        return control_json(self.snapshot()["data"])

    def data_mutate(self, request: Request, name: str, action: str) -> Response:
        rs = self.app.datasets.get(name)
        if rs is None:
            return control_error(f"no generated resource {name!r}", 404)
        body = json_body(request) or {}
        fields = body.get("fields") or {}
        if not isinstance(fields, dict):
            return control_error("fields must be a JSON object")
        if action == "append":
            seqs = rs.append(int(body.get("count", 1)))
        elif action == "update":
            seqs = [rs.update(int(body["seq"]), **fields).seq]
        elif action == "late":
            newest = rs.newest()
            ts = (
                newest - timedelta(seconds=float(body["age_seconds"]))
                if newest and "age_seconds" in body
                else None
            )
            seqs = [rs.insert_late(ts, **fields)]
        else:
            return control_error("action must be append, update or late", 404)
        return control_json({"simulator_only": True, "seqs": seqs, "records": rs.records(seqs[:100])})
