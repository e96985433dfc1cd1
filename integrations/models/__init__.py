from integrations.models.allowlists import AllowlistEntry, AllowlistKind
from integrations.models.audit import AuditEvent
from integrations.models.canary import KeyCanary
from integrations.models.credentials import CredentialState, CredentialVersion
from integrations.models.integrations import Integration
from integrations.models.portal_tokens import PortalToken, Scope
from integrations.models.pulls import PullRun, PullState, PullStatus
from integrations.models.records import CallRecord, RawRecord
from integrations.models.reports import Report, ReportPeriod, ReportRun
from integrations.models.rotation import Rotation, RotationState, RotationStep, StepOutcome
from integrations.models.runs import RunStatus, TestRun
from integrations.models.schedules import PullSchedule, ScheduleKind
from integrations.models.tokens import ApiToken, TokenKind
from integrations.models.webhooks import EventOutcome, RefusalReason, WebhookEndpoint, WebhookEvent
from integrations.models.workers import WorkerHeartbeat

__all__ = [
    "AllowlistEntry",
    "AllowlistKind",
    "ApiToken",
    "AuditEvent",
    "CallRecord",
    "CredentialState",
    "CredentialVersion",
    "EventOutcome",
    "Integration",
    "KeyCanary",
    "PortalToken",
    "PullRun",
    "PullSchedule",
    "PullState",
    "PullStatus",
    "RawRecord",
    "RefusalReason",
    "Report",
    "ReportPeriod",
    "ReportRun",
    "Rotation",
    "RotationState",
    "RotationStep",
    "RunStatus",
    "ScheduleKind",
    "Scope",
    "StepOutcome",
    "TestRun",
    "TokenKind",
    "WebhookEndpoint",
    "WebhookEvent",
    "WorkerHeartbeat",
]
