from django.urls import path

from integrations.hooks.views import receive

urlpatterns = [
    path("<str:vendor>/<str:slug>/", receive, name="webhook_receive"),
    # The same without the trailing slash: a PBX posts to the URL exactly as pasted and follows
    # no redirect with its POST.
    path("<str:vendor>/<str:slug>", receive),
]
