"""`reports run --json`: exactly one JSON object on stdout, whatever the e-mail backend prints."""

import email
import io
import json
from datetime import datetime
from email.header import decode_header, make_header
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations.models import Report
from tests.factories import IntegrationFactory
from tests.processes import manage
from tests.report_data import generate
from tests.test_smoke_run import run_env as run_env

CONSOLE = "django.core.mail.backends.console.EmailBackend"


def subject(printed: str) -> str:
    """The decoded subject of the message the console backend printed."""
    message = email.message_from_string(printed.split("\n" + "-" * 79)[0])
    return str(make_header(decode_header(message["Subject"])))


def run(*args: str) -> tuple[int, str, str]:
    """`reports run ... --json` as the CLI runs it: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("reports", "run", *args, "--json", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_with_the_console_backend_stdout_is_one_json_object_and_the_email_goes_to_stderr(
    settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.EMAIL_BACKEND = CONSOLE
    integration = IntegrationFactory.create(name="east")
    generate([integration], 100, start=datetime(2026, 11, 19, tzinfo=ZoneInfo("UTC")), hours=72)
    Report.objects.create(name="daily-ops", timezone="Europe/Budapest", recipients="ops@example.com")

    code, out, err = run("daily-ops", "--date", "2026-11-20")

    assert code == 0
    result = json.loads(out)  # the whole of stdout: one object, nothing before or after it
    assert result["ok"] is True and result["status"] == "succeeded"
    assert result["period"] == "2026-11-20" and result["timezone"] == "Europe/Budapest"
    assert result["period_start"] == "2026-11-20T00:00:00+01:00"
    assert result["totals"]["calls"] > 0 and result["previous_totals"] is not None
    assert result["emailed_to"] == "ops@example.com"
    assert subject(err).startswith("[Switchboard] daily-ops, Friday 20 November 2026: ")  # on our stderr
    assert "Content-Type: text/csv" in err
    assert capsys.readouterr().out == ""  # and nothing at all to the process's stdout


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("nope",), "no report named 'nope'"),
        (("daily-ops", "--date", "20/11/2026"), "--date '20/11/2026' is not a date like 2026-11-20"),
    ],
)
def test_failures_are_one_json_object_with_ok_false_and_a_non_zero_exit(
    args: tuple[str, ...], error: str
) -> None:
    Report.objects.create(name="daily-ops")
    code, out, _ = run(*args)
    assert code == 1
    assert json.loads(out) == {"ok": False, "error": error}


@pytest.mark.django_db
def test_a_report_that_cannot_be_built_says_why_in_json() -> None:
    Report.objects.create(name="mars", timezone="Mars/Olympus")  # saved around the form's validation
    code, out, _ = run("mars")
    assert code == 1
    result = json.loads(out)
    assert result["ok"] is False and "'Mars/Olympus' is not a known time zone" in result["error"]


@pytest.mark.django_db
def test_without_json_an_unknown_report_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="no report named 'nope'"):
        call_command("reports", "run", "nope")


@pytest.mark.slow
def test_as_a_real_process_stdout_parses_as_json(run_env: dict[str, str]) -> None:
    env = {**run_env, "EMAIL_BACKEND": CONSOLE}
    assert manage(env, "migrate", "--no-input").returncode == 0
    created = manage(
        env,
        "shell",
        "-c",
        "from integrations.models import Report; "
        "Report.objects.create(name='daily-ops', timezone='Europe/Budapest', recipients='ops@example.com')",
    )
    assert created.returncode == 0, created.stderr

    built = manage(env, "reports", "run", "daily-ops", "--date", "2026-11-30", "--json")
    assert built.returncode == 0, built.stderr
    result = json.loads(built.stdout)
    assert (result["ok"], result["period"], result["emailed_to"]) == (True, "2026-11-30", "ops@example.com")
    assert subject(built.stderr).startswith("[Switchboard] daily-ops, Monday 30 November 2026: No calls")

    missing = manage(env, "reports", "run", "nope", "--json")
    assert missing.returncode == 1
    assert json.loads(missing.stdout) == {"ok": False, "error": "no report named 'nope'"}
