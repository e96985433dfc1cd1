"""What the API shows of each model: public fields only (no secret is reachable from these)."""

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.models import CallRecord, Integration, Report, ReportRun, TestRun
from integrations.vendors.diagnosis import Code


def absolute(request: Any, name: str, pk: int) -> str:
    path = reverse(name, args=[pk])
    return str(request.build_absolute_uri(path)) if request is not None else path


class CallRecordSerializer(serializers.ModelSerializer[CallRecord]):
    integration = serializers.CharField(source="integration.name", read_only=True)
    vendor_row = serializers.JSONField(
        source="raw", read_only=True, help_text="The vendor's own row (pulled) or event (pushed)."
    )

    class Meta:
        model = CallRecord
        fields = [
            "id",
            "integration",
            "resource",
            "vendor_call_id",
            "direction",
            "caller",
            "callee",
            "agent",
            "queue",
            "started_at",
            "duration_seconds",
            "disposition",
            "outcome",
            "answered",
            "first_seen_at",
            "updated_at",
            "vendor_row",
        ]
        read_only_fields = fields


class EndpointSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not the serializer's label
    method = serializers.CharField()
    connectivity = serializers.BooleanField(help_text="The cheap test run when no endpoint is named.")
    side_effect = serializers.CharField(help_text="Non-empty: sending it changes something at the vendor.")


class IntegrationSerializer(serializers.ModelSerializer[Integration]):
    vendor_label = serializers.CharField(read_only=True)
    endpoints = serializers.SerializerMethodField()

    class Meta:
        model = Integration
        fields = ["name", "vendor", "vendor_label", "enabled", "timezone", "endpoints"]
        read_only_fields = fields

    @extend_schema_field(EndpointSerializer(many=True))
    def get_endpoints(self, integration: Integration) -> list[dict[str, Any]]:
        return [
            {
                "key": e.key,
                "label": e.label,
                "method": e.method,
                "connectivity": e.connectivity,
                "side_effect": e.side_effect,
            }
            for e in integration.connector.endpoints
        ]


class ReportSerializer(serializers.ModelSerializer[Report]):
    class Meta:
        model = Report
        fields = ["id", "name", "period", "timezone", "enabled"]
        read_only_fields = fields


class ReportRunSerializer(serializers.ModelSerializer[ReportRun]):
    report = serializers.CharField(source="report.name", read_only=True)
    period_label = serializers.CharField(read_only=True)
    numbers = serializers.JSONField(
        read_only=True, help_text="The report's figures, as the admin shows them."
    )
    csv_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "report",
            "period_start",
            "period_end",
            "period_label",
            "status",
            "trigger",
            "created_at",
            "finished_at",
            "numbers",
            "error",
            "csv_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_csv_url(self, run: ReportRun) -> str:
        return absolute(self.context.get("request"), "api:report-run-csv", run.pk)


class TestRunSerializer(serializers.ModelSerializer[TestRun]):
    integration = serializers.CharField(source="integration.name", read_only=True)
    ok = serializers.BooleanField(read_only=True)
    done = serializers.BooleanField(source="is_done", read_only=True)
    url = serializers.SerializerMethodField()
    diagnosis = serializers.SerializerMethodField()

    class Meta:
        model = TestRun
        fields = [
            "id",
            "url",
            "integration",
            "endpoint",
            "endpoint_label",
            "params",
            "requested_via",
            "status",
            "done",
            "ok",
            "created_at",
            "started_at",
            "finished_at",
            "progress",
            "request_method",
            "request_url",
            "status_code",
            "latency_ms",
            "total_ms",
            "attempts",
            "diagnosis",
            "diagnosis_title",
            "diagnosis_detail",
            "next_steps",
            "vendor_message",
            "error",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, run: TestRun) -> str:
        return absolute(self.context.get("request"), "api:test-run-detail", run.pk)

    @extend_schema_field(
        {
            "type": "string",
            "enum": [code.value for code in Code],
            "nullable": True,
            "description": "The diagnosis code (DESIGN.md's list); null until the run is done, or when "
            "the portal itself failed (see error).",
        }
    )
    def get_diagnosis(self, run: TestRun) -> str | None:
        return run.diagnosis or None


class TestRequestSerializer(serializers.Serializer[Any]):
    endpoint = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="An endpoint key (see the integration's endpoints); blank: the connectivity test.",
    )
    params = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=2000),
        required=False,
        help_text="The endpoint's parameters as text, by name.",
    )
    allow_side_effect = serializers.BooleanField(
        default=False,
        help_text="Required (with the tests:side-effects scope) for an endpoint that changes something.",
    )
