"""Encrypted model fields.

The database and the instance's `__dict__` hold only ciphertext (`Ciphertext`); the plaintext
exists only when the attribute is read, which is when the value is decrypted. Decrypting on read
(not on load) is what lets a failure name the model, the field and the row: a value no key opens
raises `DecryptionError`, never returns ciphertext or `None`.
"""

import json
from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from integrations import crypto


class DecryptionError(Exception):
    """A stored value that the configured key ring cannot open."""


class Ciphertext(str):
    """A stored Fernet token. Its repr hides it, so it never lands in a traceback or log."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<ciphertext>"


class Plaintext(str):
    """A decrypted secret. Its repr hides it too, so tracebacks that print locals stay clean."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<secret>"


class _EncryptedAttribute(DeferredAttribute):
    """Data descriptor: encrypt on assignment, decrypt on read."""

    field: "EncryptedTextField"

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        raw = super().__get__(instance, cls)  # loads a deferred field if needed
        if raw is None:
            return None
        return self.field.decrypt_for(instance, raw)

    def __set__(self, instance: Any, value: Any) -> None:
        if value is not None and not isinstance(value, Ciphertext):
            value = Ciphertext(crypto.encrypt(self.field.encode_plaintext(value)))
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """A secret string, Fernet-encrypted with the first key of `PORTAL_ENCRYPTION_KEYS`."""

    descriptor_class = _EncryptedAttribute

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)  # never in a ModelForm: admin forms are write-only
        super().__init__(*args, **kwargs)

    def encode_plaintext(self, value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError(f"{self.name} takes a string")
        return value

    def decode_plaintext(self, text: str) -> Any:
        return Plaintext(text)

    def decrypt_for(self, instance: models.Model, raw: str) -> Any:
        try:
            return self.decode_plaintext(crypto.decrypt(raw))
        except crypto.InvalidToken:
            raise DecryptionError(
                f"Cannot decrypt {instance._meta.label}.{self.name} of row pk={instance.pk}: no key "
                "in PORTAL_ENCRYPTION_KEYS opens it. Put the key it was written with back in the "
                "ring (after the current one) and run `manage.py rotate_encryption_key`."
            ) from None

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Ciphertext | None:
        return None if value is None else Ciphertext(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        return model_instance.__dict__.get(self.attname)

    def value_from_object(self, obj: models.Model) -> Any:
        return obj.__dict__.get(self.attname)

    def to_python(self, value: Any) -> Any:
        # Deserialisation (fixtures, serialized test rollback) hands over the stored text: it is
        # ciphertext, as dumpdata wrote it.
        if isinstance(value, str) and not isinstance(value, Ciphertext | Plaintext):
            return Ciphertext(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Ciphertext):
            return str(value)
        if self.is_decrypted(value):
            # A "raw" save (loaddata) reads attributes, i.e. decrypted values: encrypt them again.
            return crypto.encrypt(self.encode_plaintext(value))
        # A bare string here would be stored or compared unencrypted (e.g. QuerySet.update).
        raise TypeError(
            f"{self.name} is encrypted: assign plaintext to the model attribute, "
            "query and update it only with Ciphertext values"
        )

    def is_decrypted(self, value: Any) -> bool:
        return isinstance(value, Plaintext)


class EncryptedJSONField(EncryptedTextField):
    """A JSON object of secrets, encrypted as one value. Assign a new dict to change it."""

    def encode_plaintext(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))

    def decode_plaintext(self, text: str) -> Any:
        return json.loads(text)

    def is_decrypted(self, value: Any) -> bool:
        return isinstance(value, dict)
