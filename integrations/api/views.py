"""The API's endpoints. Each names the scopes that open it; services do the work."""

from typing import Any, ClassVar

from django.http import HttpResponse
from django.urls import Resolver404, resolve
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.api.filters import CallRecordFilter
from integrations.api.pagination import CallsNewestFirst, RunsNewestFirst
from integrations.api.permissions import HasScope
from integrations.api.serializers import (
    CallRecordSerializer,
    IntegrationSerializer,
    ReportRunSerializer,
    ReportSerializer,
    TestRequestSerializer,
    TestRunSerializer,
)
from integrations.models import CallRecord, Integration, PortalToken, Report, ReportRun, Scope, TestRun
from integrations.services import portal_tokens, testing
from integrations.services.audit import Actor
from integrations.services.clients import request_address


class ScopedMixin(APIView):
    """A view opened by a token holding one of `required_scopes` (and its owner's permissions)."""

    permission_classes = (IsAuthenticated, HasScope)
    required_scopes: ClassVar[tuple[str, ...]] = ()


# --- calls -----------------------------------------------------------------------------------------
@extend_schema(tags=["calls"], summary="Call records, newest first")
class CallRecordList(ScopedMixin, generics.ListAPIView[CallRecord]):
    """Calls pulled from the vendors or pushed by their webhooks, in one shape for every vendor."""

    required_scopes = (Scope.CALLS_READ,)
    serializer_class = CallRecordSerializer
    filterset_class = CallRecordFilter
    pagination_class = CallsNewestFirst
    queryset = CallRecord.objects.select_related("integration")


@extend_schema(tags=["calls"], summary="One call record")
class CallRecordDetail(ScopedMixin, generics.RetrieveAPIView[CallRecord]):
    required_scopes = (Scope.CALLS_READ,)
    serializer_class = CallRecordSerializer
    queryset = CallRecord.objects.select_related("integration")


@extend_schema(tags=["integrations"], summary="Integrations and the endpoints a test can call")
class IntegrationList(ScopedMixin, generics.ListAPIView[Integration]):
    required_scopes = (Scope.CALLS_READ, Scope.TESTS_RUN)
    serializer_class = IntegrationSerializer
    pagination_class = None
    queryset = Integration.objects.order_by("name")


# --- reports ---------------------------------------------------------------------------------------
@extend_schema(tags=["reports"], summary="Reports")
class ReportList(ScopedMixin, generics.ListAPIView[Report]):
    required_scopes = (Scope.REPORTS_READ,)
    serializer_class = ReportSerializer
    pagination_class = None
    queryset = Report.objects.order_by("name")


@extend_schema(tags=["reports"], summary="Report runs, newest first")
class ReportRunList(ScopedMixin, generics.ListAPIView[ReportRun]):
    required_scopes = (Scope.REPORTS_READ,)
    serializer_class = ReportRunSerializer
    pagination_class = RunsNewestFirst
    filterset_fields = {"report__name": ["exact"]}
    queryset = ReportRun.objects.select_related("report")


@extend_schema(tags=["reports"], summary="One report run")
class ReportRunDetail(ScopedMixin, generics.RetrieveAPIView[ReportRun]):
    required_scopes = (Scope.REPORTS_READ,)
    serializer_class = ReportRunSerializer
    queryset = ReportRun.objects.select_related("report")


@extend_schema(
    tags=["reports"],
    summary="A report run's CSV",
    responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The report's CSV file.")},
)
class ReportRunCsv(ScopedMixin, generics.GenericAPIView[ReportRun]):
    required_scopes = (Scope.REPORTS_READ,)
    queryset = ReportRun.objects.select_related("report")

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The CSV is written below whatever the client accepts; errors are the JSON envelope,
        # even for a client that asked for text/csv alone (no 406 in its way).
        return super().perform_content_negotiation(request, force=True)

    def get(self, request: Request, pk: int) -> HttpResponse:
        run = self.get_object()
        response = HttpResponse(run.csv, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{run.file_name}"'
        return response


# --- test requests ---------------------------------------------------------------------------------
@extend_schema(
    tags=["tests"],
    summary="Run a test request",
    request=TestRequestSerializer,
    responses={202: TestRunSerializer},
    description="Queues a test request on the named integration (its connectivity test unless an "
    "endpoint is named) and answers at once with the run; poll the run's `url` until `done`. "
    "An endpoint with a side effect needs the tests:side-effects scope and allow_side_effect: true.",
)
class TestRunCreate(ScopedMixin, generics.GenericAPIView[Integration]):
    required_scopes = (Scope.TESTS_RUN,)
    serializer_class = TestRequestSerializer
    queryset = Integration.objects.all()
    lookup_field = "name"

    def post(self, request: Request, name: str) -> Response:
        integration = self.get_object()
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        endpoint = testing.endpoint_of(integration, given.validated_data.get("endpoint") or None)
        token = request.auth
        assert isinstance(token, PortalToken)
        if endpoint.side_effect:
            if not portal_tokens.permitted(token, Scope.TESTS_SIDE_EFFECTS):
                raise exceptions.PermissionDenied(
                    f"{endpoint.label} has a side effect ({endpoint.side_effect}): the token needs the "
                    "tests:side-effects scope.",
                    code="side_effect_not_allowed",
                )
            if not given.validated_data["allow_side_effect"]:
                raise exceptions.PermissionDenied(
                    f"{endpoint.label} has a side effect ({endpoint.side_effect}): send "
                    '"allow_side_effect": true to run it.',
                    code="side_effect_not_confirmed",
                )
        actor = Actor(
            user=token.owner,
            label=f"{token.owner.get_username()} (API token {token.key})",
            source_ip=request_address(request._request),
        )
        run = testing.start(
            integration,
            endpoint.key,
            given.validated_data.get("params", {}),
            actor,
            via="api",
            confirm_side_effect=bool(endpoint.side_effect),  # the scope and the "yes" were checked above
        )
        body = TestRunSerializer(run, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


@extend_schema(tags=["tests"], summary="One test run (poll it until done)")
class TestRunDetail(ScopedMixin, generics.RetrieveAPIView[TestRun]):
    required_scopes = (Scope.TESTS_RUN,)
    serializer_class = TestRunSerializer
    queryset = TestRun.objects.select_related("integration")


# --- anything else under /api/v1/ ------------------------------------------------------------------
@extend_schema(exclude=True)
class NotFound(APIView):
    """A JSON 404 in the envelope for every path the API does not have."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        hint = ""
        if not request.path.endswith("/"):
            try:
                match = resolve(request.path + "/")
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "view_class", None) is not NotFound:
                hint = f" Did you mean {request.path}/ ?"
        raise exceptions.NotFound(f"No such API endpoint.{hint} The endpoints are listed at /api/v1/schema/.")
