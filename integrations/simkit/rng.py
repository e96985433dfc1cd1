"""Deterministic per-record draws: record ``i`` is a pure function of ``(seed, namespace, i)``.

Hash-based rather than ``random.Random`` so that building one record costs a microsecond or two,
which keeps a scan over 200,000 generated records cheap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class Rng:
    """A small stream of pseudo-random numbers seeded by one record's identity."""

    def __init__(self, seed: int, namespace: str, index: int) -> None:
        self._key = f"{seed}:{namespace}:{index}".encode()
        self._block = 0
        self._buf = b""
        self._pos = 0

    def _take(self, count: int) -> bytes:
        """The next ``count`` (at most 64) pseudo-random bytes."""
        if self._pos + count > len(self._buf):
            data = self._key + b"#" + str(self._block).encode()
            self._buf = hashlib.blake2b(data, digest_size=64).digest()
            self._block += 1
            self._pos = 0
        chunk = self._buf[self._pos : self._pos + count]
        self._pos += count
        return chunk

    def _next32(self) -> int:
        return int.from_bytes(self._take(4), "big")

    def random(self) -> float:
        """A float in [0, 1)."""
        return self._next32() / 4294967296.0

    def randint(self, low: int, high: int) -> int:
        """An integer in [low, high], both ends included."""
        return low + self._next32() % (high - low + 1)

    def choice(self, options: Sequence[T]) -> T:
        return options[self._next32() % len(options)]

    def chance(self, probability: float) -> bool:
        return self.random() < probability

    def digits(self, count: int) -> str:
        out = ""
        while len(out) < count:
            out += str(int.from_bytes(self._take(8), "big") % 10**18).zfill(18)
        return out[:count]

    def hex(self, count: int) -> str:
        return self._take((count + 1) // 2).hex()[:count]
