"""Training API for the people who run it: programmes, courses, sessions and their attendance, the question
bank, exams with their papers and results, targeted-training assignments. The employee's own side (my exams,
sitting one, check-in) is in `api_employee`.

Reads go through `training.selectors` — the functions the pages call, so the API and the pages cannot
disagree: the same model permission (403 without it), the same org scope (outside it is 404), answer keys
for the exam's owner only. Writes go through `training.services`. Refusals answer {"error", "detail",
"fields"} with the refusal's status.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.core.api import HasModelPermission, answered_in_transaction
from xiaobao.training import error_codes as codes
from xiaobao.training import selectors, services
from xiaobao.training.api_employee import urlpatterns as employee_urls
from xiaobao.training.models import (
    Attempt,
    AudienceGroup,
    Course,
    Exam,
    Programme,
    Question,
    SalesChannel,
    Session,
    TrainingAssignment,
)
from xiaobao.training.models.exams import Difficulty
from xiaobao.training.sheets import refusal


class ProgrammeOutput(serializers.ModelSerializer):
    course_count = serializers.IntegerField()
    session_count = serializers.IntegerField()

    class Meta:
        model = Programme
        fields = ["id", "year", "name", "description", "org_unit", "plan_id", "course_count", "session_count"]


class AudienceOutput(serializers.Serializer):
    group = serializers.CharField()
    channel = serializers.CharField()
    compulsory = serializers.BooleanField()


class CourseOutput(serializers.ModelSerializer):
    audiences = AudienceOutput(many=True)

    class Meta:
        model = Course
        fields = ["id", "year", "title", "hours", "description", "org_unit", "programme", "audiences"]


class MaterialOutput(serializers.Serializer):
    kind = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    knowledge_document_id = serializers.IntegerField(allow_null=True)


class ExamRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()


class CourseDetailOutput(CourseOutput):
    materials = MaterialOutput(many=True)
    exams = ExamRefOutput(many=True)

    class Meta(CourseOutput.Meta):
        fields = [*CourseOutput.Meta.fields, "materials", "exams"]


class SessionOutput(serializers.ModelSerializer):
    mode = serializers.CharField()
    audience_group = serializers.CharField()
    audience_channel = serializers.CharField()
    person_times = serializers.IntegerField(help_text="People signed in, each once")

    class Meta:
        model = Session
        fields = [
            "id",
            "title",
            "mode",
            "held_on",
            "trainer",
            "place",
            "org_unit",
            "programme",
            "audience_group",
            "audience_channel",
            "check_in_open",
            "workorder_id",
            "person_times",
        ]


class AttendanceOutput(serializers.Serializer):
    employee_no = serializers.CharField(source="staff.employee_no")
    name = serializers.CharField(source="staff.name")
    org_unit = serializers.IntegerField(source="staff.org_unit_id")
    source = serializers.CharField()
    checked_in_at = serializers.DateTimeField()


class SessionDetailOutput(SessionOutput):
    courses = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    attendances = serializers.SerializerMethodField()

    class Meta(SessionOutput.Meta):
        fields = [*SessionOutput.Meta.fields, "courses", "attendances"]

    def get_attendances(self, session) -> AttendanceOutput(many=True):
        rows = session.attendances.select_related("staff").order_by("checked_in_at", "id")
        return AttendanceOutput(rows, many=True).data


class QuestionOutput(serializers.Serializer):
    """A bank question as its current version reads, without the answer key (the bank's maintainers export
    the keys in Excel; an exam's owner sees them on the exam)."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    kind = serializers.CharField()
    topic = serializers.CharField()
    right = serializers.CharField()
    difficulty = serializers.CharField()
    is_active = serializers.BooleanField()
    version = serializers.IntegerField(source="current.number", default=None)
    stem = serializers.CharField(source="current.stem", default="")
    options = serializers.JSONField(source="current.options", default=list)


class ExamOutput(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username")
    paper_mode = serializers.CharField()
    results = serializers.CharField()
    status = serializers.CharField()
    sat = serializers.IntegerField(help_text="People who handed in at least once")

    class Meta:
        model = Exam
        fields = [
            "id",
            "title",
            "course",
            "org_unit",
            "owner",
            "paper_mode",
            "time_limit_minutes",
            "pass_mark",
            "attempts_allowed",
            "opens_at",
            "closes_at",
            "shuffle",
            "results",
            "audience_group",
            "audience_channel",
            "status",
            "sat",
        ]


class PaperItemOutput(serializers.Serializer):
    position = serializers.IntegerField()
    question = serializers.CharField(source="version.question.code")
    version = serializers.IntegerField(source="version.number")
    points = serializers.DecimalField(max_digits=5, decimal_places=1)
    stem = serializers.CharField(source="version.stem")
    options = serializers.JSONField(source="version.options")
    answer = serializers.JSONField(source="version.answer")


class DrawRuleOutput(serializers.Serializer):
    topic = serializers.CharField()
    difficulty = serializers.CharField()
    kind = serializers.CharField()
    count = serializers.IntegerField()
    points = serializers.DecimalField(max_digits=5, decimal_places=1)


class ExamDetailOutput(serializers.Serializer):
    exam = ExamOutput()
    keys = serializers.BooleanField(help_text="Whether the caller owns the exam and so sees its paper and keys")
    items = PaperItemOutput(many=True, help_text="The fixed paper with its keys: the owner's only, else empty")
    rules = DrawRuleOutput(many=True)


class ResultOutput(serializers.ModelSerializer):
    employee_no = serializers.CharField(source="staff.employee_no")
    name = serializers.CharField(source="staff.name")
    org_unit = serializers.IntegerField(source="staff.org_unit_id")
    status = serializers.CharField()
    is_resit = serializers.BooleanField()

    class Meta:
        model = Attempt
        fields = [
            "id",
            "employee_no",
            "name",
            "org_unit",
            "number",
            "is_resit",
            "status",
            "started_at",
            "submitted_at",
            "seconds_used",
            "score",
            "max_score",
            "passed",
        ]


class AssignmentOutput(serializers.ModelSerializer):
    employee_no = serializers.CharField(source="staff.employee_no")
    name = serializers.CharField(source="staff.name")
    course_title = serializers.CharField(source="course.title")
    status = serializers.CharField()

    class Meta:
        model = TrainingAssignment
        fields = [
            "id",
            "employee_no",
            "name",
            "org_unit",
            "course",
            "course_title",
            "exam",
            "reason",
            "source_label",
            "due_on",
            "status",
            "assigned_at",
            "completed_at",
            "workorder_id",
        ]


class _ScopedList(GenericAPIView):
    """A paged list of one selector, behind the permission its page requires."""

    permission_classes = [IsAuthenticated, HasModelPermission]

    class FilterSerializer(serializers.Serializer):
        pass

    def rows(self, request, filters: dict):
        raise NotImplementedError

    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(self.rows(request, filters.validated_data))
        return self.get_paginated_response(self.serializer_class(page, many=True).data)


class ProgrammeListApi(_ScopedList):
    """培训项目: the caller's scope and the units above it (head office's programmes run everywhere)."""

    class FilterSerializer(serializers.Serializer):
        year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)

    serializer_class = ProgrammeOutput
    required_permission = "training.view_programme"

    @extend_schema(parameters=[FilterSerializer], responses={200: ProgrammeOutput(many=True)})
    def get(self, request):
        return super().get(request)

    def rows(self, request, filters):
        return selectors.programmes_for(request.user, filters)


class CourseListApi(_ScopedList):
    class FilterSerializer(serializers.Serializer):
        year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
        group = serializers.ChoiceField(choices=AudienceGroup.choices, required=False)
        channel = serializers.ChoiceField(choices=SalesChannel.choices, required=False)
        compulsory = serializers.BooleanField(required=False, allow_null=True, default=None)

    serializer_class = CourseOutput
    required_permission = "training.view_course"

    @extend_schema(parameters=[FilterSerializer], responses={200: CourseOutput(many=True)})
    def get(self, request):
        return super().get(request)

    def rows(self, request, filters):
        return selectors.courses_for(request.user, filters).order_by("-year", "id")


class CourseDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: CourseDetailOutput})
    def get(self, request, pk: int):
        return Response(CourseDetailOutput(selectors.get_course_for_user(request.user, pk)).data)


