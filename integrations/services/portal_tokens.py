"""Portal API tokens: issue (the value shown once), check, record use, revoke. Every change audited.

A token reads `sbt_<key>_<secret>`. The key is public (it names the token in lists and finds its
row); the whole value is stored only as HMAC-SHA256 keyed by PORTAL_TOKEN_PEPPER, so neither a
database dump nor the audit trail can be used as, or to check guesses at, a token.
"""

import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.addresses import normalize_network
from integrations.models import PortalToken, Scope
from integrations.models.portal_tokens import TOKEN_PREFIX
from integrations.services import audit
from integrations.services.audit import Actor

CREATE_PERMISSION = "integrations.add_portaltoken"
REVOKE_PERMISSION = "integrations.change_portaltoken"
# What the token's owner (and whoever issues it) must be allowed to do for each scope: a token
# never does what its owner could not do in the admin.
SCOPE_PERMISSIONS = {
    Scope.CALLS_READ: ("integrations.view_callrecord",),
    Scope.REPORTS_READ: ("integrations.view_reportrun",),
    Scope.TESTS_RUN: ("integrations.run_test",),
    Scope.TESTS_SIDE_EFFECTS: ("integrations.run_test",),
}
KEY_ALPHABET = string.ascii_lowercase + string.digits
KEY_LENGTH = 10
TOKEN_FORMAT = re.compile(rf"{TOKEN_PREFIX}([a-z0-9]{{{KEY_LENGTH}}})_[A-Za-z0-9_-]{{32,64}}")
USE_RECORD_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class Issued:
    token: PortalToken
    value: str
    """The token itself: shown to the person who made it, once, and never stored."""


class TokenRefused(Exception):
    """A token that may not be used; `code` and `message` go into the API's error envelope."""

    def __init__(self, code: str, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def digest(value: str) -> str:
    return hmac.new(settings.PORTAL_TOKEN_PEPPER.encode(), value.encode(), hashlib.sha256).hexdigest()


def lacking_scopes(user: User, scopes: Iterable[str]) -> list[str]:
    """The scopes of `scopes` that `user` lacks a permission for (empty: it may hold them all)."""
    return [s for s in scopes if not all(user.has_perm(p) for p in SCOPE_PERMISSIONS[Scope(s)])]


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted(set(scopes))
    unknown = [s for s in chosen if s not in Scope.values]
    if unknown:
        raise ValidationError(f"unknown scope {', '.join(unknown)}: choose from {', '.join(Scope.values)}")
    if not chosen:
        raise ValidationError(f"choose at least one scope ({', '.join(Scope.values)})")
    return chosen


def clean_networks(networks: Iterable[str]) -> list[str]:
    return sorted({normalize_network(n) for n in networks if n.strip()})


def create(
    *,
    name: str,
    owner: User,
    scopes: Iterable[str],
    actor: Actor,
    expires_at: datetime | None = None,
    allowed_ips: Iterable[str] = (),
) -> Issued:
    """Issue a token. Raises ValidationError (nothing saved) on bad input."""
    if not actor.has_perm(CREATE_PERMISSION):
        raise PermissionDenied("You may not issue portal API tokens.")
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError("name: give the token a name of at most 100 characters")
    chosen = clean_scopes(scopes)
    if not owner.is_active:
        raise ValidationError(f"owner: {owner.get_username()} is not an active user")
    if lacking := lacking_scopes(owner, chosen):
        raise ValidationError(f"owner: {owner.get_username()} may not {_words(lacking)}")
    if actor.user is not None and (lacking := lacking_scopes(actor.user, chosen)):
        raise PermissionDenied(f"You may not issue a token that can {_words(lacking)}.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError("expires: the expiry must be in the future")
    networks = clean_networks(allowed_ips)
    key = "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))
    value = f"{TOKEN_PREFIX}{key}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = PortalToken.objects.create(
            name=name,
            key=key,
            digest=digest(value),
            owner=owner,
            scopes=chosen,
            allowed_ips=networks,
            expires_at=expires_at,
            created_by=actor.user,
        )
        audit.record("portal_token.create", actor, token, details=describe(token))
    return Issued(token, value)


def revoke(token: PortalToken, actor: Actor) -> None:
    if not actor.has_perm(REVOKE_PERMISSION):
        raise PermissionDenied("You may not revoke portal API tokens.")
    with transaction.atomic():
        locked = PortalToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            raise ValidationError(f"{locked} was already revoked.")
        locked.revoked_at, locked.revoked_by = timezone.now(), actor.user
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit.record("portal_token.revoke", actor, locked, details={"key": locked.key, "name": locked.name})
    token.refresh_from_db()


def describe(token: PortalToken) -> dict[str, object]:
    """Everything about a token that may be shown (never its value or digest)."""
    return {
        "name": token.name,
        "key": token.key,
        "prefix": token.prefix,
        "owner": token.owner.get_username(),
        "scopes": list(token.scopes),
        "allowed_ips": list(token.allowed_ips),
        "status": token.status,
        "created_at": token.created_at.isoformat() if token.created_at else None,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "last_used_address": token.last_used_address,
    }


def find(reference: str) -> PortalToken:
    """A token by its key, its prefix (`sbt_<key>`) or its name (when only one has it)."""
    text = reference.strip().removeprefix(TOKEN_PREFIX).split("_")[0]
    matches = list(
        PortalToken.objects.filter(Q(key=text) | Q(name=reference.strip())).select_related("owner")
    )
    if len(matches) != 1:
        raise ValidationError(
            f"no portal token is named or keyed {reference!r}"
            if not matches
            else f"{len(matches)} tokens are named {reference!r}: give the key instead"
        )
    return matches[0]


# --- using a token ---------------------------------------------------------------------------------
def authenticate(value: str, address: str) -> PortalToken:
    """The token `value` is, if it may be used from `address`; TokenRefused says why not."""
    match = TOKEN_FORMAT.fullmatch(value)
    token = PortalToken.objects.select_related("owner").filter(key=match.group(1)).first() if match else None
    # The digest is compared in constant time, and computed whether or not a row was found.
    expected = digest(value)
    if token is None or not hmac.compare_digest(token.digest, expected):
        raise TokenRefused("token_invalid", "The token is not valid.")
    if token.revoked_at is not None:
        raise TokenRefused("token_revoked", "The token was revoked.")
    if token.is_expired:
        raise TokenRefused("token_expired", "The token has expired.")
    if not token.owner.is_active:
        raise TokenRefused("token_invalid", "The token's owner is no longer active.")
    if not token.allows_address(address):
        raise TokenRefused(
            "address_not_allowed", f"The token may not be used from {address or 'this address'}.", 403
        )
    return token


def record_use(token: PortalToken, address: str, user_agent: str) -> None:
    """Remember the last use, writing at most once a minute per token (the row, not every request)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < USE_RECORD_INTERVAL:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - USE_RECORD_INTERVAL)
    PortalToken.objects.filter(stale, pk=token.pk).update(
        last_used_at=now, last_used_address=address or None, last_used_user_agent=user_agent[:200]
    )


def permitted(token: PortalToken, scope: str) -> bool:
    """The token holds `scope` and its owner (still) has the permissions the scope needs."""
    return scope in token.scopes and not lacking_scopes(token.owner, [scope])


def _words(scopes: list[str]) -> str:
    return "; ".join(Scope(s).label.lower() for s in scopes)
