"""ipSCAPE Platform API v3.0 payload shapes (vendors.md section 4 and "Simulator decisions").

Shared by the simulator and the connector.  Timestamps look like ``2020-07-06T13:11:06+1000``.
"""

from __future__ import annotations

from typing import Any, TypedDict

PAGE_SIZE = 100
ACTIVITY_TYPES = ("call.inbound", "call.outbound")
FILTER_PARAMS = ("createdTimestampFrom", "createdTimestampTo", "campaignId", "activityType", "leadId")


class ErrorEntry(TypedDict):
    code: str
    message: str


class ErrorBody(TypedDict):
    errors: list[ErrorEntry]


class Metadata(TypedDict):
    nextUri: str | None  # "/platform-api/v3.0/activities?cursor=..." or null on the last page


class Activity(TypedDict):
    type: str  # "call.inbound" | "call.outbound"
    data: dict[str, Any]  # InboundCall or OutboundCall


class ActivitiesPage(TypedDict):
    metadata: Metadata
    items: list[Activity]


class RecordingMetadata(TypedDict):
    mediaId: int
    mediaUri: str
    duration: int
    deleted: bool


class VoicemailMetadata(TypedDict):
    mediaId: int
    mediaUri: str
    duration: int


class Survey(TypedDict):
    started: bool
    startTimestamp: str | None
    workflowId: int | None
    workflowName: str | None


class CallCommon(TypedDict):
    """Fields both call types carry (outbound ones too, so campaignId filters apply to both)."""

    activityId: int
    campaignId: int
    campaignName: str
    agentId: int | None
    agentFullName: str | None


class InboundCall(CallCommon):
    parentActivityId: int | None
    rootActivityId: int
    activityStatusId: int
    activityStatusName: str
    source: str  # E.164
    destination: str  # E.164
    agentInteractionId: int | None
    wrapCode: str | None
    wrapDescription: str | None
    recordingStatus: str
    recordingMetadata: RecordingMetadata | None
    voicemailMetadata: list[VoicemailMetadata]
    survey: Survey
    callQualityScore: int | None
    durations: dict[str, int]  # ivr, queue, hold, interaction, wrap, talk
    timestamps: dict[str, str | None]  # created, joinQueue, answered, hangUp, wrapUp


class OutboundCall(CallCommon):
    attemptId: int
    dialStatusId: int
    dialStatusName: str
    phoneIndex: int
    phoneNumber: str
    leadId: int
    durations: dict[str, int]  # dial, interaction
    timestamps: dict[str, str | None]  # created, answered, hangUp