class SessionListApi(_ScopedList):
    class FilterSerializer(serializers.Serializer):
        year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
        group = serializers.ChoiceField(choices=AudienceGroup.choices, required=False)
        programme = serializers.IntegerField(required=False, min_value=1)

    serializer_class = SessionOutput
    required_permission = "training.view_session"

    @extend_schema(parameters=[FilterSerializer], responses={200: SessionOutput(many=True)})
    def get(self, request):
        return super().get(request)

    def rows(self, request, filters):
        return selectors.sessions_for(request.user, filters)


def _session(user, pk: int) -> Session:
    selectors.get_session_for_user(user, pk)  # the 404 outside scope
    return selectors.sessions_for(user).get(pk=pk)  # with its person-times


class SessionDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: SessionDetailOutput})
    def get(self, request, pk: int):
        return Response(SessionDetailOutput(_session(request.user, pk)).data)


class AttendanceAddApi(APIView):
    """补录签到: record people by 工号 as attending (a sign-in list already parsed by the caller's system).
    Each person counts once per session; unknown numbers, leavers and people outside the session's audience
    are refused with nothing written."""

    class InputSerializer(serializers.Serializer):
        employee_nos = serializers.ListField(
            child=serializers.CharField(max_length=32), allow_empty=False, max_length=2000
        )

    permission_classes = [IsAuthenticated]

    @extend_schema(request=InputSerializer, responses={200: SessionDetailOutput})
    @answered_in_transaction
    def post(self, request, pk: int):
        session = selectors.get_session_for_user(request.user, pk, for_write=True)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = list(dict.fromkeys(data.validated_data["employee_nos"]))
        found = {
            s.employee_no: s
            for s in selectors.staff_for(request.user, {"leavers": True}).filter(employee_no__in=wanted)
        }
        missing = [n for n in wanted if n not in found]
        if missing:
            raise refusal(
                codes.INVALID,
                _("名册中没有这些工号：%(numbers)s") % {"numbers": "、".join(missing[:20])},
                field="employee_nos",
            )
        services.attendance_add(actor=request.user, session=session, staff_members=list(found.values()))
        return Response(SessionDetailOutput(_session(request.user, pk)).data)


