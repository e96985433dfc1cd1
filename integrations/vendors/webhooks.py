"""Events a vendor pushes (webhooks): what a connector says about one, for the webhook service.

A vendor that pushes names its `webhooks.py` module as the connector's `webhook_code`. The
service authenticates the delivery and stores it; the vendor's module reads the body: which call
it is about, how far that call had got (its stage), and the call as a `Call` in the same mapping
its pulls use, so a pushed and a pulled call of the same id land as one CallRecord.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import IntEnum
from typing import Any, Protocol

from integrations.vendors.resources import Call


class Stage(IntEnum):
    """How far a call had got when the row describing it was written. Later stages win."""

    NOT_A_CALL = 0  # e.g. a voicemail or recording notice: kept, never applied to a call
    RINGING = 1
    ANSWERED = 2
    FINAL = 3  # completed, a summary, or a pulled history row: its values are the call's last word


class BadEvent(ValueError):
    """A body that is not a readable event; the message says what is missing, for the sender."""


@dataclass(frozen=True)
class InboundEvent:
    kind: str
    call_id: str
    stage: Stage
    resource: str | None
    """The pullable resource whose CallRecord the event updates (None: not a call)."""


class WebhookCode(Protocol):
    """A vendor's `webhooks.py` module."""

    token_header: str
    """The request header carrying the shared secret."""
    secret_field: str
    """The credential field holding that secret."""

    def read_event(self, body: Mapping[str, Any]) -> InboundEvent: ...

    def stage(self, row: Mapping[str, Any]) -> Stage:
        """The stage of a stored call's raw row, pushed or pulled."""
        ...

    def to_call(self, event: InboundEvent, row: Mapping[str, Any], tz: tzinfo, received: datetime) -> Call:
        """The call as `row` (the event merged over what was stored) describes it."""
        ...

    def sample_event(self, now: datetime, tz: tzinfo) -> dict[str, Any]:
        """A harmless event for the admin's "Send test event" button."""
        ...
