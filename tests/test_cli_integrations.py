import io
import json
import sys
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations.models import AllowlistEntry, AuditEvent, CredentialVersion, Integration
from tests.conftest import log_text, raw_database_bytes

pytestmark = pytest.mark.django_db


def run(*args: str, stdin: str = "") -> tuple[int, dict[str, Any]]:
    """Run `integrations ... --json` as the CLI would; return its exit code and JSON output."""
    out = io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command("integrations", *args, "--json", stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.stdin = saved
    return code, json.loads(out.getvalue())


def test_add_with_secret_from_environment_is_encrypted_and_never_listed(
    canary: str, monkeypatch: pytest.MonkeyPatch, all_logs: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("VCC_PASSWORD", canary)
    code, added = run(
        "add",
        "--vendor",
        "vcclive",
        "--name",
        "vcc",
        "--set",
        "customer=acme",
        "--set",
        "password=@VCC_PASSWORD",
    )

    assert code == 0, added
    assert added["base_url"] == "https://acme.asp.virtual-call-center.eu/v2/"
    assert canary not in json.dumps(added)
    assert canary.encode() not in raw_database_bytes()
    assert CredentialVersion.objects.get().secret("password") == canary

    code, listed = run("list")
    assert code == 0
    assert [i["name"] for i in listed["integrations"]] == ["vcc"]
    assert listed["integrations"][0]["credential_version"] == 1
    assert canary not in json.dumps(listed)
    assert canary not in log_text(all_logs)
    assert AuditEvent.objects.filter(action="credential.create").exists()
    assert canary not in json.dumps(list(AuditEvent.objects.values("details", "target_repr")))


def test_add_reads_a_secret_from_stdin(canary: str) -> None:
    code, added = run(
        "add",
        "--vendor",
        "voipcloud",
        "--name",
        "pbx",
        "--set",
        "pbx_host=pbx.example.com",
        "--set",
        "api_key=-",
        stdin=canary + "\n",
    )
    assert code == 0, added
    assert CredentialVersion.objects.get().secret("api_key") == canary


def test_secret_given_literally_is_refused_without_echo_and_saves_nothing(canary: str) -> None:
    code, result = run(
        "add", "--vendor", "vcclive", "--name", "vcc", "--set", "customer=acme", "--set", f"password={canary}"
    )
    assert code == 1
    assert "never taken literally" in result["error"]
    assert "password=@ENVVAR" in result["error"]
    assert canary not in result["error"]
    assert not Integration.objects.exists()


def test_text_mode_failure_raises_command_error(canary: str) -> None:
    with pytest.raises(CommandError, match="never taken literally") as caught:
        call_command(
            "integrations", "add", "--vendor", "vcclive", "--name", "x", "--set", f"password={canary}"
        )
    assert canary not in str(caught.value)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vendor", "nosuch", "--name", "x"], "unknown vendor 'nosuch'; known vendors: vcclive"),
        (
            ["--vendor", "vcclive", "--name", "x", "--set", "customer=acme"],
            "password: API password is required",
        ),
        (
            ["--vendor", "vcclive", "--name", "x", "--set", "customer=Not A Host", "--set", "password=@HOME"],
            "lower-case host name",
        ),
        (
            [
                "--vendor",
                "vcclive",
                "--name",
                "x",
                "--set",
                "color=blue",
                "--set",
                "customer=a",
                "--set",
                "password=@HOME",
            ],
            "unknown field",
        ),
        (
            ["--vendor", "collect", "--name", "x", "--set", "op_id=1", "--set", "op_password=@HOME"],
            "no default address",
        ),
        (
            ["--vendor", "voipstudio", "--name", "x", "--set", "email=a@b.co"],
            "needs email+password or user_id+api_token",
        ),
        (
            ["--vendor", "vcclive", "--name", "x", "--set", "password=@NO_SUCH_VARIABLE_HERE"],
            "NO_SUCH_VARIABLE_HERE is not set",
        ),
    ],
)
def test_bad_add_input_gets_a_clear_error_and_saves_nothing(args: list[str], message: str) -> None:
    code, result = run("add", *args)
    assert code == 1
    assert message in result["error"]
    assert not Integration.objects.exists()
    assert not AuditEvent.objects.exists()


