"""Training pages for the people who run it: the module's home, the roster, the question bank, exams.

Thin (DESIGN.md): reads are `training.selectors` scoped to the user (outside scope is 404), writes are
`training.services` calls; a refusal is a message on the page with its status, never a 500. Courses,
sessions, coverage and the contest are in `session_views`; the employee's own pages in `exam_views`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.training import selectors, services
from xiaobao.training.compose import split_codes
from xiaobao.training.models import AudienceGroup, Exam, Question, SalesChannel
from xiaobao.training.models.exams import Difficulty

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def import_page(request, *, title: str, template_url: str, back_url: str, run, extra: dict | None = None):
    """The shared upload page: a file, the run (a service returning an ImportResult), the row report."""
    context = {"title": title, "template_url": template_url, "back_url": back_url, **(extra or {})}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"], status = _("请选择要上传的文件。"), 400
        else:
            try:
                result = run(upload)
            except BusinessRuleError as refusal:
                context["error"], status = str(refusal.detail), refusal.status_code
            else:
                if result.ok:
                    messages.success(
                        request,
                        _("导入完成：新增 %(created)s 条，更新 %(updated)s 条。")
                        % {"created": result.created, "updated": result.updated},
                    )
                    return redirect(back_url)
                context["errors"], status = result.errors, 400
    return render(request, "training/import.html", context, status=status)


def _manager(request, permission: str = "training.view_staffmember") -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(_("您没有查看培训管理的权限。"))


@require_GET
@login_required
def home(request):
    """培训考试: the manager's overview, or straight to my exams for everyone else."""
    if not request.user.has_perm("training.view_staffmember"):
        if not request.user.has_perm("training.sit_exam"):
            raise PermissionDenied(_("您没有查看培训考试的权限。"))
        return redirect("training:my-exams")
    year = timezone.localdate().year
    return render(
        request,
        "training/home.html",
        {
            "year": year,
            "staff_count": selectors.staff_for(request.user).count(),
            "question_count": selectors.questions_for(request.user).count(),
            "exams": selectors.exams_for(request.user)[:10],
            "sessions": selectors.sessions_for(request.user)[:10],
            "has_staff": selectors.own_staff(request.user) is not None,
        },
    )


# --- roster --------------------------------------------------------------------------------------------


