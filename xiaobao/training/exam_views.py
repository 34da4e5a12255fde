"""Sitting an exam (the employee's pages): my exams, start or resume, the paper with autosave, hand in,
my result; and self check-in at a session.

The paper page shows the time left as the server counts it; the browser's countdown is only a display.
Answers are saved as they change (a small POST per change, see static/js/training-exam.js), so a reload
shows them again. A late save or hand-in is refused with the reason, and the page goes to the result.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.training import selectors, services
from xiaobao.training.exams import GRACE
from xiaobao.training.models import Attempt, Exam, QuestionVersion

MAX_SAVE_BYTES = 64 * 1024
SIT_PERMISSION = "training.sit_exam"


def _employee(request) -> None:
    """Sitting exams and checking in is for staff holding the 员工 permission (the 员工 role, or any staff
    role that includes it); being on the roster alone is not enough, so an account HR linked by mistake
    to a contractor's login does not open the exam pages."""
    if not request.user.has_perm(SIT_PERMISSION):
        raise PermissionDenied(_("您没有参加培训考试的权限。"))


def _staff_or_404(request):
    _employee(request)
    staff = selectors.own_staff(request.user)
    if staff is None:
        raise Http404
    return staff


@require_GET
@login_required
def my_exams(request):
    """我的考试: open exams I am invited to, my attempts and results, my targeted training, and the session
    check-in box."""
    _employee(request)
    staff = selectors.own_staff(request.user)
    now = timezone.now()
    exams, attempts, assignments = [], [], []
    if staff is not None:
        exams = selectors.exams_open_to(staff, now=now)
        attempts = list(selectors.attempts_of(staff)[:50])
        assignments = list(selectors.own_assignments(staff)[:50])
    return render(
        request,
        "training/my_exams.html",
        {"staff": staff, "exams": exams, "attempts": attempts, "assignments": assignments, "now": now},
    )


@require_http_methods(["GET", "POST"])
@login_required
def take(request, pk: int):
    """Start (POST) or resume an exam; GET shows its rules and a start button."""
    staff = _staff_or_404(request)
    exam = Exam.objects.filter(pk=pk, status=Exam.Status.PUBLISHED).select_related("org_unit").first()
    if exam is None or not selectors.invited(exam, staff):
        raise Http404
    if request.method == "POST":
        try:
            attempt = services.attempt_start(staff=staff, exam=exam)
        except BusinessRuleError as refusal:
            messages.error(request, str(refusal.detail))
            return redirect("training:take", pk=exam.pk)
        return redirect("training:attempt", pk=attempt.pk)
    current = selectors.active_attempt(exam, staff)
    used = selectors.attempts_of(staff).filter(exam=exam).count()
    return render(request, "training/take.html", {"exam": exam, "current": current, "used": used})


def _paper(attempt: Attempt, *, with_keys: bool = False) -> list[dict]:
    versions = {
        v.pk: v
        for v in QuestionVersion.objects.filter(pk__in=[p["v"] for p in attempt.paper]).select_related("question")
    }
    answers = {}
    if attempt.status != Attempt.Status.IN_PROGRESS:
        answers = {a.position: a for a in attempt.answers.all()}
    items = []
    for position, entry in enumerate(attempt.paper, 1):
        version = versions[entry["v"]]
        texts = {o["key"]: o["text"] for o in version.options}
        saved = attempt.draft.get(str(version.pk))
        chosen = saved if isinstance(saved, list) else [saved] if saved else []
        options = [
            {"key": key, "label": "ABCDEFGH"[i], "text": texts[key], "checked": key in chosen}
            for i, key in enumerate(entry["order"])
        ]
        blanks = len(version.answer) if version.question.kind == "fill" else 0
        items.append(
            {
                "position": position,
                "version": version,
                "kind": version.question.kind,
                "kind_label": version.question.get_kind_display(),
                "points": entry["points"],
                "options": options,
                "blanks": [(saved[i] if isinstance(saved, list) and i < len(saved) else "") for i in range(blanks)],
                "answer": answers.get(position),
                "key": [texts.get(k, k) for k in version.answer] if with_keys and blanks == 0 else version.answer,
            }
        )
    return items


