"""Who sees which reviews (issue 6 §6): submitters their department's (same unit subtree and department)
or what they filed, reviewers their assignments, committee members only reviews with an objection referred
to them, 消保部 all; everyone else nothing, and a review outside one's scope is a 404."""

from __future__ import annotations

import pytest
from django.http import Http404

from tests.reviews.conftest import at
from xiaobao.core.models import User
from xiaobao.reviews import selectors, services
from xiaobao.reviews.models import Objection


def fresh(user: User) -> User:
    """The user as the next request sees them (roles and scope are cached on the object)."""
    return User.objects.get(pk=user.pk)


def titles(user, filters=None) -> set[str]:
    return set(selectors.reviews_visible_to(fresh(user), filters).values_list("title", flat=True))


@pytest.fixture
def reviews(people, submit, assigned, issued):
    """个人业务部 (HQ): 'retail', assigned to reviewer; 团体业务部 (HQ): 'group'; 个人业务部 (北京): 'branch';
    'referred': 个人业务部 (HQ), with an objection before the committee (reviewer2)."""
    retail = assigned(title="retail")
    group = submit(title="group", actor=people.other_clerk, form_type="marketing", data=MARKETING)
    branch = submit(title="branch", actor=people.branch_clerk, form_type="pricing", data=PRICING)
    referred, (substantive, general) = issued(title="referred")
    services.review_respond(
        review=referred,
        actor=people.clerk,
        responses={substantive.pk: {"response": "rejected", "reason": "不同意"}, general.pk: "adopted"},
        now=at(2025, 3, 6, 9, 0),
    )
    services.objection_rereview(
        objection=Objection.objects.get(opinion=substantive), actor=people.hq_admin, upheld=True, note="维持"
    )
    referred.reviewer = people.reviewer2  # as if assigned to the other reviewer
    referred.save(update_fields=["reviewer"])
    return {"retail": retail, "group": group, "branch": branch, "referred": referred}


MARKETING = {
    "material_type": "海报/折页",
    "products_promoted": "团体意外险",
    "channels": "企业客户经理",
    "period_from": "2025-04-01",
}
PRICING = {
    "fee_items": "保单贷款利息",
    "fee_standard": "年利率 5%",
    "change_type": "下调",
    "pricing_basis": "参照市场利率",
    "effective_date": "2025-05-01",
}


def test_a_clerk_sees_their_departments_reviews_in_their_unit(people, reviews):
    # head office's 个人业务部 reaches its unit's subtree: the branch's 个人业务部 too
    assert titles(people.clerk) == {"retail", "referred", "branch"}
    assert titles(people.colleague) == {"retail", "referred", "branch"}  # same unit, same department
    assert titles(people.other_clerk) == {"group"}
    # a branch clerk reaches only the branch's subtree: not head office's reviews of the same department
    assert titles(people.branch_clerk) == {"branch"}


def test_a_clerk_of_another_department_is_refused_with_404(people, reviews):
    with pytest.raises(Http404):
        selectors.get_review_for_user(fresh(people.other_clerk), reviews["retail"].pk)
    assert selectors.get_review_for_user(fresh(people.colleague), reviews["retail"].pk) == reviews["retail"]


def test_a_clerk_without_a_department_sees_only_what_they_filed(people, reviews):
    people.colleague.department = ""
    people.colleague.save(update_fields=["department"])
    assert titles(people.colleague) == set()


def test_a_reviewer_sees_their_assignments_only(people, reviews):
    assert titles(people.reviewer) == {"retail"}
    assert titles(people.reviewer2) == {"referred"}
    with pytest.raises(Http404):
        selectors.get_review_for_user(fresh(people.reviewer), reviews["group"].pk)


def test_a_committee_member_sees_only_reviews_with_an_objection_referred_to_the_committee(people, reviews):
    assert titles(people.member) == {"referred"}
    objections = selectors.objections_visible_to(fresh(people.member))
    assert [o.opinion.review.title for o in objections] == ["referred"]
    with pytest.raises(Http404):
        selectors.get_review_for_user(fresh(people.member), reviews["retail"].pk)


def test_a_committee_member_does_not_see_objections_still_at_rereview(people, issued):
    review, (substantive, general) = issued(title="pending")
    services.review_respond(
        review=review,
        actor=people.clerk,
        responses={substantive.pk: {"response": "rejected", "reason": "不同意"}, general.pk: "adopted"},
    )
    assert titles(people.member) == set()
    assert selectors.objections_visible_to(fresh(people.member)).count() == 0
    assert selectors.objections_visible_to(fresh(people.hq_admin)).count() == 1
    assert selectors.objections_visible_to(fresh(people.clerk)).count() == 1


def test_head_office_sees_all_and_people_without_the_role_nothing(cast, people, reviews):
    assert titles(people.hq_admin) == {"retail", "group", "branch", "referred"}
    assert titles(cast.manager) == {"retail", "group", "branch", "referred"}  # read-only management
    assert titles(cast.officer_a) == set()
    assert titles(cast.outsider) == set()


def test_filters(people, reviews):
    admin = people.hq_admin
    assert titles(admin, {"form_type": "marketing"}) == {"group"}
    assert titles(admin, {"department": "个人业务部"}) == {"retail", "branch", "referred"}
    assert titles(admin, {"status": "committee"}) == {"referred"}
    assert titles(admin, {"reviewer": people.reviewer.pk}) == {"retail"}
    assert titles(admin, {"q": "grou"}) == {"group"}
    assert titles(admin, {"submitted_from": "2025-03-03", "submitted_to": "2025-03-03"}) == set(reviews)
    assert titles(admin, {"submitted_from": "2025-03-04"}) == set()
    assert titles(people.reviewer, {"box": "todo"}) == {"retail"}
    assert titles(people.clerk, {"box": "mine"}) == {"retail", "referred"}
    assert titles(people.colleague, {"box": "mine"}) == set()
    assert titles(people.member, {"box": "todo"}) == {"referred"}
    assert titles(admin, {"box": "todo"}) == {"group", "branch"}  # waiting to be assigned


def test_open_task_names_the_step(people, reviews):
    assert selectors.open_task(reviews["retail"]).element_id == "review"
    assert selectors.open_task(reviews["group"], "assign") is not None
    assert selectors.open_task(reviews["group"], "review") is None
