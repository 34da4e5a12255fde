"""Inspection lists (质检工作台, interactions, outbound 回访): what needs action first, sortable columns over a
whitelist, saved views for their owner only, constant queries (issue 21 point 2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.helpers import make_user
from tests.inspection.conftest import NOW, record
from xiaobao.inspection import selectors
from xiaobao.inspection.models import CallTask, Finding
from xiaobao.web.models import SavedView

PROMISE = [("customer", "收益怎么样？"), ("agent", "放心，这款稳赚不赔。")]
PROBES = ("handler__password", "agent__password", "-evidence", "severity;drop", "")


def sources(rows) -> list[str]:
    return [getattr(row, "interaction", row).source_id for row in rows]


@pytest.fixture
def three(ingest, agent_a):
    ingest(
        record("S-B", PROMISE, started_at="2025-03-01T10:00:00+08:00"),
        record("S-A", PROMISE, started_at="2025-03-02T10:00:00+08:00"),
        record("S-C", PROMISE, started_at="2025-02-27T10:00:00+08:00"),
    )
    return list(Finding.objects.order_by("interaction__source_id"))


def test_undecided_findings_come_first_and_a_column_sorts_both_ways(inspector, three):
    decided = Finding.objects.get(interaction__source_id="S-A")
    decided.status = Finding.Status.DISMISSED
    decided.save(update_fields=["status"])
    default = sources(selectors.findings_visible_to(inspector))
    assert default[-1] == "S-A"  # the dismissed one after those still to decide
    up = sources(selectors.findings_visible_to(inspector, {"sort": "source_id"}))
    down = sources(selectors.findings_visible_to(inspector, {"sort": "-source_id"}))
    assert sorted(set(up)) == sorted(set(default))
    assert up == sorted(up) and down == sorted(down, reverse=True) and up != down
    by_time = sources(selectors.findings_visible_to(inspector, {"sort": "started_at"}))
    assert by_time.index("S-C") < by_time.index("S-B") < by_time.index("S-A")


def test_unknown_sort_keys_are_ignored_on_each_inspection_list(client, inspector, three):
    default = sources(selectors.findings_visible_to(inspector))
    interactions = sources(selectors.interactions_visible_to(inspector))
    for probe in PROBES:
        assert sources(selectors.findings_visible_to(inspector, {"sort": probe})) == default, probe
        assert sources(selectors.interactions_visible_to(inspector, {"sort": probe})) == interactions, probe
    client.force_login(inspector)
    for name in ("inspection:list", "inspection:interactions", "inspection:outbound"):
        assert client.get(reverse(name), {"status": "", "sort": "handler__password"}).status_code == 200


def test_the_pages_offer_sort_headers_keeping_the_filters_and_show_source_numbers(client, inspector, three):
    client.force_login(inspector)
    html = client.get(reverse("inspection:list"), {"status": "", "channel": "hotline", "sort": "source_id"})
    html = html.content.decode()
    assert 'aria-sort="ascending"' in html
    assert "channel=hotline" in html and "sort=-source_id" in html
    assert html.index(">S-A<") < html.index(">S-B<") < html.index(">S-C<")
    html = client.get(reverse("inspection:interactions"), {"sort": "-source_id"}).content.decode()
    assert 'aria-sort="descending"' in html
    assert html.index('data-source-id="S-C"') < html.index('data-source-id="S-A"')


def call_task(unit, ref: str, due: date, status=CallTask.Status.WAITING) -> CallTask:
    return CallTask.objects.create(
        org_unit=unit,
        purpose=CallTask.Purpose.POLICY_REVISIT,
        ref=ref,
        phone="13800000000",
        due_on=due,
        status=status,
        created_at=NOW,
    )


def test_call_tasks_still_to_call_come_first_by_the_earliest_due_date(cast, inspector):
    today = date(2025, 3, 3)
    done = call_task(cast.branch_a, "P-DONE", today - timedelta(days=30), CallTask.Status.REACHED)
    later = call_task(cast.branch_a, "P-LATER", today + timedelta(days=9))
    sooner = call_task(cast.branch_a, "P-SOONER", today + timedelta(days=1))
    refs = [t.ref for t in selectors.call_tasks_visible_to(inspector)]
    assert refs == [sooner.ref, later.ref, done.ref]
    assert [t.ref for t in selectors.call_tasks_visible_to(inspector, {"sort": "-due_on"})] == [
        later.ref,
        sooner.ref,
        done.ref,
    ]
    assert [t.ref for t in selectors.call_tasks_visible_to(inspector, {"sort": "customer_name"})] == refs


@pytest.mark.parametrize(
    ("page", "url"),
    [
        ("inspection", "inspection:list"),
        ("interactions", "inspection:interactions"),
        ("outbound", "inspection:outbound"),
    ],
)
def test_a_saved_view_is_its_owners_alone(client, cast, inspector, page, url):
    other = make_user("inspector2", cast.hq, "inspector", "郑洁")
    client.force_login(inspector)
    response = client.post("/views/save/", {"page": page, "name": "我的质检视图", "query": "sort=-status&page=2"})
    view = SavedView.objects.get(owner=inspector, page=page)
    assert response.status_code == 302 and response["Location"] == reverse(url) + "?sort=-status"
    assert "我的质检视图" in client.get(reverse(url)).content.decode()
    client.force_login(other)
    assert "我的质检视图" not in client.get(reverse(url)).content.decode()
    assert client.post(f"/views/{view.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()


def queries_for(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_the_lists_queries_do_not_grow_with_their_rows(client, cast, inspector, ingest, agent_a):
    client.force_login(inspector)
    ingest(record("Q-1", PROMISE), record("Q-2", PROMISE))
    call_task(cast.branch_a, "P-1", date(2025, 3, 5))
    urls = [
        (reverse("inspection:list"), {"status": "", "sort": "rule"}),
        (reverse("inspection:interactions"), {"sort": "-started_at"}),
        (reverse("inspection:outbound"), {"sort": "due_on"}),
    ]
    few = [queries_for(client, url, params) for url, params in urls]
    ingest(*(record(f"Q-{n}", PROMISE) for n in range(3, 12)))
    for n in range(2, 12):
        call_task(cast.branch_a if n % 2 else cast.branch_b, f"P-{n}", date(2025, 3, n))
    many = [queries_for(client, url, params) for url, params in urls]
    assert many == few
