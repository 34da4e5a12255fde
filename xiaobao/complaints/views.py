"""Complaint pages: the list (to do / all / overdue) and 登记投诉; the detail page with its actions and the
reveal of personal data is detail_views.py.

Thin (DESIGN.md): reads are `complaints.selectors` calls scoped to the user (outside scope is 404),
writes are `complaints.services` calls; a refusal is a message on the page (400/409; 403 for "you may
not"), never a 500 and never a partial write. Personal data is shown masked (PIPL); the clear value
only comes back from `complaint_reveal`, which asks for a reason and audits the look.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from xiaobao.complaints import error_codes as codes
from xiaobao.complaints import selectors, services
from xiaobao.complaints.api_outputs import masked
from xiaobao.complaints.forms import ListFilterForm, RegisterForm
from xiaobao.complaints.models import Complaint
from xiaobao.complaints.rules import ADD_PERMISSION
from xiaobao.core import selectors as core_selectors
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.masking import mask_text
from xiaobao.core.pagination import IdsFirstPaginator
from xiaobao.ui.messages import put_on_form

PAGE_SIZE = 50
BOXES = [
    ("todo", gettext_lazy("待我处理")),
    ("all", gettext_lazy("全部")),
    ("overdue", gettext_lazy("已逾期")),
]


# --- list ------------------------------------------------------------------------------------------


def _filters(request) -> dict:
    form = ListFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    return {k: v for k, v in filters.items() if v not in (None, "", False)}


def _query(filters: dict) -> str:
    """The filters as a query string, box always named: the pager keeps what the page shows."""
    return urlencode({k: ("1" if v is True else v) for k, v in filters.items()})


def clock(complaint: Complaint, now) -> dict:
    """The statutory clock (第十八条) as the pages show it: running with days left, overdue by days, paused
    (mediation, appraisal), or stopped — then whether the decision was told in time."""
    count = selectors.countdown(complaint, now=now)
    if count["running"] and complaint.clock_paused_since:
        return {"state": "paused"}
    if count["running"]:
        if count["overdue"]:
            return {"state": "overdue", "days": max(-count["days_left"], 0)}
        return {"state": "running", "days": count["days_left"]}
    if complaint.decided_at:
        return {"state": "decided", "on_time": complaint.decided_at <= complaint.due_at}
    return {"state": "stopped"}


def _toolbar(user) -> list[tuple]:
    """The sibling pages of this app the list links to (statistics, import), as far as they are built."""
    links = [("overview", gettext_lazy("投诉概览")), ("statistics", gettext_lazy("投诉统计"))]
    if user.has_perm(ADD_PERMISSION):
        links.append(("import", gettext_lazy("批量导入")))
    return [(name, label, reverse(f"complaints:{name}")) for name, label in links]


@require_GET
@login_required
def complaint_list(request):
    """投诉列表: to do / all / overdue, filterable; the complainant is masked, the statutory clock counts down."""
    if not request.user.has_perm(selectors.VIEW_PERMISSION):  # as the API's list: 403, not an empty page
        raise PermissionDenied(_("您没有查看投诉的权限。"))
    filters = _filters(request)
    filters.setdefault("box", "todo")
    box = filters["box"]
    now = timezone.now()
    query = dict(filters)
    if box == "overdue":
        query.update(box="all", overdue=True)
    rows = selectors.complaint_list_rows(request.user, {**query, "now": now})
    # the page's ids from the list index, then its 50 rows (core/pagination.py)
    page = IdsFirstPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    channel_labels = {value: str(label) for value, label in Complaint.Channel.choices}
    status_labels = {value: str(label) for value, label in Complaint.Status.choices}
    return render(
        request,
        "complaints/list.html",
        {
            "page": page,
            "rows": [
                {
                    "complaint": complaint,
                    "url": complaint.get_absolute_url(),  # once a row: the row links it twice
                    # the labels from one lookup a page: get_<field>_display translates every choice of the field
                    # on each call (Django hashes the lazy labels), 1,200 translations a page of 50
                    "channel": channel_labels.get(complaint.channel, complaint.channel),
                    "status": status_labels.get(complaint.status, complaint.status),
                    "complainant": masked("complainant_name", complaint.complainant_name),
                    "subject": mask_text(complaint.subject),
                    "clock": clock(complaint, now),
                }
                for complaint in page.object_list
            ],
            "filters": filters,
            "box": box,
            "boxes": BOXES,
            "query": _query(filters),
            "statuses": Complaint.Status.choices,
            "channels": Complaint.Channel.choices,
            "units": core_selectors.org_units_visible_to(request.user).filter(is_active=True).order_by("path"),
            "can_register": request.user.has_perm(ADD_PERMISSION),
            "toolbar": _toolbar(request.user),
            "now": now,
        },
    )


# --- register --------------------------------------------------------------------------------------


def _register_choices(user):
    units = core_selectors.org_units_visible_to(user, action="add").filter(is_active=True).order_by("path")
    staff = core_selectors.users_visible_to(user).filter(is_active=True)
    return units, staff


@require_http_methods(["GET", "POST"])
@login_required
def register(request):
    """登记投诉: an agent (or the branch) records what came in; the statutory clock starts at receipt."""
    if not request.user.has_perm(ADD_PERMISSION):
        raise PermissionDenied(_("您没有登记投诉的权限。"))
    units, staff = _register_choices(request.user)
    posted = request.method == "POST"
    initial = {
        "received_at": timezone.localtime().replace(second=0, microsecond=0),
        "token": secrets.token_urlsafe(24),
        "org_unit": request.user.org_unit_id,
    }
    form = RegisterForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        units=units,
        staff=staff,
        initial=None if posted else initial,
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.register_from(
                    data,
                    actor=request.user,
                    # the token is per form and per person: one person's resubmission, never another's form
                    idempotency_key=f"page:{request.user.pk}:{data['token']}" if data["token"] else None,
                )
            except BusinessRuleError as refusal:
                if refusal.error_code == codes.IDEMPOTENCY_KEY_REUSED:
                    # this form was sent before with other content (e.g. edited after going back): say so
                    # instead of quietly showing the first complaint without the edits
                    form.add_error(
                        None, _("该表单已提交并登记过，修改后的内容未登记。如需登记另一件投诉，请重新打开登记页面。")
                    )
                else:
                    put_on_form(form, refusal)
                status = refusal.status_code
            else:
                if complaint.replayed:  # the same form sent again: nothing new was written
                    messages.info(request, _("该表单已提交过，未重复登记：%(number)s") % {"number": complaint.number})
                else:
                    messages.success(request, _("投诉已登记：%(number)s") % {"number": complaint.number})
                return redirect(complaint)
    return render(request, "complaints/register.html", {"form": form}, status=status)