class QuestionListApi(_ScopedList):
    """题库: filter by course topic, kind, difficulty, consumer right or text; the keys are not included."""

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, max_length=50)
        topic = serializers.CharField(required=False, max_length=50)
        kind = serializers.ChoiceField(choices=Question.Kind.choices, required=False)
        difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False)
        inactive = serializers.BooleanField(required=False, default=False)

    serializer_class = QuestionOutput
    required_permission = "training.view_question"

    @extend_schema(parameters=[FilterSerializer], responses={200: QuestionOutput(many=True)})
    def get(self, request):
        return super().get(request)

    def rows(self, request, filters):
        return selectors.questions_for(request.user, filters)


class ExamListApi(_ScopedList):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Exam.Status.choices, required=False)

    serializer_class = ExamOutput
    required_permission = "training.view_exam"

    @extend_schema(parameters=[FilterSerializer], responses={200: ExamOutput(many=True)})
    def get(self, request):
        return super().get(request)

    def rows(self, request, filters):
        return selectors.exams_for(request.user, filters).order_by("-opens_at", "-id")


def _exam_detail(user, pk: int) -> dict:
    selectors.get_exam_for_user(user, pk)  # the 404 outside scope
    exam = selectors.exams_for(user).get(pk=pk)
    keys = selectors.may_see_keys(user, exam)
    items = list(exam.items.select_related("version", "version__question")) if keys else []
    return {"exam": exam, "keys": keys, "items": items, "rules": list(exam.rules.all())}


class ExamDetailApi(APIView):
    """An exam's settings and drawing rules; its fixed paper with the keys for the owner only."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ExamDetailOutput})
    def get(self, request, pk: int):
        return Response(ExamDetailOutput(_exam_detail(request.user, pk)).data)


class ExamPublishApi(APIView):
    """Open a draft exam to its audience: the owner only (403 otherwise), a draft only (409)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: ExamDetailOutput})
    @answered_in_transaction
    def post(self, request, pk: int):
        exam = selectors.get_exam_for_user(request.user, pk, for_write=True)
        services.exam_publish(actor=request.user, exam=exam)
        return Response(ExamDetailOutput(_exam_detail(request.user, pk)).data)


class ExamResultsApi(GenericAPIView):
    """The attempts at an exam of the people in the caller's scope (a branch sees its own people), best
    score first, ties broken by time used; a resit is marked as such."""

    serializer_class = ResultOutput
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ResultOutput(many=True)})
    def get(self, request, pk: int):
        exam = selectors.get_exam_for_user(request.user, pk)
        page = self.paginate_queryset(selectors.attempts_for_exam(request.user, exam))
        return self.get_paginated_response(ResultOutput(page, many=True).data)


class AssignmentListApi(_ScopedList):
    """定向培训: assignments of people in the caller's scope, from findings and complaint root causes."""

    class FilterSerializer(serializers.Serializer):
        staff = serializers.CharField(required=False, max_length=32, help_text="工号")
        status = serializers.ChoiceField(choices=TrainingAssignment.Status.choices, required=False)

    serializer_class = AssignmentOutput
    required_permission = "training.view_trainingassignment"

    @extend_schema(parameters=[FilterSerializer], responses={200: AssignmentOutput(many=True)})
    def get(self, request):
        return super().get(request)

    def rows(self, request, filters):
        return selectors.assignments_for(request.user, filters)


urlpatterns = [
    path("programmes/", ProgrammeListApi.as_view(), name="api-training-programmes"),
    path("courses/", CourseListApi.as_view(), name="api-training-courses"),
    path("courses/<int:pk>/", CourseDetailApi.as_view(), name="api-training-course"),
    path("sessions/", SessionListApi.as_view(), name="api-training-sessions"),
    path("sessions/<int:pk>/", SessionDetailApi.as_view(), name="api-training-session"),
    path("sessions/<int:pk>/attendances/", AttendanceAddApi.as_view(), name="api-training-attendance-add"),
    path("questions/", QuestionListApi.as_view(), name="api-training-questions"),
    path("exams/", ExamListApi.as_view(), name="api-training-exams"),
    path("exams/<int:pk>/", ExamDetailApi.as_view(), name="api-training-exam"),
    path("exams/<int:pk>/publish/", ExamPublishApi.as_view(), name="api-training-exam-publish"),
    path("exams/<int:pk>/results/", ExamResultsApi.as_view(), name="api-training-exam-results"),
    path("assignments/", AssignmentListApi.as_view(), name="api-training-assignments"),
    *employee_urls,
]
