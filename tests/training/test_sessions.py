"""Sessions: attendance once per person per session by import or self check-in; dispatch as a work order."""

from __future__ import annotations

from datetime import date

import pytest

from tests.training.conftest import NOW, xlsx
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.training import error_codes as codes
from xiaobao.training import services
from xiaobao.training.models import Attendance, AudienceGroup


@pytest.fixture
def course(cast):
    return services.course_create(
        actor=cast.hq_admin,
        title="消费者权益保护基础",
        year=2025,
        audiences=[(AudienceGroup.ALL_STAFF, "", True)],
        now=NOW,
    )


@pytest.fixture
def session(cast, course):
    return services.session_create(
        actor=cast.officer_a,
        title="北京分公司消保全员培训",
        held_on=date(2025, 6, 10),
        courses=[course],
        audience_group=AudienceGroup.ALL_STAFF,
        now=NOW,
    )


def test_self_check_in_counts_a_person_once(cast, roster, session):
    services.session_set_check_in(actor=cast.officer_a, session=session, open=True, now=NOW)
    session.refresh_from_db()
    user = roster["emp_a"].user
    _first, created = services.check_in(user=user, code=session.check_in_code, now=NOW)
    _again, created_again = services.check_in(user=user, code=session.check_in_code, now=NOW)
    assert created and not created_again
    assert Attendance.objects.filter(session=session).count() == 1


def test_a_wrong_or_closed_code_and_people_off_the_roster_are_refused(cast, roster, session):
    with pytest.raises(BusinessRuleError) as wrong:
        services.check_in(user=roster["emp_a"].user, code=session.check_in_code, now=NOW)  # not opened yet
    assert wrong.value.error_code == codes.BAD_CODE
    services.session_set_check_in(actor=cast.officer_a, session=session, open=True, now=NOW)
    with pytest.raises(BusinessRuleError) as outsider:
        services.check_in(user=cast.outsider, code=session.check_in_code, now=NOW)  # no 员工 permission
    assert outsider.value.error_code == codes.NOT_ALLOWED
    from tests.helpers import make_user

    with pytest.raises(BusinessRuleError) as stranger:  # an employee whose account is not on the roster
        services.check_in(user=make_user("nobody", cast.sub_a, "employee"), code=session.check_in_code, now=NOW)
    assert stranger.value.error_code == codes.NOT_ON_ROSTER


def test_a_sign_in_list_adds_people_once_and_one_bad_row_adds_nobody(cast, roster, session):
    header = ["工号", "姓名"]
    bad = services.attendance_import(
        actor=cast.officer_a, session=session, upload=xlsx([header, ["A0001", "陈静"], ["B0001", "赵磊"]]), now=NOW
    )
    assert not bad.ok and bad.errors[0][0] == 3  # B0001 is outside branch A's roster
    assert not Attendance.objects.exists()
    good = services.attendance_import(
        actor=cast.officer_a, session=session, upload=xlsx([header, ["A0001", "陈静"], ["A0002", "孙丽"]]), now=NOW
    )
    assert good.ok and good.created == 2
    again = services.attendance_import(
        actor=cast.officer_a, session=session, upload=xlsx([header, ["A0001", "陈静"]]), now=NOW
    )
    assert again.ok and (again.created, again.updated) == (0, 1)
    assert Attendance.objects.filter(session=session).count() == 2


def test_a_name_that_does_not_match_the_roster_is_reported(cast, roster, session):
    result = services.attendance_import(
        actor=cast.officer_a, session=session, upload=xlsx([["工号", "姓名"], ["A0001", "别人"]]), now=NOW
    )
    assert not result.ok and result.errors[0][1] == "姓名"


def test_another_branch_cannot_manage_the_session(cast, session):
    with pytest.raises(BusinessRuleError) as refused:
        services.session_set_check_in(actor=cast.officer_b, session=session, open=True, now=NOW)
    assert refused.value.status_code == 403


def test_a_session_is_dispatched_to_its_unit_as_a_work_order_once(cast, session):
    from xiaobao.workorders import selectors as workorder_selectors

    services.session_dispatch(actor=cast.hq_admin, session=session, now=NOW)
    session.refresh_from_db()
    order = workorder_selectors.get_work_order_for_user(cast.officer_a, session.workorder_id)
    assert order.org_unit == cast.branch_a and "北京分公司消保全员培训" in order.title
    with pytest.raises(BusinessRuleError) as twice:
        services.session_dispatch(actor=cast.hq_admin, session=session, now=NOW)
    assert twice.value.error_code == codes.WRONG_STATUS


def test_the_check_in_panel_comes_before_the_attendance_table(cast, session):
    # issue 21: the action a person can take now sits under the facts, above the read-only table
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(cast.officer_a)
    html = client.get(reverse("training:session", args=[session.pk])).content.decode()
    assert 'data-testid="open-check-in"' in html
    assert html.index('data-testid="check-in-panel"') < html.index('data-testid="attendance-table"')
