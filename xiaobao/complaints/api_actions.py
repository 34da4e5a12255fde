"""Complaint API: the handling loop's actions (受理, 分派, 分类, 延期, 处理决定, the complainant's response, 核查,
回访, 办结, 撤回), each a POST on /api/v1/complaints/<pk>/<action>/ answering the complaint as its detail, and the
look-ups of the ids an input names (units, people, code-table entries), which registering uses too.

The shape of an action is ui.api_actions': find the complaint in scope (else 404), validate, call one
`complaints.services` function; a refusal answers {"error", "detail", "fields"} with its own status.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.response import Response

from xiaobao.complaints import error_codes as codes
from xiaobao.complaints import selectors, services
from xiaobao.complaints.api_outputs import REFUSALS, VIEW_PERMISSION, ComplaintDetailOutput, detail_response
from xiaobao.complaints.models import Category, Complaint, Extension
from xiaobao.core import selectors as core_selectors
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import User
from xiaobao.ui.api_actions import ObjectActionApi, VersionInput, action_schema

# --- the ids an input names -------------------------------------------------------------------------


def refused(code: str, field: str, message: str) -> BusinessRuleError:
    """A 400 naming the field it is about."""
    return BusinessRuleError(code, message, fields={field: [code]})


def unit_in_scope(user, pk: int | None, *, action: str, field: str = "org_unit"):
    """A unit in the caller's scope for `action`; an id outside it is unknown (400), so nothing is revealed."""
    if pk is None:
        return None
    found = core_selectors.org_units_visible_to(user, action=action).filter(pk=pk).first()
    if found is None:
        raise refused(codes.INVALID, field, _("找不到该机构，或不在您的范围内。"))
    return found


def person_in_scope(user, pk: int | None, *, field: str):
    """A person in the caller's scope; an id outside it is unknown (400), so nothing is revealed."""
    if pk is None:
        return None
    found = core_selectors.users_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise refused(codes.INVALID, field, _("找不到该人员，或不在您的范围内。"))
    return found


def category_by_id(pk: int | None, *, field: str):
    """A code-table entry by id; whether it is current, active and of the right dimension is the service's rule."""
    if pk is None:
        return None
    found = Category.objects.filter(pk=pk).first()
    if found is None:
        raise refused(codes.BAD_CATEGORY, field, _("找不到该分类代码。"))
    return found


# --- the loop's actions ---------------------------------------------------------------------------


class ComplaintVersionInput(VersionInput):
    # Its own name in the schema, beside the other apps' VersionInput.
    pass


class _ActionApi(ObjectActionApi):
    """Shared shape of the actions: find the complaint in scope (else 404), validate, call one service, answer
    the complaint as its detail. `InputSerializer` and `act` are each action's own."""

    required_permission = VIEW_PERMISSION
    InputSerializer = ComplaintVersionInput
    detail_output = ComplaintDetailOutput
    refusals = REFUSALS

    def find(self, request, pk: int) -> Complaint:
        return selectors.get_complaint_for_user(request.user, pk)

    def answer(self, request, complaint: Complaint) -> Response:
        return detail_response(request, complaint)


@action_schema("Accept the complaint (受理)", "The responsible unit's officer.")
class ComplaintAcceptApi(_ActionApi):
    def act(self, request, complaint, data):
        services.complaint_accept(complaint=complaint, actor=request.user, expected_version=data.get("version"))


@action_schema(
    "Assign the handler (分派)",
    "The person complained about may not handle it (回避: complaints.conflict_of_interest).",
)
class ComplaintAssignApi(_ActionApi):
    class InputSerializer(ComplaintVersionInput):
        org_unit = serializers.IntegerField(
            min_value=1, required=False, allow_null=True, default=None, help_text="Move it to this unit"
        )
        handler = serializers.IntegerField(
            min_value=1, required=False, allow_null=True, default=None, help_text="The person who handles it"
        )

    def act(self, request, complaint, data):
        services.complaint_assign(
            complaint=complaint,
            actor=request.user,
            org_unit=unit_in_scope(request.user, data["org_unit"], action="change"),
            handler=person_in_scope(request.user, data["handler"], field="handler"),
            expected_version=data.get("version"),
        )


