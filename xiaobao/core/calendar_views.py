"""节假日安排录入: a head-office admin pastes the State Council's yearly notice, sees the year as month grids
with the changes against what is stored, and saves on confirmation. The text is read again on save —
the preview is never trusted — and any bad or ambiguous line refuses the whole notice."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xiaobao.core import holiday_notice, selectors, services
from xiaobao.core.api_errors import BusinessRuleError


def _year(raw) -> int | None:
    try:
        year = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return year if 2000 <= year <= 2100 else None


@require_http_methods(["GET", "POST"])
@login_required
def holiday_notice_page(request):
    """GET: the form. POST `preview`: the parsed year, problems by line. POST `confirm`: save (audited)."""
    if not services.may_publish_notice(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    year = _year(request.POST.get("year") or request.GET.get("year")) or today.year + (1 if today.month >= 11 else 0)
    text = request.POST.get("text", "")
    context = {"year": year, "text": text, "problems": [], "months": None, "summary": None}
    if request.method == "POST":
        if _year(request.POST.get("year")) is None:
            context["problems"] = [holiday_notice.Problem(0, "", _("请填写有效年份。"))]
        elif "confirm" in request.POST:
            try:
                summary = services.calendar_publish_notice(year=year, text=text, actor=request.user)
            except BusinessRuleError:
                context["problems"] = holiday_notice.parse(text, year).problems or [
                    holiday_notice.Problem(0, "", _("通知有无法确认的内容，未保存。"))
                ]
            else:
                messages.success(
                    request,
                    _("%(year)s 年节假日安排已保存：放假 %(h)s 天，调休上班 %(w)s 天。")
                    % {"year": year, "h": summary["holidays"], "w": summary["workdays"]},
                )
                return redirect(f"{request.path}?year={year}")
        else:
            notice = holiday_notice.parse(text, year)
            context["problems"] = notice.problems
            if notice.ok:
                stored = selectors.calendar_days_of_year(year)
                context["months"] = holiday_notice.month_grid(year, notice.days, stored)
                context["summary"] = {
                    "holidays": sum(1 for kind, _f in notice.days.values() if kind == holiday_notice.HOLIDAY),
                    "workdays": sum(1 for kind, _f in notice.days.values() if kind == holiday_notice.WORKDAY),
                    "changes": sum(
                        1 for m in context["months"] for w in m["weeks"] for c in w if c["in_month"] and c["change"]
                    ),
                }
    return render(request, "core/holiday_notice.html", context)
