"""A published year recounts the provisional deadlines the engine counted itself (`dueDays`), from the moment
each task was created, across that year's holidays; whoever may act is told, and a second publish changes
nothing. Deadlines an app sets (`dueFrom`) and those a boundary timer sets are the app's to recount."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from tests.core.test_holiday_notice import NOTICE_2026
from tests.workflow.conftest import at
from xiaobao.core import services as core_services
from xiaobao.core.models import Notification
from xiaobao.workflow import services
from xiaobao.workflow.models import HumanTask

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xiaobao="urn:xiaobao:bpmn:1.0"
                  id="defs_recount" targetNamespace="urn:xiaobao:test">
  <bpmn:process id="test_recount" name="测试期限重算" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="check" name="总公司核对">
      <bpmn:extensionElements><xiaobao:properties>
        <xiaobao:property name="role" value="hq_admin"/>
        <xiaobao:property name="org" value="head_office"/>
        <xiaobao:property name="dueDays" value="5"/>
        <xiaobao:property name="dayUnit" value="working"/>
      </xiaobao:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
""".encode()
MONDAY_BEFORE_NATIONAL_DAY = at(2026, 9, 28, 10, 0)


@pytest.fixture
def waiting(cast, applicant, no_2026):
    services.deploy(content=BPMN, source="tests/recount.bpmn")
    instance = services.start(
        process_key="test_recount", business_object=applicant, actor=cast.hq_admin, now=MONDAY_BEFORE_NATIONAL_DAY
    )
    return HumanTask.objects.get(instance=instance, element_id="check")


def publish(cast):
    core_services.calendar_publish_notice(year=2026, text=NOTICE_2026, actor=cast.hq_admin, now=at(2026, 9, 29, 9, 0))


def test_a_provisional_working_day_deadline_is_recounted_across_national_day(cast, waiting):
    # weekends only: 09-29, 09-30, 10-01, 10-02, 10-05
    assert (timezone.localtime(waiting.due_at).date(), waiting.due_provisional) == (date(2026, 10, 5), True)
    publish(cast)
    task = HumanTask.objects.get(pk=waiting.pk)
    # 国庆 10-01…10-07 off, 10-10 (Saturday) a 调休 working day: 09-29, 09-30, 10-08, 10-09, 10-10
    assert (timezone.localtime(task.due_at).date(), task.due_provisional) == (date(2026, 10, 10), False)
    told = Notification.objects.filter(kind="workflow.due_recounted", recipient=cast.hq_admin)
    assert told.count() == 1


def test_publishing_again_changes_nothing(cast, waiting):
    publish(cast)
    moved = HumanTask.objects.get(pk=waiting.pk)
    publish(cast)
    again = HumanTask.objects.get(pk=waiting.pk)
    assert (again.due_at, again.version) == (moved.due_at, moved.version)
    assert Notification.objects.filter(kind="workflow.due_recounted").count() == 1
