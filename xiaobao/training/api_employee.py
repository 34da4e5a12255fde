"""The employee's side of the training API: my open exams, starting one, the paper with saved answers and
the server's time left, saving answers, handing in, my result, and checking in at a session with the room's
code — the same rules as the pages (`exam_views`): the 员工 permission (403 without it), a roster entry, and
only one's own attempts (anyone else's is 404). The server's clock decides: a save or hand-in after the
time limit is refused (409) and the attempt is closed as timed out.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.core.api import HasModelPermission, answered_in_transaction
from xiaobao.training import selectors, services
from xiaobao.training.exams import GRACE
from xiaobao.training.models import Attempt, Exam, QuestionVersion

SIT_PERMISSION = "training.sit_exam"


def _staff(request):
    staff = selectors.own_staff(request.user)
    if staff is None:
        raise Http404
    return staff


class OpenExamOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    time_limit_minutes = serializers.IntegerField()
    attempts_allowed = serializers.IntegerField()
    pass_mark = serializers.DecimalField(max_digits=6, decimal_places=1)


class PaperQuestionOutput(serializers.Serializer):
    position = serializers.IntegerField()
    version = serializers.IntegerField(help_text="The id to answer under")
    kind = serializers.CharField()
    stem = serializers.CharField()
    points = serializers.CharField()
    options = serializers.ListField(child=serializers.DictField(), help_text="[{key, text}] in this person's order")
    blanks = serializers.IntegerField(help_text="Fill-in: how many blanks")
    response = serializers.JSONField(allow_null=True, help_text="The saved (or graded) answer")
    correct = serializers.BooleanField(allow_null=True, help_text="After hand-in, when the exam shows results")
    answer = serializers.JSONField(allow_null=True, help_text="The key, when the exam shows results")
    explanation = serializers.CharField(allow_null=True)


class AttemptOutput(serializers.Serializer):
    id = serializers.IntegerField()
    exam = serializers.IntegerField(source="exam_id")
    exam_title = serializers.CharField(source="exam.title")
    number = serializers.IntegerField()
    is_resit = serializers.BooleanField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    deadline_at = serializers.DateTimeField()
    remaining_seconds = serializers.IntegerField()
    saved_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    score = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    max_score = serializers.DecimalField(max_digits=6, decimal_places=1)
    passed = serializers.BooleanField(allow_null=True)
    results_visible = serializers.BooleanField()
    questions = PaperQuestionOutput(many=True)


def _paper(attempt: Attempt, *, show: bool) -> list[dict]:
    """The paper in this person's order, without keys unless handed in and the exam shows results."""
    ids = [entry["v"] for entry in attempt.paper]
    versions = {v.pk: v for v in QuestionVersion.objects.filter(pk__in=ids).select_related("question")}
    graded = {}
    if attempt.status != Attempt.Status.IN_PROGRESS:
        graded = {a.position: a for a in attempt.answers.all()}
    rows = []
    for position, entry in enumerate(attempt.paper, 1):
        version = versions[entry["v"]]
        texts = {o["key"]: o["text"] for o in version.options}
        answer = graded.get(position)
        reveal = show and attempt.status != Attempt.Status.IN_PROGRESS
        rows.append(
            {
                "position": position,
                "version": version.pk,
                "kind": version.question.kind,
                "stem": version.stem,
                "points": str(entry["points"]),
                "options": [{"key": key, "text": texts.get(key, "")} for key in entry["order"]],
                "blanks": len(version.answer) if version.question.kind == "fill" else 0,
                "response": answer.response if answer else attempt.draft.get(str(version.pk)),
                "correct": answer.correct if (answer and reveal) else None,
                "answer": version.answer if reveal else None,
                "explanation": version.explanation if reveal else None,
            }
        )
    return rows


def _attempt_answer(attempt: Attempt) -> dict:
    attempt = Attempt.objects.select_related("exam").get(pk=attempt.pk)
    show = selectors.results_visible(attempt.exam)
    in_progress = attempt.status == Attempt.Status.IN_PROGRESS
    return {
        **{f: getattr(attempt, f) for f in ("id", "exam_id", "exam", "number", "is_resit", "status")},
        **{f: getattr(attempt, f) for f in ("started_at", "deadline_at", "saved_at", "submitted_at")},
        "remaining_seconds": services.remaining_seconds(attempt) if in_progress else 0,
        "score": attempt.score,
        "max_score": attempt.max_score,
        "passed": attempt.passed,
        "results_visible": show,
        "questions": _paper(attempt, show=show),
    }


