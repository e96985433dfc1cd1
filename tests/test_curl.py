"""The copyable curl line: run by a real shell, only our placeholders expand; typed text stays text."""

import shlex
import subprocess

from integrations.http import HttpRequest
from integrations.services.curl import curl_command
from integrations.vendors.base import Account
from integrations.vendors.collect.connector import Collect
from integrations.vendors.voipcloud.connector import VoipCloud

HOSTILE = "$(touch owned)`id`$HOME"


def words_as_the_shell_sees_them(line: str, **env: str) -> list[str]:
    """The words bash passes to curl for `line` (printed one a line instead of run)."""
    script = line.replace("curl ", "printf '%s\\n' ", 1)
    shown = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, check=True)
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
