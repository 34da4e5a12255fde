"""Activity records: a unit records only for itself and only on tasks assigned to it; the form and the
五进入 target agree; counts are whole and non-negative; dates fall in the plan's period and not in the
future; records of a closed plan are frozen."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import make_user
from tests.plans.conftest import LATER, NOW
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Attachment, AuditEntry
from xiaobao.plans import error_codes as codes
from xiaobao.plans import selectors, services
from xiaobao.plans.models import Activity

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def refused(code: str, call, **kwargs) -> BusinessRuleError:
    with pytest.raises(BusinessRuleError) as caught:
        call(**kwargs)
    assert caught.value.error_code == code
    return caught.value


@pytest.fixture
def record(cast, running_plan):
    """record(**overrides): officer A records an offline 进社区 event on the plan's task, at LATER."""
    task = running_plan.tasks.get()

    def _record(**overrides) -> Activity:
        arguments = {
            "actor": cast.officer_a,
            "task": task,
            "held_on": date(2025, 3, 15),
            "title": "3·15进社区宣传",
            "form": Activity.Form.OFFLINE,
            "target": Activity.Target.COMMUNITY,
            "place": "八里庄街道社区服务中心",
            "participants": 120,
            "reach": 800,
            "now": LATER,
        }
        arguments.update(overrides)
        return services.activity_record(**arguments)

    return _record


def test_a_branch_records_an_activity_for_itself(cast, record):
    activity = record(files=[SimpleUploadedFile("现场.png", PNG)])
    assert activity.org_unit == cast.branch_a and activity.created_by == cast.officer_a
    assert activity.reach == 800 and activity.target == "community"
    assert Attachment.objects.filter(object_id=str(activity.pk), purpose="photo").count() == 1
    assert AuditEntry.objects.filter(action="activity.record", object_id=str(activity.pk)).exists()


def test_a_branch_may_not_record_for_another_unit(cast, record):
    error = refused(codes.NOT_OWN_UNIT, record, org_unit=cast.branch_b)
    assert error.status_code == 403
    refused(codes.NOT_OWN_UNIT, record, org_unit=cast.sub_a)  # not even its own sub-branch
    assert not Activity.objects.exists()


def test_head_office_admin_may_record_for_any_unit(cast, record):
    activity = record(actor=cast.hq_admin, org_unit=cast.branch_b)
    assert activity.org_unit == cast.branch_b


def test_read_only_and_outsiders_may_not_record(cast, record):
    refused(codes.NOT_ALLOWED, record, actor=cast.manager)
    refused(codes.NOT_ALLOWED, record, actor=cast.outsider)
    assert not Activity.objects.exists()


def test_only_on_a_task_assigned_to_the_unit_or_an_ancestor(cast, new_plan, record):
    officer_a1 = make_user("officer_a1", cast.sub_a, "branch_officer", "王芳")
    assert record(actor=officer_a1).org_unit == cast.sub_a  # the branch's task covers its sub-branch
    plan = new_plan(units=[cast.branch_b], name="河北专项")
    for step in (services.plan_submit, services.plan_approve, services.plan_issue):
        step(actor=cast.hq_admin, plan=plan, now=NOW)
    refused(codes.TASK_NOT_ASSIGNED, record, task=plan.tasks.get())
    assert Activity.objects.count() == 1


def test_not_on_a_plan_that_is_not_running(cast, new_plan, record):
    draft = new_plan(name="草稿方案")
    error = refused(codes.PLAN_NOT_RUNNING, record, task=draft.tasks.get())
    assert error.status_code == 409


def test_an_activity_without_a_task_is_allowed(cast, record):
    assert record(task=None, held_on=date(2025, 1, 5)).task is None


@pytest.mark.parametrize(
    "change, code, field",
    [
        ({"target": ""}, codes.TARGET_REQUIRED, "target"),
        ({"form": "article", "target": "school"}, codes.TARGET_ONLINE, "target"),
        ({"form": "poster"}, codes.INVALID, "form"),
        ({"target": "moon"}, codes.INVALID, "target"),
        ({"reach": -1}, codes.INVALID, "reach"),
        ({"articles": "2.5"}, codes.INVALID, "articles"),
        ({"participants": "many"}, codes.INVALID, "participants"),
        ({"held_on": date(2025, 2, 27)}, codes.OUT_OF_PERIOD, "held_on"),
        ({"held_on": date(2025, 3, 25)}, codes.DATE_IN_FUTURE, "held_on"),
        ({"held_on": "someday"}, codes.INVALID, "held_on"),
        ({"title": ""}, codes.INVALID, "title"),
    ],
)
def test_field_rules_refuse_and_write_nothing(cast, record, change, code, field):
    error = refused(code, record, **change)
    assert field in error.fields
    assert not Activity.objects.exists()