@require_GET
@login_required
def attempt_page(request, pk: int):
    """The paper: questions in this person's order, saved answers filled in, the server's time left."""
    attempt = selectors.get_own_attempt(request.user, pk)
    if attempt.status == Attempt.Status.IN_PROGRESS and timezone.now() > attempt.deadline_at + GRACE:
        services.attempts_expire(exam=attempt.exam, staff=attempt.staff)
        return redirect("training:result", pk=attempt.pk)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("training:result", pk=attempt.pk)
    return render(
        request,
        "training/attempt.html",
        {
            "attempt": attempt,
            "items": _paper(attempt),
            "remaining": services.remaining_seconds(attempt),
        },
    )


def _answers_from(request) -> dict:
    """{version id: response} from a form post (q<id> = key, or several keys, or blank texts)."""
    answers = {}
    for name in request.POST:
        if name.startswith("q") and name[1:].isdigit():
            values = list(request.POST.getlist(name))
            kind = request.POST.get(f"kind{name[1:]}", "")
            answers[name[1:]] = values if kind in ("multiple", "fill") else (values[0] if values else None)
    return answers


@require_POST
@login_required
def attempt_save(request, pk: int):
    """Autosave: the changed answers as JSON {"answers": {version id: response}}; answers the time left."""
    attempt = selectors.get_own_attempt(request.user, pk)
    if len(request.body) > MAX_SAVE_BYTES:
        return JsonResponse({"error": "training.invalid", "detail": _("提交内容过大。")}, status=400)
    try:
        payload = json.loads(request.body or b"{}")
        answers = payload.get("answers", {}) if isinstance(payload, dict) else {}
        if not isinstance(answers, dict):
            raise ValueError
    except ValueError:
        return JsonResponse({"error": "training.invalid", "detail": _("答案格式不正确。")}, status=400)
    try:
        attempt = services.attempt_save(attempt=attempt, answers=answers)
    except BusinessRuleError as refusal:
        return JsonResponse({"error": refusal.error_code, "detail": str(refusal.detail)}, status=refusal.status_code)
    return JsonResponse({"saved_at": attempt.saved_at.isoformat(), "remaining": services.remaining_seconds(attempt)})


@require_POST
@login_required
def attempt_submit(request, pk: int):
    """Hand in: the whole form posted (so answers not yet autosaved count), graded at once."""
    attempt = selectors.get_own_attempt(request.user, pk)
    try:
        services.attempt_submit(attempt=attempt, answers=_answers_from(request))
    except BusinessRuleError as refusal:
        messages.error(request, str(refusal.detail))
    else:
        messages.success(request, _("已交卷。"))
    return redirect("training:result", pk=attempt.pk)


@require_GET
@login_required
def result(request, pk: int):
    """My result: the score at once; each answer, the key and the explanation when the exam allows."""
    attempt = selectors.get_own_attempt(request.user, pk)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return redirect("training:attempt", pk=attempt.pk)
    show = selectors.results_visible(attempt.exam)
    return render(
        request,
        "training/result.html",
        {"attempt": attempt, "show": show, "items": _paper(attempt) if show else []},
    )


@require_http_methods(["GET", "POST"])
@login_required
def check_in(request):
    """现场签到: type the code shown in the room."""
    _employee(request)
    if request.method == "POST":
        try:
            attendance, created = services.check_in(user=request.user, code=request.POST.get("code", ""))
        except BusinessRuleError as refusal:
            messages.error(request, str(refusal.detail))
            return render(request, "training/check_in.html", {}, status=refusal.status_code)
        if created:
            messages.success(request, _("签到成功：%(title)s") % {"title": attendance.session.title})
        else:
            messages.info(request, _("您已签到过：%(title)s") % {"title": attendance.session.title})
        return redirect("training:my-exams")
    return render(request, "training/check_in.html", {})
