"""Admin writes are writes: each one leaves an audit row; models without audit are read-only in admin."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from xiaobao.core.admin import AuditedAdminMixin
from xiaobao.core.models import AuditEntry, CalendarDay, OrgUnit, User


@pytest.fixture
def admin_client(cast):
    root = User.objects.create_superuser("root", password="Root-Passw0rd!", org_unit=cast.hq)
    client = Client()
    client.force_login(root)
    return client


def test_changing_an_org_unit_in_admin_is_audited_with_before_and_after(cast, admin_client):
    url = f"/admin/core/orgunit/{cast.branch_a.pk}/change/"
    data = {"code": "A", "name": "北京分公司（新）", "short_name": "", "level": 2, "parent": cast.hq.pk, "region": ""}
    data["is_active"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.filter(action="admin.change", object_type="core.orgunit").get()
    assert entry.actor_name == "root"
    assert entry.changes["name"] == {"before": "北京分公司", "after": "北京分公司（新）"}


def test_adding_and_deleting_a_calendar_day_in_admin_is_audited(admin_client):
    response = admin_client.post(
        "/admin/core/calendarday/add/", {"date": "2030-05-06", "kind": "holiday", "name": "测试"}
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get(date=date(2030, 5, 6))
    assert AuditEntry.objects.filter(action="admin.add", object_type="core.calendarday", object_id=str(day.pk)).exists()
    admin_client.post(f"/admin/core/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    assert AuditEntry.objects.filter(action="admin.delete", object_id=str(day.pk)).exists()


def test_a_password_change_in_admin_is_audited_without_the_password(cast, admin_client):
    url = f"/admin/core/user/{cast.officer_a.pk}/password/"
    response = admin_client.post(
        url, {"password1": "N3w-Passw0rd!x", "password2": "N3w-Passw0rd!x", "usable_password": "true"}
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="admin.password_change", object_id=str(cast.officer_a.pk)).exists()
    assert "N3w-Passw0rd!x" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_every_admin_of_ours_is_audited_or_read_only(cast):
    root = User.objects.create_superuser("root2", password="Root-Passw0rd!", org_unit=cast.hq)
    request = RequestFactory().get("/admin/")
    request.user = root
    unaudited = []
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("xiaobao."):
            continue
        writable = (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
        if writable and not isinstance(model_admin, AuditedAdminMixin):
            if getattr(model_admin, "audited_through_services", False):
                continue
            unaudited.append(model._meta.label)
    assert unaudited == []


def test_org_units_still_build_their_path_through_admin(admin_client, cast):
    admin_client.post(
        "/admin/core/orgunit/add/",
        {"code": "A2", "name": "北京西城支公司", "level": 4, "parent": cast.branch_a.pk, "is_active": "on"},
    )
    assert OrgUnit.objects.get(code="A2").path.startswith(cast.branch_a.path)
