from typing import Any

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from django.contrib import admin
        from django.db.models.signals import post_migrate

        from integrations import checks  # noqa: F401  (registers the system checks)
        from integrations.admin.permissions import require_declared_action_permissions
        from integrations.roles import sync_groups

        # django.contrib.admin comes first in INSTALLED_APPS: every admin module is loaded by now.
        require_declared_action_permissions(admin.site)

        post_migrate.connect(_ensure_key_canary, sender=self)
        post_migrate.connect(sync_groups, sender=self)
        post_migrate.connect(_ensure_ping_schedules, sender=self)
        post_migrate.connect(_ensure_renewal_schedule, sender=self)


def _ensure_key_canary(**_: Any) -> None:
    from integrations.services.keys import ensure_canary

    ensure_canary()


def _ensure_ping_schedules(**_: Any) -> None:
    from integrations.services.workers import ensure_ping_schedules

    ensure_ping_schedules()


def _ensure_renewal_schedule(**_: Any) -> None:
    from integrations.services.rotation.renewal import ensure_renewal_schedule

    ensure_renewal_schedule()
