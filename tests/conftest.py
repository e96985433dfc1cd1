import logging
import secrets
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.db import connection

from integrations.models import Integration
from integrations.services.audit import CLI
from integrations.services.integrations import create_integration
from tests.factories import UserFactory
from tests.processes import workers  # noqa: F401  (fixtures for every test module)
from tests.sandbox import sandbox  # noqa: F401  (fixtures for every test module)
from tests.workers import broker_url, celery_worker, published  # noqa: F401


@pytest.fixture
def canary() -> str:
    """A secret unique to this test, to search for where it must never appear."""
    return f"canary-{secrets.token_hex(12)}"


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record at every level, from every logger, during the test."""
    caplog.set_level(logging.DEBUG)
    yield caplog


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def raw_database_bytes() -> bytes:
    """The whole test database as SQLite stores it (page images), or a dump for other engines."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return bytes(connection.connection.serialize())
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        tables = [row[0] for row in cursor.fetchall()]
        dump = []
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names come from the catalogue)
            dump.append(repr(cursor.fetchall()))
    return "\n".join(dump).encode()


@pytest.fixture
def integration_admin(db: None) -> User:
    return UserFactory.create(username="ia", groups=["Integration admins"])


@pytest.fixture
def support_user(db: None) -> User:
    return UserFactory.create(username="support", groups=["Support"])


@pytest.fixture
def vcc_integration(db: None, canary: str) -> Integration:
    """A VCC Live integration whose password is the test's canary."""
    return create_integration(
        vendor="vcclive",
        name="vcc-main",
        credential_values={"customer": "acme", "password": canary},
        actor=CLI,
    )
