"""The database failing for real during a delivery: a 5xx, so the PBX retries, and no partial row.

Two real failures, no mock: a transaction that fails at COMMIT (a trigger leaves a row breaking a
deferred foreign key, which both SQLite and PostgreSQL check only at commit), and the connection
pointed at a database that is not there.
"""

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from integrations.models import CallRecord, Integration, WebhookEndpoint, WebhookEvent
from tests.inbound.conftest import completed_event

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SQLITE_TRIGGER = """
CREATE TRIGGER fail_on_commit AFTER INSERT ON integrations_webhookevent
BEGIN
  INSERT INTO integrations_allowlistentry (integration_id, kind, cidr, note, created_at)
  VALUES (987654321, 'inbound', '192.0.2.1', 'orphan', CURRENT_TIMESTAMP);
END
"""
POSTGRES_TRIGGER = [
    """
    CREATE FUNCTION fail_on_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO integrations_allowlistentry (integration_id, kind, cidr, note, created_at)
      VALUES (987654321, 'inbound', '192.0.2.1', 'orphan', now());
      RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER fail_on_commit AFTER INSERT ON integrations_webhookevent
    FOR EACH ROW EXECUTE FUNCTION fail_on_commit()
    """,
]


class FailingCommit:
    """Every transaction that stores a webhook event fails when it commits, until `end()`."""

    def __init__(self) -> None:
        self.sqlite = connection.vendor == "sqlite"
        with connection.cursor() as cursor:
            for statement in [SQLITE_TRIGGER] if self.sqlite else POSTGRES_TRIGGER:
                cursor.execute(statement)
        self.failing = True

    def end(self) -> None:
        if not self.failing:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER fail_on_commit" + ("" if self.sqlite else " ON integrations_webhookevent")
            )
            if not self.sqlite:
                cursor.execute("DROP FUNCTION fail_on_commit()")
        self.failing = False


@pytest.fixture
def failing_commit() -> Iterator[FailingCommit]:
    outage = FailingCommit()
    yield outage
    outage.end()


@pytest.fixture
def unreachable_database(tmp_path: Any) -> Iterator[None]:
    """The next connection goes to a database that is not there (a closed port, a missing file)."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
    else:
        with socket.socket() as probe:  # a port nobody listens on: bound, never listening, closed
            probe.bind(("127.0.0.1", 0))
            closed_port = probe.getsockname()[1]
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port))
        connection.settings_dict.setdefault("OPTIONS", {})["connect_timeout"] = 2
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def deliver(client: Client, path: str, secret: str) -> Any:
    return client.post(
        path, data=json.dumps(completed_event()), content_type="application/json", HTTP_X_PBX_TOKEN=secret
    )


def test_a_commit_that_fails_answers_503_and_leaves_no_row(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str, failing_commit: FailingCommit
) -> None:
    response = deliver(client, hook_path, webhook_secret)
    assert response.status_code == 503
    assert response.json() == {
        "code": 503,
        "message": "The portal could not store the event; send it again later",
    }
    assert not CallRecord.objects.exists()
    assert not WebhookEvent.objects.exists()
    assert WebhookEndpoint.objects.get(integration=pbx).accepted_count == 0


def test_the_pbx_retry_after_the_outage_stores_the_call_once(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str, failing_commit: FailingCommit
) -> None:
    assert deliver(client, hook_path, webhook_secret).status_code == 503
    failing_commit.end()
    assert deliver(client, hook_path, webhook_secret).status_code == 200
    assert CallRecord.objects.get(integration=pbx).duration_seconds == 120
    assert WebhookEvent.objects.get().outcome == "stored"


def test_an_unreachable_database_answers_503(
    client: Client, pbx: Integration, hook_path: str, webhook_secret: str, unreachable_database: None
) -> None:
    response = deliver(client, hook_path, webhook_secret)
    assert response.status_code == 503
    assert response.json()["code"] == 503
