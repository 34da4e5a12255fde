"""The demo's story (issue 23): one institution, the last complete year full in every module and the current year
in progress; every row dated at its event, never at the load; the 2025 annual outputs agree with the statistics
pages they summarise; numbers printed as people write them.

Loaded once for the package (tests/demo/conftest.py) inside a transaction rolled back at the end.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Max
from django.test import Client
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from xiaobao.complaints.models import Complaint
from xiaobao.core.models import Attachment, AuditEntry, Notification, OrgUnit, User
from xiaobao.demo.core import DEMO_USERS
from xiaobao.indicators import board_docx, workbook
from xiaobao.indicators.models import IndicatorValue
from xiaobao.plans.models import Activity
from xiaobao.reviews.models import Opinion, Review
from xiaobao.workflow.models import HumanTask, ProcessInstance, Transition
from xiaobao.workorders.models import WorkOrder

YEAR = 2025  # the last complete year of the demo's story


@pytest.fixture
def loaded(demo_output, db):
    return demo_output


@pytest.fixture
def admin():
    return User.objects.get(username="xiaobao")


def reference(output: str) -> datetime:
    """The moment the story runs up to, as the command printed it."""
    found = re.search(r"reference time: (\S+)", output)
    assert found, "load_demo -v 2 names its reference time"
    return datetime.fromisoformat(found.group(1))


def number(text: str) -> int:
    return int(text.replace(",", ""))


# --- one institution, two years ----------------------------------------------------------------------------------


def test_the_last_complete_year_is_full_in_every_module(loaded):
    complaints = Complaint.objects.filter(received_at__year=YEAR)
    assert 200 <= complaints.count() <= 400, "a few hundred complaints a year"
    assert set(complaints.values_list("org_unit__code", flat=True).distinct()) >= {"BJ", "TJ", "HB"}
    assert complaints.filter(channel__in=["regulator", "platform"]).count() >= complaints.count() // 6
    assert not complaints.exclude(status__in=["closed", "withdrawn"]).exists(), "the year's complaints are settled"
    assert Review.objects.filter(submitted_at__year=YEAR).count() == 153
    assert Opinion.objects.filter(kind="substantive", review__submitted_at__year=YEAR).count() == 50
    assert Activity.objects.filter(held_on__year=YEAR).count() == 347
    # the work-order demo's own orders of the year (not only those other modules issue): closed, some after 督办
    own = WorkOrder.objects.filter(created_at__year=YEAR, is_batch=False, source_type__isnull=True)
    assert own.count() >= 20
    assert not own.exclude(status__in=["closed", "cancelled"]).exists(), "the year's orders are settled"
    assert own.filter(supervision__gt=0).exists(), "督办 in the complete year"
    assert {"education", "submission", "self_check", "rectification"} <= set(own.values_list("kind", flat=True))
    assert IndicatorValue.objects.filter(period=str(YEAR), org_unit__code="HQ", value__isnull=False).count() > 10


def test_the_current_year_is_in_progress_with_open_overdue_and_supervised_work(loaded):
    this_year = reference(loaded).year
    current = Complaint.objects.filter(received_at__year=this_year)
    assert current.exclude(status__in=["closed", "withdrawn"]).exists()
    assert HumanTask.objects.filter(status="open", overdue_at__isnull=False).exists(), "督办: overdue open tasks"
    assert WorkOrder.objects.filter(created_at__year=this_year, supervision__gt=0).exclude(status="closed").exists()
    assert Review.objects.filter(submitted_at__year=this_year).exclude(status__in=["closed", "withdrawn"]).exists()


def load_window(output: str) -> tuple[datetime, datetime]:
    """The wall-clock moments the load began and ended, as the command printed them."""
    found = re.search(r"load window: (\S+) (\S+)", output)
    assert found, "load_demo -v 2 prints its load window"
    return datetime.fromisoformat(found.group(1)), datetime.fromisoformat(found.group(2))


def test_nothing_carries_the_time_of_the_load(loaded):
    """Every row the demo wrote is dated at its event, at or before the story's reference moment: none carries a
    time inside the load's own window (rows written before it — the migrations' — are not the demo's)."""
    moment = reference(loaded)
    start, end = load_window(loaded)
    assert moment <= start
    stamped = {
        "notification": Notification.objects.filter(created_at__range=(start, end)),
        "audit": AuditEntry.objects.filter(at__range=(start, end)),
        "task": HumanTask.objects.filter(created_at__range=(start, end)),
        "task done": HumanTask.objects.filter(completed_at__range=(start, end)),
        "history": Transition.objects.filter(at__range=(start, end)),
        "instance": ProcessInstance.objects.filter(started_at__range=(start, end)),
        "attachment": Attachment.objects.filter(uploaded_at__range=(start, end)),
        "complaint": Complaint.objects.filter(registered_at__range=(start, end)),
        "work order": WorkOrder.objects.filter(created_at__range=(start, end)),
    }
    late = {name: list(rows.values_list("pk", flat=True)[:5]) for name, rows in stamped.items() if rows.exists()}
    late.update(stamped_between(start, end, STAMPED_APPS))
    assert not late, f"rows stamped during the load ({start} to {end}): {late}"
    assert Notification.objects.aggregate(m=Max("created_at"))["m"] <= moment
    assert Transition.objects.aggregate(m=Max("at"))["m"] <= moment


