"""The key canary and key rotation (re-encryption of every encrypted value)."""

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction

from integrations import crypto
from integrations.fields import Ciphertext, EncryptedTextField
from integrations.models import KeyCanary

CANARY_TEXT = "switchboard key canary"


class CanaryStatus(enum.Enum):
    OK = "ok"
    MISSING = "missing"
    UNREADABLE = "unreadable"


def ensure_canary() -> None:
    if not KeyCanary.objects.exists():
        KeyCanary.objects.create(value=CANARY_TEXT)


def verify_canary() -> CanaryStatus:
    raw = KeyCanary.objects.values_list("value", flat=True).first()
    if raw is None:
        return CanaryStatus.MISSING
    try:
        ok = crypto.decrypt(raw) == CANARY_TEXT
    except crypto.InvalidToken:
        ok = False
    return CanaryStatus.OK if ok else CanaryStatus.UNREADABLE


def unreadable_samples() -> list[str]:
    """Stored values that no key of the ring opens, among the first and last of every encrypted
    column (in primary-key order, the order rotation works in).

    The canary alone is not enough: a ring may open it and still not the data (values restored
    from a backup, written by a process with another ring). After an interrupted rotation the
    column's first rows are under the new key and its last ones under the old: a sample of both
    ends catches a ring missing either.
    """
    unreadable = []
    for model, f in encrypted_fields():
        rows = model._base_manager.exclude(**{f"{f.attname}__isnull": True})
        ends = {rows.order_by(pk).values_list("pk", f.attname).first() for pk in ("pk", "-pk")}
        for row in sorted(filter(None, ends), key=lambda row: str(row[0])):
            pk, raw = row
            try:
                crypto.decrypt(raw)
            except crypto.InvalidToken:
                unreadable.append(f"{model._meta.label}.{f.name} (row pk={pk})")
    return unreadable


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted column, the key canary's last: rotation re-encrypts in this order, so the
    canary moves to the new key only once everything else has."""
    found = [
        (model, f)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField)
    ]
    yield from sorted(found, key=lambda pair: pair[0] is KeyCanary)


@dataclass
class FieldRotation:
    label: str
    reencrypted: int = 0
    already_current: int = 0
    changed_meanwhile: int = 0
    failed_rows: list[str] = field(default_factory=list)
    held_back: bool = False
    """The canary, left under its key because the pass over the data was not clean."""


def rotate_field(model: type[models.Model], f: EncryptedTextField, batch_size: int = 500) -> FieldRotation:
    """Re-encrypt one field with the first key, batch by batch, in pk order.

    Resumable: values already under the first key are skipped, so a rerun after a crash picks up
    where the last one stopped. Safe while the portal serves: each row is written with a
    compare-and-swap on its old ciphertext, so a value changed meanwhile is never overwritten.
    """
    result = FieldRotation(label=f"{model._meta.label}.{f.name}")
    manager = model._base_manager
    last_pk = None
    while True:
        rows = manager.exclude(**{f"{f.attname}__isnull": True}).order_by("pk")
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        batch = list(rows.values_list("pk", f.attname)[:batch_size])
        if not batch:
            return result
        with transaction.atomic(using=manager.db):
            for pk, old in batch:
                if crypto.is_current(old):
                    result.already_current += 1
                    continue
                try:
                    new = crypto.reencrypt(old)
                except crypto.InvalidToken:
                    result.failed_rows.append(str(pk))
                    continue
                swapped = manager.filter(pk=pk, **{f.attname: old}).update(**{f.attname: Ciphertext(new)})
                if swapped:
                    result.reencrypted += 1
                else:
                    result.changed_meanwhile += 1
        last_pk = batch[-1][0]


def rotate_all(
    batch_size: int = 500, progress: Callable[[FieldRotation], None] | None = None
) -> list[FieldRotation]:
    """Re-encrypt every column, the canary last and only after a clean pass over the others.

    The canary is what the start-up check opens: while it stays under the old key, a ring without
    the old key refuses to start. So it moves only when every other value was re-encrypted or
    already current: not after a value no key opens, nor after one changed while this ran (it may
    have been written by a process still on the old ring: the next run checks it again).
    """
    results = []
    clean = True
    for model, f in encrypted_fields():
        if model is KeyCanary and not clean:
            results.append(FieldRotation(label=f"{model._meta.label}.{f.name}", held_back=True))
            continue
        result = rotate_field(model, f, batch_size=batch_size)
        clean = clean and not result.failed_rows and not result.changed_meanwhile
        results.append(result)
        if progress:
            progress(result)
    return results


@dataclass
class FieldKeys:
    """How many values of one encrypted field each key of the ring opens."""

    label: str
    per_key: list[int]
    unreadable: int = 0


@dataclass
class RingState:
    fingerprints: list[str]
    fields: list[FieldKeys]

    def total(self, index: int) -> int:
        return sum(f.per_key[index] for f in self.fields)

    @property
    def unreadable(self) -> int:
        return sum(f.unreadable for f in self.fields)

    @property
    def keys(self) -> list[tuple[int, str, int]]:
        """(position from 1, fingerprint, values it opens), the first being the current key."""
        return [(i + 1, fp, self.total(i)) for i, fp in enumerate(self.fingerprints)]


def ring_state() -> RingState:
    """Count the stored ciphertexts per key of the ring (each key tried; nothing decrypted is kept)."""
    prints = crypto.fingerprints()
    fields = []
    for model, f in encrypted_fields():
        counts = FieldKeys(label=f"{model._meta.label}.{f.name}", per_key=[0] * len(prints))
        values = model._base_manager.exclude(**{f"{f.attname}__isnull": True}).values_list(
            f.attname, flat=True
        )
        for token in values.iterator():
            index = crypto.key_index(token)
            if index is None:
                counts.unreadable += 1
            else:
                counts.per_key[index] += 1
        fields.append(counts)
    return RingState(fingerprints=prints, fields=fields)
