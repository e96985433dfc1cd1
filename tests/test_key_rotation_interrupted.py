"""A key rotation killed half-way: the new key alone refuses to start; NEW,OLD starts and resumes.

Real processes on the test database: `rotate_encryption_key` over 20,000 token values in small
batches is killed (SIGKILL) once it has re-encrypted some, then `manage.py check` runs with the
rings an operator might try next.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.test import override_settings

from integrations.models import ApiToken, Integration, KeyCanary
from integrations.services.keys import ensure_canary
from tests.processes import BIN, ROOT, database_url, manage

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
TOKENS = 20_000


def manage_env(var_dir: Path, keys: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_", "PORTAL_"))}
    env.update(
        DATABASE_URL=database_url(),
        VAR_DIR=str(var_dir),
        SECRET_KEY=settings.SECRET_KEY,
        PORTAL_ENCRYPTION_KEYS=keys,
        PORTAL_TOKEN_PEPPER=settings.PORTAL_TOKEN_PEPPER,
        PYTHONUNBUFFERED="1",
    )
    return env


def opens_with(key: str, token: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def stored_tokens() -> list[str]:
    return list(ApiToken.objects.order_by("pk").values_list("value", flat=True))


def test_an_interrupted_rotation_refuses_the_new_key_alone_and_resumes_with_both(tmp_path: Path) -> None:
    with override_settings(PORTAL_ENCRYPTION_KEYS=[OLD]):
        KeyCanary.objects.all().delete()
        ensure_canary()
        integration = Integration.objects.create(vendor="voipstudio", name="vs")
        tokens = []
        for n in range(TOKENS):
            token = ApiToken(integration=integration, name=f"t{n}")
            token.set_value(f"token-value-{n:05d}")
            tokens.append(token)
        ApiToken.objects.bulk_create(tokens, batch_size=2000)

    rotating = subprocess.Popen(
        [str(BIN / "python"), "manage.py", "rotate_encryption_key", "--batch-size", "10"],
        cwd=ROOT,
        env=manage_env(tmp_path, f"{NEW},{OLD}"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        first = ApiToken.objects.order_by("pk").first()
        assert first is not None
        deadline = time.monotonic() + 120
        while not opens_with(NEW, ApiToken.objects.values_list("value", flat=True).get(pk=first.pk)):
            assert rotating.poll() is None, "the rotation ended before it could be interrupted"
            assert time.monotonic() < deadline, "the rotation never re-encrypted a token"
            time.sleep(0.02)
        os.killpg(rotating.pid, signal.SIGKILL)
    finally:
        if rotating.poll() is None:
            os.killpg(rotating.pid, signal.SIGKILL)
        rotating.wait(timeout=30)

    values = stored_tokens()
    under_new = sum(opens_with(NEW, value) for value in values)
    assert 0 < under_new < TOKENS, "the kill must land mid-way"
    assert opens_with(OLD, values[-1])
    assert opens_with(OLD, KeyCanary.objects.values_list("value", flat=True).get())

    # The operator drops the old key too soon: every entry point refuses, saying what to do.
    alone = manage(manage_env(tmp_path, NEW), "check")
    assert alone.returncode != 0
    assert "cannot decrypt the secrets stored in the database" in alone.stderr
    assert "NEW,OLD" in alone.stderr

    # With both keys the portal starts, and the rotation resumes where it stopped.
    both = manage_env(tmp_path, f"{NEW},{OLD}")
    assert manage(both, "check").returncode == 0
    resumed = manage(both, "rotate_encryption_key", "--json", "--batch-size", "500")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert '"complete": true' in resumed.stdout

    finished = manage(manage_env(tmp_path, NEW), "check")
    assert finished.returncode == 0, finished.stderr
    assert all(opens_with(NEW, value) for value in stored_tokens())
    assert (
        Fernet(NEW.encode()).decrypt(stored_tokens()[-1].encode()) == f"token-value-{TOKENS - 1:05d}".encode()
    )
