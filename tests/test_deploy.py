"""The production posture: `check --deploy` is clean with the README's production settings, and a
real gunicorn behind a (simulated) TLS proxy answers with the security headers, redirects plain
http, and records the person's address from X-Forwarded-For."""

import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet
from django.test import Client

from tests.processes import BIN, ROOT, manage

README = ROOT / "README.md"
HOST = "switchboard.example.com"


def csp_directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def assert_security_headers(headers: Any, hsts: str = "max-age=31536000; includeSubDomains") -> None:
    csp = csp_directives(headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert headers["Strict-Transport-Security"] == hsts
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_a_response_with_debug_off_carries_the_security_headers(settings: Any) -> None:
    assert settings.DEBUG is False  # the test run's posture, as in production
    settings.SECURE_SSL_REDIRECT = True  # the suite itself runs on plain http (pyproject's env)
    client = Client()
    plain = client.get("/admin/login/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/admin/login/"
    answer = client.get("/admin/login/", secure=True)
    assert answer.status_code == 200
    assert_security_headers(answer.headers)


# --- the README's production settings, in real processes ---------------------------------------
def production_example() -> dict[str, str]:
    """The KEY=VALUE lines of the README's production example."""
    text = README.read_text()
    marker = text.index("<!-- production example:")
    block = re.search(r"```sh\n(.*?)```", text[marker:], flags=re.DOTALL)
    assert block is not None
    lines = [line for line in block.group(1).splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


@pytest.fixture
def production_env(tmp_path: Path) -> dict[str, str]:
    """The example as a deployer fills it in: real secrets, a real key file; and, as this machine
    has no db.internal, a SQLite file (the check and the web work the same on either)."""
    example = production_example()
    keys = tmp_path / "encryption.keys"
    keys.write_text(Fernet.generate_key().decode() + "\n")
    env = {
        k: v
        for k, v in os.environ.items()
        # The test run's own posture stays behind (the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE too).
        if not k.startswith(
            ("DATABASE_URL", "CELERY_", "PORTAL_", "SECURE_", "REQUIRE_2FA", "DEBUG", "DJANGO_")
        )
    }
    env.update(example)
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        PORTAL_ENCRYPTION_KEYS_FILE=str(keys),
        PORTAL_TOKEN_PEPPER=secrets.token_urlsafe(32),
        DATABASE_URL=f"sqlite:///{tmp_path / 'switchboard.sqlite3'}",
        VAR_DIR=str(tmp_path / "var"),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.mark.slow
def test_check_deploy_is_clean_with_the_readmes_production_settings(production_env: dict[str, str]) -> None:
    assert production_example()["DEBUG"] == "false"
    migrated = manage(production_env, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    checked = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stderr
    assert "System check identified no issues (0 silenced)." in checked.stdout
    assert "WARNINGS" not in checked.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def gunicorn(production_env: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    # This machine is the proxy: its loopback address is the trusted one.
    env = {**production_env, "TRUSTED_PROXIES": "127.0.0.1"}
    assert manage(env, "migrate", "--no-input").returncode == 0
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(url, timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, "gunicorn did not start"
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        yield url, env
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def through_the_proxy(person: str) -> dict[str, str]:
    return {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": f"6.6.6.6, {person}"}


@pytest.mark.slow
def test_behind_the_proxy_https_is_enforced_and_the_person_is_recorded(
    gunicorn: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = gunicorn
    plain = requests.get(f"{url}/admin/login/", headers={"Host": HOST}, allow_redirects=False, timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://{HOST}/admin/login/"

    page = requests.get(f"{url}/admin/login/", headers=through_the_proxy("203.0.113.9"), timeout=10)
    assert page.status_code == 200
    assert_security_headers(page.headers, hsts="max-age=31536000; includeSubDomains; preload")
    assert "Secure" in page.headers["Set-Cookie"]

    # Ten wrong passwords through the proxy: the lockout and its audit event name the person.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    cookie = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"])
    assert token is not None and cookie is not None
    for n in range(10):
        answer = requests.post(
            f"{url}/admin/login/",
            headers={
                **through_the_proxy("203.0.113.9"),
                "Origin": f"https://{HOST}",
                "Cookie": f"csrftoken={cookie.group(1)}",
            },
            data={"csrfmiddlewaretoken": token.group(1), "username": "nobody", "password": f"wrong-{n}"},
            allow_redirects=False,
            timeout=30,
        )
    assert answer.status_code == 429
    assert "Too many failed attempts; try again in 15 minutes" in answer.text
    database = env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT source_ip FROM integrations_auditevent WHERE action = 'login.lockout'"
        ).fetchall()
    assert rows == [("203.0.113.9",)]


@pytest.mark.slow
def test_the_proxy_header_is_believed_only_when_the_setting_says_so(production_env: dict[str, str]) -> None:
    show = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    behind = manage(production_env, "shell", "-c", show)
    direct = manage({**production_env, "BEHIND_TLS_PROXY": "false"}, "shell", "-c", show)
    assert behind.stdout.splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert direct.stdout.splitlines()[-1] == "None"
