from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

# The site (portal.admin_site) names itself and adds the second-factor pages under admin/2fa/.
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
]
