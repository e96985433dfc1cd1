from django.db import models

from integrations.fields import EncryptedTextField


class KeyCanary(models.Model):
    """A known value encrypted with the ring: if it decrypts, the ring opens what is stored.

    Re-encrypted by key rotation like every other encrypted value.
    """

    value = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "encryption key canary"

    def __str__(self) -> str:
        return f"key canary #{self.pk}"
