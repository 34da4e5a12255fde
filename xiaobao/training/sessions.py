"""Courses, programmes and sessions (培训场次) with attendance.

Attendance comes two ways: the organiser imports the sign-in list (all or nothing), or attendees check
themselves in on their own page with the code shown to the room while check-in is open. Either way a
person is counted once per session (a unique constraint): a second sign-in changes nothing.

A session held for a unit as part of the yearly training plan is tracked as a work order: either the
plan's own order to that unit (`plans` issues those, one per task and unit), linked here, or one this
module opens (`session_dispatch`) through `workorders.services` — reused, never copied.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.training import error_codes as codes
from xiaobao.training import selectors
from xiaobao.training.models import (
    Attendance,
    AudienceGroup,
    Course,
    CourseAudience,
    CourseMaterial,
    Programme,
    SalesChannel,
    Session,
    StaffMember,
)
from xiaobao.training.sheets import Column, ImportResult, read_upload, refusal, text

COURSE_PERMISSION = "training.add_course"
SESSION_PERMISSION = "training.add_session"
CHANGE_SESSION_PERMISSION = "training.change_session"


def _writer(actor, unit: OrgUnit | None, permission: str, message: str) -> OrgUnit:
    unit = unit or getattr(actor, "org_unit", None)
    if not (actor and actor.is_authenticated and actor.has_perm(permission) and unit is not None):
        raise refusal(codes.NOT_ALLOWED, message, status=403)
    if not scope_for(actor, "change").covers(unit.path):
        raise refusal(codes.UNIT_OUT_OF_SCOPE, _("您不能为该机构安排培训。"), field="org_unit", status=403)
    return unit


def _check_audience(group: str, channel: str) -> tuple[str, str]:
    if group not in AudienceGroup.values:
        raise refusal(codes.INVALID, _("培训对象类别无效。"), field="audience_group")
    if channel and (group != AudienceGroup.SALES or channel not in SalesChannel.values):
        raise refusal(codes.INVALID, _("只有销售渠道类别可以指定渠道。"), field="audience_channel")
    return group, channel


# --- programmes and courses ------------------------------------------------------------------------


@transaction.atomic
def programme_create(
    *, actor: User, year: int, name: str, description: str = "", org_unit: OrgUnit | None = None, now=None
) -> Programme:
    """A training programme of a year. Refuses NOT_ALLOWED / UNIT_OUT_OF_SCOPE (403), INVALID."""
    unit = _writer(actor, org_unit, COURSE_PERMISSION, _("您没有安排培训的权限。"))
    name = (name or "").strip()
    if not name or len(name) > 200 or not 2000 <= int(year) <= 2100:
        raise refusal(codes.INVALID, _("项目名称和年度必填。"), field="name")
    programme = Programme.objects.create(org_unit=unit, year=year, name=name, description=description)
    audit.record(actor=actor, action="training.programme_create", obj=programme, at=now)
    return programme


@transaction.atomic
def course_create(
    *,
    actor: User,
    title: str,
    year: int,
    audiences: list[tuple[str, str, bool]],
    hours="1",
    description: str = "",
    programme: Programme | None = None,
    org_unit: OrgUnit | None = None,
    now: datetime | None = None,
) -> Course:
    """A course for one or more audiences: (group, channel or "", compulsory). Refuses NOT_ALLOWED /
    UNIT_OUT_OF_SCOPE (403), INVALID (title, year, hours, no audience, an audience twice)."""
    now = now or timezone.now()
    unit = _writer(actor, org_unit, COURSE_PERMISSION, _("您没有维护课程的权限。"))
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise refusal(codes.INVALID, _("课程名称必填，且不超过200字。"), field="title")
    try:
        hours = Decimal(str(hours))
    except InvalidOperation:
        hours = Decimal(-1)
    if not Decimal("0.5") <= hours <= Decimal("200"):
        raise refusal(codes.INVALID, _("学时须在 0.5 到 200 之间。"), field="hours")
    cleaned = [(*_check_audience(g, c or ""), bool(m)) for g, c, m in audiences]
    if not cleaned or len({(g, c) for g, c, _m in cleaned}) != len(cleaned):
        raise refusal(codes.INVALID, _("请为课程指定培训对象，且同一对象只列一次。"), field="audiences")
    course = Course.objects.create(
        org_unit=unit,
        year=int(year),
        programme=programme,
        title=title,
        hours=hours,
        description=description,
        created_at=now,
    )
    CourseAudience.objects.bulk_create(
        [CourseAudience(course=course, group=g, channel=c, compulsory=m) for g, c, m in cleaned]
    )
    audit.record(actor=actor, action="training.course_create", obj=course, changes={"audiences": cleaned}, at=now)
    return course


@transaction.atomic
def course_add_material(
    *,
    actor: User,
    course: Course,
    title: str,
    url: str = "",
    file=None,
    knowledge_document_id: int | None = None,
    now=None,
) -> CourseMaterial:
    """Attach one material: a file (checked by core), a link, or a knowledge-centre document the actor may
    read (read through knowledge's selectors; knowledge sits below training). Refuses NOT_ALLOWED (403),
    INVALID (none or more than one of file/url/document; a document not found or not readable)."""
    if not Course.objects.visible_to(actor, "change").filter(pk=course.pk).exists():
        raise refusal(codes.NOT_ALLOWED, _("您不能修改这门课程。"), status=403)
    given = [x for x in (url, file, knowledge_document_id) if x]
    if len(given) != 1:
        raise refusal(codes.INVALID, _("请上传文件、填写链接或选择知识文档（三选一）。"), field="url")
    title = (title or "").strip()[:200]
    if knowledge_document_id:
        from xiaobao.knowledge import selectors as knowledge_selectors

        document = knowledge_selectors.documents_for(actor).filter(pk=knowledge_document_id).first()
        if document is None:
            raise refusal(codes.INVALID, _("知识文档不存在或您无权查看。"), field="knowledge_document_id")
        material = CourseMaterial.objects.create(
            course=course,
            kind=CourseMaterial.Kind.KNOWLEDGE,
            title=title or str(document)[:200],
            knowledge_document_id=document.pk,
        )
    elif url:
        if not url.startswith(("http://", "https://")) or len(url) > 200:
            raise refusal(codes.INVALID, _("链接须以 http:// 或 https:// 开头。"), field="url")
        material = CourseMaterial.objects.create(
            course=course, kind=CourseMaterial.Kind.LINK, title=title or url, url=url
        )
    else:
        (stored,) = core_services.attachments_add(owner=course, files=[file], actor=actor, purpose="material")
        material = CourseMaterial.objects.create(
            course=course, kind=CourseMaterial.Kind.FILE, title=title or stored.name, attachment_id=stored.pk
        )
    audit.record(actor=actor, action="training.material_add", obj=course, changes={"kind": material.kind}, at=now)
    return material


# --- sessions ------------------------------------------------------------------------------------------


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


@transaction.atomic
def session_create(
    *,
    actor: User,
    title: str,
    held_on: date,
    courses: list[Course],
    audience_group: str,
    audience_channel: str = "",
    mode: str = Session.Mode.OFFLINE,
    trainer: str = "",
    place: str = "",
    programme: Programme | None = None,
    org_unit: OrgUnit | None = None,
    now: datetime | None = None,
) -> Session:
    """A session organised by `org_unit` (default: the actor's). Refuses NOT_ALLOWED / UNIT_OUT_OF_SCOPE
    (403), INVALID (title, mode, no course, a course the actor cannot see, the audience)."""
    now = now or timezone.now()
    unit = _writer(actor, org_unit, SESSION_PERMISSION, _("您没有安排培训的权限。"))
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise refusal(codes.INVALID, _("场次名称必填，且不超过200字。"), field="title")
    if mode not in Session.Mode.values:
        raise refusal(codes.INVALID, _("培训形式无效。"), field="mode")
    group, channel = _check_audience(audience_group, audience_channel)
    visible = set(selectors.courses_visible(actor).filter(pk__in=[c.pk for c in courses]).values_list("pk", flat=True))
    if not courses or len(visible) != len({c.pk for c in courses}):
        raise refusal(codes.INVALID, _("请选择本场培训的课程。"), field="courses")
    session = Session.objects.create(
        org_unit=unit,
        programme=programme,
        title=title,
        mode=mode,
        held_on=held_on,
        trainer=(trainer or "")[:100],
        place=(place or "")[:200],
        audience_group=group,
        audience_channel=channel,
        check_in_code=_new_code(),
        created_by=actor,
        created_at=now,
    )
    session.courses.set(courses)
    audit.record(actor=actor, action="training.session_create", obj=session, at=now)
    return session


def _changeable(actor, session: Session) -> Session:
    locked = Session.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=session.pk)
    if not (actor.has_perm(CHANGE_SESSION_PERMISSION) and scope_for(actor, "change").covers(locked.org_unit.path)):
        raise refusal(codes.NOT_ALLOWED, _("您不能管理这场培训。"), status=403)
    return locked


@transaction.atomic
def session_dispatch(
    *, actor: User, session: Session, due_date: date | None = None, now: datetime | None = None
) -> Session:
    """Send the session to its organising unit as a work order (to hold it and record attendance), unless it
    is tracked by one already. Refuses NOT_ALLOWED (403), WRONG_STATUS (409: already tracked), and the
    work-order refusals (e.g. DUE_IN_PAST)."""
    from xiaobao.workorders import services as workorders

    session = _changeable(actor, session)
    if session.workorder_id:
        raise refusal(codes.WRONG_STATUS, _("这场培训已有对应工单。"), status=409)
    order = workorders.workorder_open(
        source=session,
        title=_("培训任务：%(title)s") % {"title": session.title},
        kind="other",
        content=_("请于 %(date)s 组织本场培训，并导入签到表或开放现场签到。") % {"date": session.held_on},
        recipient_unit=session.org_unit,
        due_date=due_date or session.held_on,
        issuer=actor,
        now=now,
    )
    session.workorder_id = order.pk
    session.save(update_fields=["workorder_id"])
    audit.record(actor=actor, action="training.session_dispatch", obj=session, changes={"order": order.pk}, at=now)
    return session


@transaction.atomic
def session_link_workorder(*, actor: User, session: Session, order_pk: int, now=None) -> Session:
    """Track the session by a work order the actor can see (e.g. the yearly plan's order to this unit).
    Refuses NOT_ALLOWED (403) and INVALID (an order not visible, or sent to another unit)."""
    from xiaobao.workorders import selectors as workorder_selectors

    session = _changeable(actor, session)
    order = workorder_selectors.work_orders_visible_to(actor, {"box": "all"}).filter(pk=order_pk).first()
    if order is None or not session.org_unit.path.startswith(order.org_unit.path):
        raise refusal(codes.INVALID, _("找不到发给本机构的该工单。"), field="workorder")
    session.workorder_id = order.pk
    session.save(update_fields=["workorder_id"])
    audit.record(actor=actor, action="training.session_link", obj=session, changes={"order": order.pk}, at=now)
    return session


@transaction.atomic
def session_set_check_in(*, actor: User, session: Session, open: bool, now=None) -> Session:
    """Open check-in with a fresh code (shown to the room) or close it. Refuses NOT_ALLOWED (403)."""
    session = _changeable(actor, session)
    session.check_in_open = open
    if open:
        taken = set(Session.objects.filter(check_in_open=True).values_list("check_in_code", flat=True))
        session.check_in_code = next(c for c in iter(_new_code, None) if c not in taken)
    session.save(update_fields=["check_in_open", "check_in_code"])
    audit.record(actor=actor, action="training.session_check_in", obj=session, changes={"open": open}, at=now)
    return session


def invited_to_session(session: Session, staff: StaffMember) -> bool:
    if staff.left_on is not None or session.audience_group not in selectors.staff_groups(staff):
        return False
    return not (session.audience_channel and session.audience_channel != staff.channel)


def check_in(*, user: User, code: str, now: datetime | None = None) -> tuple[Attendance, bool]:
    """The attendee checks in with the room's code. Returns (attendance, created): a second check-in is
    the first one returned. Refuses NOT_ALLOWED (403: without the 员工 permission), NOT_ON_ROSTER (403), BAD_CODE (no open session with that code),
    NOT_INVITED_SESSION (403: not in the session's audience)."""
    now = now or timezone.now()
    if not (user and user.is_authenticated and user.has_perm("training.sit_exam")):
        raise refusal(codes.NOT_ALLOWED, _("您没有参加培训签到的权限。"), status=403)
    staff = selectors.own_staff(user)
    if staff is None:
        raise refusal(codes.NOT_ON_ROSTER, _("您不在员工名册中，请联系培训组织人。"), status=403)
    session = selectors.session_for_check_in((code or "").strip())
    if session is None:
        raise refusal(codes.BAD_CODE, _("签到码不正确或签到已结束。"), field="code")
    if not invited_to_session(session, staff):
        raise refusal(codes.NOT_INVITED_SESSION, _("您不在本场培训的对象范围内。"), status=403)
    try:
        with transaction.atomic():
            return Attendance.objects.create(
                session=session, staff=staff, source=Attendance.Source.SELF, checked_in_at=now
            ), True
    except IntegrityError:
        return Attendance.objects.get(session=session, staff=staff), False


@transaction.atomic
def attendance_add(
    *,
    actor: User,
    session: Session,
    staff_members: list[StaffMember],
    source: str = Attendance.Source.MANUAL,
    now: datetime | None = None,
) -> int:
    """Record attendance for people the actor names (补录, or a sign-in list already parsed, e.g. by the
    API); each person once per session: people already signed in are left as they are. Returns how many
    were added. Refuses NOT_ALLOWED (403) and INVALID (nobody named; a person outside the actor's roster,
    one who had left by the session's day, or one not in the session's audience — then nothing is written).
    """
    now = now or timezone.now()
    session = _changeable(actor, session)
    if not staff_members or source not in Attendance.Source.values:
        raise refusal(codes.INVALID, _("请指定参加培训的员工。"), field="staff")
    ids = {s.pk for s in staff_members}
    visible = StaffMember.objects.visible_to(actor).filter(pk__in=ids).select_related("org_unit")
    people = {s.pk: s for s in visible}
    bad = [
        s
        for s in staff_members
        if s.pk not in people
        or (people[s.pk].left_on is not None and people[s.pk].left_on < session.held_on)
        or session.audience_group not in selectors.staff_groups(people[s.pk])
        or (session.audience_channel and session.audience_channel != people[s.pk].channel)
    ]
    if bad:
        raise refusal(
            codes.INVALID,
            _("以下员工不能计入本场培训：%(names)s") % {"names": "、".join(str(s) for s in bad[:20])},
            field="staff",
        )
    have = set(Attendance.objects.filter(session=session, staff_id__in=ids).values_list("staff_id", flat=True))
    new = [Attendance(session=session, staff_id=pk, source=source, checked_in_at=now) for pk in ids - have]
    Attendance.objects.bulk_create(new, batch_size=500)
    audit.record(actor=actor, action="training.attendance_add", obj=session, changes={"added": len(new)}, at=now)
    return len(new)


SIGN_IN_COLUMNS = [
    Column("employee_no", "工号", 12, "TJ10023", True),
    Column("name", "姓名", 10, "王晓燕", True, "与名册姓名核对，防止工号录错"),
]


def attendance_import(*, actor: User, session: Session, upload, now: datetime | None = None) -> ImportResult:
    """Import the session's sign-in list (工号, 姓名); all or nothing. People already signed in are counted
    once (reported as `updated`). Refuses NOT_ALLOWED (403) and the import refusals; row problems: an
    unknown 工号 or one outside the actor's roster, a name that does not match, a leaver, twice in the file.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = _changeable(actor, session)
    checked, rows = read_upload(upload, SIGN_IN_COLUMNS, sheet_name="签到表")
    roster = {
        s.employee_no: s
        for s in StaffMember.objects.visible_to(actor).filter(
            employee_no__in={text(r.get("employee_no")) for _n, r in rows}
        )
    }
    result = ImportResult(rows=len(rows))
    seen, ready = {}, []
    for number, row in rows:
        employee_no, name = text(row.get("employee_no")), text(row.get("name"))
        staff = roster.get(employee_no)
        if staff is None:
            result.errors.append((number, "工号", _("名册中没有该工号：%(no)s") % {"no": employee_no}))
        elif staff.name != name:
            result.errors.append((number, "姓名", _("姓名与名册不符（名册：%(name)s）。") % {"name": staff.name}))
        elif staff.left_on is not None and staff.left_on < session.held_on:
            result.errors.append((number, "工号", _("该员工已于 %(date)s 离职。") % {"date": staff.left_on}))
        elif employee_no in seen:
            result.errors.append((number, "工号", _("与第 %(row)s 行重复。") % {"row": seen[employee_no]}))
        else:
            seen[employee_no] = number
            ready.append(staff)
    if result.errors:
        return result
    with transaction.atomic():
        have = set(Attendance.objects.filter(session=session).values_list("staff_id", flat=True))
        new = [
            Attendance(session=session, staff=s, source=Attendance.Source.IMPORT, checked_in_at=now)
            for s in ready
            if s.pk not in have
        ]
        Attendance.objects.bulk_create(new, batch_size=500)
        result.created, result.updated = len(new), len(ready) - len(new)
        audit.record(
            actor=actor,
            action="training.attendance_import",
            obj=session,
            changes={"file": checked.name, "sha256": hashlib.sha256(checked.content).hexdigest(), "added": len(new)},
            at=now,
        )
    return result
