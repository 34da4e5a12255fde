"""审查统计 (`reviews.selectors.statistics` and its page): the list's scope and filters, SQL aggregates,
rates and averages recomputed at every level, objections by outcome and deciding body.

The reviews here are written straight to the tables (`make_review`): the statistics only read, and the
figures each test needs (days taken, answers, outcomes) are easier to state than to walk through the process.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.helpers import make_user
from xiaobao.reviews import selectors
from xiaobao.reviews.models import FormType, FormVersion, Objection, Opinion, Review

K, R, S = Opinion.Kind, Opinion.Response, Review.Status


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def form_version(code: str, name: str, sort: int = 0) -> FormVersion:
    form_type, _ = FormType.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})
    version = FormVersion.objects.filter(form_type=form_type, is_current=True).first()
    return version or FormVersion.objects.create(
        form_type=form_type, number=1, fields=[], checklist=[], is_current=True, created_at=at(2024, 1, 1)
    )


@pytest.fixture
def people(cast):
    personal = make_user("clerk_personal", cast.hq, "dept_clerk", "陈静")
    personal.department = "个人业务部"
    personal.save()
    group = make_user("clerk_group", cast.hq, "dept_clerk", "王芳")
    group.department = "团体业务部"
    group.save()
    reviewer = make_user("reviewer_1", cast.hq, "reviewer", "赵磊")
    return {"personal": personal, "group": group, "reviewer": reviewer, "admin": cast.hq_admin}


def make_review(
    submitter,
    version: FormVersion,
    *,
    submitted=(2024, 3, 1, 9, 0),
    status=S.CLOSED,
    review_days: float | None = 3,
    close_days: float | None = 10,
    opinions=(),
    reviewer=None,
    title="某某终身寿险产品条款",
) -> Review:
    """A review with its opinions: each (kind, response, final_adopted[, objection]) where objection is
    (stage, outcome, by_committee)."""
    submitted_at = at(*submitted)
    review = Review.objects.create(
        org_unit=submitter.org_unit,
        department=submitter.department,
        submitter=submitter,
        form_version=version,
        title=title,
        submitted_at=submitted_at,
        status=status,
        reviewer=reviewer,
        reviewed_at=submitted_at + timedelta(days=review_days) if review_days is not None else None,
        closed_at=submitted_at + timedelta(days=close_days) if close_days is not None and status == S.CLOSED else None,
    )
    for seq, spec in enumerate(opinions, start=1):
        kind, response, final = spec[:3]
        opinion = Opinion.objects.create(
            review=review,
            seq=seq,
            kind=kind,
            location="第三条",
            risk="风险",
            suggestion="建议",
            created_by=submitter,
            created_at=submitted_at,
            response=response,
            final_adopted=final,
            requires_change=kind == K.SUBSTANTIVE,
        )
        if len(spec) > 3:
            stage, outcome, by_committee = spec[3]
            Objection.objects.create(
                opinion=opinion,
                raised_at=submitted_at,
                reason="已按监管要求披露，无需修改",
                stage=stage,
                outcome=outcome,
                committee_decided_at=submitted_at + timedelta(days=20) if by_committee else None,
            )
    return review


@pytest.fixture
def product():
    return form_version("product", "产品类", 1)


@pytest.fixture
def marketing():
    return form_version("marketing", "营销宣传类", 3)


def test_the_totals_equal_the_list_count_for_the_same_filters(people, product, marketing):
    make_review(people["personal"], product)
    make_review(people["personal"], marketing, submitted=(2024, 7, 1, 9, 0), status=S.REVIEWING, close_days=None)
    make_review(people["group"], product, submitted=(2025, 1, 6, 9, 0))
    make_review(people["group"], marketing, submitted=(2024, 12, 31, 23, 30), status=S.WITHDRAWN, review_days=None)
    cases = [
        {},
        {"form_type": "product"},
        {"department": "团体业务部"},
        {"status": S.CLOSED},
        {"submitted_from": "2024-01-01", "submitted_to": "2024-12-31"},
        {"q": "寿险"},
    ]
    for user in (people["admin"], people["personal"], people["group"]):
        for filters in cases:
            data = selectors.statistics(user, filters)
            expected = selectors.reviews_visible_to(user, filters).count()
            assert data["totals"]["reviews"] == expected, (user, filters)
            for key in ("by_type", "by_department", "by_month"):
                assert sum(row["reviews"] for row in data[key]) == expected, (key, filters)


def test_a_clerk_counts_only_the_reviews_of_their_department(people, product):
    make_review(people["personal"], product, opinions=[(K.SUBSTANTIVE, R.ADOPTED, True)])
    make_review(people["group"], product, opinions=[(K.GENERAL, R.ADOPTED, True), (K.GENERAL, R.ADOPTED, True)])
    mine = selectors.statistics(people["personal"], {})
    assert mine["totals"]["reviews"] == 1
    assert mine["totals"]["opinions"] == 1
    assert [row["label"] for row in mine["by_department"]] == ["个人业务部"]
    assert selectors.statistics(people["admin"], {})["totals"]["opinions"] == 3


def test_an_outsider_counts_nothing(cast, people, product):
    make_review(people["personal"], product)
    data = selectors.statistics(cast.outsider, {})
    assert data["totals"]["reviews"] == 0
    assert data["totals"]["adoption_rate"] is None


def test_the_adoption_rate_is_recomputed_per_breakdown_not_averaged(people, product, marketing):
    make_review(people["personal"], product, opinions=[(K.SUBSTANTIVE, R.ADOPTED, True)])
    make_review(
        people["group"],
        marketing,
        opinions=[
            (K.GENERAL, R.ADOPTED, True),
            (K.GENERAL, R.REJECTED, False, (Objection.Stage.DECIDED, Objection.Outcome.OPINION_WITHDRAWN, False)),
            (K.GENERAL, R.REJECTED, False, (Objection.Stage.DECIDED, Objection.Outcome.OPINION_WITHDRAWN, False)),
        ],
    )
    data = selectors.statistics(people["admin"], {})
    by_type = {row["key"]: row for row in data["by_type"]}
    assert by_type["product"]["adoption_rate"] == 1
    assert by_type["marketing"]["adoption_rate"] == pytest.approx(1 / 3)
    assert data["totals"]["adoption_rate"] == pytest.approx(2 / 4)  # not (1 + 1/3) / 2
    assert data["totals"]["substantive_adoption_rate"] == 1


def test_a_partial_answer_counts_as_adopted_only_when_finally_adopted(people, product):
    make_review(
        people["personal"],
        product,
        opinions=[(K.SUBSTANTIVE, R.PARTIAL, True), (K.GENERAL, R.PARTIAL, False), (K.GENERAL, "", None)],
    )
    totals = selectors.statistics(people["admin"], {})["totals"]
    assert (totals["opinions"], totals["answered"], totals["adopted"], totals["partial"]) == (3, 2, 1, 2)
    assert totals["adoption_rate"] == pytest.approx(1 / 2)  # the unanswered opinion is not in the denominator


def test_an_opinion_still_in_objection_is_answered_but_not_yet_adopted(people, product):
    pending = (Objection.Stage.REREVIEW, "", False)
    make_review(
        people["personal"],
        product,
        status=S.OBJECTION,
        close_days=None,
        opinions=[(K.GENERAL, R.REJECTED, None, pending)],
    )
    totals = selectors.statistics(people["admin"], {})["totals"]
    assert (totals["answered"], totals["adopted"], totals["adoption_rate"]) == (1, 0, 0)


def test_average_days_run_from_submission_to_closing_and_to_the_opinions(people, product, marketing):
    make_review(people["personal"], product, review_days=2, close_days=10)
    make_review(people["personal"], product, review_days=4, close_days=20)
    make_review(people["group"], marketing, review_days=6, close_days=None, status=S.RESPONDING)
    data = selectors.statistics(people["admin"], {})
    assert data["totals"]["avg_close_days"] == pytest.approx(15)  # open reviews are not counted
    assert data["totals"]["avg_review_days"] == pytest.approx(4)
    by_type = {row["key"]: row for row in data["by_type"]}
    assert by_type["marketing"]["avg_close_days"] is None
    assert by_type["marketing"]["avg_review_days"] == pytest.approx(6)


def test_objections_are_counted_by_outcome_and_by_the_body_that_decided(people, product):
    St, Out = Objection.Stage, Objection.Outcome
    make_review(
        people["personal"],
        product,
        opinions=[
            (K.GENERAL, R.REJECTED, False, (St.DECIDED, Out.OPINION_WITHDRAWN, False)),
            (K.SUBSTANTIVE, R.REJECTED, True, (St.DECIDED, Out.OPINION_UPHELD, True)),
            (K.SUBSTANTIVE, R.REJECTED, True, (St.DECIDED, Out.OPINION_MODIFIED, True)),
            (K.GENERAL, R.REJECTED, None, (St.REREVIEW, "", False)),
            (K.GENERAL, R.REJECTED, None, (St.COMMITTEE, "", False)),
        ],
    )
    objections = selectors.statistics(people["admin"], {})["objections"]
    outcomes = {row["key"]: (row["rereview"], row["committee"]) for row in objections["outcomes"]}
    assert outcomes == {Out.OPINION_WITHDRAWN: (1, 0), Out.OPINION_UPHELD: (0, 1), Out.OPINION_MODIFIED: (0, 1)}
    assert (objections["pending_rereview"], objections["pending_committee"]) == (1, 1)
    assert (objections["decided_by_rereview"], objections["decided_by_committee"], objections["total"]) == (1, 2, 5)
    totals = selectors.statistics(people["admin"], {})["totals"]
    assert (totals["objections"], totals["objections_committee"], totals["objections_pending"]) == (5, 3, 2)


def test_opinions_are_broken_down_by_kind_and_by_consumer_right(people, product):
    review = make_review(
        people["personal"], product, opinions=[(K.SUBSTANTIVE, R.ADOPTED, True), (K.GENERAL, "", None)]
    )
    review.opinions.filter(kind=K.SUBSTANTIVE).update(right="information")
    data = selectors.statistics(people["admin"], {})
    kinds = {row["key"]: row for row in data["opinions_by_kind"]}
    assert (kinds[K.SUBSTANTIVE]["opinions"], kinds[K.SUBSTANTIVE]["adopted"]) == (1, 1)
    assert (kinds[K.GENERAL]["opinions"], kinds[K.GENERAL]["unanswered"]) == (1, 1)
    rights = {row["key"]: row["opinions"] for row in data["opinions_by_right"]}
    assert rights["information"] == 1
    assert rights[""] == 1  # untagged opinions are listed, so the rows add up to the total
    assert sum(rights.values()) == data["totals"]["opinions"]


def test_every_active_type_is_listed_even_without_reviews(people, product, marketing):
    make_review(people["personal"], product)
    rows = {row["key"]: row["reviews"] for row in selectors.statistics(people["admin"], {})["by_type"]}
    assert rows["product"] == 1
    assert rows["marketing"] == 0


def test_months_follow_local_time(people, product):
    make_review(people["personal"], product, submitted=(2024, 3, 31, 23, 30))  # 15:30 UTC, still March in Beijing
    assert [row["key"] for row in selectors.statistics(people["admin"], {})["by_month"]] == ["2024-03"]


def test_the_query_count_does_not_grow_with_the_reviews(people, product, marketing):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.statistics(people["admin"], {})
        return len(captured)

    make_review(people["personal"], product, opinions=[(K.SUBSTANTIVE, R.ADOPTED, True)])
    queries()  # the user's permissions and roles are cached on the first call
    few = queries()
    for day in range(1, 21):
        make_review(
            people["group"],
            marketing,
            submitted=(2024, 5, day, 9, 0),
            opinions=[(K.GENERAL, R.ADOPTED, True), (K.SUBSTANTIVE, R.PARTIAL, True)],
        )
    assert queries() == few


# --- the page -------------------------------------------------------------------------------------------


def page_url() -> str:
    return reverse("reviews:statistics")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_tiles_charts_and_tables(people, product, marketing):
    make_review(people["personal"], product, opinions=[(K.SUBSTANTIVE, R.ADOPTED, True)])
    make_review(people["group"], marketing, submitted=(2025, 2, 3, 9, 0))
    response = client_for(people["admin"]).get(page_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="kpi-reviews" data-value="2"' in page
    assert 'data-testid="kpi-substantive_adoption_rate" data-value="100.00%"' in page
    for chart in ("type", "department", "opinions", "objections"):
        assert f'data-review-chart="{chart}"' in page
    assert 'id="review-chart-data"' in page
    assert set(response.context["charts"]["department"]["labels"]) == {
        "个人业务部",
        "团体业务部",
    }  # head office: no unit
    assert "js/reviews-charts.js" in page


def test_the_year_and_quarter_become_the_submission_dates(people, product):
    make_review(people["personal"], product, submitted=(2024, 2, 1, 9, 0))
    make_review(people["personal"], product, submitted=(2024, 5, 1, 9, 0))
    make_review(people["personal"], product, submitted=(2025, 2, 1, 9, 0))
    client = client_for(people["admin"])
    assert client.get(f"{page_url()}?year=2024").context["stats"]["totals"]["reviews"] == 2
    assert client.get(f"{page_url()}?year=2024&period=q1").context["stats"]["totals"]["reviews"] == 1
    response = client.get(f"{page_url()}?year=2024&submitted_from=2025-01-01")
    assert response.context["stats"]["totals"]["reviews"] == 1  # explicit dates win over the year
    assert client.get(page_url()).context["stats"]["totals"]["reviews"] == 3


def test_the_page_is_empty_but_fine_without_reviews(people):
    response = client_for(people["admin"]).get(f"{page_url()}?year=2024")
    assert response.status_code == 200
    assert 'data-testid="stats-empty"' in response.content.decode()


def test_someone_without_the_view_permission_is_refused(cast):
    assert client_for(cast.outsider).get(page_url()).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in():
    response = Client().get(page_url())
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_page_refuses_a_post(people):
    assert client_for(people["admin"]).post(page_url()).status_code == 405
