"""The project's URLs plus one bare view under the same middleware, the baseline of `benchmarks/pages.py`: it
pays what every page pays (session read, user load, locale, CSRF, security headers) and nothing else."""

from django.http import HttpResponse
from django.urls import include, path

BARE_PATH = "/bench/bare/"


def bare(request):
    """The baseline: the signed-in user (the session and the user row read, as for every page) and a tiny body."""
    if not request.user.is_authenticated:
        return HttpResponse("anonymous", status=403, content_type="text/plain")
    return HttpResponse(f"ok {request.user.pk} {request.LANGUAGE_CODE}", content_type="text/plain")


urlpatterns = [
    path(BARE_PATH.strip("/") + "/", bare, name="bench-bare"),
    path("", include("xiaobao.urls")),
]
