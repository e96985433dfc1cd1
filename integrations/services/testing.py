"""The "Test API request" workflow: preview, start (queued or inline), execute, diagnose."""

import ipaddress
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.http import HttpError, HttpRequest, HttpResponse, Redactor, blocked_reason
from integrations.models import AllowlistKind, ApiToken, CredentialVersion, Integration, RunStatus, TestRun
from integrations.roles import SIDE_EFFECT_TEST_PERMISSION
from integrations.services import audit, credentials
from integrations.services.audit import Actor
from integrations.services.curl import curl_command
from integrations.services.outbound import NotReady, account_for, client_for, pin_active, redactor_for
from integrations.services.queueing import send_after_commit
from integrations.vendors.base import UnknownEndpoint
from integrations.vendors.catalogue import Endpoint
from integrations.vendors.diagnosis import Code, Diagnosis

log = logging.getLogger(__name__)

RUN_PERMISSION = "integrations.run_test"
SIDE_EFFECT_PERMISSION = SIDE_EFFECT_TEST_PERMISSION
RUN_TEST_TASK = "integrations.tasks.run_test"
EXCERPT_LIMIT = 20_000


@dataclass
class RequestPreview:
    """The exact request a Send would make, secrets masked, plus a copyable curl line."""

    endpoint: Endpoint
    errors: dict[str, str] = field(default_factory=dict)
    method: str = ""
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    curl: str = ""


def full_url(request: HttpRequest) -> str:
    return f"{request.url}?{urlencode(request.params)}" if request.params else request.url


def labelled_errors(endpoint: Endpoint, errors: Mapping[str, str]) -> dict[str, str]:
    """Parameter errors as sentences naming each parameter by its label ("Limit must be ...")."""
    labels = {p.name: p.label for p in endpoint.params}
    return {
        name: f"{labels[name]} {message}" if name in labels else message for name, message in errors.items()
    }


def may_send(actor: Actor, endpoint: Endpoint) -> bool:
    """An endpoint that changes something at the vendor needs a permission of its own."""
    return actor.has_perm(RUN_PERMISSION) and (
        not endpoint.side_effect or actor.has_perm(SIDE_EFFECT_PERMISSION)
    )


def endpoint_of(integration: Integration, key: str | None) -> Endpoint:
    connector = integration.connector
    if not key:
        return connector.connectivity_endpoint()
    try:
        return connector.endpoint(key)
    except UnknownEndpoint as exc:
        raise ValidationError(str(exc)) from None


def preview(integration: Integration, endpoint_key: str | None, values: Mapping[str, str]) -> RequestPreview:
    endpoint = endpoint_of(integration, endpoint_key)
    cleaned, errors = endpoint.clean(values)
    result = RequestPreview(endpoint=endpoint, errors=labelled_errors(endpoint, errors))
    if errors:
        return result
    connector = integration.connector
    account = account_for(integration)
    request = connector.build_request(account, endpoint, cleaned)
    redactor = redactor_for(integration)
    headers = dict(connector.auth(account).preview_headers())
    headers.update(request.headers)
    if request.content_type is not None:
        headers["Content-Type"] = request.content_type
    result.method = request.method
    result.url = redactor.url(full_url(request))
    result.headers = redactor.headers(headers)
    result.body = redactor.text(request.body_text())
    result.curl = curl_command(connector, account, request)
    return result


def start(
    integration: Integration,
    endpoint_key: str | None,
    values: Mapping[str, str],
    actor: Actor,
    *,
    via: str = "admin",
    batch: uuid.UUID | None = None,
    inline: bool = False,
    confirm_side_effect: bool = False,
    credential: CredentialVersion | None = None,
    session: ApiToken | None = None,
) -> TestRun:
    """Record a queued run (audited) and hand it to the `interactive` queue, or run it here.

    An endpoint with a side effect (e.g. one that places a real call) is sent only by someone
    holding SIDE_EFFECT_PERMISSION, and only with `confirm_side_effect` (a deliberate second step).
    `credential` sends it with that version (a rotation verifying a staged one) instead of the
    active one; `session` with that vendor-issued session token instead of logging in.
    """
    if not actor.has_perm(RUN_PERMISSION):
        raise PermissionDenied("You may not run test requests.")
    endpoint = endpoint_of(integration, endpoint_key)
    if endpoint.side_effect and not may_send(actor, endpoint):
        raise PermissionDenied(
            f"{endpoint.label} changes something at {integration.vendor_label} ({endpoint.side_effect}) "
            "and you may not send such requests."
        )
    _, errors = endpoint.clean(values)
    if errors:
        raise ValidationError(
            {name: [message] for name, message in labelled_errors(endpoint, errors).items()}
        )
    if endpoint.side_effect and not confirm_side_effect:
        raise ValidationError(
            f"{endpoint.label} changes something at {integration.vendor_label}: {endpoint.side_effect} "
            "Confirm that you mean it before it is sent.",
            code="confirm",
        )
    with transaction.atomic():
        run = TestRun.objects.create(
            integration=integration,
            endpoint=endpoint.key,
            endpoint_label=endpoint.label,
            params={k: v for k, v in values.items() if v != ""},
            requested_by=actor.user,
            requested_via=via,
            batch=batch,
            credential_version=credential,
            session_token=session,
        )
        details = {"endpoint": endpoint.key, "via": via}
        if credential is not None:
            details["credential_version"] = str(credential.version)
        audit.record("test.run", actor, run, integration=integration, details=details)
        if not inline:
            send_after_commit(RUN_TEST_TASK, run.pk, "interactive", lambda why: _not_queued(run, why))
    if inline:
        return execute(run.pk)
    return run


