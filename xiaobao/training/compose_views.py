"""The exam form's bank browser and paper summary (组卷): partials the form loads with htmx as the author
searches the bank and picks questions. The same permission as composing a paper (training.add_exam), the
bank in the author's scope (`selectors.questions_for`), no answer keys."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.training import selectors
from xiaobao.training.compose import paper_summary, split_codes
from xiaobao.training.models import Question
from xiaobao.training.models.exams import Difficulty
from xiaobao.training.views import _parse_rules

COMPOSE_PERMISSION = "training.add_exam"
PICKER_PAGE = 20


def _composer(request) -> None:
    if not request.user.has_perm(COMPOSE_PERMISSION):
        raise PermissionDenied(_("您没有组织考试的权限。"))


@require_GET
@login_required
def bank_picker(request):
    """题库选题: the bank filtered by course, topic, kind, difficulty or text, with counts per kind of what
    the filter finds; the numbers already on the paper are marked."""
    _composer(request)
    filters = {k: request.GET.get(k, "").strip()[:50] for k in ("q", "topic", "kind", "difficulty")}
    filters["kind"] = filters["kind"] if filters["kind"] in Question.Kind.values else ""
    filters["difficulty"] = filters["difficulty"] if filters["difficulty"] in Difficulty.values else ""
    rows = selectors.questions_for(request.user, filters).filter(current__isnull=False)
    courses = selectors.courses_for(request.user)
    course = None
    if request.GET.get("course", "").isdigit():
        course = courses.filter(pk=int(request.GET["course"])).first()
        if course is not None:
            rows = selectors.questions_of_course(rows, course)
    counts = selectors.question_kind_counts(rows)
    page = Paginator(rows.order_by("code"), PICKER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/_bank_picker.html",
        {
            "page": page,
            "filters": filters,
            "course": course,
            "kind_counts": [(label, counts.get(value, 0)) for value, label in Question.Kind.choices],
            "found": sum(counts.values()),
            "picked": set(split_codes(request.GET.get("codes", ""))),
        },
    )


@require_GET
@login_required
def paper_preview(request):
    """What the paper being composed adds up to: questions per kind, total score, each rule against the bank."""
    _composer(request)
    try:
        rules = _parse_rules(request.GET.get("rules", ""))
        error = ""
    except BusinessRuleError as refusal:
        rules, error = [], str(refusal.detail)
    summary = paper_summary(
        request.user, codes=request.GET.get("codes", "")[:20000], points=request.GET.get("points", ""), rules=rules
    )
    return render(request, "training/_paper_summary.html", {"summary": summary, "rules_error": error})
