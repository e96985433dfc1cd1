"""Session tokens (Collect!): renew with the refresh token, a new login if that is refused.

The new pair is stored the moment it arrives (Collect! invalidates the old refresh token on use,
so it must not be lost to a crash), then the new access token is verified with a live request.
Collect! states no lifetimes: they are the portal's assumption (settings), and a refresh token
found refused is recorded with the age it had, its lifetime as seen.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from integrations.http import HttpError
from integrations.models import ApiToken, Integration, RotationState, TokenKind
from integrations.services.outbound import account_for, client_for, redactor_for
from integrations.services.rotation.engine import Ctx, finish, recording
from integrations.services.rotation.verify import live_test
from integrations.vendors.rotation import SessionPair

FIRST = "renew"


def live_tokens(integration: Integration, kind: str) -> list[ApiToken]:
    return list(ApiToken.objects.filter(integration=integration, kind=kind, revoked_at__isnull=True))


def _renew(integration: Integration, refresh: ApiToken | None) -> SessionPair:
    connector = integration.connector
    redactor = redactor_for(integration)
    if refresh is not None:
        redactor.add(refresh.value)
    with client_for(integration, redactor, deadline=settings.OUTBOUND_TEST_DEADLINE) as client:
        pair: SessionPair = connector.renew_session(  # type: ignore[attr-defined]
            client, account_for(integration), refresh.value if refresh else None
        )
    return pair


def renew_step(ctx: Ctx) -> None:
    rotation, integration = ctx.rotation, ctx.integration
    refresh = next(iter(live_tokens(integration, TokenKind.REFRESH)), None)
    now = timezone.now()
    try:
        pair = _renew(integration, refresh)
    except HttpError as exc:
        diagnosis = integration.connector.diagnose_error(exc)
        with recording(ctx, "renew") as record:
            record.diagnosis = diagnosis.code.value
            record.failed(f"Neither the refresh token nor a new login worked: {diagnosis.title}.")
            if refresh is not None:
                ApiToken.objects.filter(pk=refresh.pk).update(
                    renew_failed_at=now, renew_error=diagnosis.title[:300]
                )
            if ctx.unattended:
                finish(rotation, RotationState.FAILED)
        return
    with recording(ctx, "renew") as record:
        for old in live_tokens(integration, TokenKind.ACCESS) + live_tokens(integration, TokenKind.REFRESH):
            old.revoked_at = now
            if old.pk == getattr(refresh, "pk", None) and pair.via == "login":
                age = int((now - old.issued_at).total_seconds() // 60)
                old.renew_error = f"refused {age} minutes after it was issued: its lifetime as seen"
            old.save(update_fields=["revoked_at", "renew_error"])
        lifetimes = {
            TokenKind.ACCESS: pair.expires_in or settings.COLLECT_ACCESS_TOKEN_SECONDS,
            TokenKind.REFRESH: settings.COLLECT_REFRESH_TOKEN_SECONDS,
        }
        stored = {}
        for kind, value in ((TokenKind.ACCESS, pair.access), (TokenKind.REFRESH, pair.refresh)):
            if not value:
                continue
            token = ApiToken(
                integration=integration,
                name=f"{integration.vendor_label} {kind} token",
                kind=kind,
                issued_at=now,
                expires_at=now + timedelta(seconds=lifetimes[kind]),
            )
            token.set_value(value)
            token.save()
            stored[kind] = token
        source = "the refresh token" if pair.via == "refresh" else "a new operator login"
        if pair.via == "login" and refresh is not None:
            source += " (the refresh token was refused)"
        rotation.context = {**rotation.context, "access_token": stored[TokenKind.ACCESS].pk, "source": source}
        rotation.step = "verify"
        record.details.update(via=pair.via)
        record.ok(f"A new session pair from {source}.")


def verify(ctx: Ctx) -> None:
    rotation, integration = ctx.rotation, ctx.integration
    access = ApiToken.objects.get(pk=rotation.context["access_token"])
    active = integration.active_credentials
    assert active is not None
    run = live_test(integration, ctx.actor, active, session=access)
    with recording(ctx, "verify") as record:
        record.test_run, record.diagnosis = run, run.diagnosis or "failed"
        if run.ok:
            record.ok(f"The new access token (from {rotation.context['source']}) works.")
            finish(rotation, RotationState.SUCCEEDED)
            return
        rotation.step = FIRST
        record.failed(f"The new access token was refused ({run.diagnosis}: {run.diagnosis_title}).")
        ApiToken.objects.filter(pk=access.pk).update(
            renew_failed_at=timezone.now(), renew_error=run.diagnosis_title
        )
        if ctx.unattended:
            finish(rotation, RotationState.FAILED)


STEPS = {"renew": renew_step, "verify": verify}
