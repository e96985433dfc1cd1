"""Issued tokens with absolute or idle expiry, measured on the simulator's clock."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from .clock import SimClock


@dataclass
class IssuedToken:
    value: str
    kind: str
    subject: str
    lifetime: float | None  # seconds; None = never expires
    idle: bool  # True: the lifetime counts from the last use, not from issue
    issued_at: float
    last_used: float
    expired: bool = False
    data: dict[str, Any] = field(default_factory=dict)

    def expires_at(self) -> float | None:
        if self.lifetime is None:
            return None
        return (self.last_used if self.idle else self.issued_at) + self.lifetime


class TokenStore:
    """Tokens by value.  ``use`` answers the live token (touching idle ones) or None."""

    def __init__(self, clock: SimClock) -> None:
        self._clock = clock
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()

    def issue(
        self,
        kind: str,
        subject: str,
        lifetime: float | None,
        *,
        idle: bool = False,
        nbytes: int = 16,
        **data: Any,
    ) -> IssuedToken:
        now = self._clock.time()
        token = IssuedToken(
            value=secrets.token_hex(nbytes),
            kind=kind,
            subject=subject,
            lifetime=lifetime,
            idle=idle,
            issued_at=now,
            last_used=now,
            data=dict(data),
        )
        with self._lock:
            self._tokens[token.value] = token
        return token

    def use(self, value: str, kinds: tuple[str, ...]) -> IssuedToken | None:
        """The live token of one of ``kinds``; an idle token's timer restarts."""
        now = self._clock.time()
        with self._lock:
            token = self._tokens.get(value)
            if token is None or token.kind not in kinds or not self._alive(token, now):
                return None
            token.last_used = now
            return token

    def peek(self, value: str, kinds: tuple[str, ...]) -> IssuedToken | None:
        """Like ``use`` but without touching the token."""
        with self._lock:
            token = self._tokens.get(value)
            if token is None or token.kind not in kinds:
                return None
            return token if self._alive(token, self._clock.time()) else None

    def revoke(self, value: str) -> bool:
        with self._lock:
            return self._tokens.pop(value, None) is not None

    def live(self, kind: str, subject: str | None = None) -> list[IssuedToken]:
        now = self._clock.time()
        with self._lock:
            return [
                t
                for t in self._tokens.values()
                if t.kind == kind and (subject is None or t.subject == subject) and self._alive(t, now)
            ]

    def expire_all(self, kinds: tuple[str, ...]) -> int:
        """Expire every live token of ``kinds`` now; returns how many."""
        now = self._clock.time()
        count = 0
        with self._lock:
            for token in self._tokens.values():
                if token.kind in kinds and self._alive(token, now):
                    token.expired = True
                    count += 1
        return count

    @staticmethod
    def _alive(token: IssuedToken, now: float) -> bool:
        if token.expired:
            return False
        expires = token.expires_at()
        return expires is None or now < expires