def _not_queued(run: TestRun, why: str) -> None:
    TestRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.FAILED, error=why, finished_at=timezone.now()
    )
    run.refresh_from_db()


def execute(run_id: int) -> TestRun:
    """Send the run's request and store what happened. Safe to call twice (a redelivered task)."""
    run = TestRun.objects.select_related("integration", "credential_version", "session_token").get(pk=run_id)
    if run.is_done:
        return run
    run.status, run.started_at = RunStatus.RUNNING, timezone.now()
    run.save(update_fields=["status", "started_at"])
    redactor = Redactor()
    try:
        redactor = redactor_for(run.integration, run.credential_version)
        if run.session_token is not None:
            redactor.add(run.session_token.value)
        diagnosis = _send(run, redactor)
    except NotReady as exc:
        run.status, run.error = RunStatus.FAILED, str(exc)
    except Exception as exc:
        # Never log the exception object itself: its text may hold a URL or a vendor's echo.
        run.status, run.error = RunStatus.FAILED, f"{type(exc).__name__}: {redactor.text(str(exc))}"
        log.error("test run %s failed inside the portal: %s", run.pk, type(exc).__name__)
    else:
        run.status = RunStatus.FINISHED
        diagnosis = with_target_advice(run.integration, with_allowlist_facts(run.integration, diagnosis))
        _store_diagnosis(run, diagnosis)
    run.finished_at = timezone.now()
    run.progress = ""  # what it waited for is over; the result says how it went
    run.save()
    return run


def _send(run: TestRun, redactor: Redactor) -> Diagnosis:
    integration = run.integration
    connector = integration.connector
    endpoint = connector.endpoint(run.endpoint)
    cleaned, errors = endpoint.clean(run.params)
    if errors:
        raise NotReady("; ".join(f"{k}: {v}" for k, v in errors.items()))
    version = run.credential_version or pin_active(integration, lambda v: _pin(run, v))
    account = account_for(integration, version, run.session_token)
    request = connector.build_request(account, endpoint, cleaned)
    auth = connector.auth(account)
    run.request_method = request.method
    run.request_url = redactor.url(full_url(request))
    run.request_headers = redactor.headers({**auth.preview_headers(), **request.headers})
    run.request_body = redactor.text(request.body_text())
    started = time.monotonic()
    response: HttpResponse | None

    def progress(text: str) -> None:
        # Shown live on the test page while the request runs ("attempt 2 of 3, waiting ...").
        TestRun.objects.filter(pk=run.pk).update(progress=redactor.text(text)[:200])

    with client_for(
        integration, redactor, deadline=settings.OUTBOUND_TEST_DEADLINE, on_progress=progress
    ) as client:
        try:
            response = client.send(request, auth=auth)
            diagnosis = connector.interpret(endpoint, response)
        except HttpError as exc:
            response = exc.response
            diagnosis = connector.diagnose_error(exc)
    run.total_ms = int((time.monotonic() - started) * 1000)
    credentials.touch(version.pk, run.session_token_id)
    if diagnosis.ok:
        credentials.mark_verified(version, run.session_token)
    if response is not None:
        _store_response(run, response, redactor)
    return diagnosis.but(
        vendor_message=redactor.text(diagnosis.vendor_message), observed=redactor.text(diagnosis.observed)
    )


def _pin(run: TestRun, version: CredentialVersion) -> None:
    """Recorded (committed) before the request goes out: a rotation waits for this run."""
    run.credential_version = version
    TestRun.objects.filter(pk=run.pk).update(credential_version=version)


def _store_response(run: TestRun, response: HttpResponse, redactor: Redactor) -> None:
    run.status_code = response.status_code
    run.latency_ms = int(response.elapsed_ms)
    run.attempts = response.attempts
    run.response_headers = redactor.headers(response.headers)
    body = redactor.body(response.body, response.content_type)
    run.response_truncated = response.truncated or len(body) > EXCERPT_LIMIT
    run.response_excerpt = body[:EXCERPT_LIMIT]


