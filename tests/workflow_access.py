"""Shared checks for "a user who may not see a business object may not see its process either" (issue 14).

Every app whose objects run a process uses these: the object's tasks and instances, reached through every
workflow path (task page and API, instance page, history and diagram API, the BPMN download, the inbox).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.test import Client
from rest_framework.test import APIClient

from xiaobao.core.models import User
from xiaobao.workflow.models import HumanTask, ProcessInstance


def fresh(user: User) -> User:
    """The user as the next request sees them (roles and scope are cached on the object)."""
    return User.objects.get(pk=user.pk)


def instances_of(obj) -> list[ProcessInstance]:
    content_type = ContentType.objects.get_for_model(obj)
    return list(ProcessInstance.objects.filter(content_type=content_type, object_id=str(obj.pk)))


def tasks_of(obj) -> list[HumanTask]:
    return list(HumanTask.objects.filter(instance__in=instances_of(obj)))


def workflow_urls(obj) -> list[str]:
    """Every read path of the workflow app onto this object's process: pages and API."""
    urls = []
    for task in tasks_of(obj):
        urls += [f"/workflow/tasks/{task.pk}/", f"/api/v1/workflow/tasks/{task.pk}/"]
    for instance in instances_of(obj):
        urls += [
            f"/workflow/instances/{instance.pk}/",
            f"/workflow/instances/{instance.pk}/diagram.bpmn",
            f"/api/v1/workflow/instances/{instance.pk}/history/",
            f"/api/v1/workflow/instances/{instance.pk}/diagram/",
        ]
    assert urls, "the object runs no process: the check would prove nothing"
    return urls


def statuses(user: User, urls: list[str]) -> dict[str, int]:
    page, api = Client(), APIClient()
    page.force_login(user)
    api.force_authenticate(fresh(user))
    return {url: (api if url.startswith("/api/") else page).get(url).status_code for url in urls}


def inbox_ids(user: User, box: str) -> set[int]:
    api = APIClient()
    api.force_authenticate(fresh(user))
    ids, url = set(), f"/api/v1/workflow/tasks/?box={box}"
    while url:
        body = api.get(url).json()
        ids |= {row["id"] for row in body["results"]}
        url = body.get("next")
    return ids


def assert_process_hidden(user: User, obj) -> None:
    """`user` gets 404 on every workflow path of `obj`, and none of its tasks in any inbox box."""
    answers = statuses(user, workflow_urls(obj))
    assert set(answers.values()) == {404}, answers
    task_ids = {t.pk for t in tasks_of(obj)}
    for box in ("mine", "candidate", "overdue", "done", "all"):
        assert not task_ids & inbox_ids(user, box), box


def assert_process_visible(user: User, obj) -> None:
    answers = statuses(user, workflow_urls(obj))
    assert set(answers.values()) == {200}, answers
