"""Review services: filing, assigning, returning, withdrawing, the reviewer's checklist and opinions, the
submitter's answers and the follow-up to closure — each rule, and each refusal by its code (a refused
call writes nothing)."""

from __future__ import annotations

import pytest

from tests.reviews.conftest import NOW, PRODUCT_DATA, at, fill_checklist
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry, Notification
from xiaobao.reviews import error_codes as codes
from xiaobao.reviews import services
from xiaobao.reviews.models import FormType, FormVersion, Objection, Opinion, Review
from xiaobao.workflow.models import HumanTask, ProcessInstance
from xiaobao.workorders import services as workorders
from xiaobao.workorders.models import WorkOrder


def counts() -> dict[str, int]:
    return {
        "reviews": Review.objects.count(),
        "opinions": Opinion.objects.count(),
        "objections": Objection.objects.count(),
        "instances": ProcessInstance.objects.count(),
        "open_tasks": HumanTask.objects.filter(status=HumanTask.Status.OPEN).count(),
        "orders": WorkOrder.objects.count(),
        "notifications": Notification.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def refused(code: str, call, *, status: int | None = None) -> BusinessRuleError:
    before = counts()
    with pytest.raises(BusinessRuleError) as caught:
        call()
    assert caught.value.error_code == code
    if status is not None:
        assert caught.value.status_code == status
    assert counts() == before
    return caught.value


def open_task(review: Review) -> HumanTask | None:
    return HumanTask.objects.filter(
        instance__object_id=str(review.pk), instance__content_type__model="review", status=HumanTask.Status.OPEN
    ).first()


def close_order(order_id: int, recipient, issuer_people) -> None:
    """The verification order goes round its loop: accepted, reported back with evidence, accepted."""
    workorders.workorder_accept(order=order_id, actor=recipient, now=at(2025, 3, 10, 9, 0))
    workorders.workorder_submit_feedback(
        order=order_id, actor=recipient, text="已按意见修改条款，修改稿见附件。", now=at(2025, 3, 10, 10, 0)
    )
    workorders.workorder_review(order=order_id, actor=issuer_people, approved=True, now=at(2025, 3, 11, 9, 0))


# --- filing --------------------------------------------------------------------------------------


def test_a_filed_review_waits_for_the_consumer_protection_department(cast, people, submit):
    review = submit()
    assert (review.status, review.org_unit, review.department, review.submitter) == (
        Review.Status.SUBMITTED,
        cast.hq,
        "个人业务部",
        people.clerk,
    )
    assert review.number == f"SC2025{review.pk:06d}"
    assert review.form_version == FormVersion.objects.get(form_type__code="product", is_current=True)
    assert review.data["cooling_off_days"] == 15
    task = open_task(review)
    assert (task.element_id, task.candidate_role.code, task.org_unit) == ("assign", "hq_admin", cast.hq)
    assert Notification.objects.filter(kind="reviews.submitted", recipient=people.hq_admin).exists()
    assert AuditEntry.objects.filter(action="review.submit", object_id=str(review.pk)).count() == 1


def test_filing_checks_the_form_data_against_its_version(people, submit):
    error = refused(codes.INVALID, lambda: submit(data={**PRODUCT_DATA, "risk_level": "R9", "colour": "red"}))
    assert set(error.fields) == {"risk_level", "colour"}
    error = refused(codes.INVALID, lambda: submit(data={k: v for k, v in PRODUCT_DATA.items() if k != "key_terms"}))
    assert set(error.fields) == {"key_terms"}
    refused(codes.INVALID, lambda: submit(data={**PRODUCT_DATA, "cooling_off_days": "十五"}))


def test_filing_refusals(cast, people, submit):
    refused(codes.NOT_ALLOWED, lambda: submit(actor=cast.officer_a), status=403)
    refused(codes.FORM_TYPE_UNKNOWN, lambda: submit(form_type="nonexistent"))
    FormType.objects.filter(code="service").update(is_active=False)
    refused(codes.FORM_TYPE_UNKNOWN, lambda: submit(form_type="service"))
    refused(codes.INVALID, lambda: submit(title="  "))
    refused(codes.INVALID, lambda: submit(urgency="tomorrow"))


# --- assigning ------------------------------------------------------------------------------------


def test_assigning_gives_the_reviewer_a_task_due_in_working_days(people, submit):
    review = submit()
    review = services.review_assign(
        review=review, actor=people.hq_admin, reviewer=people.reviewer, urgency="urgent", due_days=3, now=NOW
    )
    assert (review.status, review.reviewer, review.urgency, review.due_days) == (
        Review.Status.REVIEWING,
        people.reviewer,
        "urgent",
        3,
    )
    end = at(2025, 3, 6, 23, 59, 59, 999999)  # Monday + 3 working days, end of day
    assert review.due_at == end
    task = open_task(review)
    assert (task.element_id, task.assignee, task.due_at) == ("review", people.reviewer, end)
    assert Notification.objects.filter(kind="reviews.assigned", recipient=people.reviewer).exists()


def test_assigning_refusals(cast, people, submit):
    review = submit()

    def assign(**kw):
        args = {"review": review, "actor": people.hq_admin, "reviewer": people.reviewer, "urgency": "normal"}
        args.update({"due_days": 5, **kw})
        return lambda: services.review_assign(**args)

    refused(codes.NOT_ALLOWED, assign(actor=people.reviewer), status=403)
    refused(codes.NOT_ALLOWED, assign(actor=people.clerk), status=403)
    refused(codes.REVIEWER_INVALID, assign(reviewer=people.clerk))
    refused(codes.BAD_DUE_DAYS, assign(due_days=0))
    refused(codes.BAD_DUE_DAYS, assign(due_days=61))
    refused(codes.INVALID, assign(urgency="whenever"))
    assign()()
    refused(codes.WRONG_STEP, assign(), status=409)


# --- returning for missing material, resubmitting, withdrawing -------------------------------------


def test_returned_before_assignment_it_goes_back_to_the_department_then_to_be_assigned(people, submit):
    review = submit()
    refused(codes.REASON_REQUIRED, lambda: services.review_return(review=review, actor=people.hq_admin, reason=""))
    refused(
        codes.NOT_ALLOWED,
        lambda: services.review_return(review=review, actor=people.reviewer, reason="缺材料"),
        status=403,
    )
    review = services.review_return(review=review, actor=people.hq_admin, reason="请补充产品条款全文。", now=NOW)
    assert (review.status, review.return_count, review.return_reason) == (
        Review.Status.RETURNED,
        1,
        "请补充产品条款全文。",
    )
    task = open_task(review)
    assert (task.element_id, task.assignee) == ("resubmit", people.clerk)
    refused(
        codes.NOT_ALLOWED,
        lambda: services.review_resubmit(review=review, actor=people.colleague),
        status=403,
    )
    refused(codes.INVALID, lambda: services.review_resubmit(review=review, actor=people.clerk, data={"x": 1}))
    review = services.review_resubmit(
        review=review, actor=people.clerk, data={**PRODUCT_DATA, "cooling_off_days": 20}, now=at(2025, 3, 4, 9, 0)
    )
    assert (review.status, review.data["cooling_off_days"]) == (Review.Status.SUBMITTED, 20)
    assert open_task(review).element_id == "assign"


def test_returned_by_the_reviewer_it_comes_back_to_the_same_reviewer_with_a_fresh_period(people, assigned):
    review = assigned()
    refused(
        codes.NOT_ALLOWED,
        lambda: services.review_return(review=review, actor=people.reviewer2, reason="缺材料"),
        status=403,
    )
    services.review_return(review=review, actor=people.reviewer, reason="缺少费率厘定说明。", now=at(2025, 3, 4, 9, 0))
    review = services.review_resubmit(review=review, actor=people.clerk, now=at(2025, 3, 7, 9, 0))
    assert review.status == Review.Status.REVIEWING
    assert review.due_at == at(2025, 3, 14, 23, 59, 59, 999999)  # Friday + 5 working days
    task = open_task(review)
    assert (task.element_id, task.assignee, task.due_at) == ("review", people.reviewer, review.due_at)
    refused(codes.WRONG_STEP, lambda: services.review_resubmit(review=review, actor=people.clerk), status=409)


def test_a_review_can_be_withdrawn_until_its_opinions_are_answered(people, assigned, issued):
    review = assigned()
    refused(
        codes.NOT_ALLOWED,
        lambda: services.review_withdraw(review=review, actor=people.reviewer, reason="不做了"),
        status=403,
    )
    refused(codes.REASON_REQUIRED, lambda: services.review_withdraw(review=review, actor=people.clerk, reason=""))
    review = services.review_withdraw(review=review, actor=people.clerk, reason="产品暂缓上线。", now=NOW)
    assert (review.status, review.withdraw_reason) == (Review.Status.WITHDRAWN, "产品暂缓上线。")
    assert open_task(review) is None
    assert ProcessInstance.objects.get(object_id=str(review.pk)).status == ProcessInstance.Status.CANCELLED
    assert Notification.objects.filter(kind="reviews.withdrawn", recipient=people.reviewer).exists()
    refused(
        codes.WRONG_STEP,
        lambda: services.review_withdraw(review=review, actor=people.clerk, reason="again"),
        status=409,
    )
    answered, opinions = issued(title="另一项审查")
    services.review_respond(
        review=answered,
        actor=people.clerk,
        responses={o.pk: {"response": "adopted"} for o in opinions},
        now=at(2025, 3, 6, 9, 0),
    )
    refused(
        codes.WRONG_STEP,
        lambda: services.review_withdraw(review=answered, actor=people.hq_admin, reason="x"),
        status=409,
    )


# --- the reviewer's checklist and opinions ---------------------------------------------------------


def test_the_checklist_is_a_draft_of_the_reviewers_own_version(people, assigned):
    review = assigned()
    review = services.review_record_checklist(
        review=review, actor=people.reviewer, results={"PRD01": {"result": "pass"}, "PRD03": "issue"}
    )
    assert review.checklist_results == {
        "PRD01": {"result": "pass", "note": ""},
        "PRD03": {"result": "issue", "note": ""},
    }
    review = services.review_record_checklist(review=review, actor=people.reviewer, results={"PRD01": {}})
    assert set(review.checklist_results) == {"PRD03"}
    assert open_task(review).element_id == "review"  # no step change
    refused(
        codes.INVALID,
        lambda: services.review_record_checklist(review=review, actor=people.reviewer, results={"X99": "pass"}),
    )
    refused(
        codes.INVALID,
        lambda: services.review_record_checklist(review=review, actor=people.reviewer, results={"PRD01": "maybe"}),
    )
    refused(
        codes.NOT_ALLOWED,
        lambda: services.review_record_checklist(review=review, actor=people.reviewer2, results={"PRD01": "pass"}),
        status=403,
    )


def test_opinions_are_numbered_checked_and_editable_while_reviewing(people, assigned):
    review = assigned()

    def add(**kw):
        args = {
            "review": review,
            "actor": people.reviewer,
            "kind": "substantive",
            "location": "第三条",
            "risk": "风险",
            "suggestion": "建议",
        }
        args.update(kw)
        return services.opinion_add(**args)

    first = add(checklist_item="PRD09")
    assert (first.seq, first.right) == (1, "data_security")  # the right defaults to the checklist item's
    second = add(kind="general", right="education")
    assert second.seq == 2
    refused(codes.INVALID, lambda: add(kind="major"))
    refused(codes.INVALID, lambda: add(location=""))
    refused(codes.INVALID, lambda: add(right="happiness"))
    refused(codes.INVALID, lambda: add(checklist_item="SRV01"))  # not on this form's checklist
    refused(codes.INVALID, lambda: add(kind="general", requires_change=True))
    refused(codes.NOT_ALLOWED, lambda: add(actor=people.reviewer2), status=403)
    updated = services.opinion_update(opinion=second, actor=people.reviewer, suggestion="改为通俗表述。")
    assert (updated.suggestion, updated.kind, updated.right) == ("改为通俗表述。", "general", "education")
    services.opinion_delete(opinion=first, actor=people.reviewer)
    assert list(review.opinions.values_list("seq", flat=True)) == [2]


def test_opinions_are_issued_only_with_a_complete_checklist_and_a_conclusion(people, assigned):
    review = assigned()
    services.opinion_add(
        review=review, actor=people.reviewer, kind="general", location="封面", risk="字号偏小", suggestion="放大"
    )

    def issue(**kw):
        return lambda: services.review_issue_opinions(
            review=review, actor=kw.get("actor", people.reviewer), conclusion=kw.get("conclusion", "同意")
        )

    refused(codes.CONCLUSION_REQUIRED, issue(conclusion=" "))
    error = refused(codes.CHECKLIST_INCOMPLETE, issue())
    assert len(error.fields) == len(review.form_version.checklist)
    fill_checklist(review, people.reviewer)
    refused(codes.NOT_ALLOWED, issue(actor=people.reviewer2), status=403)
    review = issue()()
    assert review.status == Review.Status.RESPONDING
    task = open_task(review)
    assert (task.element_id, task.assignee) == ("respond", people.clerk)
    refused(
        codes.WRONG_STEP,
        lambda: services.opinion_add(
            review=review, actor=people.reviewer, kind="general", location="x", risk="x", suggestion="x"
        ),
        status=409,
    )


def test_a_review_without_opinions_is_closed_when_issued(people, assigned):
    review = assigned()
    fill_checklist(review, people.reviewer)
    review = services.review_issue_opinions(review=review, actor=people.reviewer, conclusion="无意见，同意上线。")
    assert (review.status, review.closed_at is not None) == (Review.Status.CLOSED, True)
    assert ProcessInstance.objects.get(object_id=str(review.pk)).status == ProcessInstance.Status.COMPLETED


# --- answers and follow-up to closure --------------------------------------------------------------


def test_the_full_path_to_closure_through_verification(cast, people, issued):
    review, (substantive, general) = issued()
    refused(
        codes.RESPONSES_INCOMPLETE,
        lambda: services.review_respond(review=review, actor=people.clerk, responses={substantive.pk: "adopted"}),
    )
    refused(
        codes.NOT_ALLOWED,
        lambda: services.review_respond(
            review=review, actor=people.colleague, responses={substantive.pk: "adopted", general.pk: "adopted"}
        ),
        status=403,
    )
    refused(
        codes.INVALID,
        lambda: services.review_respond(
            review=review, actor=people.clerk, responses={substantive.pk: "adopted", general.pk: "maybe"}
        ),
    )
    review = services.review_respond(
        review=review,
        actor=people.clerk,
        responses={substantive.pk: {"response": "adopted", "reason": "已加粗提示。"}, general.pk: "adopted"},
        now=at(2025, 3, 6, 9, 0),
    )
    assert review.status == Review.Status.VERIFYING
    substantive.refresh_from_db()
    general.refresh_from_db()
    assert (substantive.final_adopted, general.final_adopted) == (True, True)
    assert general.verification_order_id is None  # a general opinion needs no verification
    order = WorkOrder.objects.get(pk=substantive.verification_order_id)
    assert (order.kind, order.org_unit, order.recipient_user, order.source_id) == (
        WorkOrder.Kind.RECTIFICATION,
        cast.hq,
        people.clerk,
        str(review.pk),
    )
    assert ProcessInstance.objects.get(object_id=str(review.pk), content_type__model="review").status == (
        ProcessInstance.Status.COMPLETED
    )
    # still verifying while the order is open: the sweep changes nothing
    assert services.review_sweep_verification(now=at(2025, 3, 7, 9, 0)) == {"closed": 0}
    review.refresh_from_db()
    assert review.status == Review.Status.VERIFYING
    close_order(order.pk, people.clerk, people.hq_admin)
    assert services.review_sweep_verification(now=at(2025, 3, 11, 10, 0)) == {"closed": 1}
    review.refresh_from_db()
    substantive.refresh_from_db()
    assert (review.status, review.closed_at) == (Review.Status.CLOSED, at(2025, 3, 11, 10, 0))
    assert substantive.verified_at == at(2025, 3, 11, 9, 0)
    assert services.review_refresh_verification(review=review).status == Review.Status.CLOSED  # idempotent
    assert AuditEntry.objects.filter(action="review.close", object_id=str(review.pk)).count() == 1


def test_all_adopted_without_changes_to_verify_closes_at_once(people, assigned):
    review = assigned()
    fill_checklist(review, people.reviewer)
    opinion = services.opinion_add(
        review=review, actor=people.reviewer, kind="substantive", location="第一条", risk="r", suggestion="s"
    )
    services.review_issue_opinions(review=review, actor=people.reviewer, conclusion="同意")
    review = services.review_respond(review=review, actor=people.clerk, responses={str(opinion.pk): "adopted"})
    assert review.status == Review.Status.CLOSED
    assert WorkOrder.objects.count() == 0


def test_a_withdrawn_verification_order_no_longer_holds_the_review_open(people, issued):
    review, opinions = issued()
    services.review_respond(review=review, actor=people.clerk, responses={o.pk: "adopted" for o in opinions})
    opinions[0].refresh_from_db()
    workorders.workorder_cancel(order=opinions[0].verification_order_id, actor=people.hq_admin, reason="产品取消上线")
    review = services.review_refresh_verification(review=review)
    opinions[0].refresh_from_db()
    assert (review.status, opinions[0].verified_at) == (Review.Status.CLOSED, None)


def test_the_review_keeps_its_form_version_after_the_checklist_changes(people, submit):
    review = submit()
    old = review.form_version
    FormVersion.objects.filter(pk=old.pk).update(is_current=False)
    new = FormVersion.objects.create(
        form_type=old.form_type,
        number=old.number + 1,
        fields=old.fields,
        checklist=[*old.checklist, {"id": "PRD99", "text": "新增要点", "right": "respect"}],
        is_current=True,
        created_at=NOW,
    )
    review.refresh_from_db()
    assert review.form_version == old
    services.review_assign(review=review, actor=people.hq_admin, reviewer=people.reviewer, urgency="normal", due_days=5)
    refused(
        codes.INVALID,
        lambda: services.review_record_checklist(review=review, actor=people.reviewer, results={"PRD99": "pass"}),
    )
    fill_checklist(review, people.reviewer)
    review = services.review_issue_opinions(review=review, actor=people.reviewer, conclusion="同意")
    assert review.status == Review.Status.CLOSED  # complete against its own version, without PRD99
    assert submit(title="新申请").form_version == new


def test_the_periodic_task_closes_verified_reviews_and_is_registered_with_beat(people, issued):
    from xiaobao.celery import app
    from xiaobao.reviews.tasks import sweep_verification

    review, opinions = issued()
    services.review_respond(review=review, actor=people.clerk, responses={o.pk: "adopted" for o in opinions})
    opinions[0].refresh_from_db()
    assert sweep_verification.apply().get() == {"closed": 0}
    close_order(opinions[0].verification_order_id, people.clerk, people.hq_admin)
    assert sweep_verification.apply().get() == {"closed": 1}
    assert sweep_verification.apply().get() == {"closed": 0}
    app.loader.import_default_modules()
    app.finalize()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "xiaobao.reviews.tasks.sweep_verification" in scheduled


def test_material_and_evidence_files_are_kept_on_the_review(people, submit):
    from tests.workorders.test_services import EXE, PDF, upload
    from xiaobao.core import error_codes as core_codes
    from xiaobao.core.models import Attachment
    from xiaobao.reviews import selectors

    refused(core_codes.UPLOAD_TYPE_REFUSED, lambda: submit(files=[upload("条款.exe", EXE)]))
    review = submit(files=[upload("条款.pdf", PDF)])
    services.review_assign(review=review, actor=people.hq_admin, reviewer=people.reviewer, urgency="normal", due_days=5)
    fill_checklist(review, people.reviewer)
    opinion = services.opinion_add(
        review=review, actor=people.reviewer, kind="general", location="封面", risk="r", suggestion="s"
    )
    services.review_issue_opinions(review=review, actor=people.reviewer, conclusion="同意")
    services.review_respond(
        review=review, actor=people.clerk, responses={opinion.pk: "adopted"}, files=[upload("修改稿.pdf", PDF)]
    )
    files = selectors.attachments(review)
    assert sorted(files.values_list("purpose", "name")) == [("evidence", "修改稿.pdf"), ("material", "条款.pdf")]
    assert set(Attachment.objects.values_list("org_unit", flat=True)) == {review.org_unit_id}


def test_a_stale_page_is_refused_as_a_conflict(people, submit):
    from xiaobao.workflow import error_codes as workflow_codes

    review = submit()
    version = open_task(review).version
    services.review_return(review=review, actor=people.hq_admin, reason="缺材料")
    services.review_resubmit(review=review, actor=people.clerk)
    error = refused(
        workflow_codes.STALE_VERSION,
        lambda: services.review_assign(
            review=review,
            actor=people.hq_admin,
            reviewer=people.reviewer,
            urgency="normal",
            due_days=5,
            expected_version=version + 7,
        ),
    )
    assert error.status_code == 409
