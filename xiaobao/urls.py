from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from xiaobao.core import health
from xiaobao.core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # answered by core.health.HealthMiddleware before routing; listed so the names reverse
    path("livez", health.livez, name="livez"),
    path("readyz", health.readyz, name="readyz"),
    path("healthz", health.readyz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("xiaobao.api_urls")),
    path("core/", include("xiaobao.core.urls")),
    path("workflow/", include("xiaobao.workflow.urls")),
    path("workorders/", include("xiaobao.workorders.urls")),
    path("complaints/", include("xiaobao.complaints.urls")),
    path("reviews/", include("xiaobao.reviews.urls")),
    path("plans/", include("xiaobao.plans.urls")),
    path("knowledge/", include("xiaobao.knowledge.urls")),
    path("indicators/", include("xiaobao.indicators.urls")),
    path("training/", include("xiaobao.training.urls")),
    path("inspection/", include("xiaobao.inspection.urls")),
    path("", include("xiaobao.web.urls")),
]

# MEDIA is never served as static files, not even in the demo: attachments hold business and personal
# data and are streamed by the owning app's view after its access check (core.views.serve_attachment).

# Under /api/ these answer in the API's error shape ({"error", "detail", "fields"}); elsewhere Django's pages.
handler400 = "xiaobao.core.api_errors.bad_request"
handler403 = "xiaobao.core.api_errors.permission_denied"
handler404 = "xiaobao.core.api_errors.page_not_found"
handler500 = "xiaobao.core.api_errors.server_error"
