"""Core pages: sign-in, personal preferences. (Health answers are in health.py.)"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
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


NOTIFICATION_GROUP_PREVIEW = 5  # newest notices shown per group on the grouped page


@require_GET
@login_required
def notifications(request):
    """My notifications. Without a filter: grouped by module, each group's newest few with a link to the rest.
    With `kind` (a module or a full kind) or `digest` (the notices one digest holds): one list, 50 a page.
    `box=unread` (the default) or `box=all`; every filter is in the URL."""
    from django.core.paginator import Paginator
    from django.shortcuts import get_object_or_404, render

    from xiaobao.core import selectors

    unread_only = request.GET.get("box", "unread") != "all"
    kind = request.GET.get("kind", "").strip()[:50]
    raw_digest = request.GET.get("digest", "")
    digest = None
    if raw_digest:
        if not raw_digest.isdigit():
            raise Http404
        # only a digest of the caller's: anyone else's is not found
        digest = get_object_or_404(selectors.notifications_for(request.user).filter(is_digest=True), pk=raw_digest)
    groups = selectors.notification_groups(request.user, unread=unread_only)
    context = {"unread_only": unread_only, "kind": kind, "digest": digest, "groups": groups}
    if digest is not None or kind:
        filters = {"unread": unread_only and digest is None, "kind": kind, "digest": digest.pk if digest else None}
        qs = selectors.notifications_for(request.user, filters=filters)
        context["page"] = Paginator(qs, 50).get_page(request.GET.get("page"))
        context["kind_label"] = selectors.notification_group_label(kind.split(".", 1)[0]) if kind else ""
    else:
        for group in groups:
            filters = {"unread": unread_only, "kind": group["key"]}
            group["latest"] = list(
                selectors.notifications_for(request.user, filters=filters)[:NOTIFICATION_GROUP_PREVIEW]
            )
    return render(request, "core/notifications.html", context)


@require_POST
@login_required
def notifications_read(request):
    """Mark one notification (`id`) or all of mine read, then go back (htmx: refresh the page)."""
    raw = request.POST.get("id")
    if raw is not None and not raw.isdigit():
        return HttpResponseBadRequest()  # a garbled id must not turn into "mark everything read"
    ids = [int(raw)] if raw else None
    services.notifications_mark_read(user=request.user, ids=ids, kind=request.POST.get("kind", "").strip()[:50])
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
