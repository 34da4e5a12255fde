"""Who sees which work orders: recipients their own (and their sub-units'), issuers what they issued
and its children, company-wide roles everything, people without a role nothing; and the roll-ups
and board built over them."""

from __future__ import annotations

import pytest
from django.http import Http404

from tests.helpers import make_unit, make_user
from tests.workorders.conftest import NOW, at
from tests.workorders.test_services import PDF, children, close, upload
from xiaobao.core.models import OrgUnit, User
from xiaobao.workorders import selectors, services
from xiaobao.workorders.models import WorkOrder


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def orders(cast, issue):
    """One order each to 北京分公司 (A), 朝阳支公司 (A1, under A) and 河北分公司 (B), from head office."""
    return {
        "A": issue(title="北京自查"),
        "A1": issue(title="朝阳整改", recipient_units=[cast.sub_a], kind=WorkOrder.Kind.RECTIFICATION),
        "B": issue(title="河北报送", recipient_units=[cast.branch_b], kind=WorkOrder.Kind.SUBMISSION),
    }


def titles(user, filters=None) -> set[str]:
    return set(selectors.work_orders_visible_to(user, filters).values_list("title", flat=True))


def fresh(user: User) -> User:
    """The user as the next request sees them (scope is cached on the object)."""
    return User.objects.get(pk=user.pk)


def test_a_branch_officer_sees_the_branch_and_its_sub_branches(cast, orders):
    assert titles(cast.officer_a) == {"北京自查", "朝阳整改"}


def test_the_other_branch_sees_only_its_own(cast, orders):
    assert titles(cast.officer_b) == {"河北报送"}


@pytest.mark.parametrize("who", ["hq_admin", "manager"])
def test_company_wide_roles_see_everything(cast, orders, who):
    assert titles(getattr(cast, who)) == {"北京自查", "朝阳整改", "河北报送"}


def test_someone_without_a_role_sees_nothing_even_in_the_branch(cast, orders):
    assert titles(cast.outsider) == set()
    assert selectors.board(cast.outsider)["units"] == []


def test_the_issuer_keeps_seeing_what_they_issued_and_its_children_after_moving(cast, issue):
    sub_a2 = make_unit("A2", "海淀支公司", OrgUnit.Level.SUB_BRANCH, cast.branch_a)
    batch = issue(actor=cast.officer_a, title="支公司自查", recipient_units=[cast.sub_a, sub_a2])
    issue(title="北京自查")  # head office's order to branch A: seen through the branch, not as issuer
    moved = fresh(cast.officer_a)
    moved.org_unit = cast.branch_b
    moved.save()
    moved = fresh(moved)
    assert titles(moved, {"batch": True}) == {"支公司自查"}
    assert selectors.work_orders_visible_to(moved, {"batch": True}).count() == 3  # the batch and its two orders
    assert set(selectors.children_of(moved, batch).values_list("org_unit__code", flat=True)) == {"A1", "A2"}
    assert list(selectors.work_orders_visible_to(moved, {"box": "issued"})) == [batch]


def test_a_named_recipient_sees_their_order_wherever_they_are(cast, issue):
    clerk = make_user("clerk_b1", cast.sub_b, "dept_clerk", "孙丽")
    issue(title="指定办理", recipient_units=[], recipient_users=[clerk])
    clerk.org_unit = cast.sub_a  # transferred after the order was sent
    clerk.save()
    assert titles(fresh(clerk)) == {"指定办理"}


def test_an_order_outside_scope_is_not_found(cast, orders):
    assert selectors.get_work_order_for_user(cast.officer_a, orders["A1"].pk) == orders["A1"]
    for user, key in ((cast.officer_b, "A"), (cast.officer_a, "B"), (cast.outsider, "A")):
        with pytest.raises(Http404):
            selectors.get_work_order_for_user(user, orders[key].pk)


def test_an_attachment_is_reached_only_through_a_visible_order(cast, issue):
    batch = issue(recipient_units=[cast.branch_a, cast.branch_b], files=[upload("通知.pdf", PDF)])
    child_a = batch.children.get(org_unit=cast.branch_a)
    material = selectors.attachments(child_a).get()
    assert selectors.get_attachment_for_user(cast.officer_a, child_a.pk, material.pk) == material
    with pytest.raises(Http404):
        selectors.get_attachment_for_user(cast.officer_b, child_a.pk, material.pk)


def test_the_todo_box_holds_the_orders_waiting_on_me(cast, orders):
    assert titles(cast.officer_a, {"box": "todo"}) == {"北京自查", "朝阳整改"}
    services.workorder_accept(order=orders["A"], actor=cast.officer_a, now=NOW)
    services.workorder_submit_feedback(order=orders["A"], actor=cast.officer_a, text="已完成", now=NOW)
    assert titles(cast.officer_a, {"box": "todo"}) == {"朝阳整改"}
    assert titles(cast.hq_admin, {"box": "todo"}) == {"北京自查"}  # waiting for the issuer's review
    assert titles(cast.officer_b, {"box": "todo"}) == {"河北报送"}


