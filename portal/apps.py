from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """The admin, served by the portal's site (it adds the second factor to the login)."""

    default_site = "portal.admin_site.SwitchboardAdminSite"
