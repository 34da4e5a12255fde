"""The permission matrix's world: one object of each kind the routes name, owned by branch A (北京分公司) or
by its department 个人业务部, with its process running, and the people who ask for it.

People (the matrix's principals):
  anonymous     no session, no token
  outsider      北京分公司, no role (no permission at all)
  officer_b     河北分公司's 消保专员: another branch
  clerk_other   北京分公司, 业务部门经办 of 团体业务部: another department
  officer_a     北京分公司's 消保专员: the object's own unit
  clerk_own     北京分公司, 业务部门经办 of 个人业务部: the own department (reviews are a department's)
  hq_admin      总公司消保管理员: head office
Built once per test package (tests/access_matrix/conftest.py) through the services (so every object is as the application makes it), inside
a transaction rolled back at the end of the module.
"""

from __future__ import annotations

import contextlib
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.access_matrix.table import TABLE
from tests.api_helpers import token_client
from tests.helpers import build_cast, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PRINCIPALS = ("anonymous", "outsider", "officer_b", "clerk_other", "officer_a", "clerk_own", "hq_admin")


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def attach(obj, user, name: str = "材料.pdf", purpose: str = "", unit=None):
    from xiaobao.core.models import Attachment

    row = Attachment(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        org_unit=unit or obj.org_unit,
        purpose=purpose,
        name=name,
        kind="pdf",
        mime="application/pdf",
        extension="pdf",
        size=len(PDF),
        sha256="0" * 64,
        uploaded_by=user,
        uploaded_at=timezone.now(),
    )
    row.file.save(name, ContentFile(PDF), save=False)
    row.save()
    return row


def _clerk(username: str, unit, department: str, name: str):
    user = make_user(username, unit, "dept_clerk", name)
    user.department = department
    user.save(update_fields=["department"])
    return user


@contextlib.contextmanager
def world_for_module(django_db_blocker, media_root: str):
    """The world for a test module or package: built once, rolled back at its end (each test runs in a
    savepoint inside it, through pytest-django's `db`)."""
    from django.db import transaction
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


def build_world() -> SimpleNamespace:
    cast = build_cast()
    w = SimpleNamespace(cast=cast, hq_admin=cast.hq_admin, officer_a=cast.officer_a, officer_b=cast.officer_b)
    w.outsider = cast.outsider
    w.clerk_own = _clerk("clerk_own", cast.branch_a, "个人业务部", "吴敏")
    w.clerk_other = _clerk("clerk_other", cast.branch_a, "团体业务部", "周强")
    w.reviewer = make_user("reviewer", cast.hq, "reviewer", "赵磊")
    w.member = make_user("member", cast.hq, "committee_member", "孙丽华")
    w.inspector = make_user("inspector", cast.hq, "inspector", "吴刚")
    w.agent_a = make_user("agent_a", cast.branch_a, "agent", "周敏")
    _complaints(w)
    _reviews(w)
    _workorders(w)
    _plans(w)
    _knowledge(w)
    _indicators(w)
    _training(w)
    _inspection(w)
    _workflow(w)
    from xiaobao.web.models import SavedView

    # a saved list view is its owner's alone (issue 21)
    w.saved_view = SavedView.objects.create(owner=w.officer_a, page="complaints", name="逾期", query="box=overdue")
    w.clients = {}  # signed in once for the module: (principal, api) -> client
    return w


def _complaints(w) -> None:
    from xiaobao.complaints import services
    from xiaobao.complaints.models import Complaint, ImportJob

    c = w.cast
    w.complaint = services.complaint_register(
        actor=w.hq_admin,
        channel=Complaint.Channel.HOTLINE,
        received_at=timezone.now() - timedelta(days=1),
        complainant_name="王小明",
        complainant_id_number="110101199003071234",
        complainant_phone="13800138000",
        subject="销售人员承诺保本高收益",
        content="销售人员称年化收益6%且保本。",
        demand_text="要求全额退保",
        org_unit=c.branch_a,
    )
    services.complaint_accept(complaint=w.complaint, actor=w.officer_a)
    w.complaint = services.complaint_assign(complaint=w.complaint, actor=w.officer_a)
    w.complaint_file = attach(w.complaint, w.officer_a)
    w.complaint_import = ImportJob.objects.create(
        org_unit=c.branch_a, created_by=w.officer_a, created_at=timezone.now(), file_name="投诉.xlsx"
    )
    attach(w.complaint_import, w.officer_a, "错误报告.pdf", purpose="report")  # a rejected import's report


