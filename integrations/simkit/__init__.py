"""simkit: the shared toolkit of Switchboard's offline vendor simulators.

Imports nothing else of the project and nothing of Django.  (``simkit.sandbox``, which serves all
five vendor simulators, is the one module that imports the vendors; it is not imported here.)
"""

from .app import DroppedConnection, SimulatorApp
from .clock import SimClock
from .records import Item, Order, RecordSet, Selection, with_overrides
from .rng import Rng
from .server import RunningServer, serve
from .settings import FAULTS, Fault, SimSettings, secret_field
from .tokens import IssuedToken, TokenStore
from .web import (
    iso_offset,
    json_body,
    json_response,
    naive_local,
    naive_utc,
    parse_naive_local,
)

__all__ = [
    "FAULTS",
    "DroppedConnection",
    "Fault",
    "IssuedToken",
    "Item",
    "Order",
    "RecordSet",
    "Rng",
    "RunningServer",
    "Selection",
    "SimClock",
    "SimSettings",
    "SimulatorApp",
    "TokenStore",
    "iso_offset",
    "json_body",
    "json_response",
    "naive_local",
    "naive_utc",
    "parse_naive_local",
    "secret_field",
    "serve",
    "with_overrides",
]
