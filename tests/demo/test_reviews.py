"""The reviews demo (`xiaobao.demo.reviews.load`, run by `manage.py load_demo`): the seed year's reviews
through the real services — about 150 over the eight types, 50 substantive opinions all finally adopted,
verification orders opened and closed, objections settled by re-review and by the committee — and the
statistics agree with the list.

The demo is loaded once for the package (tests/demo/conftest.py), inside a transaction rolled back at the end.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from xiaobao.core.models import User
from xiaobao.demo import reviews as demo
from xiaobao.reviews import selectors
from xiaobao.reviews.models import FormType, Objection, Opinion, Review
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow.models import ProcessInstance, Timer
from xiaobao.workorders.models import WorkOrder

YEAR = {"submitted_from": "2025-01-01", "submitted_to": "2025-12-31"}


@pytest.fixture
def loaded(demo_output, db):
    return {"output": demo_output}


@pytest.fixture
def admin():
    return User.objects.get(username="xiaobao")


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Review, Opinion, Objection, WorkOrder, User)}


def test_loading_twice_adds_nothing(loaded):
    before = counts()
    assert demo.load() == {"reviews": 0}
    call_command("load_demo", stdout=io.StringIO())
    assert counts() == before


def test_about_150_reviews_over_the_eight_types_in_the_seed_year(loaded):
    reviews = Review.objects.filter(submitted_at__year=2025)
    assert 145 <= reviews.count() <= 160
    names = set(reviews.values_list("form_version__form_type__name", flat=True))
    assert names == set(FormType.objects.values_list("name", flat=True))
    assert len(names) == 8


def test_the_two_new_forms_came_in_mid_year(loaded):
    new = Review.objects.filter(form_version__form_type__code__in=["campaign", "third_party"])
    assert new.exists()
    assert not new.filter(submitted_at__month__lt=7).exists()


def test_about_50_substantive_opinions_all_finally_adopted(loaded):
    substantive = Opinion.objects.filter(kind=Opinion.Kind.SUBSTANTIVE, review__submitted_at__year=2025)
    assert 45 <= substantive.count() <= 55
    assert not substantive.exclude(final_adopted=True).exists()


def test_the_reviews_of_the_year_are_all_settled(loaded):
    reviews = Review.objects.filter(submitted_at__year=2025)
    assert set(reviews.values_list("status", flat=True)) == {Review.Status.CLOSED, Review.Status.WITHDRAWN}
    assert reviews.filter(status=Review.Status.WITHDRAWN).count() == 1
    assert reviews.filter(return_count__gte=1, status=Review.Status.CLOSED).exists()
    assert not reviews.filter(closed_at__year__gt=2025).exists()


def test_each_review_runs_on_its_own_finished_process(loaded):
    ids = {str(pk) for pk in Review.objects.filter(submitted_at__year=2025).values_list("pk", flat=True)}
    instances = ProcessInstance.objects.filter(definition__key="review", object_id__in=ids)
    assert instances.count() == len(ids)
    assert not instances.filter(status=ProcessInstance.Status.RUNNING).exists()


def test_verification_orders_were_opened_and_closed(loaded):
    to_verify = Opinion.objects.filter(requires_change=True, final_adopted=True, review__submitted_at__year=2025)
    assert to_verify.count() >= 30
    assert not to_verify.filter(verification_order_id__isnull=True).exists()
    assert not to_verify.filter(verified_at__isnull=True).exists()
    orders = WorkOrder.objects.filter(pk__in=to_verify.values("verification_order_id"))
    assert orders.count() == to_verify.count()
    assert set(orders.values_list("status", flat=True)) == {WorkOrder.Status.CLOSED}


def test_objections_were_settled_by_re_review_and_one_by_the_committee(loaded):
    objections = Objection.objects.filter(raised_at__year=2025)
    assert not objections.exclude(stage=Objection.Stage.DECIDED).exists()
    by_rereview = objections.filter(committee_decided_at__isnull=True)
    assert by_rereview.count() >= 3
    assert set(by_rereview.values_list("outcome", flat=True)) == {Objection.Outcome.OPINION_WITHDRAWN}
    committee = objections.get(committee_decided_at__isnull=False)
    assert committee.outcome == Objection.Outcome.OPINION_UPHELD
    assert committee.attendees and committee.committee_decision
    assert committee.opinion.kind == Opinion.Kind.SUBSTANTIVE and committee.opinion.final_adopted


def test_the_statistics_agree_with_the_list_and_the_figures(loaded, admin):
    data = selectors.statistics(admin, YEAR)
    totals = data["totals"]
    assert totals["reviews"] == selectors.reviews_visible_to(admin, YEAR).count()
    assert sum(row["reviews"] for row in data["by_type"]) == totals["reviews"]
    assert sum(row["reviews"] for row in data["by_department"]) == totals["reviews"]
    assert len(data["by_department"]) > 3
    assert totals["substantive"] == Opinion.objects.filter(kind="substantive", review__submitted_at__year=2025).count()
    assert totals["substantive_adoption_rate"] == 1
    assert 0.9 < totals["adoption_rate"] < 1  # the general opinions withdrawn on re-review
    assert data["objections"]["decided_by_committee"] == 1
    assert 0 < totals["avg_review_days"] < totals["avg_close_days"] < 60


def test_the_command_reports_loading_the_reviews(loaded):
    assert "loading demo data: reviews" in loaded["output"]


def test_no_timer_of_the_year_was_left_pending(loaded):
    from django.utils import timezone

    assert not Timer.objects.filter(status=Timer.Status.PENDING, fire_at__lte=timezone.now()).exists()


def test_reviews_under_way_leave_work_in_each_role_s_inbox(loaded):
    under_way = Review.objects.filter(status__in=Review.OPEN_STATUSES)
    assert set(under_way.values_list("status", flat=True)) == {
        Review.Status.SUBMITTED,
        Review.Status.REVIEWING,
        Review.Status.RESPONDING,
        Review.Status.COMMITTEE,
        Review.Status.VERIFYING,
    }
    for username in ("xiaobao", "reviewer", "product_clerk", "committee"):
        user = User.objects.get(username=username)
        assert workflow_selectors.inbox(user).filter(instance__definition__key="review").exists() or (
            username == "product_clerk" and workflow_selectors.inbox(user).exists()
        ), username
