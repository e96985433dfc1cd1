"""The copyable curl line: run by a real shell, only our placeholders expand; typed text stays text."""

import json
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from integrations.http import HttpRequest
from integrations.registry import VENDORS, get_connector
from integrations.services.curl import curl_command
from integrations.vendors.base import Account, Connector
from integrations.vendors.catalogue import Endpoint
from integrations.vendors.collect.connector import Collect
from integrations.vendors.voipcloud.connector import VoipCloud

HOSTILE = "$(touch owned)`id`$HOME"


def words_as_the_shell_sees_them(line: str, **env: str) -> list[str]:
    """The words bash passes to curl for `line` (printed one a line instead of run)."""
    script = line.replace("curl ", "printf '%s\\n' ", 1)
    with tempfile.TemporaryDirectory() as scratch:  # were anything to run, it would run there
        shown = subprocess.run(
            ["bash", "-c", script], env=env, cwd=scratch, capture_output=True, text=True, check=True
        )
    return shown.stdout.splitlines()


def collect_account(op_id: str) -> Account:
    return Account("https://api.example.com/api/v1/", {"op_id": op_id}, lambda name: "")


def test_a_typed_value_is_never_expanded_and_the_placeholder_is() -> None:
    request = HttpRequest("GET", "https://api.example.com/api/v1/collect/data/operator")
    login, call = curl_command(Collect, collect_account(HOSTILE), request).splitlines()[1:]
    words = words_as_the_shell_sees_them(login, COLLECT_OP_PASSWORD="the-password")
    assert words[-1] == f'{{"op_id": "{HOSTILE}", "op_password": "the-password"}}'
    bearer = words_as_the_shell_sees_them(call, COLLECT_ACCESS_TOKEN="tok-1")
    assert "Authorization: Bearer tok-1" in bearer


def test_form_fields_are_multipart_options_and_a_leading_at_is_not_a_file() -> None:
    request = HttpRequest(
        "POST",
        "https://pbx.example.com/api/integration/v2/call-to-number",
        form=(("user_number", "201"), ("number_to_call", "+61290001234"), ("caller_id", "@/etc/passwd")),
    )
    account = Account("https://pbx.example.com/api/integration/v2/", {"pbx_host": "pbx.example.com"}, str)
    line = curl_command(VoipCloud, account, request)
    assert "-F user_number=201 -F number_to_call=+61290001234 --form-string caller_id=@/etc/passwd" in line
    assert "application/json" not in line
    assert shlex.split(line)[-1] == "caller_id=@/etc/passwd"
    assert "token: the-key" in words_as_the_shell_sees_them(line, VOIPCLOUD_API_KEY="the-key")


# --- hostile values, executed ------------------------------------------------------------------
# Each would create a file in the current folder if the shell ran any part of it.
ATTACKS = (
    "$(touch pwned-dollar)",
    "`touch pwned-backtick`",
    "'; touch pwned-quote #",
    '"; touch pwned-dquote; "',
    "x\ntouch pwned-newline",
    "$(: > PWNED-UPPER)",  # survives upper-casing, as a variable name would
)
# Valid public values for each vendor's fields; every public field must be listed.
BENIGN = {
    "vcclive": {"customer": "acme"},
    "voipstudio": {"email": "ops@example.com", "user_id": "1234"},
    "collect": {"op_id": "OWN", "database": "cv_masterdb"},
    "ipscape": {"subdomain": "acme", "active_key": "1"},
    "voipcloud": {"pbx_host": "pbx.example.com"},
}
# Public fields that choose which secret is sent and never reach the line themselves.
SELECTORS = {("ipscape", "active_key")}
STUB = 'curl() { printf "%s\\n" "$@"; }\n'


