"""The objection procedure (异议处理): a 部分采纳/不采纳 answer is re-reviewed by 消保部, which withdraws the
opinion or refers the dispute to the 消保委员会, whose recorded decision is binding."""

from __future__ import annotations

import pytest

from tests.reviews.conftest import at
from tests.reviews.test_services import open_task, refused
from xiaobao.core.models import Notification
from xiaobao.reviews import error_codes as codes
from xiaobao.reviews import services
from xiaobao.reviews.models import Objection, Review
from xiaobao.workorders.models import WorkOrder


@pytest.fixture
def disputed(people, issued):
    """Opinion #1 (substantive, requires a change) rejected, #2 partly adopted."""
    review, (substantive, general) = issued()
    review = services.review_respond(
        review=review,
        actor=people.clerk,
        responses={
            substantive.pk: {"response": "rejected", "reason": "条款已按行业示范条款拟定。"},
            general.pk: {"response": "partial", "reason": "改为“长期领取”，不删除“增值”。"},
        },
        now=at(2025, 3, 6, 9, 0),
    )
    return review, Objection.objects.get(opinion=substantive), Objection.objects.get(opinion=general)


def test_partial_or_rejected_answers_need_a_reason(people, issued):
    review, (substantive, general) = issued()
    refused(
        codes.REASON_REQUIRED,
        lambda: services.review_respond(
            review=review, actor=people.clerk, responses={substantive.pk: "rejected", general.pk: "adopted"}
        ),
    )


def test_a_disputed_answer_opens_an_objection_for_the_review_lead(people, disputed):
    review, first, _second = disputed
    assert review.status == Review.Status.OBJECTION
    assert (first.stage, first.reason) == (Objection.Stage.REREVIEW, "条款已按行业示范条款拟定。")
    assert first.opinion.final_adopted is None
    task = open_task(review)
    assert (task.element_id, task.candidate_role.code) == ("rereview", "hq_admin")
    assert Notification.objects.filter(kind="reviews.objection", recipient=people.hq_admin).exists()
    assert WorkOrder.objects.count() == 0  # nothing adopted yet to verify


def test_rereview_refusals(people, disputed):
    _review, first, _second = disputed
    refused(
        codes.REASON_REQUIRED,
        lambda: services.objection_rereview(objection=first, actor=people.hq_admin, upheld=True, note=""),
    )
    refused(
        codes.NOT_ALLOWED,
        lambda: services.objection_rereview(objection=first, actor=people.reviewer, upheld=True, note="维持"),
        status=403,
    )
    refused(
        codes.NOT_ALLOWED,
        lambda: services.objection_rereview(objection=first, actor=people.member, upheld=True, note="维持"),
        status=403,
    )
    services.objection_rereview(objection=first, actor=people.hq_admin, upheld=True, note="维持")
    refused(
        codes.WRONG_STEP,
        lambda: services.objection_rereview(objection=first, actor=people.hq_admin, upheld=False, note="撤回"),
        status=409,
    )


def test_withdrawn_on_rereview_the_departments_answer_stands_and_the_review_closes(people, disputed):
    review, first, second = disputed
    services.objection_rereview(objection=first, actor=people.hq_admin, upheld=False, note="示范条款已满足提示要求。")
    review.refresh_from_db()
    assert review.status == Review.Status.OBJECTION  # the second objection is still waiting
    services.objection_rereview(objection=second, actor=people.hq_admin, upheld=False, note="可接受。")
    review.refresh_from_db()
    first.refresh_from_db()
    assert (first.stage, first.outcome, first.opinion.final_adopted) == (
        Objection.Stage.DECIDED,
        Objection.Outcome.OPINION_WITHDRAWN,
        False,
    )
    assert review.status == Review.Status.CLOSED
    assert open_task(review) is None


