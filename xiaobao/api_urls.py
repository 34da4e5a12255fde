"""/api/v1/: each app contributes its routes from its own api.py."""

from django.urls import include, path

urlpatterns = [
    path("core/", include("xiaobao.core.api")),
    path("workflow/", include("xiaobao.workflow.api")),
]
