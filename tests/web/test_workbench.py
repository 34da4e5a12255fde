"""工作台 (issue 21): each person sees what needs doing now, in their scope, each item one click from its action;
a panel only for someone who may open its module; queries do not grow with the data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xiaobao.complaints.models import Complaint
from xiaobao.indicators import periods
from xiaobao.indicators.models import Alert, IndicatorDefinition, IndicatorValue
from xiaobao.web.navigation import NAV_ITEMS
from xiaobao.workorders.models import WorkOrder

_serial = iter(range(1, 100_000))


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def complaint(unit, *, due_in_days: float, status=Complaint.Status.HANDLING, paused=False) -> Complaint:
    now = timezone.now()
    n = next(_serial)
    return Complaint.objects.create(
        number=f"TS{now:%Y%m%d}{n:05d}",
        org_unit=unit,
        channel=Complaint.Channel.HOTLINE,
        received_at=now - timedelta(days=10),
        registered_at=now - timedelta(days=10),
        complainant_name="王秀兰",
        subject=f"理赔款迟迟未到账 {n}",
        content="投诉人反映理赔款超过约定时限仍未支付。",
        status=status,
        due_at=now + timedelta(days=due_in_days),
        clock_paused_since=now - timedelta(days=1) if paused else None,
    )


def supervised_order(unit, issuer, *, level=WorkOrder.Supervision.SUPERVISED) -> WorkOrder:
    now = timezone.now()
    n = next(_serial)
    return WorkOrder.objects.create(
        number=f"GD{now:%Y%m%d}{n:05d}",
        org_unit=unit,
        title=f"整改投诉问题 {n}",
        kind=WorkOrder.Kind.RECTIFICATION,
        content="整改",
        issuer=issuer,
        issuer_unit=issuer.org_unit,
        due_at=now + timedelta(days=2),
        created_at=now - timedelta(days=5),
        status=WorkOrder.Status.IN_PROGRESS,
        supervision=level,
        supervised_at=now,
    )


def put(code: str, unit, value, period: str) -> IndicatorValue:
    parsed = periods.parse(period)
    return IndicatorValue.objects.create(
        definition=IndicatorDefinition.objects.get(code=code),
        org_unit=unit,
        period=parsed.code,
        period_start=parsed.start,
        period_end=parsed.end,
        value=Decimal(str(value)),
        source="computed",
        computed_at=timezone.now(),
    )


def items(html: str, testid: str) -> str:
    """The part of the page inside one panel (up to the next panel or the end)."""
    start = html.find(f'data-testid="{testid}"')
    if start < 0:
        return ""
    end = html.find("</section>", start)
    return html[start : end if end > 0 else len(html)]


def test_a_branch_officer_sees_the_complaints_of_their_branch_nearing_the_deadline_and_no_other(cast):
    overdue = complaint(cast.sub_a, due_in_days=-2)  # in branch A's subtree, past the deadline in force
    soon = complaint(cast.branch_a, due_in_days=1)
    later = complaint(cast.branch_a, due_in_days=10)
    closed = complaint(cast.branch_a, due_in_days=-3, status=Complaint.Status.CLOSED)
    paused = complaint(cast.branch_a, due_in_days=-1, paused=True)  # mediation: no deadline in force
    other_branch = complaint(cast.branch_b, due_in_days=-2)

    panel = items(client_for(cast.officer_a).get("/").content.decode(), "panel-complaints")

    assert overdue.number in panel and soon.number in panel
    for absent in (later, closed, paused, other_branch):
        assert absent.number not in panel
    # the most urgent first, each one click from the complaint's page (where the handler acts)
    assert panel.index(overdue.number) < panel.index(soon.number)
    assert f'href="{overdue.get_absolute_url()}"' in panel
    assert 'data-state="overdue"' in panel
    # by business number, never by database id
    assert f">{overdue.pk}<" not in panel


def test_the_other_branch_sees_its_own_and_not_branch_a(cast):
    mine = complaint(cast.branch_b, due_in_days=0)
    theirs = complaint(cast.branch_a, due_in_days=0)
    panel = items(client_for(cast.officer_b).get("/").content.decode(), "panel-complaints")
    assert mine.number in panel and theirs.number not in panel


def test_someone_without_a_modules_permission_gets_none_of_its_panels(cast):
    complaint(cast.branch_a, due_in_days=-1)
    supervised_order(cast.branch_a, cast.hq_admin)
    html = client_for(cast.outsider).get("/").content.decode()
    assert 'data-testid="panel-tasks"' in html  # everyone has tasks
    for key in ("complaints", "supervision", "alerts", "reviews", "indicators", "training"):
        assert f'data-testid="panel-{key}"' not in html, key


def test_supervision_shows_the_branchs_supervised_orders_not_another_branchs(cast):
    own = supervised_order(cast.branch_a, cast.hq_admin)
    escalated = supervised_order(cast.sub_a, cast.hq_admin, level=WorkOrder.Supervision.ESCALATED)
    unsupervised = supervised_order(cast.branch_a, cast.hq_admin, level=WorkOrder.Supervision.NONE)
    elsewhere = supervised_order(cast.branch_b, cast.hq_admin)
    panel = items(client_for(cast.officer_a).get("/").content.decode(), "panel-supervision")
    assert own.number in panel and escalated.number in panel
    assert unsupervised.number not in panel and elsewhere.number not in panel
    assert f'href="{own.get_absolute_url()}"' in panel


def test_open_alerts_of_the_users_reach_only(cast):
    definition = IndicatorDefinition.objects.get(code="complaints_count")
    now = timezone.now()
    common = {"definition": definition, "period": "2025-Q1", "value": 9, "threshold": 5, "raised_at": now}
    Alert.objects.create(org_unit=cast.branch_a, level=Alert.Level.RED, **common)
    Alert.objects.create(org_unit=cast.branch_b, level=Alert.Level.AMBER, **common)
    Alert.objects.create(org_unit=cast.sub_a, level=Alert.Level.AMBER, cleared_at=now, **common)
    panel = items(client_for(cast.officer_a).get("/").content.decode(), "panel-alerts")
    assert cast.branch_a.name in panel
    assert cast.branch_b.name not in panel
    assert cast.sub_a.name not in panel  # cleared
    assert "/indicators/indicator/complaints_count/?unit=" in panel


def test_management_sees_key_indicators_with_status_and_trend_on_a_period_with_data(cast):
    put("complaints_count", cast.hq, 40, "2024-Q3")
    put("complaints_count", cast.hq, 30, "2024-Q4")
    html = client_for(cast.manager).get("/").content.decode()
    # drawn once, in the page's body: not in the <title>, the <head> or the page heading
    assert html.count('data-testid="panel-indicators"') == 1
    head, body = html.split("</head>", 1)
    assert "wb-panel" not in head and 'data-testid="panel-indicators"' in body
    panel = items(html, "panel-indicators")
    assert 'data-testid="workbench-kpi"' in panel
    assert "2024-Q4" in panel  # the newest period with data, not an empty current quarter
    assert 'data-trend="down"' in panel  # 40 → 30
    assert "/indicators/indicator/complaints_count/?unit=" in panel


def test_an_agent_without_indicator_permission_has_no_indicator_panel(cast):
    from tests.helpers import make_user

    agent = make_user("agent_wb", cast.branch_a, "agent")
    put("complaints_count", cast.hq, 40, "2024-Q4")
    html = client_for(agent).get("/").content.decode()
    assert 'data-testid="panel-indicators"' not in html
    assert 'data-testid="panel-complaints"' in html  # agents read complaints


def test_no_module_that_is_not_built_is_offered(cast):
    html = client_for(cast.hq_admin).get("/").content.decode()
    assert "/coming/" not in html
    assert "即将上线" not in html
    for item in NAV_ITEMS:
        if not item.built:
            assert f">{item.label}<" not in html and f"</svg> {item.label}" not in html


def _queries(user) -> int:
    client = client_for(user)
    client.get("/")  # warm caches (session, permissions)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["officer_a", "hq_admin"])
def test_the_query_count_does_not_grow_with_the_data(cast, who):
    user = getattr(cast, who)
    for _ in range(3):
        complaint(cast.branch_a, due_in_days=-1)
        supervised_order(cast.branch_a, cast.hq_admin)
    small = _queries(user)
    for _ in range(30):
        complaint(cast.branch_a, due_in_days=-1)
        complaint(cast.sub_a, due_in_days=2)
        supervised_order(cast.sub_a, cast.hq_admin)
    assert _queries(user) == small
