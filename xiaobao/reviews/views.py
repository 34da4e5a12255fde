"""Review pages (消保审查): my reviews, file a review (form chosen by type), the objections before the
committee, and the files; the detail, the reviewer's workspace and every action of the loop are in
detail_views.py.

Thin (DESIGN.md): reads are `reviews.selectors` calls scoped to the user (outside scope is 404),
writes are `reviews.services` calls; a refusal is a message on the page (403 for "you may not",
as in the API), never a 500 and never a partial write.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods

from xiaobao.core import previews
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.views import serve_attachment
from xiaobao.reviews import selectors, services
from xiaobao.reviews.api_outputs import (
    PREVIEW_KINDS,
    attachment_for_user,
    current_version,
    form_types,
    may_submit,
)
from xiaobao.reviews.forms import ListFilterForm, SubmitForm
from xiaobao.reviews.models import Objection, Review
from xiaobao.ui.messages import put_on_form
from xiaobao.ui.page_actions import forbid

PAGE_SIZE = 50
BOXES = [
    ("todo", gettext_lazy("待我处理")),
    ("mine", gettext_lazy("我提交的")),
    ("reviewing", gettext_lazy("我审查的")),
    ("all", gettext_lazy("全部")),
]


def _filters(request) -> dict:
    form = ListFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    return {k: v for k, v in filters.items() if v not in (None, "", False)}


def _selector_filters(user, filters: dict) -> dict:
    """The page's tabs as the selector's filters: 我提交的 is what I filed, 我审查的 what is assigned to me."""
    given = dict(filters)
    if given.get("box") == "mine":
        given["box"] = "all"
    elif given.get("box") == "reviewing":
        given["box"] = "all"
        given["reviewer"] = user.pk
    return given


def _may_view(user) -> None:
    """The lists need the permission the API's lists need: without it both answer 403, not an empty list."""
    if not user.has_perm(selectors.VIEW_PERMISSION):
        raise PermissionDenied(_("您没有查看消保审查的权限。"))


def _listed(user, filters: dict):
    rows = selectors.reviews_visible_to(user, _selector_filters(user, filters))
    if filters.get("box") == "mine":
        rows = rows.filter(submitter=user)  # narrower than the selector's "mine", which holds what I review too
    return rows


@require_GET
@login_required
def review_list(request):
    """我的审查: to do / filed by me / reviewed by me / all, searchable by product, department, status, type."""
    _may_view(request.user)
    filters = _filters(request)
    filters.setdefault("box", "todo")
    rows = _listed(request.user, filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/list.html",
        {
            "page": page,
            "rows": page.object_list,
            "filters": filters,
            "box": filters["box"],
            "boxes": BOXES,
            "query": urlencode(filters),
            "statuses": Review.Status.choices,
            "form_types": list(form_types()),
            "can_submit": may_submit(request.user),
            "now": timezone.now(),
        },
    )


@require_GET
@login_required
def choose_type(request):
    """提交审查, step one: the form types (the eight, and any an admin added), each with what it covers."""
    if not may_submit(request.user):
        raise PermissionDenied(_("您没有提交消保审查的权限。"))
    return render(request, "reviews/choose_type.html", {"form_types": form_types()})


@require_http_methods(["GET", "POST"])
@login_required
def submit(request, code: str):
    """提交审查, step two: the chosen type's current form, with the material attached."""
    if not may_submit(request.user):
        raise PermissionDenied(_("您没有提交消保审查的权限。"))
    version = current_version(code)
    if version is None:
        raise Http404
    posted = request.method == "POST"
    form = SubmitForm(
        request.POST if posted else None, request.FILES if posted else None, version_fields=version.fields
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                review = services.review_submit(
                    actor=request.user,
                    form_type=version.form_type,
                    title=data["title"],
                    product_name=data["product_name"],
                    planned_launch=data["planned_launch"],
                    data=form.form_data(),
                    files=data["files"],
                    urgency=data["urgency"],
                )
            except BusinessRuleError as refusal:
                forbid(refusal)
                put_on_form(form, refusal, field_names=page_field_names)
                status = refusal.status_code
            else:
                messages.success(request, _("审查申请已提交：%(number)s") % {"number": review.number})
                return redirect(review)
    return render(request, "reviews/submit.html", {"form": form, "version": version}, status=status)


def page_field_names(field: str) -> list[str]:
    """The page field(s) a service's field name may be: form data `<id>` is `data_<id>`, a checklist item
    `<id>` is `result_<id>`, an answer `responses.<pk>` is `response_<pk>`."""
    if field.startswith("responses."):
        return [f"response_{field.split('.', 1)[1]}"]
    return [field, f"data_{field}", f"result_{field}"]


# --- objections, and files ------------------------------------------------------------------------


@require_GET
@login_required
def objection_list(request):
    """异议处理: the objections the user may see (a committee member: those referred to the committee)."""
    _may_view(request.user)
    stage = request.GET.get("stage", "")
    stage = stage if stage in Objection.Stage.values else ""
    rows = selectors.objections_visible_to(request.user, {"stage": stage} if stage else {})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/objections.html",
        {"page": page, "rows": page.object_list, "stage": stage, "stages": Objection.Stage.choices},
    )