def test_list_filters(cast, orders, issue):
    issue(title="批量宣教", kind=WorkOrder.Kind.EDUCATION, recipient_units=[cast.branch_a, cast.branch_b])
    hq = cast.hq_admin
    assert titles(hq, {"kind": WorkOrder.Kind.RECTIFICATION}) == {"朝阳整改"}
    assert titles(hq, {"org_unit": cast.branch_a.pk}) == {"北京自查", "朝阳整改", "批量宣教"}
    assert titles(hq, {"q": "河北"}) == {"河北报送"}
    assert titles(hq, {"q": orders["A1"].number}) == {"朝阳整改"}
    assert selectors.work_orders_visible_to(hq).filter(is_batch=True).count() == 0  # per-unit orders by default
    assert selectors.work_orders_visible_to(hq, {"batch": True}).filter(is_batch=True).count() == 1
    services.workorder_accept(order=orders["B"], actor=cast.officer_b, now=NOW)
    services.workorder_submit_feedback(order=orders["B"], actor=cast.officer_b, text="已报送", now=NOW)
    late = at(2025, 3, 11, 9, 0)
    assert titles(hq, {"overdue": True, "now": late, "kind": WorkOrder.Kind.SELF_CHECK}) == {"北京自查"}
    assert titles(hq, {"status": WorkOrder.Status.SUBMITTED}) == {"河北报送"}


def test_the_board_counts_per_unit_within_scope(cast, orders, issue):
    issue(title="朝阳第二单", recipient_units=[cast.sub_a])
    late = at(2025, 3, 11, 9, 0)
    board = selectors.board(cast.hq_admin, now=late)
    per_unit = {row["unit"].code: (row["total"], row["overdue"]) for row in board["units"]}
    assert per_unit == {"A": (1, 1), "A1": (2, 2), "B": (1, 1)}
    assert board["totals"] == {WorkOrder.Status.PENDING_ACCEPT: 4}
    assert board["overdue"] == 4
    mine = selectors.board(cast.officer_b, now=late)
    assert [row["unit"].code for row in mine["units"]] == ["B"]


def test_the_feedbacks_are_listed_oldest_first(cast, orders):
    order = orders["A"]
    services.workorder_accept(order=order, actor=cast.officer_a, now=NOW)
    services.workorder_submit_feedback(order=order, actor=cast.officer_a, text="第一次", now=at(2025, 3, 4))
    services.workorder_review(order=order, actor=cast.hq_admin, approved=False, comment="不完整", now=at(2025, 3, 5))
    services.workorder_submit_feedback(order=order, actor=cast.officer_a, text="第二次", now=at(2025, 3, 6))
    assert list(selectors.feedbacks(order).values_list("text", flat=True)) == ["第一次", "第二次"]


# --- batch roll-ups ---------------------------------------------------------------------------


@pytest.fixture
def spread(cast, issue):
    """A batch from head office to 北京分公司, 河北分公司 and 石家庄中心支公司."""
    return issue(recipient_units=[cast.branch_a, cast.branch_b, cast.sub_b])


def test_the_batch_rolls_up_its_units_progress_and_closes_with_the_last(cast, spread):
    batch = spread
    kids = children(batch)
    assert selectors.progress(cast.hq_admin, batch, now=NOW) | {"by_status": None} == {
        "total": 3,
        "done": 0,
        "cancelled": 0,
        "overdue": 0,
        "supervised": 0,
        "by_status": None,
        "percent": 0,
    }
    close(cast, kids["A"], cast.officer_a, at(2025, 3, 4, 10))
    late = at(2025, 3, 11, 9, 0)  # past the deadline, B and B1 not reported
    rollup = selectors.progress(cast.hq_admin, batch, now=late)
    assert (rollup["total"], rollup["done"], rollup["overdue"], rollup["percent"]) == (3, 1, 2, 33)
    assert selectors.progress_for_many([batch], now=late) == {
        batch.pk: {"total": 3, "done": 1, "overdue": 2, "percent": 33}
    }
    close(cast, kids["B"], cast.officer_b, late)
    batch.refresh_from_db()
    assert batch.status == WorkOrder.Status.DISPATCHED
    close(cast, kids["B1"], cast.officer_b, late)
    batch.refresh_from_db()
    assert (batch.status, batch.closed_at) == (WorkOrder.Status.CLOSED, late)
    assert selectors.progress_for_many([batch], now=late)[batch.pk] == {
        "total": 3,
        "done": 3,
        "overdue": 0,
        "percent": 100,
    }


# --- admin: view only, and scoped like the pages ----------------------------------------------


@pytest.fixture
def staff_client(cast):
    from django.test import Client

    def login(user):
        user.is_staff = True
        user.save()
        client = Client()
        client.force_login(user)
        return client

    return login


def test_the_admin_shows_orders_but_offers_no_way_to_write_them(cast, orders, staff_client):
    from xiaobao.core.models import User as UserModel

    root = UserModel.objects.create_superuser("root", password="Root-Passw0rd!", org_unit=cast.hq)
    client = staff_client(root)
    listing = client.get("/admin/workorders/workorder/")
    assert listing.status_code == 200
    assert orders["B"].number in listing.content.decode()
    assert client.get(f"/admin/workorders/workorder/{orders['A'].pk}/change/").status_code == 200
    assert client.get("/admin/workorders/workorder/add/").status_code == 403
    before = WorkOrder.objects.get(pk=orders["A"].pk).title
    client.post(f"/admin/workorders/workorder/{orders['A'].pk}/change/", {"title": "改过的标题"})
    client.post(f"/admin/workorders/workorder/{orders['A'].pk}/delete/", {"post": "yes"})
    assert WorkOrder.objects.get(pk=orders["A"].pk).title == before


def test_the_admin_list_is_scoped_like_the_pages(cast, orders, staff_client):
    client = staff_client(cast.officer_b)
    listing = client.get("/admin/workorders/workorder/").content.decode()
    assert orders["B"].number in listing
    assert orders["A"].number not in listing
    assert client.get(f"/admin/workorders/workorder/{orders['A'].pk}/change/").status_code in (302, 404)
