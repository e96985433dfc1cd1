from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

# The site (portal.admin_site) names itself and adds the second-factor pages under admin/2fa/.
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    # Inbound: vendors' webhooks, and the read API for other systems (docs/api.md).
    path("hooks/", include("integrations.hooks.urls")),
    path("api/v1/", include("integrations.api.urls")),
]
