"""Task and history pages show a review's process variables as business fields: the reviewer's name, not
`reviewer_id 7`; the deadline in local time without microseconds; the engine's bookkeeping not at all."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.reviews.conftest import at
from xiaobao.workflow.models import HumanTask, ProcessInstance

pytestmark = pytest.mark.django_db


def _assign_task(review) -> HumanTask:
    instance = ProcessInstance.objects.get(object_id=str(review.pk), definition__key="review")
    return HumanTask.objects.get(instance=instance, element_id="assign")


def _text(html: str) -> str:
    """What a person reads: the markup's text without its tags and attributes."""
    return re.sub(r"<[^>]+>", " ", html)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_assignment_task_page_names_the_reviewer_and_formats_the_deadline(people, assigned):
    review = assigned()
    task = _assign_task(review)
    assert task.data["reviewer_id"] == people.reviewer.pk  # the engine's variable, as stored
    html = _client(people.hq_admin).get(reverse("workflow:task", args=[task.pk])).content.decode()
    fields = _text(html.split('data-testid="task-data"')[1].split("</dl>")[0])
    assert "审查员" in fields and str(people.reviewer) in fields
    assert "reviewer_id" not in fields and "review_due_at" not in fields and "assigned" not in fields
    due = review.due_at.astimezone(at(2025, 1, 1).tzinfo)
    assert due.strftime("%Y-%m-%d %H:%M") in fields
    assert "T" + due.strftime("%H:%M") not in fields  # no ISO timestamps
    assert "分配审查员" in fields  # the coded action by its label


def test_the_task_api_gives_labelled_fields_and_local_times_to_the_second(people, assigned):
    review = assigned()
    task = _assign_task(review)
    body = _client(people.hq_admin).get(f"/api/v1/workflow/tasks/{task.pk}/").json()
    shown = {f["name"]: f for f in body["business_fields"]}
    assert shown["reviewer_id"]["label"] == "审查员" and shown["reviewer_id"]["text"] == str(people.reviewer)
    assert "review_id" not in shown and "assigned" not in shown
    assert "." not in body["created_at"] and body["created_at"].endswith("+08:00")


def test_the_history_shows_what_changed_under_its_labels(people, assigned):
    review = assigned()
    instance = ProcessInstance.objects.get(object_id=str(review.pk), definition__key="review")
    client = _client(people.hq_admin)
    html = client.get(reverse("workflow:instance", args=[instance.pk])).content.decode()
    assert 'data-testid="timeline-fields"' in html
    timeline = _text(html.split('data-testid="timeline"')[1])
    assert str(people.reviewer) in timeline and "reviewer_id" not in timeline
    rows = client.get(f"/api/v1/workflow/instances/{instance.pk}/history/").json()
    changes = [c for row in rows for c in row["labelled_changes"]]
    reviewer = next(c for c in changes if c["name"] == "reviewer_id")
    assert reviewer["label"] == "审查员" and reviewer["after"] == str(people.reviewer) and reviewer["before"] == "—"
    assert all(c["name"] not in ("review_id", "assigned") for c in changes)
