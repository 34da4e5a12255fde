"""Courses, sessions and attendance, coverage (page, charts, Excel, chasing units), and the contest with
its live leaderboard. Thin like `views`: scoped selectors to read, services to write."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaobao.core import selectors as core_selectors
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.training import contest_selectors, selectors, services
from xiaobao.training.coverage import coverage
from xiaobao.training.exports import coverage_workbook
from xiaobao.training.models import AudienceGroup, ContestRound, SalesChannel, Session
from xiaobao.training.views import PAGE_SIZE, import_page, xlsx_response


def _need(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(_("您没有这项培训管理权限。"))


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


# --- courses -------------------------------------------------------------------------------------------


@require_GET
@login_required
def courses(request):
    _need(request, "training.view_course")
    year = _year(request)
    rows = selectors.courses_for(request.user, {"year": year})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/courses.html",
        {"page": page, "year": year, "can_add": request.user.has_perm("training.add_course")},
    )


@require_http_methods(["GET", "POST"])
@login_required
def course_new(request):
    _need(request, "training.add_course")
    context = {"groups": AudienceGroup.choices, "channels": SalesChannel.choices, "data": request.POST}
    if request.method == "POST":
        post = request.POST
        audiences = []
        for value in post.getlist("audience"):  # "group:channel"
            group, _sep, channel = value.partition(":")
            audiences.append((group, channel, post.get(f"compulsory-{value}") == "1"))
        try:
            course = services.course_create(
                actor=request.user,
                title=post.get("title", ""),
                year=int(post.get("year") or 0),
                hours=post.get("hours") or "1",
                description=post.get("description", ""),
                audiences=audiences,
            )
        except (BusinessRuleError, ValueError) as refusal:
            context["error"] = str(getattr(refusal, "detail", _("年度须为数字。")))
            return render(request, "training/course_form.html", context, status=getattr(refusal, "status_code", 400))
        messages.success(request, _("课程已创建。"))
        return redirect(course)
    return render(request, "training/course_form.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def course_detail(request, pk: int):
    course = selectors.get_course_for_user(request.user, pk)
    if request.method == "POST":
        try:
            services.course_add_material(
                actor=request.user,
                course=course,
                title=request.POST.get("title", ""),
                url=request.POST.get("url", "").strip(),
                file=request.FILES.get("file"),
                knowledge_document_id=int(request.POST.get("document") or 0) or None,
            )
        except (BusinessRuleError, ValueError) as refusal:
            messages.error(request, str(getattr(refusal, "detail", _("知识文档编号应为数字。"))))
        else:
            messages.success(request, _("课件已添加。"))
        return redirect(course)
    return render(
        request,
        "training/course.html",
        {
            "course": course,
            "audiences": course.audiences.all(),
            "materials": course.materials.all(),
            "exams": course.exams.all(),
            "can_change": request.user.has_perm("training.change_course"),
        },
    )


# --- sessions ------------------------------------------------------------------------------------------


@require_GET
@login_required
def sessions(request):
    _need(request, "training.view_session")
    year = _year(request)
    filters = {
        "year": year,
        "programme": int(request.GET["programme"]) if request.GET.get("programme", "").isdigit() else 0,
        "sort": request.GET.get("sort", "")[:30],
    }
    page = Paginator(selectors.sessions_for(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/sessions.html",
        {
            "page": page,
            "year": year,
            "filters": filters,
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "can_add": request.user.has_perm("training.add_session"),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def session_new(request):
    _need(request, "training.add_session")
    course_rows = selectors.courses_for(request.user, {"year": _year(request)})
    units = core_selectors.org_units_visible_to(request.user, action="change").filter(is_active=True)
    context = {
        "courses": course_rows,
        "units": units,
        "groups": AudienceGroup.choices,
        "channels": SalesChannel.choices,
        "modes": Session.Mode.choices,
        "data": request.POST,
    }
    if request.method == "POST":
        post = request.POST
        try:
            held_on = date.fromisoformat(post.get("held_on", ""))
        except ValueError:
            held_on = None
        try:
            if held_on is None:
                raise BusinessRuleError("training.invalid", _("请填写培训日期。"), {"held_on": []})
            chosen = list(selectors.courses_visible(request.user).filter(pk__in=post.getlist("courses")))
            session = services.session_create(
                actor=request.user,
                title=post.get("title", ""),
                held_on=held_on,
                courses=chosen,
                audience_group=post.get("audience_group", ""),
                audience_channel=post.get("audience_channel", ""),
                mode=post.get("mode", Session.Mode.OFFLINE),
                trainer=post.get("trainer", ""),
                place=post.get("place", ""),
                org_unit=units.filter(pk=post.get("org_unit") or 0).first(),
            )
        except BusinessRuleError as refusal:
            context["error"] = str(refusal.detail)
            return render(request, "training/session_form.html", context, status=refusal.status_code)
        messages.success(request, _("培训场次已创建。"))
        return redirect(session)
    return render(request, "training/session_form.html", context)


@require_GET
@login_required
def session_detail(request, pk: int):
    session = selectors.get_session_for_user(request.user, pk)
    attendances = session.attendances.select_related("staff", "staff__org_unit").order_by("checked_in_at")
    return render(
        request,
        "training/session.html",
        {
            "session": session,
            "courses": session.courses.all(),
            "attendances": attendances,
            "can_change": request.user.has_perm("training.change_session"),
        },
    )


@require_POST
@login_required
def session_action(request, pk: int, action: str):
    session = selectors.get_session_for_user(request.user, pk, for_write=True)
    try:
        if action == "open":
            services.session_set_check_in(actor=request.user, session=session, open=True)
        elif action == "close":
            services.session_set_check_in(actor=request.user, session=session, open=False)
        elif action == "dispatch":
            services.session_dispatch(actor=request.user, session=session)
        elif action == "link":
            services.session_link_workorder(
                actor=request.user, session=session, order_pk=int(request.POST.get("order") or 0)
            )
        else:
            raise Http404
    except BusinessRuleError as refusal:
        messages.error(request, str(refusal.detail))
    except ValueError:
        messages.error(request, _("工单编号应为数字。"))
    return redirect(session)


@require_http_methods(["GET", "POST"])
@login_required
def session_import(request, pk: int):
    session = selectors.get_session_for_user(request.user, pk, for_write=True)
    return import_page(
        request,
        title=_("导入签到表：%(title)s") % {"title": session.title},
        template_url=reverse("training:sign-in-template"),
        back_url=session.get_absolute_url(),
        run=lambda upload: services.attendance_import(actor=request.user, session=session, upload=upload),
        extra={"help": _("每人一行（工号、姓名）；已签到的人员不重复计算人次。")},
    )


@require_GET
@login_required
def sign_in_template(request):
    from xiaobao.training.sessions import SIGN_IN_COLUMNS
    from xiaobao.training.sheets import template

    _need(request, "training.view_session")
    return xlsx_response(template(SIGN_IN_COLUMNS, sheet_name="签到表"), "sign-in-template.xlsx")


# --- coverage ------------------------------------------------------------------------------------------


def _coverage(request):
    _need(request, "training.view_staffmember")
    year = _year(request)
    units = core_selectors.org_units_visible_to(request.user)
    unit = units.filter(pk=request.GET.get("org_unit") or 0).first()
    result = coverage(selectors.staff_for(request.user, {"org_unit": unit} if unit else {}), year)
    return year, unit, units, result


@require_GET
@login_required
def coverage_page(request):
    """培训覆盖: rates by unit and by audience group (charts and tables), and who is not yet covered."""
    year, unit, units, result = _coverage(request)
    group_names = dict(AudienceGroup.choices)
    by_unit = result.rows_by(lambda p: p.unit_name)
    by_group = result.rows_by(lambda p: str(group_names.get(p.group, p.group)))
    charts = {
        "labels": [r["key"] for r in by_unit],
        "rates": [r["rate"] for r in by_unit],
        "group_labels": [r["key"] for r in by_group],
        "group_rates": [r["rate"] for r in by_group],
        "name": _("覆盖率（%）"),
    }
    missing = [p for p in result.people if not p.covered][:300]
    return render(
        request,
        "training/coverage.html",
        {
            "year": year,
            "unit": unit,
            "units": units,
            "totals": result.totals,
            "by_unit": by_unit,
            "by_group": by_group,
            "missing": missing,
            "titles": result.course_titles,
            "charts": charts,
            "can_chase": request.user.has_perm("training.change_staffmember"),
        },
    )


@require_GET
@login_required
def coverage_export(request):
    year, unit, _units, result = _coverage(request)
    return xlsx_response(coverage_workbook(result, unit=unit), f"training-coverage-{year}.xlsx")


@require_POST
@login_required
def coverage_chase(request):
    year = _year(request)
    units = core_selectors.org_units_visible_to(request.user, action="change").filter(
        pk__in=request.POST.getlist("units")
    )
    try:
        target = float(request.POST.get("target") or 0)
        orders = services.coverage_chase(
            actor=request.user,
            year=year,
            target_rate=target,
            units=list(units),
            due_on=timezone.localdate() + timedelta(days=30),
        )
    except (BusinessRuleError, ValueError) as refusal:
        messages.error(request, str(getattr(refusal, "detail", _("目标覆盖率须为数字。"))))
    else:
        messages.success(request, _("已向 %(n)s 个未达标机构下发工单。") % {"n": len(orders)})
    return redirect(f"{reverse('training:coverage')}?year={year}")


# --- contest -------------------------------------------------------------------------------------------


def _contest_for(request, pk: int):
    """Managers see contests in scope; an employee sees the contests of their organiser's subtree."""
    contest = contest_selectors.contests_for(request.user).filter(pk=pk).first()
    if contest is None:
        staff = selectors.own_staff(request.user)
        contest = contest_selectors.Contest.objects.filter(pk=pk).select_related("org_unit").first() if staff else None
        if contest is None or not staff.org_unit.path.startswith(contest.org_unit.path):
            raise Http404
    return contest


