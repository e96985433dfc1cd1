"""Bad input on the integration page is a form error and saves nothing: schedules, tokens, allowlists."""

import pytest
from django.test import Client
from django_celery_beat.models import CrontabSchedule

from integrations.models import AllowlistEntry, AuditEvent, Integration, PullSchedule
from integrations.services import allowlists
from integrations.services.audit import CLI
from tests import beat
from tests.sandbox import SandboxFactory
from tests.test_admin_integrations import change_url, form_data
from tests.test_pull_admin import schedule_rows

pytestmark = pytest.mark.django_db


def crontab_row(**overrides: str) -> dict[str, str]:
    row = {
        "resource": "cdrs",
        "kind": "crontab",
        "every_minutes": "",
        "cron_minute": "0",
        "cron_hour": "*",
        "cron_day_of_week": "*",
        "enabled": "on",
    }
    row.update(overrides)
    return schedule_rows(**row)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cron_minute", "99", "not in 0-59"),
        ("cron_hour", "25", "not in 0-23"),
        ("cron_day_of_week", "funday", "funday"),
        ("cron_minute", "*/0", ""),
    ],
)
def test_a_crontab_beat_would_refuse_is_a_form_error_and_creates_no_beat_task(
    admin_client: Client, sandbox: SandboxFactory, field: str, value: str, message: str
) -> None:
    integration = sandbox("vcclive").integration
    response = admin_client.post(
        change_url(integration), {**form_data(integration), **crontab_row(**{field: value})}
    )
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][-1].formset.errors
    assert field in errors[0], errors
    assert message in " ".join(errors[0][field])
    assert not PullSchedule.objects.exists()
    assert not beat.tasks().exists() and not CrontabSchedule.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="schedule").exists()


def test_switching_a_schedule_between_kinds_leaves_no_orphan_schedule_rows(
    admin_client: Client, sandbox: SandboxFactory
) -> None:
    integration = sandbox("vcclive").integration
    assert (
        admin_client.post(
            change_url(integration),
            {**form_data(integration), **crontab_row(cron_minute="15", cron_hour="3")},
        ).status_code
        == 302
    )
    schedule = PullSchedule.objects.get()
    assert CrontabSchedule.objects.filter(minute="15", hour="3").count() == 1

    def edit(**row: str) -> dict[str, str]:
        data = {**form_data(integration), **crontab_row(**row)}
        data.update(
            {
                "pull_schedules-INITIAL_FORMS": "1",
                "pull_schedules-0-id": str(schedule.pk),
                "pull_schedules-0-integration": str(integration.pk),
            }
        )
        return data

    assert (
        admin_client.post(change_url(integration), edit(kind="interval", every_minutes="20")).status_code
        == 302
    )
    assert not CrontabSchedule.objects.filter(minute="15", hour="3").exists()
    assert list(beat.intervals().values_list("every", flat=True)) == [20]

    assert admin_client.post(change_url(integration), edit(cron_minute="45")).status_code == 302
    assert not beat.intervals().exists()
    assert list(CrontabSchedule.objects.values_list("minute", flat=True)) == ["45"]

    assert (
        admin_client.post(
            change_url(integration), {**edit(cron_minute="45"), "pull_schedules-0-DELETE": "on"}
        ).status_code
        == 302
    )
    assert not beat.tasks().exists()
    assert not CrontabSchedule.objects.exists() and not beat.intervals().exists()


def token_row(**fields: str) -> dict[str, str]:
    row = {
        "api_tokens-TOTAL_FORMS": "1",
        "api_tokens-INITIAL_FORMS": "0",
        "api_tokens-0-name": "reporting",
        "api_tokens-0-new_value": "token-value-0123456789",
        "api_tokens-0-issued_at_0": "2026-11-10",
        "api_tokens-0-issued_at_1": "10:00:00",
    }
    row.update({f"api_tokens-0-{k}": v for k, v in fields.items()})
    return row


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"expires_at_0": "2026-11-01", "expires_at_1": "10:00:00"},
            "expires_at",
            "expires after it was issued",
        ),
        (
            {"expires_at_0": "2026-11-10", "expires_at_1": "10:00:00"},
            "expires_at",
            "expires after it was issued",
        ),
        (
            {"revoked_at_0": "2026-11-09", "revoked_at_1": "23:59:00"},
            "revoked_at",
            "revoked before it was issued",
        ),
    ],
)
def test_a_token_expiring_or_revoked_before_it_was_issued_is_a_form_error(
    admin_client: Client, vcc_integration: Integration, fields: dict[str, str], field: str, message: str
) -> None:
    response = admin_client.post(
        change_url(vcc_integration), form_data(vcc_integration, **token_row(**fields))
    )
    assert response.status_code == 200
    formset = next(
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "api_tokens"
    )
    assert message in " ".join(formset.errors[0][field])
    assert not vcc_integration.api_tokens.exists()


def test_a_token_expiring_after_its_issue_is_saved(
    admin_client: Client, vcc_integration: Integration
) -> None:
    fields = {"expires_at_0": "2027-11-10", "expires_at_1": "10:00:00"}
    response = admin_client.post(
        change_url(vcc_integration), form_data(vcc_integration, **token_row(**fields))
    )
    assert response.status_code == 302
    assert vcc_integration.api_tokens.get().expires_at is not None


def allowlist_rows(*cidrs: str, initial: int = 0) -> dict[str, str]:
    data = {"allowlist-TOTAL_FORMS": str(len(cidrs)), "allowlist-INITIAL_FORMS": str(initial)}
    for i, cidr in enumerate(cidrs):
        data.update({f"allowlist-{i}-kind": "vendor", f"allowlist-{i}-cidr": cidr, f"allowlist-{i}-note": ""})
    return data


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("198.51.100.9", "198.51.100.9/32"),
        ("2001:db8::5", "2001:DB8::5"),
        ("2001:db8::5", "2001:db8:0::5/128"),
    ],
)
def test_an_address_already_listed_written_another_way_is_a_form_error(
    admin_client: Client, vcc_integration: Integration, stored: str, typed: str
) -> None:
    allowlists.add_entry(vcc_integration, stored, CLI, kind="vendor")
    events = AuditEvent.objects.count()
    response = admin_client.post(
        change_url(vcc_integration), form_data(vcc_integration, **allowlist_rows(typed))
    )
    assert response.status_code == 200
    assert "is already on this allowlist (Registered at the vendor" in response.content.decode()
    assert AllowlistEntry.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_the_same_address_twice_in_one_save_is_a_form_error(
    admin_client: Client, vcc_integration: Integration
) -> None:
    response = admin_client.post(
        change_url(vcc_integration),
        form_data(vcc_integration, **allowlist_rows("198.51.100.9", "198.51.100.9/32")),
    )
    assert response.status_code == 200
    assert "The same address is listed twice" in response.content.decode()
    assert not AllowlistEntry.objects.exists()


def test_an_address_is_stored_in_its_canonical_form(
    admin_client: Client, vcc_integration: Integration
) -> None:
    response = admin_client.post(
        change_url(vcc_integration), form_data(vcc_integration, **allowlist_rows("2001:DB8::5/128"))
    )
    assert response.status_code == 302
    assert AllowlistEntry.objects.get().cidr == "2001:db8::5"
