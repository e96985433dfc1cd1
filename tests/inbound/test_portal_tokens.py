"""Portal API tokens: issued once, stored as a peppered digest, revocable; the CLI's tokens command."""

import hashlib
import hmac
import json
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from integrations.models import AuditEvent, PortalToken, Scope
from integrations.services import portal_tokens
from integrations.services.audit import CLI, Actor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def cli(*args: str) -> tuple[int, dict[str, Any]]:
    out = StringIO()
    try:
        call_command("integrations", *args, "--json", stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


def test_the_value_is_stored_only_as_an_hmac_digest_keyed_by_the_pepper(
    api_owner: User, settings: Any
) -> None:
    issued = portal_tokens.create(name="crm", owner=api_owner, scopes=[Scope.CALLS_READ], actor=CLI)
    row = PortalToken.objects.get()
    assert issued.value.startswith(f"sbt_{row.key}_")
    expected = hmac.new(
        settings.PORTAL_TOKEN_PEPPER.encode(), issued.value.encode(), hashlib.sha256
    ).hexdigest()
    assert row.digest == expected
    assert issued.value not in json.dumps([row.key, row.digest, row.name, row.prefix])
    assert row.prefix == f"sbt_{row.key}_…"
    assert portal_tokens.authenticate(issued.value, "127.0.0.1") == row
    settings.PORTAL_TOKEN_PEPPER = "another-pepper"  # a dump without the pepper checks nothing
    with pytest.raises(portal_tokens.TokenRefused):
        portal_tokens.authenticate(issued.value, "127.0.0.1")


def test_issuing_and_revoking_are_audited_without_the_value(api_owner: User) -> None:
    issued = portal_tokens.create(name="crm", owner=api_owner, scopes=[Scope.CALLS_READ], actor=CLI)
    portal_tokens.revoke(issued.token, CLI)
    events = list(AuditEvent.objects.filter(action__startswith="portal_token.").order_by("id"))
    assert [e.action for e in events] == ["portal_token.create", "portal_token.revoke"]
    assert events[0].details["scopes"] == ["calls:read"] and events[0].details["owner"] == "crm-owner"
    assert all(issued.value not in json.dumps(e.details) + e.target_repr for e in events)
    with pytest.raises(ValidationError, match="already revoked"):
        portal_tokens.revoke(issued.token, CLI)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scopes": []}, "at least one scope"),
        ({"scopes": ["calls:write"]}, "unknown scope"),
        ({"name": "  "}, "name"),
        ({"expires_at": timezone.now() - timedelta(days=1)}, "in the future"),
        ({"allowed_ips": ["10.0.0.1/8"]}, "host bits set"),
        ({"allowed_ips": ["not-an-address"]}, "not an IPv4/IPv6"),
    ],
)
def test_bad_input_is_refused_and_saves_nothing(
    api_owner: User, kwargs: dict[str, Any], message: str
) -> None:
    values: dict[str, Any] = {
        "name": "crm",
        "owner": api_owner,
        "scopes": [Scope.CALLS_READ],
        "actor": CLI,
        **kwargs,
    }
    with pytest.raises(ValidationError, match=message):
        portal_tokens.create(**values)
    assert (
        not PortalToken.objects.exists()
        and not AuditEvent.objects.filter(action="portal_token.create").exists()
    )


def test_nobody_issues_a_token_stronger_than_themselves(db: None) -> None:
    from django.contrib.auth.models import Permission

    boss = User.objects.create_superuser("boss-owner", password="x")
    support = UserFactory.create(username="support-issuer", groups=["Support"])
    with pytest.raises(PermissionDenied):  # Support may not issue tokens at all
        portal_tokens.create(
            name="x", owner=boss, scopes=[Scope.CALLS_READ], actor=Actor(user=support, label="s")
        )
    # Allowed to issue tokens, but not to read calls: a calls token (even for a superuser) is refused.
    issuer = UserFactory.create(username="issuer")
    issuer.user_permissions.add(Permission.objects.get(codename="add_portaltoken"))
    issuer = User.objects.get(pk=issuer.pk)
    with pytest.raises(PermissionDenied, match="may not issue a token that can read call records"):
        portal_tokens.create(
            name="x", owner=boss, scopes=[Scope.CALLS_READ], actor=Actor(user=issuer, label="i")
        )
    # And an owner without the permission cannot hold the scope.
    with pytest.raises(ValidationError, match="support-issuer may not read call records"):
        portal_tokens.create(name="x", owner=support, scopes=[Scope.CALLS_READ], actor=CLI)
    assert not PortalToken.objects.exists()


