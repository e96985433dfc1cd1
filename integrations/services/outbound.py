"""What a service hands a connector and the HTTP client for one integration."""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings

from integrations.http import HttpClient, Redactor, TargetPolicy
from integrations.models import ApiToken, CredentialVersion, Integration
from integrations.vendors.base import Account


class NotReady(Exception):
    """The integration cannot make requests yet (no credentials, no address)."""


def account_for(
    integration: Integration,
    version: CredentialVersion | None = None,
    session: ApiToken | None = None,
) -> Account:
    """The account as `version` (default: the active one) has it; `session`: a token to send."""
    version = version or integration.active_credentials
    if version is None:
        raise NotReady(f"{integration} has no credentials yet: store them on the integration first.")
    if not integration.base_url:
        raise NotReady(f"{integration} has no base URL: set the account fields or a base URL override.")
    # Secrets are read (decrypted) one at a time, only when the auth step asks for them.
    return Account(
        base_url=integration.base_url,
        public=dict(version.public_values),
        secret=version.secret,
        timezone=integration.timezone,
        session_token=(lambda: session.value) if session is not None else None,
    )


def pin_active(integration: Integration, record: Callable[[CredentialVersion], None]) -> CredentialVersion:
    """The active version, recorded by `record` as in use before anything is sent with it.

    Checked again after recording: a rotation that switched versions in between is seen here (and
    this caller takes the new one), or it sees this caller's record, and waits for it before it
    revokes the old credential. Either way no request goes out on a credential being revoked.
    """
    for _ in range(5):
        active = integration.active_credentials
        if active is None:
            raise NotReady(f"{integration} has no credentials yet: store them on the integration first.")
        record(active)
        if CredentialVersion.objects.filter(pk=active.pk, state="active").exists():
            return active
    raise NotReady(f"{integration}'s credentials are changing right now: try again in a moment.")


def policy_for(integration: Integration) -> TargetPolicy:
    connector = integration.connector
    host = urlsplit(integration.base_url).hostname or ""
    # A typed base URL counts as approved; so does a vendor address that is wholly the customer's
    # own host name (VoIPcloud's PBX host), since an admin typed that too.
    approved = (host,) if (integration.base_url_override or not connector.host_patterns) and host else ()
    return TargetPolicy(
        host_patterns=connector.host_patterns,
        approved_hosts=approved,
        allow_private=settings.ALLOW_PRIVATE_TARGETS,
    )


def redactor_for(integration: Integration, *also: CredentialVersion | None) -> Redactor:
    """A redactor that knows every secret of the active credentials (and of `also`) up front."""
    redactor = Redactor()
    for version in (integration.active_credentials, *also):
        if version is None:
            continue
        for name in integration.connector.sensitive_fields():
            value = version.secret(name)
            if value:
                redactor.add(value)
    return redactor


def client_for(
    integration: Integration,
    redactor: Redactor,
    *,
    deadline: float,
    on_progress: Callable[[str], None] | None = None,
) -> HttpClient:
    """The HTTP client for one integration's requests, each bounded by `deadline` seconds."""
    return HttpClient(
        policy=policy_for(integration),
        redactor=redactor,
        connect_timeout=settings.OUTBOUND_CONNECT_TIMEOUT,
        read_timeout=settings.OUTBOUND_READ_TIMEOUT,
        deadline=deadline,
        on_progress=on_progress,
    )
