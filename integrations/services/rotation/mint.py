"""A token the vendor mints by API (VoIPstudio): mint, verify, switch, revoke the old one.

The new token's name is chosen and committed before the mint: names are unique per user, so a
process killed while minting is resumed by looking the name up (the token is adopted, not minted
twice), and an abandoned rotation revokes it. The old token is revoked only once no request that
started with it is still running.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from integrations.http import HttpError
from integrations.models import ApiToken, Rotation, RotationState, TokenKind
from integrations.services import credentials
from integrations.services.outbound import account_for, client_for, redactor_for
from integrations.services.rotation.drain import in_flight
from integrations.services.rotation.engine import Ctx, extend_claim, finish, recording
from integrations.services.rotation.verify import verify_step
from integrations.vendors.rotation import MintedToken

FIRST = "mint"


def token_name(rotation: Rotation) -> str:
    # Unique per user at VoIPstudio: the date and time (and the rotation) make it so.
    return f"Switchboard {rotation.integration.name[:50]} {timezone.now():%Y-%m-%d %H:%M:%S} #{rotation.pk}"


def _vendor_call(ctx: Ctx, call: str, **kwargs: object) -> MintedToken | None:
    """One of the connector's token calls, made with the active credential."""
    integration = ctx.integration
    connector = integration.connector
    account = account_for(integration)
    with client_for(
        integration, redactor_for(integration), deadline=settings.OUTBOUND_TEST_DEADLINE
    ) as client:
        auth = connector.auth(account)
        result: MintedToken | None = getattr(connector, call)(client, auth, account, **kwargs)
        return result


def mint_step(ctx: Ctx) -> None:
    rotation, integration = ctx.rotation, ctx.integration
    connector = integration.connector
    plan = connector.rotation
    resumed = "token_name" in rotation.context
    if not resumed:
        rotation.context = {**rotation.context, "token_name": token_name(rotation)}
        Rotation.objects.filter(pk=rotation.pk).update(context=rotation.context)  # before the call
    name = rotation.context["token_name"]
    expiry = settings.VOIPSTUDIO_TOKEN_EXPIRY_DAYS * 86400
    try:
        token = _vendor_call(ctx, "find_token", name=name) if resumed else None
        token = token or _vendor_call(ctx, "mint_token", name=name, expiry_seconds=expiry)
    except HttpError as exc:
        diagnosis = connector.diagnose_error(exc)
        with recording(ctx, "mint") as record:
            record.diagnosis = diagnosis.code.value
            record.failed(
                f"{integration.vendor_label} did not mint a token: {diagnosis.title}. Nothing changed."
            )
            if ctx.unattended:
                finish(rotation, RotationState.FAILED)
        return
    assert token is not None
    active = integration.active_credentials
    owner = (active.public_values.get(plan.token_companion) if active else None) or token.owner_id
    now = timezone.now()
    with recording(ctx, "mint") as record:
        stored = ApiToken(
            integration=integration,
            name=token.name[:100],
            kind=TokenKind.API,
            vendor_id=token.vendor_id,
            idle_seconds=token.idle_seconds,
            issued_at=now,
            expires_at=now + timedelta(seconds=token.idle_seconds) if token.idle_seconds else None,
        )
        stored.set_value(token.value)
        stored.save()
        # Only the token pair: a login (e-mail, password) stays in the previous version alone.
        values = {plan.token_companion: owner, plan.token_field: token.value}
        candidate = credentials.stage(
            integration,
            values,
            ctx.actor,
            note=f"rotation #{rotation.pk}: {token.name}"[:200],
            api_token=stored,
        )
        rotation.candidate, rotation.step = candidate, "verify"
        record.details.update(version=candidate.version, token=stored.value_hint, resumed=resumed)
        record.ok(
            f"{'Found' if resumed else 'Minted'} API token “{token.name}” ({stored.value_hint}); "
            f"staged as version {candidate.version}."
        )


def revoke_minted(ctx: Ctx) -> None:
    """An unused minted token (failed verification, abandoned rotation) is revoked at once."""
    candidate = ctx.rotation.candidate
    name = ctx.rotation.context.get("token_name")
    value = candidate.secret(ctx.integration.connector.rotation.token_field) if candidate else ""
    try:
        if not value and name:
            found = _vendor_call(ctx, "find_token", name=name)
            value = found.value if found else ""
        if value:
            _vendor_call(ctx, "revoke_token", token=value)
            if candidate is not None and candidate.api_token_id is not None:
                ApiToken.objects.filter(pk=candidate.api_token_id).update(revoked_at=timezone.now())
    except HttpError:
        # Best effort: the token was never used; its idle expiry ends it anyway.
        pass


def verify(ctx: Ctx) -> None:
    verify_step(
        ctx,
        next_step="switch",
        retry_step=FIRST,
        passed="The new token works: switch to it.",
        on_failure=lambda: revoke_minted(ctx),
    )


def switch_step(ctx: Ctx) -> None:
    rotation = ctx.rotation
    candidate = rotation.candidate
    assert candidate is not None
    with recording(ctx, "switch") as record:
        previous = credentials.promote(candidate, ctx.actor)
        rotation.replaced, rotation.candidate, rotation.step = previous, None, "revoke"
        record.details.update(version=candidate.version)
        record.ok(f"Requests use the new token now (version {candidate.version}).")


def revoke_step(ctx: Ctx) -> None:
    rotation, integration = ctx.rotation, ctx.integration
    plan = integration.connector.rotation
    old = rotation.replaced
    deadline = time.monotonic() + (settings.ROTATION_DRAIN_SECONDS if ctx.unattended else 0)
    busy = in_flight(integration, [old]) if old else None
    while busy and time.monotonic() < deadline:
        time.sleep(0.25)
        extend_claim(rotation)
        busy = in_flight(integration, [old]) if old else None
    if busy:
        with recording(ctx, "revoke") as record:
            record.waiting(
                f"Waiting: {busy.describe()} still use the old token; it is revoked once they finish "
                "(press Revoke again, or the renewal task does it)."
            )
        return
    value = old.secret(plan.token_field) if old else ""
    try:
        if value:
            _vendor_call(ctx, "revoke_token", token=value)
    except HttpError as exc:
        diagnosis = integration.connector.diagnose_error(exc)
        with recording(ctx, "revoke") as record:
            record.diagnosis = diagnosis.code.value
            record.failed(
                f"The new token is active, but revoking the old one failed: {diagnosis.title}. "
                f"Try again, or revoke it at {integration.vendor_label} ({plan.where})."
            )
        return
    with recording(ctx, "revoke") as record:
        if old is not None:
            if old.api_token_id:
                ApiToken.objects.filter(pk=old.api_token_id).update(revoked_at=timezone.now())
            # A revoked token cannot come back: roll back only to what still works.
            credentials.retire(old, ctx.actor, "its token was revoked")
        record.ok(
            "The old token is revoked."
            if value
            else "The previous version used e-mail and password: nothing to revoke (the login itself stays "
            f"valid at {integration.vendor_label}; change that password there if it should not)."
        )
        finish(rotation, RotationState.SUCCEEDED)


STEPS = {"mint": mint_step, "verify": verify, "switch": switch_step, "revoke": revoke_step}
