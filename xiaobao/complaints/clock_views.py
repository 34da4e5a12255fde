"""The detail page's clock actions: stop and resume the clock, new facts and reasons, 不予办理, and the
regulator's 重大 designation. Thin: each calls one service (clock_services, major); refusals come back on
the form (the shape of detail_views)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from xiaobao.complaints import clock_services, major
from xiaobao.complaints.detail_views import detail_page
from xiaobao.complaints.forms import ClockResumeForm, ClockStopForm, DeclineForm, DesignateMajorForm, NewFactsForm


@detail_page.action(ClockStopForm, "clock_stop_form", notice=gettext_lazy("已暂停计时，处理期限待恢复后重新计算。"))
def clock_stop(request, complaint, data):
    clock_services.complaint_clock_stop(
        complaint=complaint,
        actor=request.user,
        kind=data["kind"],
        started_at=data["started_at"],
        reason=data["reason"],
        evidence=data["evidence"],
        notice_method=data["notice_method"],
    )


@detail_page.action(ClockResumeForm, "clock_resume_form", notice=gettext_lazy("已恢复计时，处理期限已重新计算。"))
def clock_resume(request, complaint, data):
    clock_services.complaint_clock_resume(
        complaint=complaint,
        actor=request.user,
        kind=data["kind"],
        ended_at=data["ended_at"],
        evidence=data["evidence"],
    )


@detail_page.action(NewFactsForm, "new_facts_form", notice=gettext_lazy("已登记新的事实和理由，处理期限重新计算。"))
def new_facts(request, complaint, data):
    clock_services.complaint_new_facts(
        complaint=complaint,
        actor=request.user,
        received_at=data["received_at"],
        reason=data["reason"],
        evidence=data["evidence"],
    )


@detail_page.action(DeclineForm, "decline_form", notice=gettext_lazy("已登记不予办理并告知投诉提出人。"))
def decline(request, complaint, data):
    clock_services.complaint_decline(
        complaint=complaint,
        actor=request.user,
        ground=data["ground"],
        evidence=data["evidence"],
        notice_method=data["notice_method"],
        noticed_at=data.get("noticed_at"),
    )


@detail_page.action(DesignateMajorForm, "designate_form", notice=gettext_lazy("已登记为重大消费投诉并报告总公司。"))
def designate_major(request, complaint, data):
    major.complaint_designate_major(complaint=complaint, actor=request.user, designation_ref=data["designation_ref"])
