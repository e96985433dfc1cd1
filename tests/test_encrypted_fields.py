import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from integrations.fields import Ciphertext, DecryptionError
from integrations.models import ApiToken, CredentialVersion, Integration
from tests.conftest import raw_database_bytes
from tests.factories import ApiTokenFactory, IntegrationFactory

pytestmark = pytest.mark.django_db


def test_secret_written_through_the_model_is_not_in_the_raw_database_and_reads_back(
    vcc_integration: Integration, canary: str
) -> None:
    token = ApiTokenFactory.create(integration=vcc_integration, token=canary + "-token")

    assert canary.encode() not in raw_database_bytes()
    version = CredentialVersion.objects.get(integration=vcc_integration)
    assert version.secret("password") == canary
    assert ApiToken.objects.get(pk=token.pk).value == canary + "-token"


def test_stored_value_is_a_ciphertext_whose_repr_hides_it(vcc_integration: Integration) -> None:
    raw = CredentialVersion.objects.values_list("secret_values", flat=True).get()
    assert isinstance(raw, Ciphertext)
    assert repr(raw) == "<ciphertext>"


def test_undecryptable_value_names_model_field_and_row(vcc_integration: Integration, canary: str) -> None:
    version = CredentialVersion.objects.get(integration=vcc_integration)
    with override_settings(PORTAL_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]):
        fresh = CredentialVersion.objects.get(pk=version.pk)
        with pytest.raises(DecryptionError) as caught:
            fresh.secret("password")
    message = str(caught.value)
    assert f"integrations.CredentialVersion.secret_values of row pk={version.pk}" in message
    assert "PORTAL_ENCRYPTION_KEYS" in message
    assert canary not in message
    assert str(CredentialVersion.objects.values_list("secret_values", flat=True).get()) not in message


def test_plaintext_cannot_reach_the_database_through_queryset_update(db: None) -> None:
    token = ApiTokenFactory.create(integration=IntegrationFactory.create())
    with pytest.raises(TypeError, match="encrypted"):
        ApiToken.objects.filter(pk=token.pk).update(value="plain text")


def test_deferred_encrypted_field_loads_and_decrypts(db: None) -> None:
    token = ApiTokenFactory.create(integration=IntegrationFactory.create(), token="deferred-secret-value")
    loaded = ApiToken.objects.defer("value").get(pk=token.pk)
    assert loaded.value == "deferred-secret-value"