@action_schema("Classify on the current code table (分类)")
class ComplaintClassifyApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        business_category = serializers.IntegerField(min_value=1, help_text="业务/产品类别 (current code table)")
        cause_category = serializers.IntegerField(min_value=1, help_text="投诉原因")
        demand_category = serializers.IntegerField(min_value=1, help_text="投诉诉求")

    def act(self, request, complaint, data):
        services.complaint_classify(
            complaint=complaint,
            actor=request.user,
            business_category=category_by_id(data["business_category"], field="business_category"),
            cause_category=category_by_id(data["cause_category"], field="cause_category"),
            demand_category=category_by_id(data["demand_category"], field="demand_category"),
        )


@action_schema(
    "Extend the decision deadline (延期, Art. 18)",
    "Level 2 needs the approval of the higher-level unit or head-office senior management.",
)
class ComplaintExtendApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        level = serializers.ChoiceField(
            choices=Extension.Level.choices, help_text="1: to 30 days; 2: a further 30 days (approved higher up)"
        )
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
        approver = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        notice_method = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=50, help_text="How the complainant was told"
        )

    def act(self, request, complaint, data):
        approver = None
        if data["approver"] is not None:
            # Level 2 is approved above the caller's reach; whether this person may approve is the service's rule.
            approver = User.objects.filter(pk=data["approver"], is_active=True).first()
            if approver is None:
                raise refused(codes.APPROVER_REQUIRED, "approver", _("找不到该审批人。"))
        services.complaint_extend(
            complaint=complaint,
            actor=request.user,
            level=int(data["level"]),
            reason=data["reason"],
            approver=approver,
            notice_method=data["notice_method"],
        )


@action_schema("Record the decision told to the complainant (处理决定)")
class ComplaintDecideApi(_ActionApi):
    class InputSerializer(ComplaintVersionInput):
        decision = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
        reply_method = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
        remedies_told = serializers.BooleanField(
            default=False, help_text="The complainant was told of 核查, mediation, arbitration and litigation"
        )

    def act(self, request, complaint, data):
        services.complaint_decide(
            complaint=complaint,
            actor=request.user,
            decision=data["decision"],
            reply_method=data["reply_method"],
            remedies_told=data["remedies_told"],
            expected_version=data.get("version"),
        )


@action_schema("Record the complainant's response to the decision")
class ComplaintResponseApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        satisfied = serializers.BooleanField()
        reexamine = serializers.BooleanField(default=False, help_text="The complainant asks for 核查")
        received_at = serializers.DateTimeField(
            required=False,
            allow_null=True,
            default=None,
            help_text="When the 核查 application was received (Art. 20: its 30 days run from it); default now",
        )
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def act(self, request, complaint, data):
        services.complaint_record_response(
            complaint=complaint,
            actor=request.user,
            satisfied=data["satisfied"],
            reexamine=data["reexamine"],
            note=data["note"],
            received_at=(data["received_at"] or timezone.now()) if data["reexamine"] else None,
        )


@action_schema("Record the 核查 conclusion (the higher-level unit)")
class ComplaintReexamineApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        conclusion = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
        upheld = serializers.BooleanField(help_text="The decision is upheld")

    def act(self, request, complaint, data):
        services.complaint_reexamine(
            complaint=complaint, actor=request.user, conclusion=data["conclusion"], upheld=data["upheld"]
        )


@action_schema("Record the 回访 (revisit) result")
class ComplaintRevisitApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        result = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    def act(self, request, complaint, data):
        services.complaint_revisit(complaint=complaint, actor=request.user, result=data["result"])


@action_schema(
    "Close with the root cause (办结, 溯源整改)",
    "Refused unless classified (complaints.not_classified) and with a root cause.",
)
class ComplaintCloseApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        root_cause = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        root_cause_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    def act(self, request, complaint, data):
        services.complaint_close(
            complaint=complaint,
            actor=request.user,
            root_cause=category_by_id(data["root_cause"], field="root_cause"),
            root_cause_note=data["root_cause_note"],
        )


@action_schema("Record the complainant's withdrawal (撤回, Art. 15)", "Handling ends the day it arrives.")
class ComplaintWithdrawApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
        received_at = serializers.DateTimeField(
            required=False,
            allow_null=True,
            default=None,
            help_text="When the withdrawal was received (Art. 15: handling ends that day); default now",
        )

    def act(self, request, complaint, data):
        services.complaint_withdraw(
            complaint=complaint, actor=request.user, reason=data["reason"], received_at=data["received_at"]
        )
