"""/api/v1/: each app contributes its routes from its own api.py."""

from django.urls import include, path, re_path

from xiaobao.core import api as core_api

urlpatterns = [
    path("auth/token/", core_api.TokenApi.as_view(), name="api-auth-token"),
    path("core/", include("xiaobao.core.api")),
    path("workflow/", include("xiaobao.workflow.api")),
    path("workorders/", include("xiaobao.workorders.api")),
    path("complaints/", include("xiaobao.complaints.api")),
    path("reviews/", include("xiaobao.reviews.api")),
    path("plans/", include("xiaobao.plans.api")),
    path("knowledge/", include("xiaobao.knowledge.api")),
    path("indicators/", include("xiaobao.indicators.api")),
    path("inspection/", include("xiaobao.inspection.api")),
    path("training/", include("xiaobao.training.api")),
    # Last: anything unmatched under /api/v1/ answers in the API's error shape, not Django's HTML 404.
    re_path(r"^.*$", core_api.NotFoundApi.as_view(), name="api-not-found"),
]
