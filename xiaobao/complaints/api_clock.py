"""Complaint API: the statutory clock's actions — stop and resume (调解, 第二十三条; 外部鉴定、检测、评估,
第十八条第二款), new facts and reasons (第十八条第三款), 不予办理 (第十八条第四款) — and the regulator's 重大
designation (第二十九条第三项). Each a POST on /api/v1/complaints/<pk>/<action>/ answering the complaint as its
detail, the same services the detail page calls (clock_services, major), so the permissions and the refusals are
the page's: a stop or restart entered after the deadline in force passed is `complaints.clock_overdue`, a date
later than now `complaints.received_in_future`, and so on.

Dates are when the thing happened or arrived (the mediation began, the appraisal report came, the new material
was received), not when the call is made; the service checks them against now and the complaint's clock.
"""

from __future__ import annotations

from rest_framework import serializers

from xiaobao.complaints import clock_services, major
from xiaobao.complaints.api_actions import _ActionApi
from xiaobao.complaints.models import ClockEvent
from xiaobao.ui.api_actions import action_schema

CLOCK_REFUSALS = (
    "Refusals (`error`): complaints.not_allowed (403); complaints.closed, complaints.clock_not_running, "
    "complaints.clock_overdue, complaints.clock_already_stopped, complaints.clock_not_stopped (409); "
    "complaints.invalid, complaints.received_in_future, complaints.received_before_complaint, "
    "complaints.reason_required, complaints.evidence_required, complaints.notice_required, "
    "complaints.bad_clock_kind, complaints.new_facts_late (400)."
)
PAUSE_KINDS = ", ".join(ClockEvent.PAUSES)


def _moment(help_text: str) -> serializers.DateTimeField:
    # A missing date is the service's refusal (complaints.invalid), as on the page.
    return serializers.DateTimeField(required=False, allow_null=True, default=None, help_text=help_text)


def _text(max_length: int, help_text: str) -> serializers.CharField:
    # Blank is the service's refusal with its own code (reason_required, evidence_required, …).
    return serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length, help_text=help_text
    )


@action_schema(
    "Stop the clock (暂停计时: 调解 第二十三条, 外部鉴定 第十八条)",
    "The days from `started_at` until the stop ends are not counted; the handling task has no due and its 督办 "
    "timer is held meanwhile. Outside appraisal needs `notice_method` (the complainant is told). " + CLOCK_REFUSALS,
)
class ComplaintClockStopApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        kind = _text(20, f"One of: {PAUSE_KINDS}")
        started_at = _moment("When mediation began or the outside body was commissioned (not the entry time)")
        reason = _text(2000, "Why the clock stops")
        evidence = _text(200, "The document it rests on (mediation application, commission number)")
        notice_method = _text(50, "How the complainant was told (required for appraisal)")

    def act(self, request, complaint, data):
        clock_services.complaint_clock_stop(
            complaint=complaint,
            actor=request.user,
            kind=data["kind"],
            started_at=data["started_at"],
            reason=data["reason"],
            evidence=data["evidence"],
            notice_method=data["notice_method"],
        )


@action_schema(
    "End a stop of the clock (恢复计时)",
    "The deadline in force is recomputed from the days left out; the task's due and timer run again. " + CLOCK_REFUSALS,
)
class ComplaintClockResumeApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        kind = _text(20, f"The open stop to end: {PAUSE_KINDS}")
        ended_at = _moment("When mediation ended or the appraisal result arrived")
        evidence = _text(200, "The document it rests on (mediation end, appraisal report)")

    def act(self, request, complaint, data):
        clock_services.complaint_clock_resume(
            complaint=complaint,
            actor=request.user,
            kind=data["kind"],
            ended_at=data["ended_at"],
            evidence=data["evidence"],
        )


@action_schema(
    "New facts and reasons (新的事实和理由, 第十八条第三款)",
    "The period is counted again from the day the new material was received; only within the period in force. "
    + CLOCK_REFUSALS,
)
class ComplaintNewFactsApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        received_at = _moment("When the new material was received")
        reason = _text(2000, "The new facts and reasons")
        evidence = _text(200, "The document it rests on (receipt number)")

    def act(self, request, complaint, data):
        clock_services.complaint_new_facts(
            complaint=complaint,
            actor=request.user,
            received_at=data["received_at"],
            reason=data["reason"],
            evidence=data["evidence"],
        )


@action_schema(
    "Decline to handle (不予办理, 第十八条第四款)",
    "Only when the complaint was not made by the consumer, their legal representative or agent; recorded with "
    "its ground, evidence and the notice to the person who brought it; the process ends. " + CLOCK_REFUSALS,
)
class ComplaintDeclineApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        ground = _text(2000, "Why it is not the consumer's own complaint")
        evidence = _text(200, "What shows it")
        notice_method = _text(50, "How the person who brought it was told")
        noticed_at = _moment("When they were told; default now")

    def act(self, request, complaint, data):
        clock_services.complaint_decline(
            complaint=complaint,
            actor=request.user,
            ground=data["ground"],
            evidence=data["evidence"],
            notice_method=data["notice_method"],
            noticed_at=data["noticed_at"],
        )


@action_schema(
    "Designated 重大 by the regulator (第二十九条第三项)",
    "Recorded with the designation's reference and reported to head office at once (a report record, the "
    "emergency plan linked). Refusals: complaints.not_allowed (403), complaints.closed (409), "
    "complaints.designation_ref_required (400).",
)
class ComplaintDesignateMajorApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        designation_ref = _text(100, "The regulator's document or transfer number")

    def act(self, request, complaint, data):
        major.complaint_designate_major(
            complaint=complaint, actor=request.user, designation_ref=data["designation_ref"]
        )


# (path, view, name): routed by api.py beside the loop's actions
ROUTES = [
    ("clock-stop", ComplaintClockStopApi, "api-complaints-clock-stop"),
    ("clock-resume", ComplaintClockResumeApi, "api-complaints-clock-resume"),
    ("new-facts", ComplaintNewFactsApi, "api-complaints-new-facts"),
    ("decline", ComplaintDeclineApi, "api-complaints-decline"),
    ("designate-major", ComplaintDesignateMajorApi, "api-complaints-designate-major"),
]
