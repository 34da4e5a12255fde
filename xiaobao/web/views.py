from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.web import saved_views, workbench
from xiaobao.web.navigation import NAV_ITEMS


@require_GET
@login_required
def home(request):
    """工作台: what needs doing now, per person — each panel only for someone who may open its module."""
    return render(request, "web/home.html", workbench.panels_for(request.user))


@require_GET
@login_required
def coming(request, module: str):
    """Placeholder for a module not built yet — only for those (a built module 404s here)."""
    item = next((i for i in NAV_ITEMS if i.key == module), None)
    if item is None or item.built:
        raise Http404
    return render(request, "web/coming.html", {"item": item})


def _back(page: str, query: str = "") -> str:
    return reverse(saved_views.PAGES[page]) + ("?" + query if query else "") if page in saved_views.PAGES else "/"


@require_POST
@login_required
def saved_view_save(request):
    """保存视图: the list's current filters and sort under a name (one's own; replaces a view of that name)."""
    page, query = request.POST.get("page", ""), saved_views.clean_query(request.POST.get("query", ""))
    try:
        view = saved_views.saved_view_save(
            owner=request.user, page=page, name=request.POST.get("name", ""), query=query
        )
    except BusinessRuleError as refusal:
        messages.error(request, str(refusal.detail))
        return redirect(_back(page, query))
    messages.success(request, _("已保存视图“%(name)s”。") % {"name": view.name})
    return redirect(saved_views.url_of(view))


@require_POST
@login_required
def saved_view_delete(request, pk: int):
    page = saved_views.saved_view_delete(owner=request.user, pk=pk)
    messages.success(request, _("视图已删除。"))
    return redirect(_back(page))
