"""The complaints demo (`manage.py load_demo`): complaints in every state, walked through the services,
with their processes, 督办, extensions, 核查, a repeat pair, a group complaint and a rectification; the
statistics over them add up.

The demo is loaded once for the package (tests/demo/conftest.py), inside a transaction rolled back at the end,
so each test reads the same data and the rest of the suite never sees it.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from xiaobao.complaints import selectors
from xiaobao.complaints.models import Complaint, Extension
from xiaobao.core.models import AuditEntry, Notification, User
from xiaobao.demo.complaints_data import SPECS
from xiaobao.demo.management.commands.load_demo import LOADERS
from xiaobao.workflow.models import HumanTask, ProcessInstance, Timer, Transition
from xiaobao.workorders.models import WorkOrder

COUNTED = (Complaint, Extension, ProcessInstance, HumanTask, Timer, Transition, WorkOrder, Notification, AuditEntry)
S = Complaint.Status


def load_up_to_complaints() -> None:
    """The command's loaders in its order, up to the complaints (the modules above are not needed). The
    complaints are the stories only: the year's ordinary volume (hundreds, all closed) is checked with the
    whole demo in tests/demo, loaded once for the suite."""
    for name, dotted_path in LOADERS:
        if name == "complaints":
            import_string(dotted_path)(with_volume=False)
            break
        import_string(dotted_path)()


@pytest.fixture
def loaded(demo_output, db):
    return demo_output


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def user(name: str) -> User:
    return User.objects.get(username=name)


def test_the_command_loads_the_complaints_after_the_work_orders(loaded):
    names = [name for name, _path in LOADERS]
    assert names.index("workorders") < names.index("complaints")
    assert dict(LOADERS)["complaints"] == "xiaobao.demo.complaints.load"
    # the stories (every state) and, on top, the ordinary flow since the start of last year (test_year.py)
    assert 50 <= len(SPECS) <= 70
    assert Complaint.objects.count() >= len(SPECS) + 200


def test_loading_twice_adds_nothing(loaded):
    before = counts()
    load_up_to_complaints()
    assert counts() == before


def test_every_status_occurs(loaded):
    # 不予办理 (第十八条第四款) is rare and has no demo story yet
    assert set(Complaint.objects.values_list("status", flat=True)) == set(S.values) - {S.DECLINED}


def test_every_channel_a_branch_hears_from_occurs(loaded):
    channels = set(Complaint.objects.values_list("channel", flat=True))
    C = Complaint.Channel
    assert {C.HOTLINE, C.CHATBOT, C.VIDEO, C.COUNTER, C.WECHAT, C.APP, C.REGULATOR, C.PLATFORM} <= channels


def test_every_branch_has_complaints_at_several_levels(loaded):
    codes = set(Complaint.objects.values_list("org_unit__code", flat=True))
    for branch in ("BJ", "TJ", "HB"):
        assert {code for code in codes if code.split("-")[0] == branch} - {branch}, branch


def test_each_complaint_runs_on_its_own_process(loaded):
    for complaint in Complaint.objects.all():
        instance = ProcessInstance.objects.get(object_id=str(complaint.pk), definition__key="complaint")
        expected = {
            S.CLOSED: ProcessInstance.Status.COMPLETED,
            S.WITHDRAWN: ProcessInstance.Status.CANCELLED,
        }.get(complaint.status, ProcessInstance.Status.RUNNING)
        assert instance.status == expected, complaint


def test_overdue_complaints_were_supervised_by_the_timer_when_the_deadline_passed(loaded):
    supervised = Complaint.objects.exclude(supervision_order_id=None)
    assert supervised.filter(status=S.HANDLING).count() >= 3
    assert supervised.filter(status=S.CLOSED).exists(), "some were decided late, after 督办"
    for complaint in supervised:
        assert complaint.due_at < complaint.supervised_at < timezone.now()
        assert WorkOrder.objects.get(pk=complaint.supervision_order_id).kind == WorkOrder.Kind.SUPERVISION
    late = Complaint.objects.filter(status__in=Complaint.CLOCK_STATUSES, due_at__lt=timezone.now())
    assert late.exists() and not late.filter(supervision_order_id=None).exists()


def test_a_repeat_pair_from_the_same_caller(loaded):
    repeat = Complaint.objects.get(is_repeat=True)
    assert repeat.repeat_of.complainant_phone_index == repeat.complainant_phone_index
    assert 0 < (repeat.received_at - repeat.repeat_of.received_at).days <= 30


def test_a_group_complaint_is_flagged_and_escalated_but_is_not_major(loaded):
    group = Complaint.objects.get(is_group=True)
    assert group.complainant_count >= 5 and "complainants" in group.group_reasons
    assert not group.is_major  # fewer than 20 in person: not 第二十九条
    assert AuditEntry.objects.filter(action="complaint.escalate_group", object_id=str(group.pk)).exists()


def test_extensions_of_both_levels_with_approval_and_notice(loaded):
    assert Extension.objects.filter(level=Extension.Level.COMPLEX).count() >= 3
    specials = list(Extension.objects.filter(level=Extension.Level.SPECIAL).select_related("approved_by", "complaint"))
    assert specials, "a special (second) extension occurs"
    assert any(special.approved_by.username == "manager" for special in specials)
    assert all(special.approved_by_id and special.notice_method for special in specials)
    assert all(special.complaint.extension_level == 2 for special in specials)


def test_a_withdrawal_and_a_reexamination(loaded):
    withdrawn = Complaint.objects.filter(status=S.WITHDRAWN)
    assert withdrawn.exists() and all(c.withdrawn_at and c.withdraw_reason for c in withdrawn)
    assert Complaint.objects.filter(status=S.REEXAMINING, reexamine_requested_at__isnull=False).exists()
    assert Complaint.objects.filter(status=S.CLOSED).exclude(reexamine_conclusion="").exists()


def test_closed_complaints_are_classified_with_their_root_causes(loaded):
    closed = Complaint.objects.filter(status=S.CLOSED)
    assert closed.count() >= 25
    assert not closed.filter(root_cause=None).exists()
    assert not closed.filter(business_category=None).exists()
    assert closed.filter(decided_at__gt=F("due_at")).exists(), "some decided late"


def test_one_root_cause_crossing_the_threshold_opened_a_rectification_order(loaded):
    traced = Complaint.objects.exclude(rectification_order_id=None).select_related("org_unit", "root_cause")
    # the story: 滨海's repeated R01 complaints; the year's ordinary flow crosses thresholds elsewhere as well
    assert traced.filter(org_unit__code="TJ-BH", root_cause__code="R01").count() >= 3
    groups: dict[int, set] = {}
    for complaint in traced:
        groups.setdefault(complaint.rectification_order_id, set()).add(
            (complaint.org_unit.code, complaint.root_cause.code)
        )
    assert all(len(keys) == 1 for keys in groups.values()), "one order gathers one unit's one root cause"
    for order in WorkOrder.objects.filter(pk__in=groups).select_related("org_unit"):
        (unit_code, _cause), *_ = groups[order.pk]
        assert order.kind == WorkOrder.Kind.RECTIFICATION and order.org_unit.code == unit_code


def test_nothing_is_dated_in_the_future(loaded):
    now = timezone.now()
    assert not Complaint.objects.filter(received_at__gt=now).exists()
    assert not Complaint.objects.filter(registered_at__gt=now).exists()
    assert not Timer.objects.filter(status=Timer.Status.PENDING, fire_at__lte=now).exists()


def test_personal_data_is_stored_encrypted(loaded):
    complaint = Complaint.objects.first()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT complainant_name, complainant_phone FROM complaints_complaint WHERE id = %s", [complaint.pk]
        )
        stored = cursor.fetchone()
    assert complaint.complainant_name and complaint.complainant_name not in stored[0]
    assert complaint.complainant_phone not in stored[1]


@pytest.mark.parametrize("who", ["xiaobao", "manager", "bj_officer", "tj_officer", "hb_officer", "agent"])
def test_the_statistics_add_up_for_every_reader(loaded, who):
    reader = user(who)
    data = selectors.statistics(reader, {})
    totals = data["totals"]
    assert totals["total"] == selectors.complaints_visible_to(user(who), {"box": "all"}).count() > 0
    for key in ("by_month", "by_unit", "by_channel", "by_business", "by_cause"):
        for measure in ("total", "closed", "due", "on_time", "repeat", "open", "overdue"):
            assert sum(row[measure] for row in data[key]) == totals[measure], (who, key, measure)
    assert totals["closed"] + totals["open"] + totals["withdrawn"] == totals["total"]
    assert 0 < totals["on_time"] <= totals["due"]


def test_head_office_counts_every_complaint_with_realistic_rates(loaded):
    totals = selectors.statistics(user("xiaobao"), {})["totals"]
    assert totals["total"] == Complaint.objects.count()
    assert 80 <= totals["on_time_rate"] < 100
    assert totals["repeat"] == 1 and totals["internal_group"] == 1 and totals["major"] == 0
    assert totals["regulator"] >= 8
    assert 5 <= totals["avg_days"] <= 25
    months = selectors.statistics(user("xiaobao"), {})["by_month"]
    assert len(months) >= 6


def test_the_emergency_plan_rule_names_the_plan_in_the_knowledge_demo_corpus(loaded):
    from xiaobao.complaints import rules
    from xiaobao.demo import complaints as demo
    from xiaobao.demo.knowledge import POLICY_FILES
    from xiaobao.demo.knowledge_corpus import read

    number = rules.rule("major.emergency_plan")["number"]
    assert number == demo.EMERGENCY_PLAN != rules.DEFAULTS["major.emergency_plan"]["number"]
    [plan] = [p for name in POLICY_FILES for p in read(name) if p["number"] == number]
    assert "重大消费投诉" in plan["title"] and "应急预案" in plan["title"]
    assert plan["status"] == "current" and "第二十九条" in plan["basis"]