def _store_diagnosis(run: TestRun, diagnosis: Diagnosis) -> None:
    run.diagnosis = diagnosis.code.value
    run.diagnosis_title = diagnosis.title
    run.diagnosis_detail = diagnosis.explanation
    run.next_steps = list(diagnosis.next_steps)
    run.vendor_message = diagnosis.vendor_message
    run.observed = diagnosis.observed
    run.facts = [list(pair) for pair in diagnosis.facts]


def with_allowlist_facts(integration: Integration, diagnosis: Diagnosis) -> Diagnosis:
    """For an address refusal: which address we call from, and is it on our vendor-side list?"""
    if diagnosis.code not in (Code.IP_NOT_ALLOWED, Code.AUTH_OR_IP):
        return diagnosis
    label = integration.vendor_label
    egress = list(settings.PORTAL_EGRESS_IPS)
    source = "PORTAL_EGRESS_IPS"
    if not egress and diagnosis.seen_address:
        egress, source = [diagnosis.seen_address], f"{label}'s own error message"
    facts = list(diagnosis.facts)
    steps = list(diagnosis.next_steps)
    if not egress:
        facts.append(("Portal egress address", "unknown"))
        steps.append("Set PORTAL_EGRESS_IPS to the portal's public address(es) so this page can check them.")
        return diagnosis.but(facts=tuple(facts), next_steps=tuple(steps))
    registered = [e for e in integration.allowlist.filter(kind=AllowlistKind.VENDOR)]
    for address in egress:
        listed = any(entry.contains(address) for entry in registered)
        where = "is on" if listed else "is NOT on"
        facts.append(
            (
                "Portal egress address",
                f"{address} (from {source}) {where} this integration's vendor allowlist",
            )
        )
        if not listed:
            steps.append(
                f"The address to register is {address}; once it is, record it on this integration "
                "(allowlist kind 'vendor') so the portal knows."
            )
    if all(any(e.contains(a) for e in registered) for a in egress):
        steps.append(
            f"Our records say {', '.join(egress)} is registered at {label}: "
            "check it was saved (and applied) there."
        )
    return diagnosis.but(facts=tuple(facts), next_steps=tuple(steps))


# What the netguard's refusal says (integrations/http/netguard.py), and the advice that fits it.
_NOT_PUBLIC = "is not a public address"
_PLAIN_HTTP = "plain http is only allowed"
_NOT_HTTPS = "not an https URL"
_USER_INFO = "credentials in the URL"
_UNAPPROVED = "matches neither the vendor's host pattern nor an approved host"


def with_target_advice(integration: Integration, diagnosis: Diagnosis) -> Diagnosis:
    """For a refused target: advice that fits why it was refused and how the address was set."""
    if diagnosis.code is not Code.BLOCKED_TARGET:
        return diagnosis
    seen = diagnosis.observed
    host = urlsplit(integration.base_url).hostname or integration.base_url
    typed = bool(integration.base_url_override)
    source = "The base URL override" if typed else f"The address built from the account fields ({host})"
    private_off = "ALLOW_PRIVATE_TARGETS is off, as it must be outside the sandbox and tests"
    if _NOT_PUBLIC in seen:
        steps = [
            f"{source} points at {host}, which is not a public address (see what the portal saw): "
            "the portal never calls private, loopback, link-local or metadata addresses while "
            f"{private_off}.",
            "If this should be the vendor's real address, correct it"
            + (" (or clear the override to use the vendor's default)." if typed else "; check DNS for it."),
            "If it is a local simulator, run the portal with ALLOW_PRIVATE_TARGETS=true (sandbox only).",
        ]
    elif (_PLAIN_HTTP in seen or _NOT_HTTPS in seen) and _local(host):
        # http://127.0.0.1:… is the sandbox's simulators: say how to reach them, not "use https".
        steps = [
            f"{host} is a local address over plain http: the vendor simulators of the sandbox. The "
            f"portal calls them only with ALLOW_PRIVATE_TARGETS=true; now {private_off}.",
            "`make run` sets it; for a command outside `make run` set it yourself, e.g. "
            f"DEBUG=true ALLOW_PRIVATE_TARGETS=true python manage.py integrations test {integration.name}.",
        ]
    elif _PLAIN_HTTP in seen or _NOT_HTTPS in seen:
        steps = [
            f"{source} is not an https:// address: vendors are called over https only.",
            "Correct it to https://…; plain http is accepted only with ALLOW_PRIVATE_TARGETS=true (sandbox).",
        ]
    elif _USER_INFO in seen:
        steps = ["Remove the user name and password from the base URL: they belong in the account fields."]
    elif _UNAPPROVED in seen and not typed:
        steps = [
            f"{host} is outside {integration.vendor_label}'s own domain. Correct the account fields, or, "
            "if this host is right, approve it by typing the address as the base URL override."
        ]
    else:
        return diagnosis
    return diagnosis.but(next_steps=tuple(steps))


def _local(host: str) -> bool:
    """A literal address the netguard would refuse as not public (loopback, private, ...)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return blocked_reason(host) is not None
