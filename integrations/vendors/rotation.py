"""How each vendor changes credentials: the `rotation` a connector declares (DESIGN.md's protocol).

Plain data, no Django: the rotation service (`services/rotation/`) runs the state machine, and the
admin and the CLI show these steps in this order. A vendor that lets the portal mint or renew a
credential by API provides that call as a connector method taking a client, an auth and an
account (like `fetch_pages`); a credential that only a person can change is typed in and staged.
"""

import enum
from dataclasses import dataclass, field


class Workflow(enum.StrEnum):
    STAGED = "staged"
    """A person types the new secret: it is staged, verified with a live request, then promoted."""
    TWO_KEYS = "two_keys"
    """Two interchangeable keys, rotated at the vendor by a person: rotate the one not in use,
    verify it, switch to it, then the same for the other."""
    MINT = "mint"
    """The portal mints a new token by API, verifies it, switches to it and revokes the old one."""
    SESSION = "session"
    """The portal renews session tokens: the refresh token first, a new login if that fails."""


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    help: str = ""


STAGE = Step("stage", "Stage the new value", "Type the new secret; the current one keeps serving meanwhile.")
VERIFY = Step("verify", "Verify it with a live request", "The connectivity test, sent with the new value.")
PROMOTE = Step("promote", "Promote it", "The new value becomes active; the old one is kept for rollback.")
# Confirming (retiring the previous version) is the integration's, after the rotation ends.
STAGED_STEPS = (STAGE, VERIFY, PROMOTE)


@dataclass(frozen=True)
class RotationPlan:
    workflow: Workflow
    summary: str
    steps: tuple[Step, ...] = STAGED_STEPS
    person_rotates: tuple[str, ...] = ()
    """Secret fields only a person can rotate: the portal warns when they grow old."""
    key_slots: tuple[str, ...] = ()
    """TWO_KEYS: the two key fields, slot 1 then slot 2."""
    selector: str = ""
    """TWO_KEYS: the public field naming the slot in use ("1" or "2")."""
    where: str = ""
    """Where at the vendor a person changes the credential (`{slot}` = the key's number)."""
    token_field: str = ""
    """MINT: the secret field that carries the minted token; its public companion below."""
    token_companion: str = ""
    staged_fields: tuple[str, ...] = field(default=())
    """Secrets a person may stage (every secret field when empty)."""


def staged(summary: str, where: str, *, person_rotates: tuple[str, ...] = ()) -> RotationPlan:
    return RotationPlan(Workflow.STAGED, summary, where=where, person_rotates=person_rotates)


@dataclass(frozen=True)
class MintedToken:
    """A token the vendor issued to us, as its answer describes it (the value is a secret)."""

    value: str
    name: str
    vendor_id: str = ""
    owner_id: str = ""
    """The vendor's id of the user the token belongs to (VoIPstudio's user_id)."""
    idle_seconds: int | None = None
    """An idle expiry (VoIPstudio: extended by every request); None = never expires."""


@dataclass(frozen=True)
class SessionPair:
    """Session tokens from a login or a refresh (values are secrets)."""

    access: str
    refresh: str
    via: str
    """"refresh" or "login": which call gave them."""
    expires_in: int | None = None
    """Seconds, when the vendor says; None when it does not (Collect! does not)."""
