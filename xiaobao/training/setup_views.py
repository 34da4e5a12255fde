"""Setting the year up: programmes (培训项目), the contest's rounds, teams, scores and awards, and the list of
targeted-training assignments. Thin like the other view modules: scoped selectors to read, services to
write; a refusal is a message on the page, never a 500."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaobao.core import selectors as core_selectors
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.training import contest_selectors, selectors, services
from xiaobao.training.models import ContestRound, TrainingAssignment
from xiaobao.training.session_views import _year
from xiaobao.training.views import PAGE_SIZE


def _need(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(_("您没有这项培训管理权限。"))


@require_http_methods(["GET", "POST"])
@login_required
def programmes(request):
    """培训项目 of a year with their course and session counts; a form to add one."""
    _need(request, "training.view_programme")
    year = _year(request)
    if request.method == "POST":
        try:
            services.programme_create(
                actor=request.user,
                year=int(request.POST.get("year") or year),
                name=request.POST.get("name", ""),
                description=request.POST.get("description", ""),
            )
        except (BusinessRuleError, ValueError) as refusal:
            messages.error(request, str(getattr(refusal, "detail", _("年度须为数字。"))))
        else:
            messages.success(request, _("培训项目已创建。"))
        return redirect(f"{request.path}?year={year}")
    return render(
        request,
        "training/programmes.html",
        {
            "year": year,
            "programmes": selectors.programmes_for(request.user, {"year": year}),
            "can_add": request.user.has_perm("training.add_course"),
        },
    )


@require_GET
@login_required
def assignments(request):
    """定向培训: assignments of people in scope, from inspection findings and complaint root causes."""
    _need(request, "training.view_trainingassignment")
    filters = {
        "staff": request.GET.get("staff", "").strip()[:32],
        "status": request.GET.get("status", "")
        if request.GET.get("status") in TrainingAssignment.Status.values
        else "",
        "sort": request.GET.get("sort", "")[:30],
    }
    page = Paginator(selectors.assignments_for(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/assignments.html",
        {
            "page": page,
            "filters": filters,
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "statuses": TrainingAssignment.Status.choices,
        },
    )


@require_POST
@login_required
def contest_new(request):
    _need(request, "training.add_contest")
    try:
        contest = services.contest_create(
            actor=request.user, year=int(request.POST.get("year") or 0), title=request.POST.get("title", "")
        )
    except (BusinessRuleError, ValueError) as refusal:
        messages.error(request, str(getattr(refusal, "detail", _("年度须为数字。"))))
        return redirect("training:contests")
    messages.success(request, _("竞赛已创建。"))
    return redirect(contest)


def _staff_by_numbers(request, numbers: str) -> list:
    wanted = [n.strip() for n in numbers.replace("，", ",").replace("\n", ",").split(",") if n.strip()]
    found = {s.employee_no: s for s in selectors.staff_for(request.user).filter(employee_no__in=wanted)}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise BusinessRuleError(
            "training.invalid", _("名册中没有这些工号：%(numbers)s") % {"numbers": "、".join(missing)}, {"staff": []}
        )
    return [found[n] for n in wanted]


@require_POST
@login_required
def contest_setup(request, pk: int, action: str):
    """One set-up step of a contest the user runs: add a round, a team, a team's score, an award."""
    _need(request, "training.change_contest")
    contest = contest_selectors.contests_for(request.user, action="change").filter(pk=pk).first()
    if contest is None:
        raise Http404
    post = request.POST
    try:
        if action == "round":
            exam = selectors.exams_for(request.user).filter(pk=post.get("exam") or 0).first()
            services.round_add(
                actor=request.user, contest=contest, kind=post.get("kind", ""), name=post.get("name", ""), exam=exam
            )
        elif action == "team":
            unit = core_selectors.org_units_visible_to(request.user).filter(pk=post.get("org_unit") or 0).first()
            if unit is None:
                raise BusinessRuleError("training.invalid", _("请选择代表机构。"), {"org_unit": []})
            services.team_create(
                actor=request.user,
                contest=contest,
                org_unit=unit,
                name=post.get("name", ""),
                members=_staff_by_numbers(request, post.get("members", "")),
            )
        elif action == "score":
            stage = contest.rounds.filter(pk=post.get("round") or 0).first()
            team = contest.teams.filter(pk=post.get("team") or 0).first()
            if stage is None or team is None:
                raise BusinessRuleError("training.invalid", _("请选择赛段和代表队。"), {"round": []})
            services.team_score_set(
                actor=request.user,
                stage=stage,
                team=team,
                score=post.get("score", ""),
                seconds_used=int(post.get("seconds_used") or 0),
            )
        elif action == "award":
            team = contest.teams.filter(pk=post.get("team") or 0).first()
            people = _staff_by_numbers(request, post.get("staff", "")) if post.get("staff") else []
            services.award_give(
                actor=request.user,
                contest=contest,
                title=post.get("title", ""),
                rank=int(post.get("rank") or 1),
                team=team,
                staff=people[0] if len(people) == 1 else None,
            )
        else:
            raise Http404
    except BusinessRuleError as refusal:
        messages.error(request, str(refusal.detail))
    except ValueError:
        messages.error(request, _("名次、用时须为整数。"))
    else:
        messages.success(request, _("已保存。"))
    return redirect(contest)


def contest_setup_context(request, contest) -> dict:
    """What the contest page's set-up forms offer (only to someone who may run the contest)."""
    if not (
        request.user.has_perm("training.change_contest")
        and contest_selectors.contests_for(request.user, action="change").filter(pk=contest.pk).exists()
    ):
        return {"can_setup": False}
    return {
        "can_setup": True,
        "kinds": ContestRound.Kind.choices,
        "exams": selectors.exams_for(request.user).filter(contest_round__isnull=True)[:200],
        "units": core_selectors.org_units_visible_to(request.user).filter(path__startswith=contest.org_unit.path),
        "team_rows": contest.teams.all(),
        "round_rows": contest.rounds.exclude(kind=ContestRound.Kind.PRELIMINARY),
    }
