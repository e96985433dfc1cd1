"""Every workflow view names the permission it needs, and no admin action goes without one.

`requires` wraps a custom view with its check and records the permissions on the view
(`required_permissions`), so the tests that walk every URL know who may open it.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase, JsonResponse

View = Callable[..., HttpResponseBase]

DEFAULT_ACTION_PERMISSION = "change"
"""What an admin action that declares nothing requires: changing the objects it acts on."""


def requires(*permissions: str, json: bool = False) -> Callable[[View], View]:
    """Refuse the view (403; as JSON for views a page polls) unless the user has every permission."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.has_perms(permissions):
                if json:
                    return JsonResponse({"error": "You do not have permission to see this."}, status=403)
                raise PermissionDenied
            return view(request, *args, **kwargs)

        checked.required_permissions = permissions  # type: ignore[attr-defined]
        return checked

    return decorate


def require_declared_action_permissions(site: AdminSite) -> None:
    """Give every action that declares no permission the change permission of its model.

    Django offers an action without `allowed_permissions` to anyone who may view the list, so a
    view-only group would be offered (and could run) e.g. "Build now". Deny by default instead.
    """
    for model_admin in site._registry.values():
        for action in model_admin.actions or ():
            func: Any = getattr(type(model_admin), action) if isinstance(action, str) else action
            if not getattr(func, "allowed_permissions", None):
                func.allowed_permissions = (DEFAULT_ACTION_PERMISSION,)