# the modules whose demos call their services directly (no timeline): each call runs on its own event's clock
STAMPED_APPS = ["training", "knowledge", "inspection", "workorders", "plans", "reviews", "indicators"]


def stamped_between(start: datetime, end: datetime, app_labels: list[str]) -> dict[str, int]:
    """Rows of these apps with any date-time field inside [start, end], by model and field."""
    found = {}
    for label in app_labels:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.DateTimeField):
                    count = model._default_manager.filter(**{f"{field.name}__range": (start, end)}).count()
                    if count:
                        found[f"{model._meta.label}.{field.name}"] = count
    return found


def test_rows_of_the_directly_driven_demos_carry_the_times_of_their_events(loaded):
    """These demos date each row at its event (a session's day, a document's publication, the sweep that computed a
    period's figures and raised its alerts, a rule's publication, a sample's draw and scores, the scan of what
    arrived), not at the story's reference moment, which is only the time of what happens on the load's day."""
    moment = reference(loaded)
    assert not stamped_between(moment, moment, ["training", "knowledge", "indicators", "inspection"])


def test_the_complaints_quality_inspection_found_are_registered_when_found(loaded):
    found = Complaint.objects.filter(external_ref__startswith="inspection-finding-")
    moment = reference(loaded)
    assert not found.filter(registered_at=moment).exists()
    assert all(c.received_at <= c.registered_at < moment for c in found)
    settled = found.filter(received_at__year=YEAR)
    assert not settled.exclude(status="closed").exists(), "those of the complete year are handled and closed"


def test_a_complaints_rows_carry_the_times_of_its_events(loaded):
    complaint = Complaint.objects.filter(received_at__year=YEAR, status="closed").order_by("received_at").first()
    instances = ProcessInstance.objects.filter(object_id=str(complaint.pk), definition__key="complaint")
    history = list(Transition.objects.filter(instance__in=instances).values_list("at", flat=True))
    assert history
    assert min(history) >= complaint.received_at
    assert max(history) <= complaint.closed_at
    assert all(when.year in (YEAR, YEAR + 1) for when in history)
    notes = Notification.objects.filter(object_type="complaints.complaint", object_id=str(complaint.pk))
    assert all(complaint.received_at <= note.created_at <= complaint.closed_at for note in notes)


# --- the 2025 annual outputs agree with the statistics pages ------------------------------------------------------


def _board_text(user, unit) -> str:
    content = board_docx.board_report(user, unit=unit, year=YEAR)
    document = Document(io.BytesIO(content))
    return "\n".join(p.text for p in document.paragraphs)


def _headline(text: str, pattern: str) -> str:
    found = re.search(pattern, text)
    assert found, f"the board report says {pattern}"
    return found.group(1)


