"""OpenAPI additions: the Bearer scheme, and the error envelope every operation may answer."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_ENVELOPE = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "example": "token_expired"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Validation messages by field name (400 only).",
                },
            },
        }
    },
}
ERRORS = {
    "400": "The request is not valid (see error.fields).",
    "401": "No token, or one that is not valid, revoked or expired.",
    "403": "The token lacks the scope, or may not be used from this address.",
    "404": "No such object (or cursor).",
    "429": "Too many requests for this token: wait Retry-After seconds.",
    "503": "The portal's database is unavailable: try again later.",
}


class PortalTokenScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.api.authentication.PortalTokenAuthentication"
    name = "portalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A portal API token (admin → Portal API tokens, or "
            "`manage.py integrations tokens create`).",
        }


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation answers errors in the one envelope."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_ENVELOPE
    reference = {"$ref": "#/components/schemas/Error"}
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in ERRORS.items():
                operation["responses"].setdefault(
                    status,
                    {"description": description, "content": {"application/json": {"schema": reference}}},
                )
    return result
