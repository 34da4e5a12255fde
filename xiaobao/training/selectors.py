"""Every read of training data, filtered by the caller's data scope (DESIGN.md).

Two kinds of reader: managers (消保 staff with training permissions) see the rows of their org subtree;
an employee sees their own exams, attempts and results through their roster entry — and nothing else.
Answer keys are shown to the exam's owner only (`may_see_keys`).
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xiaobao.core import sorting
from xiaobao.training.models import (
    Attempt,
    AudienceGroup,
    Course,
    CourseMaterial,
    Exam,
    ExamItem,
    Programme,
    Question,
    Session,
    StaffMember,
    TrainingAssignment,
)


def staff_for(user, filters: dict | None = None) -> QuerySet[StaffMember]:
    """The roster the user may see (their subtree), filterable by q (name or 工号), group, org_unit, leavers."""
    rows = StaffMember.objects.visible_to(user).select_related("org_unit", "user")
    filters = filters or {}
    if filters.get("q"):
        rows = rows.filter(Q(name__icontains=filters["q"]) | Q(employee_no__icontains=filters["q"]))
    if filters.get("group"):
        rows = rows.filter(group=filters["group"])
    if filters.get("org_unit"):
        rows = rows.filter(org_unit__path__startswith=filters["org_unit"].path)
    if not filters.get("leavers"):
        rows = rows.filter(left_on__isnull=True)
    return rows


def own_staff(user) -> StaffMember | None:
    """The signed-in person's roster entry, if any (an active employee only)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return StaffMember.objects.select_related("org_unit").filter(user=user).first()


def staff_groups(staff: StaffMember) -> set[str]:
    return {AudienceGroup.ALL_STAFF, staff.group}


# --- question bank ------------------------------------------------------------------------------------