def _reviews(w) -> None:
    from xiaobao.reviews import services
    from xiaobao.reviews.models import Objection, Opinion

    w.review = services.review_submit(
        actor=w.clerk_own,
        form_type="product",
        title="颐享年年养老年金保险上市审查",
        product_name="颐享年年养老年金保险",
        data={
            "product_category": "人身保险",
            "background": "为满足客户养老储备需求开发。",
            "target_customers": "30-55 岁有养老规划需求的客户",
            "channels": "个险、银保",
            "risk_level": "R2",
            "change_type": "新产品",
            "cooling_off_days": 15,
            "key_terms": "身故保险金、养老年金。",
        },
    )
    w.review = services.review_assign(
        review=w.review, actor=w.hq_admin, reviewer=w.reviewer, urgency="normal", due_days=5
    )
    w.opinion = services.opinion_add(
        review=w.review,
        actor=w.reviewer,
        kind=Opinion.Kind.GENERAL,
        location="产品说明书 第2页",
        risk="“稳健增值”表述易引起误解。",
        suggestion="改为“保证领取、终身给付”。",
        right="information",
    )
    # referred to the committee: the committee's members see it, 消保部 (who re-reviewed it) still does
    w.objection = Objection.objects.create(
        opinion=w.opinion, raised_at=timezone.now(), reason="不同意", stage=Objection.Stage.COMMITTEE
    )
    w.review_file = attach(w.review, w.clerk_own)


def _workorders(w) -> None:
    from xiaobao.workorders import services
    from xiaobao.workorders.models import WorkOrder

    w.workorder = services.workorder_issue(
        actor=w.hq_admin,
        title="2025年消保自查",
        kind=WorkOrder.Kind.SELF_CHECK,
        content="请按自查清单开展自查并报送报告。",
        recipient_units=[w.cast.branch_a],
        due_days=5,
    )
    w.workorder_file = attach(w.workorder, w.hq_admin)


def _plans(w) -> None:
    from xiaobao.plans import activities, services
    from xiaobao.plans.models import Plan

    today = timezone.localdate()
    w.plan = services.plan_create(
        actor=w.officer_a,
        name="北京分公司3·15宣传方案",
        kind=Plan.Kind.CAMPAIGN,
        period_start=today - timedelta(days=5),
        period_end=today + timedelta(days=60),
        description="集中宣传。",
        org_unit=w.cast.branch_a,
    )
    w.goal = services.goal_add(actor=w.officer_a, plan=w.plan, data={"description": "触达1万人次"})
    w.plan_item = services.task_add(
        actor=w.officer_a,
        plan=w.plan,
        data={"title": "进社区宣传", "expected_output": "台账", "due_on": today + timedelta(days=30)},
        units=[w.cast.branch_a],
    )
    services.plan_submit(actor=w.officer_a, plan=w.plan)
    w.plan.refresh_from_db()
    w.plan_file = attach(w.plan, w.officer_a)
    w.activity = activities.activity_record(
        actor=w.officer_a,
        held_on=today - timedelta(days=1),
        title="金融知识进社区",
        form="offline",
        target="community",
        reach=100,
    )
    w.activity_photo = attach(w.activity, w.officer_a, "现场.pdf", purpose="photo")


def _knowledge(w) -> None:
    from xiaobao.knowledge import services
    from xiaobao.knowledge.models import Document, ImportBatch

    w.document = services.document_create(
        actor=w.hq_admin,
        kind=Document.Kind.POLICY,
        title="北京分公司双录抽检细则",
        body="每月抽检双录视频不少于百分之五。",
        org_unit=w.cast.branch_a,
    )
    # a second version waiting for approval: the document's approval process runs
    services.document_edit(
        document=w.document, actor=w.hq_admin, title="北京分公司双录抽检细则", body="每月抽检双录视频不少于百分之十。"
    )
    w.document.refresh_from_db()
    w.version = w.document.versions.order_by("number").first()
    w.knowledge_import = ImportBatch.objects.create(
        org_unit=w.cast.branch_a,
        created_by=w.officer_a,
        created_at=timezone.now(),
        file_name="制度.zip",
        kind=Document.Kind.POLICY,
    )
    attach(w.knowledge_import, w.officer_a, "制度.pdf", purpose="source")
    attach(w.version, w.hq_admin, "细则.pdf", purpose="source", unit=w.cast.branch_a)


def _indicators(w) -> None:
    from xiaobao.indicators.models import ReportJob

    w.report = ReportJob.objects.create(
        org_unit=w.cast.branch_a,
        kind=ReportJob.Kind.INDICATOR_WORKBOOK,
        year=timezone.localdate().year,
        created_by=w.officer_a,
        created_at=timezone.now(),
    )
    attach(w.report, w.officer_a, "指标报表.pdf", purpose="output")


