"""The webhook receiver: read the delivery off the wire, hand it to the service, answer in JSON.

Answers speak VoIPcloud's own envelope (`{"code": 401, "message": "Not authorised"}`), since the
PBX is the client. A 2xx is sent only after the event is committed; when the database cannot be
reached the answer is a 503, so the PBX sends the event again.
"""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.services import webhooks
from integrations.services.clients import request_address
from integrations.vendors.webhooks import WebhookCode

log = logging.getLogger(__name__)


def answer(status: int, message: str, **extra: str | int | None) -> JsonResponse:
    response = JsonResponse({"code": status, "message": message, **extra}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # the PBX holds no CSRF token: the allowlist and the shared secret authenticate it
def receive(request: HttpRequest, vendor: str, slug: str) -> JsonResponse:
    if request.method != "POST":
        response = answer(405, "Webhooks are delivered with POST")
        response["Allow"] = "POST"
        return response
    try:
        endpoint = webhooks.find_endpoint(vendor, slug)
        if endpoint is None:
            return answer(404, "No such webhook: copy the URL again from the integration's page")
        code = webhooks.webhook_code(endpoint.integration)
        assert code is not None
        result = webhooks.receive(endpoint, read_delivery(request, code))
    except DatabaseError as exc:
        # Loud, and retried by the sender: nothing was acknowledged, and the transaction left no row.
        log.error(
            "webhook %s/%s: the database failed (%s); answered 503", vendor, slug[:6], type(exc).__name__
        )
        return answer(503, "The portal could not store the event; send it again later")
    if result.event is None:
        return answer(result.status, result.message)
    return answer(result.status, result.message, outcome=result.outcome, event=result.event.pk)


def read_delivery(request: HttpRequest, code: WebhookCode) -> webhooks.Delivery:
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    # Never more than the limit (and one byte to tell) is read into memory.
    body = b"" if declared > limit else request.read(limit + 1)
    return webhooks.Delivery(
        address=request_address(request),
        token=request.headers.get(code.token_header),
        body=body[:limit],
        too_large=declared > limit or len(body) > limit,
    )
