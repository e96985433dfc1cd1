import json
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from integrations.checks import check_key_canary, startup_guard
from integrations.models import ApiToken, AuditEvent, CredentialVersion, Integration
from integrations.services.keys import CanaryStatus, verify_canary
from tests.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def _rotate() -> dict[str, object]:
    out = StringIO()
    call_command("rotate_encryption_key", "--json", "--batch-size", "2", stdout=out)
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def _rewrite_canary() -> None:
    # The canary row is created by migrate under the test run's own ring: re-create it under A.
    from integrations.models import KeyCanary
    from integrations.services.keys import ensure_canary

    KeyCanary.objects.all().delete()
    ensure_canary()


def test_rotation_from_key_a_to_key_b(canary: str) -> None:
    from integrations.services.audit import CLI
    from integrations.services.integrations import create_integration

    with override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_A]):
        _rewrite_canary()
        integrations = [
            create_integration(
                vendor="vcclive",
                name=f"vcc-{n}",
                credential_values={"customer": f"acme{n}", "password": f"{canary}-{n}"},
                actor=CLI,
            )
            for n in range(5)
        ]
        ApiTokenFactory.create(integration=integrations[0], token=canary + "-token")

    with override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        first = _rotate()
        again = _rotate()

    assert first["ok"] is True
    assert first["reencrypted"] == 5 + 1 + 1  # five credential versions, one token, the canary
    assert first["failed"] == 0
    assert again["reencrypted"] == 0
    assert again["already_current"] == 7

    with override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_B]):
        assert verify_canary() is CanaryStatus.OK
        assert check_key_canary() == []
        for n, integration in enumerate(Integration.objects.order_by("name")):
            version = CredentialVersion.objects.get(integration=integration)
            assert version.secret("password") == f"{canary}-{n}"
        assert ApiToken.objects.get().value == canary + "-token"
    assert AuditEvent.objects.filter(action="encryption.rotate").count() == 2


def test_ring_without_the_right_key_refuses_to_start_with_a_clear_message() -> None:
    with override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_A]):
        _rewrite_canary()
    with override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_B]):
        errors = check_key_canary()
        assert [e.id for e in errors] == ["switchboard.E004"]
        assert "cannot decrypt the secrets stored" in errors[0].msg
        assert "NEW,OLD" in (errors[0].hint or "")
        with pytest.raises(ImproperlyConfigured, match="rotate_encryption_key"):
            startup_guard()
        with pytest.raises(SystemCheckError, match=r"switchboard\.E004"):
            call_command("check", stdout=StringIO(), stderr=StringIO())


def test_rotation_reports_rows_no_key_opens_and_fails() -> None:
    with override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_A]):
        _rewrite_canary()
    with override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_B]), pytest.raises(SystemExit) as exited:
        _rotate()
    assert exited.value.code == 1


def test_malformed_key_is_refused_without_echoing_it() -> None:
    with (
        override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_A, "not-a-fernet-key-but-secret"]),
        pytest.raises(ImproperlyConfigured) as caught,
    ):
        startup_guard()
    assert "key #2" in str(caught.value)
    assert "not-a-fernet-key-but-secret" not in str(caught.value)


@override_settings(DEBUG=False, SECRET_KEY_IS_EXPLICIT=False, PORTAL_ENCRYPTION_KEYS_ARE_EXPLICIT=False)
def test_production_refuses_generated_secret_key_and_key_ring() -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        startup_guard()
    assert "SECRET_KEY is not set" in str(caught.value)
    assert "PORTAL_ENCRYPTION_KEYS" in str(caught.value)


@override_settings(
    DEBUG=False,
    SECRET_KEY_IS_EXPLICIT=True,
    PORTAL_ENCRYPTION_KEYS_ARE_EXPLICIT=True,
    PORTAL_TOKEN_PEPPER_IS_EXPLICIT=True,
)
def test_production_starts_with_explicit_secrets() -> None:
    startup_guard()


def test_rotation_re_encrypts_the_canary_last() -> None:
    from integrations.models import KeyCanary
    from integrations.services.keys import encrypted_fields

    columns = [model for model, _ in encrypted_fields()]
    assert columns[-1] is KeyCanary
    assert columns.count(KeyCanary) == 1
    assert ApiToken in columns and CredentialVersion in columns


def test_a_ring_that_opens_the_canary_but_not_the_data_refuses_to_start() -> None:
    """The sample of every encrypted column catches what the canary alone cannot (e.g. the
    canary moved but the last rows of a column are still under the old key)."""
    from integrations import crypto
    from integrations.fields import Ciphertext
    from integrations.models import KeyCanary
    from integrations.services.keys import rotate_field

    with override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_A]):
        _rewrite_canary()
        tokens = [ApiTokenFactory.create() for _ in range(3)]
    with override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        rotate_field(KeyCanary, KeyCanary._meta.get_field("value"))
        first = ApiToken.objects.values_list("value", flat=True).get(pk=tokens[0].pk)
        ApiToken.objects.filter(pk=tokens[0].pk).update(value=Ciphertext(crypto.reencrypt(first)))
        assert check_key_canary() == []  # the full ring opens everything
    with override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_B]):
        assert verify_canary() is CanaryStatus.OK
        errors = check_key_canary()
        assert [e.id for e in errors] == ["switchboard.E005"]
        assert f"integrations.ApiToken.value (row pk={tokens[-1].pk})" in errors[0].msg
        assert f"pk={tokens[0].pk})" not in errors[0].msg
        with pytest.raises(ImproperlyConfigured, match="NEW,OLD"):
            startup_guard()


def test_a_rotation_that_finds_unopenable_values_keeps_the_canary_under_the_old_key() -> None:
    from integrations.fields import Ciphertext
    from integrations.models import KeyCanary

    key_c = Fernet.generate_key().decode()
    with override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_A]):
        _rewrite_canary()
        ApiTokenFactory.create()
    stray = Fernet(key_c.encode()).encrypt(b"written under a key nobody kept").decode()
    ApiToken.objects.update(value=Ciphertext(stray))
    canary_before = KeyCanary.objects.values_list("value", flat=True).get()
    with override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_B, KEY_A]), pytest.raises(SystemExit):
        _rotate()
    assert KeyCanary.objects.values_list("value", flat=True).get() == canary_before
    with override_settings(PORTAL_ENCRYPTION_KEYS=[KEY_B]):
        assert verify_canary() is CanaryStatus.UNREADABLE  # B alone still refuses to start
