from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Switchboard"
admin.site.site_title = "Switchboard"
admin.site.index_title = "Vendor integrations"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    # Inbound: vendors' webhooks, and the read API for other systems (docs/api.md).
    path("hooks/", include("integrations.hooks.urls")),
    path("api/v1/", include("integrations.api.urls")),
]
