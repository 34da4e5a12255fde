from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from xiaobao.web.navigation import NAV_ITEMS


@require_GET
@login_required
def home(request):
    return render(request, "web/home.html", {})


@require_GET
@login_required
def coming(request, module: str):
    """Placeholder for a module not built yet — only for those (a built module 404s here)."""
    item = next((i for i in NAV_ITEMS if i.key == module), None)
    if item is None or item.built:
        raise Http404
    return render(request, "web/coming.html", {"item": item})