def test_upheld_it_goes_to_the_committee_whose_decision_binds(people, disputed):
    review, first, second = disputed
    services.objection_rereview(objection=first, actor=people.hq_admin, upheld=True, note="免责提示属法定要求。")
    services.objection_rereview(objection=second, actor=people.hq_admin, upheld=False, note="可接受。")
    review.refresh_from_db()
    assert review.status == Review.Status.COMMITTEE
    task = open_task(review)
    assert (task.element_id, task.candidate_role.code) == ("committee", "committee_member")
    assert Notification.objects.filter(kind="reviews.committee", recipient=people.member).exists()

    def decide(**kw):
        args = {
            "objection": first,
            "actor": people.member,
            "outcome": "upheld",
            "decision": "维持审查意见，责任免除条款须加粗并单独提示。",
            "attendees": ["孙丽华", "李晓梅", "赵磊"],
        }
        args.update(kw)
        return lambda: services.objection_committee_decide(**args)

    refused(codes.INVALID, decide(outcome="maybe"))
    refused(codes.DECISION_REQUIRED, decide(decision=""))
    refused(codes.ATTENDEES_REQUIRED, decide(attendees=[" "]))
    refused(codes.NOT_ALLOWED, decide(actor=people.clerk), status=403)
    refused(codes.WRONG_STEP, decide(objection=second), status=409)
    decide()()
    first.refresh_from_db()
    assert (first.stage, first.outcome, first.attendees, first.recorded_by) == (
        Objection.Stage.DECIDED,
        Objection.Outcome.OPINION_UPHELD,
        ["孙丽华", "李晓梅", "赵磊"],
        people.member,
    )
    assert first.opinion.final_adopted is True
    # binding: the upheld substantive opinion is now verified before launch like an adopted one
    review.refresh_from_db()
    assert review.status == Review.Status.VERIFYING
    assert WorkOrder.objects.filter(pk=first.opinion.verification_order_id).exists()
    assert open_task(review) is None
    refused(codes.WRONG_STEP, decide(), status=409)


def test_the_committee_may_withdraw_the_opinion(people, disputed):
    review, first, second = disputed
    services.objection_rereview(objection=first, actor=people.hq_admin, upheld=True, note="维持")
    services.objection_rereview(objection=second, actor=people.hq_admin, upheld=True, note="维持")
    services.objection_committee_decide(
        objection=first, actor=people.member, outcome="withdrawn", decision="撤回。", attendees=["孙丽华"]
    )
    review.refresh_from_db()
    assert review.status == Review.Status.COMMITTEE  # one referred objection left
    services.objection_committee_decide(
        objection=second, actor=people.member, outcome="modified", decision="改为“长期领取”即可。", attendees=["孙丽华"]
    )
    review.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.opinion.final_adopted, second.opinion.final_adopted) == (False, True)
    assert review.status == Review.Status.CLOSED  # the modified opinion is general: nothing to verify
    assert WorkOrder.objects.count() == 0


def test_a_reviewer_cannot_rereview_their_own_opinion_even_as_review_lead(people, submit):
    """The review lead who also reviews (both roles) issues an opinion; when it is disputed, another lead
    re-reviews it."""
    from tests.helpers import make_user
    from tests.reviews.conftest import fill_checklist
    from xiaobao.core.roles import role_group
    from xiaobao.reviews.models import Opinion

    people.hq_admin.groups.add(role_group("reviewer"))
    other_lead = make_user("lead2", people.hq_admin.org_unit, "hq_admin", "周蕾")
    review = services.review_assign(
        review=submit(),
        actor=people.hq_admin,
        reviewer=people.hq_admin,
        urgency="normal",
        due_days=5,
        now=at(2025, 3, 3, 10, 0),
    )
    fill_checklist(review, people.hq_admin)
    opinion = services.opinion_add(
        review=review,
        actor=people.hq_admin,
        kind=Opinion.Kind.GENERAL,
        location="产品说明书 第2页",
        risk="“稳健增值”表述易引起误解。",
        suggestion="改为“保证领取、终身给付”。",
        right="information",
        now=at(2025, 3, 4, 10, 30),
    )
    review = services.review_issue_opinions(
        review=review, actor=people.hq_admin, conclusion="修改后同意上线。", now=at(2025, 3, 5, 9, 0)
    )
    services.review_respond(
        review=review,
        actor=people.clerk,
        responses={opinion.pk: {"response": "rejected", "reason": "表述符合示范文本。"}},
        now=at(2025, 3, 6, 9, 0),
    )
    objection = Objection.objects.get(opinion=opinion)
    refused(
        codes.OWN_OPINION,
        lambda: services.objection_rereview(objection=objection, actor=people.hq_admin, upheld=True, note="维持"),
        status=403,
    )
    assert Objection.objects.get(pk=objection.pk).stage == Objection.Stage.REREVIEW
    services.objection_rereview(objection=objection, actor=other_lead, upheld=False, note="撤回")
    assert Objection.objects.get(pk=objection.pk).stage == Objection.Stage.DECIDED