@require_GET
@login_required
def download(request, pk: int, attachment_pk: int):
    return serve_attachment(attachment_for_user(request.user, pk, attachment_pk))


@require_GET
@login_required
@xframe_options_sameorigin
def preview(request, pk: int, attachment_pk: int):
    """The reviewed file beside the checklist, in a same-origin frame; kinds not in PREVIEW_KINDS are 404 here.

    An image is shown as it is; a .docx as its text converted to HTML; a PDF as its pages drawn as images on
    the server (`?as=text`: its text; `?as=original`: the file itself, for the browser's own viewer). The
    type is the one detected at upload (never the uploader's), with nosniff, and a policy that lets only our
    own pages frame it and lets nothing in it run."""
    attachment = attachment_for_user(request.user, pk, attachment_pk)
    if attachment.kind not in PREVIEW_KINDS:
        raise Http404
    shown_as = request.GET.get("as")
    if attachment.kind == "docx" or (attachment.kind == "pdf" and shown_as == "text"):
        return _converted(attachment, previews.docx_html if attachment.kind == "docx" else previews.pdf_text_html)
    if attachment.kind == "pdf" and shown_as != "original":
        return _converted(attachment, _pdf_pages(pk, attachment_pk), images=True)
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=False, filename=attachment.name, content_type=attachment.mime
    )
    _strict(response)
    if attachment.kind == "pdf":
        # the browser's own PDF viewer is blocked by a sandboxing policy, so the original PDF gets no `sandbox`
        response["Content-Security-Policy"] = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
    else:
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; frame-ancestors 'self'; sandbox"
    return response


@require_GET
@login_required
@xframe_options_sameorigin
def preview_page(request, pk: int, attachment_pk: int, number: int):
    """Page `number` of a reviewed PDF drawn as a PNG on the server (core.previews: bounded pages, pixels,
    bytes and time). Same access as the download; a page that cannot be drawn is a 422 with the reason."""
    attachment = attachment_for_user(request.user, pk, attachment_pk)
    if attachment.kind != "pdf":
        raise Http404
    try:
        with attachment.file.open("rb") as handle:
            response = HttpResponse(previews.pdf_page_png(handle, number), content_type="image/png")
    except previews.PreviewError as refusal:
        response = HttpResponse(str(refusal), content_type="text/plain; charset=utf-8", status=422)
    _strict(response)
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'; sandbox"
    return response


def _strict(response) -> None:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"


def _pdf_pages(pk: int, attachment_pk: int):
    def page_url(number: int) -> str:
        return reverse("reviews:preview-page", args=[pk, attachment_pk, number])

    return lambda handle, title: previews.pdf_pages_html(handle, title, page_url)


def _converted(attachment, converter, images: bool = False) -> HttpResponse:
    """A converted file as a self-contained HTML page: text only, escaped, bounded (core.previews); served so
    that nothing in it could run even if it tried — no scripts, a sandbox. The page images of a PDF are
    loaded from our own origin, so that sandbox keeps the origin (`allow-same-origin`, still no scripts)."""
    try:
        with attachment.file.open("rb") as handle:
            html = converter(handle, attachment.name)
    except previews.PreviewError as refusal:
        html = previews.message_page(attachment.name, str(refusal))
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    _strict(response)
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'; "
        "sandbox allow-same-origin"
        if images
        else "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox"
    )
    return response