def _training(w) -> None:
    from xiaobao.training import contest, services
    from xiaobao.training.models import AudienceGroup, Exam, Question, StaffMember
    from xiaobao.workorders.models import WorkOrder

    c = w.cast
    now = timezone.now()
    w.staff_a = StaffMember.objects.create(
        org_unit=c.branch_a,
        employee_no="A0003",
        name="张伟",
        group=AudienceGroup.MANAGEMENT,
        user=w.officer_a,
        updated_at=now,
    )
    question = services.question_create(
        actor=w.hq_admin,
        kind=Question.Kind.TRUE_FALSE,
        stem="犹豫期内退保应全额退还保费。",
        answer=["T"],
        topic="销售行为",
    )
    w.exam = services.exam_create(
        actor=w.officer_a,
        data={
            "title": "北京分公司消保知识考试",
            "time_limit_minutes": 30,
            "attempts_allowed": 2,
            "opens_at": now - timedelta(days=1),
            "closes_at": now + timedelta(days=30),
            "results": Exam.Results.AFTER_WINDOW,
        },
        items=[(question.current, Decimal("2"))],
        pass_mark=1,
        org_unit=c.branch_a,
        publish=True,
    )
    w.attempt = services.attempt_start(staff=w.staff_a, exam=w.exam)
    w.course = services.course_create(
        actor=w.officer_a, title="投诉处理实务", year=now.year, audiences=[(AudienceGroup.ALL_STAFF, "", True)]
    )
    w.session = services.session_create(
        actor=w.officer_a,
        title="投诉处理实务培训",
        held_on=timezone.localdate(),
        courses=[w.course],
        audience_group=AudienceGroup.ALL_STAFF,
    )
    w.contest = contest.contest_create(actor=w.officer_a, year=now.year, title="消保知识竞赛")
    w.round = contest.round_add(actor=w.officer_a, contest=w.contest, kind="preliminary", name="初赛", exam=w.exam)
    # a session dispatched to its unit runs a work order: training's process is the work order's
    w.session = services.session_dispatch(actor=w.officer_a, session=w.session)
    w.session_order = WorkOrder.objects.get(pk=w.session.workorder_id)


def _inspection(w) -> None:
    from xiaobao.inspection import decisions, scanning, services
    from xiaobao.inspection.models import Finding, Interaction, ManualReview, Rule, ScanJob, ScoreSheet
    from xiaobao.workorders.models import WorkOrder

    now = timezone.now()

    def call(source_id: str) -> dict:
        return {
            "source_system": "cc",
            "source_id": source_id,
            "kind": "call",
            "channel": "hotline",
            "purpose": "service",
            "agent": "agent_a",
            "started_at": (now - timedelta(hours=2)).isoformat(),
            "turns": [
                {"speaker": "customer", "start": 0.0, "end": 4.0, "text": "收益怎么样？"},
                {"speaker": "agent", "start": 5.0, "end": 9.0, "text": "放心，这款稳赚不赔。"},
            ],
        }

    w.inspection_batch = services.interactions_ingest(actor=w.inspector, records=[call("M1"), call("M2")], now=now)
    for job_id in scanning.scan_jobs_waiting(now=now):
        scanning.scan_job_run(job_id=job_id, now=now)
    # a confirmed finding opens a rectification work order: inspection's process is the work order's
    confirmed = decisions.finding_confirm(
        finding=Finding.objects.filter(interaction__source_id="M2").first(), actor=w.inspector, now=now
    )
    w.finding_order = WorkOrder.objects.get(pk=confirmed.workorder_id)
    w.interaction = Interaction.objects.get(source_id="M1")
    w.finding = Finding.objects.filter(interaction=w.interaction).first()
    assert w.finding is not None, "the shipped rules found nothing in a promise of returns"
    w.rule = Rule.objects.order_by("pk").first()
    w.rule_version = w.rule.versions.order_by("number").first()
    w.scan_job = ScanJob.objects.order_by("pk").first()
    sheet = ScoreSheet.objects.order_by("pk").first()
    assert sheet is not None, "no score sheet shipped: the sample routes would prove nothing"
    w.sample = ManualReview.objects.create(
        org_unit=w.interaction.org_unit,
        interaction=w.interaction,
        sheet=sheet,
        agent=w.agent_a,
        period=now.strftime("%Y-%m"),
        sampled_by=w.inspector,
        sampled_at=now,
    )
    from xiaobao.inspection.models import OutboundBatch

    # an outbound call list issued at head office (its row report is the batch's page)
    w.outbound_batch = OutboundBatch.objects.create(
        org_unit=w.inspector.org_unit, direction="list", created_by=w.inspector, created_at=now, total=0
    )


def _workflow(w) -> None:
    """The tasks and instances of each object's process, for the workflow routes."""
    from tests.workflow_access import instances_of, tasks_of

    for name in ("complaint", "review", "workorder", "plan", "document", "session_order", "finding_order"):
        obj = getattr(w, name)
        tasks, instances = tasks_of(obj), instances_of(obj)
        assert tasks and instances, f"the {name} runs no process: its workflow routes would prove nothing"
        setattr(w, f"{name}_task", tasks[0])
        setattr(w, f"{name}_instance", instances[0])


def client_of(world, principal: str, api: bool):
    """One client per principal and kind for the package (their sessions and tokens live in the world)."""
    key = (principal, api)
    if key not in world.clients:
        if principal == "anonymous":
            world.clients[key] = APIClient() if api else Client()
        elif api:
            world.clients[key] = token_client(getattr(world, principal))
        else:
            world.clients[key] = Client()
            world.clients[key].force_login(getattr(world, principal))
    return world.clients[key]


def sign_in_everyone(world) -> None:
    """Every principal's page and API client, made before any test (a test's savepoint would undo them)."""
    people = set(PRINCIPALS) | {p for cases in TABLE.values() for case in cases for p in case.may}
    for principal in sorted(people):
        for api in (False, True):
            client_of(world, principal, api)


def xlsx_upload(rows: list[list], name: str = "upload.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


__all__ = ["PRINCIPALS", "at", "build_world", "date"]
