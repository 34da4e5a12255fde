"""The rules as data (migration 0002: the current taxonomy and the handling rules, with their
articles) and the rules that act on them: major thresholds, approvers, 溯源整改."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.complaints.conftest import NOW, at, close_through, reload
from xiaobao.complaints import rules, services
from xiaobao.complaints.models import Category, Complaint, ComplaintRule, TaxonomyVersion
from xiaobao.core.models import AuditEntry
from xiaobao.workorders.models import WorkOrder


def test_one_current_taxonomy_has_all_four_code_tables(db):
    version = TaxonomyVersion.objects.get(is_current=True)
    dimensions = set(version.categories.values_list("dimension", flat=True))
    assert dimensions == set(Category.Dimension.values) - {"channel"}  # the channel dimension is the banking one
    names = set(version.categories.values_list("name", flat=True))
    assert {"人身保险", "财产保险", "销售误导", "理赔纠纷", "退保纠纷", "电话骚扰", "信息安全", "退保", "道歉"} <= names
    assert version.categories.filter(dimension="root_cause", systemic=True).count() >= 2


def test_every_deadline_rule_cites_its_article(db):
    for code in ("deadline.initial", "deadline.complex", "deadline.special"):
        row = ComplaintRule.objects.get(code=code)
        assert "第十八条" in row.article
        assert row.value["unit"] == "calendar"
    assert ComplaintRule.objects.get(code="deadline.initial").value["days"] == 15


def test_every_rule_the_code_reads_is_seeded(db):
    assert set(rules.DEFAULTS) <= set(ComplaintRule.objects.values_list("code", flat=True))


def test_the_thresholds_are_read_from_the_table(db):
    ComplaintRule.objects.filter(code="major.thresholds").update(
        value={"min_complainants": 3, "amount": "1000", "media_attention": False}
    )
    complaint = Complaint(complainant_count=3, amount=Decimal("1000"), media_attention=True)
    assert rules.group_reasons(complaint) == ["complainants", "amount"]
    assert rules.major_reasons(complaint) == []  # the internal thresholds never make a complaint 重大 (第二十九条)


def test_the_repeat_window_is_read_from_the_table(register):
    ComplaintRule.objects.filter(code="repeat.window_days").update(value={"days": 60})
    register()
    later = at(2025, 4, 20, 9, 0)  # 48 days later
    assert register(received_at=later, now=later).is_repeat


def test_the_higher_level_unit_and_senior_management_may_approve_a_second_extension(people, register):
    complaint = register(org_unit=people.sub_a)
    assert rules.may_approve_special(people.officer_a, complaint)  # 北京分公司 over 朝阳支公司
    assert rules.may_approve_special(people.hq_admin, complaint)
    assert rules.may_approve_special(people.senior, complaint)
    assert not rules.may_approve_special(people.officer_a1, complaint)  # the unit itself
    assert not rules.may_approve_special(people.officer_b, complaint)  # another branch


def test_only_senior_management_approves_for_head_office_itself(people, register):
    complaint = register(org_unit=people.hq)
    assert rules.may_approve_special(people.senior, complaint)
    assert not rules.may_approve_special(people.hq_admin, complaint)


# --- 溯源整改 ------------------------------------------------------------------------------


@pytest.fixture
def handled(people, register):
    """handled(**overrides): a new complaint, accepted and assigned to branch A's officer."""

    def _handled(**overrides):
        complaint = register(**overrides)
        services.complaint_accept(complaint=complaint, actor=people.officer_a, now=NOW)
        return services.complaint_assign(complaint=complaint, actor=people.officer_a, now=NOW)

    return _handled


def rectification_orders():
    return WorkOrder.objects.filter(kind=WorkOrder.Kind.RECTIFICATION)


def test_a_systemic_root_cause_opens_a_rectification_order(people, handled, codes):
    complaint = close_through(handled(), people, codes, root_cause="R02")
    order = rectification_orders().get()
    assert complaint.rectification_order_id == order.pk
    assert (order.org_unit, order.source_id) == (people.branch_a, str(complaint.pk))
    assert AuditEntry.objects.filter(action="complaint.rectification_open").count() == 1


def test_an_ordinary_cause_below_the_threshold_opens_nothing(people, handled, codes):
    for _ in range(2):
        close_through(handled(), people, codes, root_cause="R01")
    assert not rectification_orders().exists()


def test_the_threshold_opens_exactly_one_order_and_later_ones_join_it(people, handled, codes):
    closed = [close_through(handled(), people, codes, root_cause="R01") for _ in range(4)]
    order = rectification_orders().get()  # the third opened it; the fourth did not open another
    assert {reload(c).rectification_order_id for c in closed} == {order.pk}


def test_the_threshold_counts_only_the_period(people, handled, codes):
    for _ in range(2):
        close_through(handled(), people, codes, root_cause="R01", now=NOW)
    close_through(handled(), people, codes, root_cause="R01", now=at(2025, 6, 10, 9, 0))  # 99 days later
    assert not rectification_orders().exists()