def test_duplicate_name_is_refused(vcc_integration: Integration) -> None:
    code, result = run(
        "add",
        "--vendor",
        "vcclive",
        "--name",
        vcc_integration.name,
        "--set",
        "customer=b",
        "--set",
        "password=@HOME",
    )
    assert code == 1
    assert "already exists" in result["error"]


def test_allowlist_add_list_remove_with_audit(vcc_integration: Integration) -> None:
    code, added = run(
        "allowlist", "vcc-main", "add", "203.0.113.0/24", "--kind", "vendor", "--note", "NAT gateway"
    )
    assert code == 0, added
    code, added6 = run("allowlist", "vcc-main", "add", "2001:db8::1")
    assert code == 0 and added6["added"] == "2001:db8::1"

    code, listed = run("allowlist", "vcc-main", "list")
    assert {(e["kind"], e["cidr"]) for e in listed["entries"]} == {
        ("vendor", "203.0.113.0/24"),
        ("inbound", "2001:db8::1"),
    }

    code, _removed = run("allowlist", "vcc-main", "remove", "203.0.113.0/24", "--kind", "vendor")
    assert code == 0
    assert list(AllowlistEntry.objects.values_list("cidr", flat=True)) == ["2001:db8::1"]
    actions = list(AuditEvent.objects.filter(action__startswith="allowlist").values_list("action", flat=True))
    assert sorted(actions) == ["allowlist.add", "allowlist.add", "allowlist.remove"]


@pytest.mark.parametrize(
    ("cidr", "message"),
    [
        ("203.0.113.300", "is not an IPv4/IPv6 address or CIDR"),
        ("203.0.113.5/24", "has host bits set: did you mean 203.0.113.0/24?"),
        ("2001:db8::1/32", "has host bits set"),
        ("10.0.0.0/33", "is not an IPv4/IPv6 address or CIDR"),
    ],
)
def test_malformed_allowlist_entries_are_refused_and_save_nothing(
    vcc_integration: Integration, cidr: str, message: str
) -> None:
    events_before = AuditEvent.objects.count()
    code, result = run("allowlist", "vcc-main", "add", cidr)
    assert code == 1
    assert message in result["error"]
    assert not AllowlistEntry.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_allowlist_of_an_unknown_integration_is_a_clear_error(db: None) -> None:
    code, result = run("allowlist", "nope", "list")
    assert code == 1
    assert "no integration named 'nope'" in result["error"]


def test_cli_test_prints_the_contract_and_exits_0_only_when_ok(sandbox: Any) -> None:
    box = sandbox("voipcloud")
    code, ok = run("test", box.integration.name)
    assert code == 0
    assert {"integration", "endpoint", "ok", "diagnosis", "status_code", "latency_ms", "message"} <= set(ok)
    assert (ok["endpoint"], ok["ok"], ok["diagnosis"], ok["status_code"]) == (
        "connection",
        True,
        "ok",
        200,
    )

    code, with_params = run("test", box.integration.name, "--endpoint", "user_calls", "--param", "limit=2")
    assert code == 0 and with_params["diagnosis"] == "ok"

    box.app.configure(fault="500")
    code, failed = run("test", box.integration.name)
    assert code == 1
    assert failed["diagnosis"] == "vendor_error"

    code, bad = run("test", box.integration.name, "--endpoint", "user_calls", "--param", "limit=10001")
    assert code == 1
    assert "limit: Limit must be at most 10000" in bad["error"]
    code, unknown = run("test", box.integration.name, "--endpoint", "nope")
    assert code == 1 and "unknown endpoint 'nope'" in unknown["error"]