@pytest.mark.parametrize("unit_code", ["HQ", "TJ"])
def test_the_board_reports_complaint_headline_equals_the_statistics_page(loaded, admin, unit_code):
    unit = OrgUnit.objects.get(code=unit_code)
    text = _board_text(admin, unit)
    client = Client()
    client.force_login(admin)
    page = client.get(
        reverse("complaints:statistics"),
        {"received_from": f"{YEAR}-01-01", "received_to": f"{YEAR}-12-31", "org_unit": unit.pk},
    )
    assert page.status_code == 200
    totals = page.context["stats"]["totals"]
    assert totals["total"] > 0
    assert number(_headline(text, r"全年受理消费投诉([\d,]+)件")) == totals["total"]
    assert number(_headline(text, r"其中监管及行业平台转办([\d,]+)件")) == totals["regulator"]
    assert number(_headline(text, r"；办结([\d,]+)件，按时办结率")) == totals["closed"]
    on_time = _headline(text, r"按时办结率([\d.]+%)")
    assert on_time.endswith("%") and on_time in page.content.decode(), "the page shows the same rate"
    # the indicator the workbook and cockpit show counts the same complaints
    value = IndicatorValue.objects.get(
        definition__code="complaints_count", org_unit=unit, period=str(YEAR), is_current=True
    ).value
    assert value == totals["total"]


def test_the_board_reports_review_and_education_headlines_equal_the_statistics_pages(loaded, admin):
    text = _board_text(admin, OrgUnit.objects.get(code="HQ"))
    client = Client()
    client.force_login(admin)
    reviews = client.get(reverse("reviews:statistics"), {"year": YEAR})
    assert reviews.status_code == 200
    totals = reviews.context["stats"]["totals"]
    assert number(_headline(text, r"全年完成消保审查([\d,]+)件")) == totals["reviews"] == 153
    assert number(_headline(text, r"其中实质性意见([\d,]+)条")) == totals["substantive"] == 50
    assert _headline(text, r"实质性意见采纳率([\d.]+%)") == "100.00%"
    plans = client.get(reverse("plans:report"), {"year": YEAR})
    assert plans.status_code == 200
    activity = plans.context["data"]["totals"]
    assert number(_headline(text, r"全年开展宣教活动([\d,]+)场")) == activity["events"] == 347
    assert _headline(text, r"触达消费者([\d,]+)人次") == "7,855,300"


def test_the_2025_exports_open_full(loaded, admin):
    client = Client()
    client.force_login(admin)
    period = {"received_from": f"{YEAR}-01-01", "received_to": f"{YEAR}-12-31"}
    complaints = load_workbook(io.BytesIO(client.get(reverse("complaints:export"), period).content))
    assert len(complaints.sheetnames) >= 3
    reviews = load_workbook(io.BytesIO(client.get(reverse("reviews:export"), {"year": YEAR}).content))
    assert reviews.sheetnames
    content = workbook.indicator_workbook(admin, unit=OrgUnit.objects.get(code="HQ"), year=YEAR)
    book = load_workbook(io.BytesIO(content))
    formats = {cell.number_format for sheet in book for row in sheet.iter_rows() for cell in row}
    assert "#,##0.00" in formats and "#,##0" in formats
    assert not any(f.endswith("0000") for f in formats), "no four-decimal amounts"


def test_the_board_report_prints_figures_as_people_write_them(loaded, admin):
    document = Document(io.BytesIO(board_docx.board_report(admin, unit=OrgUnit.objects.get(code="HQ"), year=YEAR)))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "56.32 亿元" in cells
    assert "99.28%" in cells
    assert not any("56.3200" in c for c in cells) and "56.3200" not in text
    assert "5,010 人次" in cells


# --- the README's module tour ---------------------------------------------------------------------------------------


def test_the_readme_tour_says_where_each_demo_login_looks_first():
    """Point 5: the README's demo tour has a row for every demo login, with where to look and the story it shows."""
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    tour = readme.split("### Demo tour", 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in tour.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[1:]
    assert set(rows) == {username for username, *_ in DEMO_USERS}
    assert all(where and story for where, story in rows.values())
