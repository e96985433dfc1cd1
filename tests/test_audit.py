import pytest
from django.db import transaction

from integrations.models import AuditEvent, Integration
from integrations.models.audit import AuditEventImmutable
from integrations.services import audit
from integrations.services.audit import CLI
from tests.factories import AuditEventFactory, IntegrationFactory

pytestmark = pytest.mark.django_db


def test_audit_events_are_append_only() -> None:
    event = AuditEventFactory.create()
    event.action = "changed"
    with pytest.raises(AuditEventImmutable):
        event.save()
    with pytest.raises(AuditEventImmutable):
        event.delete()
    with pytest.raises(AuditEventImmutable):
        AuditEvent.objects.update(action="x")
    with pytest.raises(AuditEventImmutable):
        AuditEvent.objects.all().delete()


def test_audit_must_share_the_transaction_of_its_change(django_db_blocker: object) -> None:
    integration = IntegrationFactory.create()
    # pytest-django wraps each test in a transaction; leave it to see the guard bite.
    connection = transaction.get_connection()
    saved = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            audit.record("x", CLI, integration)
    finally:
        connection.in_atomic_block = saved


def test_details_never_carry_a_value_under_a_secret_name(canary: str) -> None:
    integration: Integration = IntegrationFactory.create()
    with transaction.atomic():
        event = audit.record(
            "x", CLI, integration, details={"password": canary, "nested": {"api_key": canary}, "ok": 1}
        )
    assert event.details == {"password": "[redacted]", "nested": {"api_key": "[redacted]"}, "ok": 1}


def test_credential_change_and_failed_change_leave_the_right_audit_trail(
    vcc_integration: Integration, canary: str
) -> None:
    from django.core.exceptions import ValidationError

    from integrations.services import credentials

    credentials.save_credentials(vcc_integration, {"password": canary + "-new"}, CLI)
    with pytest.raises(ValidationError):
        credentials.save_credentials(vcc_integration, {"customer": "BAD NAME"}, CLI)
    assert credentials.save_credentials(vcc_integration, {"password": ""}, CLI) is None  # blank keeps

    actions = list(AuditEvent.objects.order_by("id").values_list("action", "details"))
    assert [a for a, _ in actions] == ["integration.create", "credential.create", "credential.change"]
    assert actions[-1][1]["fields_changed"] == ["password"]
    assert vcc_integration.active_credentials is not None
    assert vcc_integration.active_credentials.version == 2
    assert vcc_integration.active_credentials.secret("password") == canary + "-new"
