from integrations.models.allowlists import AllowlistEntry, AllowlistKind
from integrations.models.audit import AuditEvent
from integrations.models.canary import KeyCanary
from integrations.models.credentials import CredentialState, CredentialVersion
from integrations.models.integrations import Integration
from integrations.models.runs import RunStatus, TestRun
from integrations.models.tokens import ApiToken
from integrations.models.workers import WorkerHeartbeat

__all__ = [
    "AllowlistEntry",
    "AllowlistKind",
    "ApiToken",
    "AuditEvent",
    "CredentialState",
    "CredentialVersion",
    "Integration",
    "KeyCanary",
    "RunStatus",
    "TestRun",
    "WorkerHeartbeat",
]