def questions_for(user, filters: dict | None = None) -> QuerySet[Question]:
    rows = Question.objects.visible_to(user).select_related("current")
    filters = filters or {}
    for name in ("topic", "difficulty", "kind", "right"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("q"):
        rows = rows.filter(Q(code__icontains=filters["q"]) | Q(current__stem__icontains=filters["q"]))
    if not filters.get("inactive"):
        rows = rows.filter(is_active=True)
    return rows


def questions_of_course(rows: QuerySet[Question], course: Course) -> QuerySet[Question]:
    """The questions that belong to `course`: those whose source is one of the course's knowledge-centre
    materials, and those already on a paper of one of the course's exams (a question has no course of its own:
    the bank is shared, so a course's questions are found through what the course teaches and examines)."""
    documents = CourseMaterial.objects.filter(course=course, knowledge_document_id__isnull=False)
    on_papers = ExamItem.objects.filter(exam__course=course).values("version__question_id")
    return rows.filter(Q(knowledge_document_id__in=documents.values("knowledge_document_id")) | Q(pk__in=on_papers))


def question_kind_counts(rows: QuerySet[Question]) -> dict[str, int]:
    """{kind: how many} over `rows`, one GROUP BY."""
    return dict(rows.order_by().values_list("kind").annotate(n=Count("pk")))


def get_question_for_user(user, pk: int, *, for_write: bool = False) -> Question:
    found = Question.objects.visible_to(user, "change" if for_write else "view").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def drawable(*, topic: str = "", difficulty: str = "", kind: str = "") -> QuerySet[Question]:
    """Active questions with content a rule may draw from (unscoped: the exam's owner chose the bank)."""
    rows = Question.objects.filter(is_active=True, current__isnull=False)
    if topic:
        rows = rows.filter(topic=topic)
    if difficulty:
        rows = rows.filter(difficulty=difficulty)
    if kind:
        rows = rows.filter(kind=kind)
    return rows


# --- exams ---------------------------------------------------------------------------------------------


def exams_for(user, filters: dict | None = None) -> QuerySet[Exam]:
    """Exams the user manages (their subtree), with counts of attempts: drafts and published ones first, the one
    closing soonest first, then those ended, newest first; or by a whitelisted column (`sort`, EXAM_SORT_KEYS)."""
    rows = Exam.objects.visible_to(user).select_related("org_unit", "owner", "course")
    filters = filters or {}
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    rows = rows.annotate(
        sat=Count("attempts__staff", distinct=True, filter=~Q(attempts__status=Attempt.Status.IN_PROGRESS)),
    )
    default = sorting.action_first(~Q(status=Exam.Status.CLOSED), due="closes_at", recent="opens_at")
    return sorting.apply_sort(rows.order_by(*default), filters.get("sort"), EXAM_SORT_KEYS)


# Columns the training lists may be sorted by (core/sorting.py); anything else in `sort` is ignored.
EXAM_SORT_KEYS = {
    "title": ("title",),
    "paper_mode": ("paper_mode",),
    "opens_at": ("opens_at",),
    "closes_at": ("closes_at",),
    "status": ("status",),
    "sat": ("sat",),
}
SESSION_SORT_KEYS = {
    "title": ("title",),
    "held_on": ("held_on",),
    "mode": ("mode",),
    "org_unit": ("org_unit__path",),
    "audience_group": ("audience_group",),
    "person_times": ("person_times",),
}
ASSIGNMENT_SORT_KEYS = {
    "staff": ("staff__employee_no",),
    "org_unit": ("staff__org_unit__path",),
    "course": ("course__title",),
    "due_on": ("due_on",),
    "status": ("status",),
    "assigned_at": ("assigned_at",),
}


def get_exam_for_user(user, pk: int, *, for_write: bool = False) -> Exam:
    found = Exam.objects.visible_to(user, "change" if for_write else "view").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def may_see_keys(user, exam: Exam) -> bool:
    """Only the exam's owner (and a system administrator) sees its answer keys."""
    return bool(getattr(user, "is_authenticated", False) and (user.pk == exam.owner_id or user.is_superuser))


def invited(exam: Exam, staff: StaffMember) -> bool:
    """Whether `staff` is in the exam's audience: the organiser's subtree, the group (and channel) if set."""
    if staff.left_on is not None or not staff.org_unit.path.startswith(exam.org_unit.path):
        return False
    if exam.audience_group and exam.audience_group not in staff_groups(staff):
        return False
    return not (exam.audience_channel and exam.audience_channel != staff.channel)


def exams_open_to(staff: StaffMember, *, now=None) -> list[Exam]:
    """Published exams whose window has not closed and that invite `staff` (the employee's exam list)."""
    now = now or timezone.now()
    candidates = (
        Exam.objects.filter(status=Exam.Status.PUBLISHED, closes_at__gt=now)
        .filter(Q(audience_group="") | Q(audience_group__in=staff_groups(staff)))
        .filter(Q(audience_channel="") | Q(audience_channel=staff.channel))
        .select_related("org_unit", "course")
        .order_by("closes_at")
    )
    return [e for e in candidates if staff.org_unit.path.startswith(e.org_unit.path)]


def attempts_of(staff: StaffMember) -> QuerySet[Attempt]:
    return Attempt.objects.filter(staff=staff).select_related("exam").order_by("-started_at")


def active_attempt(exam: Exam, staff: StaffMember) -> Attempt | None:
    return Attempt.objects.filter(exam=exam, staff=staff, status=Attempt.Status.IN_PROGRESS).first()


def get_own_attempt(user, pk: int) -> Attempt:
    """One of the signed-in person's own attempts; anyone else's is 404."""
    staff = own_staff(user)
    found = staff and Attempt.objects.select_related("exam", "staff").filter(pk=pk, staff=staff).first()
    if not found:
        raise Http404
    return found


def attempts_for_exam(user, exam: Exam) -> QuerySet[Attempt]:
    """The attempts at `exam` of people the user may see (a branch sees its own people's results)."""
    people = StaffMember.objects.visible_to(user)
    return (
        Attempt.objects.filter(exam=exam, staff__in=people)
        .select_related("staff", "staff__org_unit")
        .order_by("-score", "seconds_used", "submitted_at")
    )


def results_visible(exam: Exam, *, now=None) -> bool:
    """Whether takers may see their scores' detail and the explanations now, as the exam says."""
    now = now or timezone.now()
    if exam.results == Exam.Results.ON_SUBMIT:
        return True
    if exam.results == Exam.Results.AFTER_WINDOW:
        return now >= exam.closes_at
    return False


# --- courses and sessions ------------------------------------------------------------------------------


def courses_visible(user) -> QuerySet[Course]:
    """Courses of the user's scope, and those of the units above them: head office's courses are taught
    in every branch, so a branch schedules sessions of them."""
    own = Course.objects.visible_to(user)
    unit = getattr(user, "org_unit", None)
    if unit is None or not user.has_perm("training.view_course"):
        return own
    return Course.objects.filter(Q(pk__in=own.values("pk")) | Q(org_unit__in=unit.ancestors()))


def courses_for(user, filters: dict | None = None) -> QuerySet[Course]:
    rows = courses_visible(user).select_related("programme").prefetch_related("audiences")
    filters = filters or {}
    if filters.get("year"):
        rows = rows.filter(year=filters["year"])
    audience = {}
    if filters.get("group"):
        audience["audiences__group"] = filters["group"]
    if filters.get("channel"):
        audience["audiences__channel"] = filters["channel"]
    if filters.get("compulsory") in (True, False):
        audience["audiences__compulsory"] = filters["compulsory"]
    if audience:  # one audience row must match every condition, so they go in one filter()
        rows = rows.filter(**audience).distinct()
    return rows


def programmes_for(user, filters: dict | None = None) -> QuerySet[Programme]:
    """Programmes of the user's scope and of the units above (head office's programmes run everywhere)."""
    own = Programme.objects.visible_to(user)
    unit = getattr(user, "org_unit", None)
    rows = own
    if unit is not None and user.has_perm("training.view_programme"):
        rows = Programme.objects.filter(Q(pk__in=own.values("pk")) | Q(org_unit__in=unit.ancestors()))
    filters = filters or {}
    if filters.get("year"):
        rows = rows.filter(year=filters["year"])
    return (
        rows.select_related("org_unit")
        .annotate(course_count=Count("courses", distinct=True), session_count=Count("sessions", distinct=True))
        .order_by("-year", "id")
    )


def get_course_for_user(user, pk: int, *, for_write: bool = False) -> Course:
    found = Course.objects.visible_to(user, "change" if for_write else "view").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def sessions_for(user, filters: dict | None = None) -> QuerySet[Session]:
    rows = Session.objects.visible_to(user).select_related("org_unit").annotate(person_times=Count("attendances"))
    filters = filters or {}
    if filters.get("year"):
        rows = rows.filter(held_on__year=filters["year"])
    if filters.get("group"):
        rows = rows.filter(audience_group=filters["group"])
    if filters.get("programme"):
        rows = rows.filter(programme=filters["programme"])
    # a GROUP BY query drops Meta.ordering; a session has no state to act on, so the newest first
    return sorting.apply_sort(rows.order_by("-held_on", "-id"), filters.get("sort"), SESSION_SORT_KEYS)


def get_session_for_user(user, pk: int, *, for_write: bool = False) -> Session:
    found = Session.objects.visible_to(user, "change" if for_write else "view").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def session_for_check_in(code: str) -> Session | None:
    """The session whose check-in is open under `code` (codes are unique among open sessions)."""
    return Session.objects.filter(check_in_open=True, check_in_code=code).select_related("org_unit").first()


def assignments_for(user, filters: dict | None = None) -> QuerySet[TrainingAssignment]:
    """Targeted-training assignments of the people in the user's scope (by the person's unit), unfinished first
    by the nearest deadline; or by a whitelisted column (`sort`, ASSIGNMENT_SORT_KEYS)."""
    rows = TrainingAssignment.objects.visible_to(user).select_related("staff", "staff__org_unit", "course", "exam")
    filters = filters or {}
    if filters.get("staff"):
        rows = rows.filter(staff__employee_no=filters["staff"])
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    return sorting.apply_sort(rows.order_by(*_unfinished_first()), filters.get("sort"), ASSIGNMENT_SORT_KEYS)


def _unfinished_first() -> list:
    """What needs action first (issue 21): overdue, then open, each by the nearest deadline; then done and
    cancelled ones, newest first. (Ordering by the status code put 已撤销 first: "cancelled" sorts first.)"""
    S = TrainingAssignment.Status
    return sorting.action_first(
        Q(status__in=(S.OPEN, S.OVERDUE)), urgent_q=Q(status=S.OVERDUE), due="due_on", recent="assigned_at"
    )


def own_assignments(staff: StaffMember) -> QuerySet[TrainingAssignment]:
    rows = TrainingAssignment.objects.filter(staff=staff).select_related("course", "exam")
    return rows.order_by(*_unfinished_first())


def has_attempts(exam: Exam) -> bool:
    return Attempt.objects.filter(exam=exam).exists()


def passed_exists(exam: Exam, staff: StaffMember):
    return Exists(Attempt.objects.filter(exam=exam, staff=OuterRef("pk"), passed=True))


# --- figures for the indicators (unscoped: the indicators app applies its own unit roll-up) -------------


def figures_by_unit(date_from, date_to) -> dict[int, dict]:
    """Per org unit: person_times, sittings, resits, examined, passed, and the year's covered / staff."""
    from xiaobao.training.coverage import figures_by_unit as figures

    return figures(date_from, date_to)


def figures_watermark() -> tuple:
    from xiaobao.training.coverage import figures_watermark as watermark

    return watermark()


def training_due(user, *, within_days: int = 14, now=None) -> dict:
    """The 工作台's training panel: the signed-in employee's unfinished targeted training (open or overdue, the
    nearest deadline first) and the exams invited to them that close within `within_days` and that they have
    not passed yet. Empty for someone who may not sit exams or is not on the roster. Four queries at most."""
    from datetime import timedelta

    empty = {"assignments": [], "exams": []}
    if not getattr(user, "is_authenticated", False) or not user.has_perm("training.sit_exam"):
        return empty
    staff = own_staff(user)
    if staff is None:
        return empty
    now = now or timezone.now()
    assignments = own_assignments(staff).filter(
        status__in=(TrainingAssignment.Status.OPEN, TrainingAssignment.Status.OVERDUE)
    )
    exams = [e for e in exams_open_to(staff, now=now) if e.closes_at <= now + timedelta(days=within_days)]
    passed = set(
        Attempt.objects.filter(staff=staff, passed=True, exam__in=[e.pk for e in exams]).values_list(
            "exam_id", flat=True
        )
    )
    return {
        "assignments": list(assignments.order_by("due_on", "id")),
        "exams": [e for e in exams if e.pk not in passed],
    }