class _Employee(APIView):
    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = SIT_PERMISSION


class MyExamsApi(_Employee):
    """Published exams whose window has not closed and to which I am invited."""

    @extend_schema(responses={200: OpenExamOutput(many=True)})
    def get(self, request):
        staff = selectors.own_staff(request.user)
        exams = selectors.exams_open_to(staff) if staff else []
        return Response(OpenExamOutput(exams, many=True).data)


class StartApi(_Employee):
    """Start an attempt (or resume the one in progress): one active attempt, within the window and the
    attempts allowed; a resit is counted as such."""

    @extend_schema(request=None, responses={201: AttemptOutput})
    @answered_in_transaction
    def post(self, request, pk: int):
        staff = _staff(request)
        exam = Exam.objects.filter(pk=pk, status=Exam.Status.PUBLISHED).select_related("org_unit").first()
        if exam is None or not selectors.invited(exam, staff):
            raise Http404
        attempt = selectors.active_attempt(exam, staff) or services.attempt_start(staff=staff, exam=exam)
        return Response(AttemptOutput(_attempt_answer(attempt)).data, status=status.HTTP_201_CREATED)


class AttemptApi(_Employee):
    """One of my attempts: the paper with my saved answers and the time left as the server counts it; after
    hand-in my score, and the keys and explanations when the exam shows them."""

    @extend_schema(responses={200: AttemptOutput})
    def get(self, request, pk: int):
        attempt = selectors.get_own_attempt(request.user, pk)
        if attempt.status == Attempt.Status.IN_PROGRESS and timezone.now() > attempt.deadline_at + GRACE:
            services.attempts_expire(exam=attempt.exam, staff=attempt.staff)
        return Response(AttemptOutput(_attempt_answer(attempt)).data)


class AnswersInput(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text="{version id: response}: a key, a list of keys (multiple choice) or of texts (fill-in)",
    )


class SaveApi(_Employee):
    """Autosave: merge the changed answers into my attempt; refused after the time limit (409)."""

    # not answered_in_transaction: a late save closes the attempt as timed out and that must stand
    @extend_schema(request=AnswersInput, responses={200: AttemptOutput})
    def post(self, request, pk: int):
        attempt = selectors.get_own_attempt(request.user, pk)
        data = AnswersInput(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = services.attempt_save(attempt=attempt, answers=data.validated_data["answers"])
        return Response(AttemptOutput(_attempt_answer(attempt)).data)


class SubmitApi(_Employee):
    """Hand in (with any last answers): graded at once; refused after the time limit or a second time."""

    class InputSerializer(serializers.Serializer):
        answers = serializers.DictField(child=serializers.JSONField(allow_null=True), required=False, default=dict)

    @extend_schema(request=InputSerializer, responses={200: AttemptOutput})  # a late one closes it (above)
    def post(self, request, pk: int):
        attempt = selectors.get_own_attempt(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = services.attempt_submit(attempt=attempt, answers=data.validated_data["answers"])
        return Response(AttemptOutput(_attempt_answer(attempt)).data)


class CheckInApi(_Employee):
    """现场签到 with the code shown in the room; a second check-in changes nothing."""

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=16)

    class OutputSerializer(serializers.Serializer):
        session = serializers.IntegerField()
        title = serializers.CharField()
        created = serializers.BooleanField(help_text="False when already checked in")

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    @answered_in_transaction
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attendance, created = services.check_in(user=request.user, code=data.validated_data["code"])
        return Response({"session": attendance.session_id, "title": attendance.session.title, "created": created})


urlpatterns = [
    path("my/exams/", MyExamsApi.as_view(), name="api-training-my-exams"),
    path("my/exams/<int:pk>/start/", StartApi.as_view(), name="api-training-start"),
    path("my/attempts/<int:pk>/", AttemptApi.as_view(), name="api-training-attempt"),
    path("my/attempts/<int:pk>/answers/", SaveApi.as_view(), name="api-training-attempt-save"),
    path("my/attempts/<int:pk>/submit/", SubmitApi.as_view(), name="api-training-attempt-submit"),
    path("my/check-in/", CheckInApi.as_view(), name="api-training-check-in"),
]
