"""Every admin action of every registered ModelAdmin, as each group: offered only with its permission."""

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.test import Client, RequestFactory
from django.urls import reverse

from integrations.admin.permissions import require_declared_action_permissions
from integrations.models import PullRun, WorkerHeartbeat
from integrations.roles import INTEGRATION_ADMINS, REPORT_VIEWERS, SUPPORT
from tests.factories import UserFactory
from tests.sandbox import SandboxFactory

pytestmark = pytest.mark.django_db

GROUPS = (INTEGRATION_ADMINS, SUPPORT, REPORT_VIEWERS)


def _request(user: User) -> Any:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_every_action_declares_a_permission_and_is_offered_only_to_groups_that_hold_it() -> None:
    users = {group: UserFactory.create(username=f"u-{group}", groups=[group]) for group in GROUPS}
    checked = 0
    for model, model_admin in admin.site._registry.items():
        for func, name, _ in model_admin._get_base_actions():  # type: ignore[attr-defined]
            required = getattr(func, "allowed_permissions", ())
            assert required, f"{model.__name__} action {name!r} declares no permission"
            for group, user in users.items():
                request = _request(user)
                holds = all(getattr(model_admin, f"has_{p}_permission")(request) for p in required)
                offered = name in model_admin.get_actions(request)
                may_see_list = model_admin.has_view_or_change_permission(request)
                assert offered == (holds and may_see_list), (model.__name__, name, group, required)
                checked += 1
    assert checked >= 3 * 4  # integrations' test and pull, and at least the delete actions


def test_an_action_that_declares_nothing_needs_the_change_permission() -> None:
    class Undeclared(admin.ModelAdmin):
        actions = ["nudge"]

        @admin.action(description="Nudge")
        def nudge(self, request: Any, queryset: Any) -> None:
            raise AssertionError("never run here")

    site = admin.AdminSite(name="actions-test")
    site.register(WorkerHeartbeat, Undeclared)
    require_declared_action_permissions(site)
    model_admin = site._registry[WorkerHeartbeat]
    viewer = UserFactory.create(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_workerheartbeat"))
    changer = UserFactory.create(username="changer")
    changer.user_permissions.add(Permission.objects.get(codename="change_workerheartbeat"))
    assert "nudge" not in model_admin.get_actions(_request(User.objects.get(pk=viewer.pk)))
    assert "nudge" in model_admin.get_actions(_request(User.objects.get(pk=changer.pk)))


def test_support_posting_pull_now_anyway_starts_nothing(sandbox: SandboxFactory) -> None:
    integration = sandbox("voipcloud").integration
    client = Client()
    client.force_login(UserFactory.create(username="agent", groups=[SUPPORT]))
    response = client.post(
        reverse("admin:integrations_integration_changelist"),
        {"action": "pull_now", "_selected_action": [integration.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert not PullRun.objects.exists()
