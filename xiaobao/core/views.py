"""Core pages: sign-in, personal preferences. (Health answers are in health.py.)"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xiaobao.core import services


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def serve_attachment(attachment) -> HttpResponse:
    """Stream one attachment as a download. The caller has already checked the owner is visible.

    Always a download (never rendered inline) with the type we detected, not the one uploaded, and
    nosniff: a file cannot become a page on our origin.
    """
    from django.http import FileResponse

    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name, content_type=attachment.mime
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _back(request):
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return target


@require_GET
@login_required
def notifications(request):
    """My notifications: unread first tab, all second; 50 a page."""
    from django.core.paginator import Paginator
    from django.shortcuts import render

    from xiaobao.core import selectors

    unread_only = request.GET.get("box", "unread") != "all"
    qs = selectors.notifications_for(request.user, filters={"unread": unread_only})
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page, "unread_only": unread_only})


@require_POST
@login_required
def notifications_read(request):
    """Mark one notification (`id`) or all of mine read, then go back (htmx: refresh the page)."""
    raw = request.POST.get("id")
    ids = [int(raw)] if raw and raw.isdigit() else None
    services.notifications_mark_read(user=request.user, ids=ids)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect(_back(request))


@require_POST
@login_required
def set_care_mode(request):
    """Turn care mode (关怀版) on or off for this user; remembered across sessions."""
    enabled = request.POST.get("care_mode") == "on"
    services.user_set_preferences(user=request.user, actor=request.user, care_mode=enabled)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect(_back(request))


@require_POST
@login_required
def set_language(request):
    """Switch the interface language for this user; remembered across sessions."""
    try:
        services.user_set_preferences(user=request.user, actor=request.user, language=request.POST.get("language", ""))
    except ValidationError:
        messages.error(request, _("不支持的语言。"))
    return redirect(_back(request))