@require_GET
@login_required
def roster(request):
    _manager(request)
    filters = {
        "q": request.GET.get("q", "").strip()[:50],
        "group": request.GET.get("group", "") if request.GET.get("group") in AudienceGroup.values else "",
        "leavers": request.GET.get("leavers") == "1",
    }
    page = Paginator(selectors.staff_for(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/roster.html",
        {
            "page": page,
            "filters": filters,
            "groups": AudienceGroup.choices,
            "can_import": request.user.has_perm("training.change_staffmember"),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def roster_import(request):
    if not request.user.has_perm("training.change_staffmember"):
        raise PermissionDenied(_("您没有维护员工名册的权限。"))
    return import_page(
        request,
        title=_("导入员工名册"),
        template_url=reverse("training:roster-template"),
        back_url=reverse("training:roster"),
        run=lambda upload: services.staff_import(actor=request.user, upload=upload),
        extra={"help": _("按人力资源系统导出的名册填写；已有工号的员工按表更新，离职员工填写离职日期。")},
    )


@require_GET
@login_required
def roster_template(request):
    _manager(request)
    return xlsx_response(services.staff_template(), "roster-template.xlsx")


# --- question bank -------------------------------------------------------------------------------------


@require_GET
@login_required
def bank(request):
    _manager(request, "training.view_question")
    filters = {k: request.GET.get(k, "").strip()[:50] for k in ("q", "topic", "kind", "difficulty")}
    rows = selectors.questions_for(request.user, filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/bank.html",
        {
            "page": page,
            "filters": filters,
            "kinds": Question.Kind.choices,
            "can_edit": request.user.has_perm("training.change_question"),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def bank_import(request):
    if not request.user.has_perm("training.add_question"):
        raise PermissionDenied(_("您没有维护题库的权限。"))
    return import_page(
        request,
        title=_("导入题库"),
        template_url=reverse("training:bank-template"),
        back_url=reverse("training:bank"),
        run=lambda upload: services.questions_import(actor=request.user, upload=upload),
        extra={"help": _("题号留空为新题；填写已有题号则修改该题并生成新版本，已交卷的试卷不受影响。")},
    )


@require_GET
@login_required
def bank_template(request):
    _manager(request, "training.view_question")
    return xlsx_response(services.questions_template(), "question-bank-template.xlsx")


@require_GET
@login_required
def bank_export(request):
    """The bank with its answers: only for people who maintain it."""
    if not request.user.has_perm("training.change_question"):
        raise PermissionDenied(_("只有题库维护人员可以导出含答案的题库。"))
    rows = selectors.questions_for(request.user).order_by("code")
    return xlsx_response(services.questions_workbook(rows), "question-bank.xlsx")


# --- exams ---------------------------------------------------------------------------------------------


@require_GET
@login_required
def exams(request):
    _manager(request, "training.view_exam")
    filters = {
        "status": request.GET.get("status", "") if request.GET.get("status") in Exam.Status.values else "",
        "sort": request.GET.get("sort", "")[:30],
    }
    page = Paginator(selectors.exams_for(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/exams.html",
        {
            "page": page,
            "filters": filters,
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "statuses": Exam.Status.choices,
            "can_add": request.user.has_perm("training.add_exam"),
        },
    )


def _parse_rules(text: str) -> list[dict]:
    """Lines "知识点, 难度, 题数, 分值" (难度 may be empty)."""
    rules = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if not any(parts):
            continue
        if len(parts) != 4:
            raise BusinessRuleError("training.invalid", _("抽题规则每行为：知识点, 难度, 题数, 分值"), {"rules": []})
        level = {"容易": "easy", "中等": "medium", "困难": "hard"}.get(parts[1], parts[1])
        try:
            rules.append({"topic": parts[0], "difficulty": level, "count": int(parts[2]), "points": Decimal(parts[3])})
        except (ValueError, ArithmeticError):
            raise BusinessRuleError("training.invalid", _("抽题规则的题数和分值须为数字。"), {"rules": []}) from None
    return rules


def _parse_moment(value: str):
    try:
        return timezone.make_aware(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return None


@require_http_methods(["GET", "POST"])
@login_required
def exam_new(request):
    """组卷: a fixed paper by question numbers, or drawing rules; the rest of the exam's settings."""
    if not request.user.has_perm("training.add_exam"):
        raise PermissionDenied(_("您没有组织考试的权限。"))
    courses = selectors.courses_for(request.user)
    context = {
        "courses": courses,
        "groups": AudienceGroup.choices,
        "channels": SalesChannel.choices,
        "results": Exam.Results.choices,
        "kinds": Question.Kind.choices,
        "difficulties": Difficulty.choices,
        "data": request.POST,
    }
    if request.method == "POST":
        post = request.POST
        try:
            codes_wanted = split_codes(post.get("codes", ""))  # as the form's paper summary reads them
            found = {q.code: q for q in selectors.questions_for(request.user).filter(code__in=codes_wanted)}
            missing = [c for c in codes_wanted if c not in found]
            if missing:
                raise BusinessRuleError(
                    "training.invalid", _("找不到试题：%(codes)s") % {"codes": "、".join(missing)}, {"codes": []}
                )
            points = Decimal(post.get("points") or "1")
            course = courses.filter(pk=post.get("course") or 0).first()
            exam = services.exam_create(
                actor=request.user,
                data={
                    "title": post.get("title", ""),
                    "time_limit_minutes": post.get("time_limit_minutes"),
                    "attempts_allowed": post.get("attempts_allowed"),
                    "opens_at": _parse_moment(post.get("opens_at")),
                    "closes_at": _parse_moment(post.get("closes_at")),
                    "results": post.get("results", Exam.Results.AFTER_WINDOW),
                    "shuffle": post.get("shuffle") == "1",
                    "audience_group": post.get("audience_group", ""),
                    "audience_channel": post.get("audience_channel", ""),
                },
                items=[(found[c].current, points) for c in codes_wanted],
                rules=_parse_rules(post.get("rules", "")),
                pass_mark=post.get("pass_mark") or "0",
                course=course,
                publish=post.get("publish") == "1",
            )
        except (BusinessRuleError, ArithmeticError) as refusal:
            context["error"] = str(getattr(refusal, "detail", _("分值须为数字。")))
            return render(request, "training/exam_form.html", context, status=getattr(refusal, "status_code", 400))
        messages.success(request, _("考试已创建。"))
        return redirect(exam)
    return render(request, "training/exam_form.html", context)


@require_GET
@login_required
def exam_detail(request, pk: int):
    """The exam's settings, its paper (answer keys for the owner only) and the results of people in scope."""
    exam = selectors.get_exam_for_user(request.user, pk)
    keys = selectors.may_see_keys(request.user, exam)
    items = list(exam.items.select_related("version", "version__question")) if keys else []
    attempts = selectors.attempts_for_exam(request.user, exam)[:500]
    return render(
        request,
        "training/exam.html",
        {
            "exam": exam,
            "keys": keys,
            "items": items,
            "rules": list(exam.rules.all()),
            "attempts": attempts,
            "can_publish": keys and exam.status == Exam.Status.DRAFT,
        },
    )


@require_POST
@login_required
def exam_publish(request, pk: int):
    exam = selectors.get_exam_for_user(request.user, pk, for_write=True)
    try:
        services.exam_publish(actor=request.user, exam=exam)
    except BusinessRuleError as refusal:
        messages.error(request, str(refusal.detail))
    else:
        messages.success(request, _("考试已发布。"))
    return redirect(exam)


@require_http_methods(["GET", "POST"])
@login_required
def exam_results_import(request, pk: int):
    exam = selectors.get_exam_for_user(request.user, pk, for_write=True)
    return import_page(
        request,
        title=_("导入线下考试成绩：%(title)s") % {"title": exam.title},
        template_url=reverse("training:results-template"),
        back_url=exam.get_absolute_url(),
        run=lambda upload: services.results_import(actor=request.user, exam=exam, upload=upload),
        extra={"help": _("每行一次考试；同一员工多行按考试日期依次记为补考。")},
    )


@require_GET
@login_required
def results_template(request):
    from xiaobao.training.exams import RESULT_COLUMNS
    from xiaobao.training.sheets import template

    _manager(request, "training.view_exam")
    return xlsx_response(template(RESULT_COLUMNS, sheet_name="考试成绩"), "exam-results-template.xlsx")