@require_GET
@login_required
def contests(request):
    _need(request, "training.view_contest")
    return render(
        request,
        "training/contests.html",
        {
            "contests": contest_selectors.contests_for(request.user),
            "can_add": request.user.has_perm("training.add_contest"),
            "year": timezone.localdate().year,
        },
    )


@require_GET
@login_required
def contest_detail(request, pk: int):
    from xiaobao.training import setup_views

    contest = _contest_for(request, pk)
    return render(
        request,
        "training/contest.html",
        {
            "contest": contest,
            "rounds": contest.rounds.select_related("exam"),
            "individuals": contest_selectors.individual_ranking(contest, limit=50),
            "teams": contest_selectors.team_ranking(contest),
            "awards": contest.awards.select_related("team", "staff", "staff__org_unit"),
            "participants": len(contest_selectors.participant_ids(contest)),
            **setup_views.contest_setup_context(request, contest),
        },
    )


@require_GET
@login_required
def leaderboard(request, pk: int, round_pk: int):
    """The live leaderboard of a round; the table part re-fetches itself every few seconds (htmx)."""
    contest = _contest_for(request, pk)
    stage = contest.rounds.filter(pk=round_pk, kind=ContestRound.Kind.PRELIMINARY).first()
    if stage is None:
        raise Http404
    context = {
        "contest": contest,
        "stage": stage,
        "rows": contest_selectors.individual_ranking(contest, stage=stage, limit=30),
        "updated": timezone.now(),
    }
    if request.htmx:
        return render(request, "training/_leaderboard_rows.html", context)
    return render(request, "training/leaderboard.html", context)