def test_addresses_are_kept_in_canonical_form(api_owner: User) -> None:
    issued = portal_tokens.create(
        name="crm",
        owner=api_owner,
        scopes=[Scope.CALLS_READ],
        actor=CLI,
        allowed_ips=["2001:DB8::/32", "192.0.2.7/32"],
    )
    assert issued.token.allowed_ips == ["192.0.2.7", "2001:db8::/32"]
    assert issued.token.allows_address("2001:db8::1") and not issued.token.allows_address("192.0.2.8")


def test_cli_creates_a_token_printed_once_and_lists_it_without_the_value(api_owner: User) -> None:
    code, created = cli(
        "tokens",
        "create",
        "CRM sync",
        "--owner",
        "crm-owner",
        "--scope",
        "calls:read",
        "--allow",
        "192.0.2.0/24",
    )
    assert code == 0 and created["ok"] is True
    value = created["value"]
    assert value.startswith("sbt_") and created["token"]["allowed_ips"] == ["192.0.2.0/24"]
    expires = created["token"]["expires_at"]
    assert expires is not None  # 90 days unless told otherwise
    code, listed = cli("tokens", "list")
    assert code == 0 and [t["name"] for t in listed["tokens"]] == ["CRM sync"]
    assert value not in json.dumps(listed)
    code, revoked = cli("tokens", "revoke", created["token"]["prefix"].rstrip("_…"))
    assert code == 0 and revoked["token"]["status"] == "revoked"
    assert cli("tokens", "list")[1]["tokens"] == []
    assert [t["status"] for t in cli("tokens", "list", "--all")[1]["tokens"]] == ["revoked"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--owner", "nobody", "--scope", "calls:read"], "no user named 'nobody'"),
        (["--owner", "crm-owner", "--scope", "calls:read", "--expires", "soon"], "--expires 'soon'"),
        (["--owner", "crm-owner", "--scope", "calls:read", "--allow", "300.1.1.1"], "not an IPv4/IPv6"),
    ],
)
def test_cli_failures_exit_non_zero_with_one_json_object(
    api_owner: User, args: list[str], message: str
) -> None:
    code, result = cli("tokens", "create", "crm", *args)
    assert code == 1 and result["ok"] is False and message in result["error"]
    assert not PortalToken.objects.exists()


def test_cli_expiry_forms(api_owner: User) -> None:
    never = cli(
        "tokens", "create", "a", "--owner", "crm-owner", "--scope", "calls:read", "--expires", "never"
    )[1]
    assert never["token"]["expires_at"] is None
    hours = cli("tokens", "create", "b", "--owner", "crm-owner", "--scope", "calls:read", "--expires", "12h")[
        1
    ]
    assert hours["token"]["expires_at"] > timezone.now().isoformat()
    dated = cli(
        "tokens", "create", "c", "--owner", "crm-owner", "--scope", "calls:read", "--expires", "2099-01-01"
    )[1]
    assert dated["token"]["expires_at"].startswith("2099-01-01")


def test_cli_revoke_of_an_unknown_token_fails(db: None) -> None:
    code, result = cli("tokens", "revoke", "sbt_nothing")
    assert code == 1 and "no portal token" in result["error"]


def test_production_refuses_a_generated_pepper(settings: Any) -> None:
    from integrations.checks import check_explicit_secrets

    settings.DEBUG = False
    settings.SECRET_KEY_IS_EXPLICIT = settings.PORTAL_ENCRYPTION_KEYS_ARE_EXPLICIT = True
    settings.PORTAL_TOKEN_PEPPER_IS_EXPLICIT = False
    assert [e.id for e in check_explicit_secrets()] == ["switchboard.E020"]
    settings.PORTAL_TOKEN_PEPPER_IS_EXPLICIT = True
    assert check_explicit_secrets() == []