def test_online_activity_without_target_is_fine(cast, record):
    activity = record(form="video", target="", videos=2, reach=30000, participants=0)
    assert activity.is_online and activity.videos == 2


def test_update_by_the_own_unit_and_refused_for_others(cast, record):
    activity = record()
    services.activity_update(actor=cast.officer_a, activity=activity, data={"reach": 900}, now=LATER)
    activity.refresh_from_db()
    assert activity.reach == 900
    refused(codes.NOT_ALLOWED, services.activity_update, actor=cast.officer_b, activity=activity, data={"reach": 1})
    refused(codes.NOT_ALLOWED, services.activity_update, actor=cast.manager, activity=activity, data={"reach": 1})
    refused(
        codes.TARGET_REQUIRED,
        services.activity_update,
        actor=cast.officer_a,
        activity=activity,
        data={"target": ""},
        now=LATER,
    )
    activity.refresh_from_db()
    assert activity.reach == 900 and activity.target == "community"


def test_update_may_move_the_record_off_its_task(cast, record):
    activity = record()
    services.activity_update(actor=cast.officer_a, activity=activity, data={"task": None}, now=LATER)
    activity.refresh_from_db()
    assert activity.task is None


def test_delete_by_the_own_unit_keeps_an_audit_row(cast, record):
    activity = record(files=[SimpleUploadedFile("现场.png", PNG)])
    pk = activity.pk
    refused(codes.NOT_ALLOWED, services.activity_delete, actor=cast.officer_b, activity=activity)
    services.activity_delete(actor=cast.officer_a, activity=activity, reason="重复录入", now=LATER)
    assert not Activity.objects.exists()
    assert not Attachment.objects.filter(object_id=str(pk), purpose="photo").exists()
    assert AuditEntry.objects.filter(action="activity.delete", object_id=str(pk)).exists()


def test_records_of_a_closed_plan_are_frozen(cast, running_plan, record):
    activity = record()
    services.plan_summarize(actor=cast.hq_admin, plan=running_plan, summary="完成。", now=LATER)
    record(title="总结期间补录")  # still open while the summary is written
    services.plan_close(actor=cast.hq_admin, plan=running_plan, now=LATER)
    refused(codes.PLAN_NOT_RUNNING, record, title="关闭后补录")
    refused(
        codes.PLAN_NOT_RUNNING, services.activity_update, actor=cast.officer_a, activity=activity, data={"reach": 1}
    )
    refused(codes.PLAN_NOT_RUNNING, services.activity_delete, actor=cast.officer_a, activity=activity)
    refused(
        codes.PLAN_NOT_RUNNING,
        services.activity_add_photos,
        actor=cast.officer_a,
        activity=activity,
        files=[SimpleUploadedFile("a.png", PNG)],
    )
    assert Activity.objects.count() == 2


def test_photos_are_checked_by_content(cast, record):
    activity = record()
    with pytest.raises(BusinessRuleError):
        services.activity_add_photos(
            actor=cast.officer_a, activity=activity, files=[SimpleUploadedFile("x.png", b"MZ\x90\x00 not an image")]
        )
    assert not selectors.attachments(activity).exists()
    services.activity_add_photos(actor=cast.officer_a, activity=activity, files=[SimpleUploadedFile("x.png", PNG)])
    assert selectors.attachments(activity).count() == 1


def test_a_training_plans_offline_session_needs_no_outreach_target(cast, new_plan, record):
    plan = new_plan(name="2025年消保培训计划", kind="training")
    for step in (services.plan_submit, services.plan_approve, services.plan_issue):
        step(actor=cast.hq_admin, plan=plan, now=NOW)
    session = record(task=plan.tasks.get(), title="消保法规培训", target="", participants=80)
    assert session.target == "" and session.participants == 80
