from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from integrations.api import schema, views


class RowId:
    """A row id: digits, at most 18 of them, so any id fits every database's integer."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RowId, "id")
# Importing the schema module registers the Bearer scheme with drf-spectacular.
__all__ = ["schema", "urlpatterns"]

app_name = "api"
urlpatterns = [
    path("calls/", views.CallRecordList.as_view(), name="call-list"),
    path("calls/<id:pk>/", views.CallRecordDetail.as_view(), name="call-detail"),
    path("integrations/", views.IntegrationList.as_view(), name="integration-list"),
    path("integrations/<str:name>/test-runs/", views.TestRunCreate.as_view(), name="test-run-create"),
    path("test-runs/<id:pk>/", views.TestRunDetail.as_view(), name="test-run-detail"),
    path("reports/", views.ReportList.as_view(), name="report-list"),
    path("report-runs/", views.ReportRunList.as_view(), name="report-run-list"),
    path("report-runs/<id:pk>/", views.ReportRunDetail.as_view(), name="report-run-detail"),
    path("report-runs/<id:pk>/csv/", views.ReportRunCsv.as_view(), name="report-run-csv"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^.*$", views.NotFound.as_view()),
]
