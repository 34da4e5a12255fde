"""Training admin: view only, scoped like the pages. Rosters, questions, exams and attendance change only
through `services` (imports checked row by row, versions kept, audit rows written)."""

from __future__ import annotations

from django.contrib import admin

from xiaobao.core.admin import AuditedAdminMixin
from xiaobao.training import selectors
from xiaobao.training.models import Course, Exam, Question, Session, StaffMember, TargetedTrainingRule


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StaffMember)
class StaffMemberAdmin(ViewOnlyAdmin):
    list_display = ["employee_no", "name", "org_unit", "group", "channel", "left_on"]
    list_filter = ["group", "channel"]
    search_fields = ["employee_no", "name"]

    def get_queryset(self, request):
        return selectors.staff_for(request.user, {"leavers": True})


@admin.register(Question)
class QuestionAdmin(ViewOnlyAdmin):
    list_display = ["code", "kind", "topic", "difficulty", "is_active"]
    list_filter = ["kind", "difficulty", "is_active"]
    exclude = ["current"]  # the answer lives in the version; keys are not browsed here

    def get_queryset(self, request):
        return selectors.questions_for(request.user, {"inactive": True})


@admin.register(Exam)
class ExamAdmin(ViewOnlyAdmin):
    list_display = ["title", "org_unit", "status", "opens_at", "closes_at"]

    def get_queryset(self, request):
        return selectors.exams_for(request.user)


@admin.register(Course)
class CourseAdmin(ViewOnlyAdmin):
    list_display = ["title", "year", "org_unit", "hours"]

    def get_queryset(self, request):
        return selectors.courses_for(request.user)


@admin.register(Session)
class SessionAdmin(ViewOnlyAdmin):
    list_display = ["title", "held_on", "org_unit", "mode"]
    exclude = ["check_in_code"]

    def get_queryset(self, request):
        return selectors.sessions_for(request.user)


@admin.register(TargetedTrainingRule)
class TargetedTrainingRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The rule/cause → course table is data the 消保部 keeps (DESIGN.md "code tables"): editable here."""

    list_display = ["source", "code", "course", "exam", "due_days", "is_active"]
    list_filter = ["source", "is_active"]
    search_fields = ["code", "course__title"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # only courses and exams the editor may see (the same selectors as the pages)
        if db_field.name == "course":
            kwargs["queryset"] = selectors.courses_for(request.user)
        elif db_field.name == "exam":
            kwargs["queryset"] = Exam.objects.visible_to(request.user).exclude(course__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
