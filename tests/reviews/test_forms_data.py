"""The eight form types are data (migrations/0002): each with fields and a checklist tagged by the consumer
right it protects. Admins add a type or change a checklist without code; a version reviews already use is
never edited in place — saving it makes a new current version, and the reviews keep theirs."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from xiaobao.core.models import AuditEntry, User
from xiaobao.reviews.models import ConsumerRight, FormType, FormVersion
from xiaobao.reviews.rules import FIELD_TYPES

EIGHT = [
    "产品类",
    "服务类",
    "营销宣传类",
    "合同与格式条款类",
    "收费定价类",
    "制度流程类",
    "业务活动方案类",
    "第三方合作类",
]


@pytest.mark.django_db
def test_the_eight_form_types_are_seeded_in_order_each_with_a_current_first_version():
    assert list(FormType.objects.values_list("name", flat=True)) == EIGHT
    for form_type in FormType.objects.all():
        versions = list(form_type.versions.all())
        # migration 0003 added the items version 1 lacked as version 2; version 1 stays for its reviews
        assert [(v.number, v.is_current) for v in versions] == [(2, True), (1, False)]
        first, second = versions[1].checklist, versions[0].checklist
        assert second[: len(first)] == first  # nothing of version 1 dropped or renumbered


@pytest.mark.django_db
@pytest.mark.parametrize("name", EIGHT)
def test_each_checklist_has_8_to_20_items_tagged_by_a_consumer_right(name):
    version = FormVersion.objects.get(form_type__name=name, is_current=True)
    items = version.checklist
    assert 8 <= len(items) <= 20
    assert len({item["id"] for item in items}) == len(items)
    assert all(item["text"] and item["right"] in ConsumerRight.values for item in items)
    assert len({item["right"] for item in items}) >= 5  # a checklist covers several rights, not one


@pytest.mark.django_db
@pytest.mark.parametrize("name", EIGHT)
def test_each_form_has_its_own_valid_fields(name):
    fields = FormVersion.objects.get(form_type__name=name, is_current=True).fields
    assert len(fields) >= 4 and any(f["required"] for f in fields)
    assert len({f["id"] for f in fields}) == len(fields)
    for spec in fields:
        assert spec["type"] in FIELD_TYPES
        assert spec["type"] != "choice" or spec["choices"]


def test_every_consumer_right_is_protected_somewhere(db):
    tagged = {item["right"] for v in FormVersion.objects.all() for item in v.checklist}
    assert tagged == set(ConsumerRight.values)


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, cast):
    root = User.objects.create_superuser(username="root", password="Root-Passw0rd!", org_unit=cast.hq)
    client.force_login(root)
    return client


CHECKLIST = [
    {"id": "ESG01", "text": "绿色金融产品宣传不夸大环境效益", "right": "information"},
    {"id": "ESG02", "text": "不以环保名义搭售", "right": "choice"},
]
FIELDS = [{"id": "scope", "label": "适用范围", "type": "textarea", "required": True}]


def _version_post(form_type, fields=FIELDS, checklist=CHECKLIST) -> dict:
    return {"form_type": form_type.pk, "fields": json.dumps(fields), "checklist": json.dumps(checklist)}


def test_an_admin_adds_a_form_type_and_its_first_version_without_code(admin_client):
    response = admin_client.post(
        reverse("admin:reviews_formtype_add"),
        {
            "code": "green",
            "name": "绿色金融类",
            "description": "",
            "sort": 90,
            "is_active": "on",
            "versions-TOTAL_FORMS": 0,
            "versions-INITIAL_FORMS": 0,
            "versions-MIN_NUM_FORMS": 0,
            "versions-MAX_NUM_FORMS": 1000,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    green = FormType.objects.get(code="green")
    response = admin_client.post(reverse("admin:reviews_formversion_add"), _version_post(green))
    assert response.status_code == 302
    version = FormVersion.objects.get(form_type=green)
    assert (version.number, version.is_current, version.checklist) == (1, True, CHECKLIST)
    assert AuditEntry.objects.filter(action="admin.add", object_type="reviews.formtype").count() == 1
    assert AuditEntry.objects.filter(action="admin.add", object_type="reviews.formversion").count() == 1


def test_a_checklist_item_without_a_right_is_refused(admin_client):
    product = FormType.objects.get(code="product")
    bad = [{"id": "X1", "text": "无标注"}]
    before = FormVersion.objects.filter(form_type=product).count()
    response = admin_client.post(reverse("admin:reviews_formversion_add"), _version_post(product, checklist=bad))
    assert response.status_code == 200  # the form again, with the error
    assert FormVersion.objects.filter(form_type=product).count() == before


def test_editing_an_unused_version_changes_it_in_place(admin_client):
    version = FormVersion.objects.get(form_type__code="service", is_current=True)
    changed = [*version.checklist, {"id": "SRV99", "text": "新增要点", "right": "respect"}]
    response = admin_client.post(
        reverse("admin:reviews_formversion_change", args=[version.pk]),
        {"fields": json.dumps(version.fields), "checklist": json.dumps(changed)},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert (version.number, len(version.checklist)) == (2, len(changed))
    assert FormVersion.objects.filter(form_type__code="service").count() == 2


def test_editing_a_used_version_makes_a_new_current_version_and_the_review_keeps_its_own(admin_client, submit):
    review = submit()
    old = review.form_version
    before = list(old.checklist)
    changed = [*before, {"id": "PRD99", "text": "养老金领取方式告知清晰", "right": "information"}]
    response = admin_client.post(
        reverse("admin:reviews_formversion_change", args=[old.pk]),
        {"fields": json.dumps(old.fields), "checklist": json.dumps(changed)},
    )
    assert response.status_code == 302
    old.refresh_from_db()
    new = FormVersion.objects.get(form_type=old.form_type, is_current=True)
    assert (old.is_current, old.checklist) == (False, before)
    assert (new.number, new.checklist) == (old.number + 1, changed)
    review.refresh_from_db()
    assert review.form_version == old
    entry = AuditEntry.objects.get(action="admin.new_version")
    assert entry.changes == {"form_type": "产品类", "from": old.number, "to": old.number + 1}
    assert submit(title="之后的申请").form_version == new


@pytest.mark.parametrize("model", ["formtype", "formversion", "review", "objection"])
def test_the_admin_pages_open(admin_client, submit, model):
    review = submit()
    assert admin_client.get(reverse(f"admin:reviews_{model}_changelist")).status_code == 200
    if model == "review":
        assert admin_client.get(reverse("admin:reviews_review_change", args=[review.pk])).status_code == 200
    if model == "formversion":
        url = reverse("admin:reviews_formversion_change", args=[review.form_version_id])
        assert admin_client.get(url).status_code == 200


def test_reviews_cannot_be_edited_in_admin(admin_client, submit):
    review = submit()
    assert admin_client.get(reverse("admin:reviews_review_add")).status_code == 403
    response = admin_client.post(reverse("admin:reviews_review_change", args=[review.pk]), {"title": "改"})
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.title != "改"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "words", "right"),
    [
        ("product", "理赔时适用承保时的规则", "fair_dealing"),
        ("contract", "核保、理赔标准与内部核保、理赔规则一致", "fair_dealing"),
        ("service", "单方开通收费服务", "choice"),
        ("pricing", "不在本金中预先扣除利息", "fair_dealing"),
        ("pricing", "不以第三方", "fair_dealing"),
        ("third_party", "不以合作机构名义变相收费", "fair_dealing"),
    ],
)
def test_the_items_a_bank_or_insurer_reviewer_expects_are_on_the_current_checklists(code, words, right):
    items = FormVersion.objects.get(form_type__code=code, is_current=True).checklist
    found = [item for item in items if words in item["text"]]
    assert found and all(item["right"] == right for item in found)
