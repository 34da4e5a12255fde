"""A review's process follows the review's own rule (issue 14): a clerk of another department, who gets 404
on the review, gets 404 on its tasks, history and diagram and never sees its tasks in an inbox."""

from __future__ import annotations

from django.test import Client

from tests.workflow_access import assert_process_hidden, assert_process_visible, fresh
from xiaobao.reviews import selectors


def test_a_clerk_of_another_department_gets_404_on_the_reviews_process(people, assigned):
    review = assigned()
    page = Client()
    page.force_login(people.other_clerk)
    assert page.get(f"/reviews/{review.pk}/").status_code == 404
    assert_process_hidden(people.other_clerk, review)


def test_the_clerks_own_department_and_the_reviewer_see_it(people, assigned):
    review = assigned()
    for user in (people.clerk, people.colleague, people.reviewer, people.hq_admin):
        assert selectors.reviews_visible_to(fresh(user)).filter(pk=review.pk).exists()
        assert_process_visible(user, review)


def test_another_reviewer_does_not_see_an_assignment_not_theirs(people, assigned):
    review = assigned()
    assert_process_hidden(people.reviewer2, review)