def run_in_scratch(line: str, folder: Path, variables: list[str]) -> str:
    """Run the curl line with bash in an empty folder, curl being a function that prints its words.

    The secret variables hold attacks too: their expansion must not be read as commands either.
    """
    env = {"PATH": os.environ["PATH"], "HOME": str(folder), "LC_ALL": "C.UTF-8"}
    env.update({name: "$(touch pwned-secret)`touch pwned-secret2`" for name in variables})
    done = subprocess.run(
        ["bash", "-c", STUB + line], cwd=folder, env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def variables_of(connector: type[Connector]) -> list[str]:
    key = connector.key.upper()
    names = [f"{key}_{field.upper()}" for field in connector.sensitive_fields()]
    return [*names, f"{key}_ACCESS_TOKEN", f"{key}_USER_TOKEN"]


def accounts_with(connector: type[Connector], attack: str) -> Iterator[tuple[str, Account]]:
    """(field, account) for each public field holding `attack`, the others valid, once for each
    set of credentials the vendor accepts (VoIPstudio logs in with an e-mail or a user id)."""
    benign = BENIGN[connector.key]
    assert set(benign) == {f.name for f in connector.public_fields()}, "list every public field above"
    groups = connector.credential_sets or (tuple(f.name for f in connector.credential_fields),)
    for group in groups:
        public = {name: value for name, value in benign.items() if name in group}
        for field in public:
            hostile = {**public, field: attack}
            base_url = connector.default_base_url(hostile) or "https://api.example.com/v1/"
            yield field, Account(base_url, hostile, lambda name: "")


def reached_the_line(attack: str, output: str) -> bool:
    """Whether curl was handed the attack as data (its file name survives any encoding)."""
    match = re.search(r"pwned-[a-z]+", attack, flags=re.IGNORECASE)
    assert match is not None
    return match.group() in output


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_hostile_public_fields_create_no_file_when_the_line_is_pasted(vendor: str, tmp_path: Path) -> None:
    connector = get_connector(vendor)
    # The public fields travel in the base URL and the auth step, the same for every endpoint.
    endpoint = connector.connectivity_endpoint()
    cleaned, errors = endpoint.clean({})
    assert not errors
    for attack in ATTACKS:
        for field, account in accounts_with(connector, attack):
            request = connector.build_request(account, endpoint, cleaned)
            output = run_in_scratch(
                curl_command(connector, account, request), tmp_path, variables_of(connector)
            )
            assert list(tmp_path.iterdir()) == [], (vendor, field, attack)
            if (vendor, field) not in SELECTORS:
                assert reached_the_line(attack, output), (vendor, field, attack)


def hostile_values(endpoint: Endpoint, attack: str) -> dict[str, Any]:
    """Every parameter holding the attack, past the form's checks (as if they let it through);
    a path value the path formats as a date stays a date."""
    values: dict[str, Any] = {}
    for param in endpoint.params:
        if param.in_path and param.kind == "date":
            values[param.name] = date(2026, 11, 23)
        elif param.kind == "json":
            values[param.name] = [{"property": attack, "operator": "eq", "value": attack}]
        else:
            values[param.name] = attack
    return values


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_hostile_test_page_parameters_create_no_file_when_the_line_is_pasted(
    vendor: str, tmp_path: Path
) -> None:
    connector = get_connector(vendor)
    _, account = next(accounts_with(connector, BENIGN[vendor][connector.public_fields()[0].name]))
    for attack in ATTACKS:
        for endpoint in connector.endpoints:
            # What the test page would send for the attack typed in each field it accepts it in...
            typed = {
                p.name: json.dumps([{"property": "id", "operator": "eq", "value": attack}])
                if p.kind == "json"
                else attack
                for p in endpoint.params
            }
            for name, raw in typed.items():
                cleaned, errors = endpoint.clean(
                    {**{p.name: p.initial() for p in endpoint.params}, name: raw}
                )
                if errors:
                    continue  # refused with a message, nothing built
                request = connector.build_request(account, endpoint, cleaned)
                output = run_in_scratch(
                    curl_command(connector, account, request), tmp_path, variables_of(connector)
                )
                assert list(tmp_path.iterdir()) == [], (vendor, endpoint.key, name, attack)
                assert reached_the_line(attack, output), (vendor, endpoint.key, name, attack)
            # ...and every parameter at once, past the checks.
            request = connector.build_request(account, endpoint, hostile_values(endpoint, attack))
            run_in_scratch(curl_command(connector, account, request), tmp_path, variables_of(connector))
            assert list(tmp_path.iterdir()) == [], (vendor, endpoint.key, attack)


def test_a_typed_placeholder_name_stays_text() -> None:
    """Only the secrets we put in become variables: a typed "$COLLECT_OP_PASSWORD" is not one."""
    request = HttpRequest("GET", "https://api.example.com/api/v1/collect/data/operator")
    login = curl_command(Collect, collect_account("$COLLECT_OP_PASSWORD"), request).splitlines()[1]
    words = words_as_the_shell_sees_them(login, COLLECT_OP_PASSWORD="the-password")
    assert words[-1] == '{"op_id": "$COLLECT_OP_PASSWORD", "op_password": "the-password"}'


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_every_public_field_refuses_shell_syntax(vendor: str) -> None:
    connector = get_connector(vendor)
    for attack in ATTACKS:
        for field in connector.public_fields():
            errors = connector.validate_credentials({**BENIGN[vendor], field.name: attack})
            assert field.name in errors, (vendor, field.name, attack)


@pytest.mark.parametrize(
    ("vendor", "field", "good", "bad"),
    [
        (
            "voipstudio",
            "email",
            ["ops@example.com", "o'brien+ops@mail.example.co.uk"],
            ["ops", "a@b", "a b@example.com"],
        ),
        ("collect", "op_id", ["OWN", "op01"], ["", "OW N", "OWN;", "op-01", "x" * 33]),
        ("vcclive", "customer", ["acme", "acme-2"], ["Acme", "acme.example", "-acme"]),
        ("ipscape", "subdomain", ["acme"], ["acme.com", "ac_me"]),
        (
            "voipcloud",
            "pbx_host",
            ["pbx.example.com", "au.voipcloud.online"],
            ["pbx.example.com/x", "pbx example"],
        ),
    ],
)
def test_public_fields_follow_the_vendors_formats(
    vendor: str, field: str, good: list[str], bad: list[str]
) -> None:
    f = get_connector(vendor).field(field)
    assert f is not None
    assert [value for value in good if f.validate(value)] == []
    assert [value for value in bad if value and not f.validate(value)] == []
