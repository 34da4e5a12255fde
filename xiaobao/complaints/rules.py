"""The rules a complaint is handled under, read from `ComplaintRule` rows (data a compliance officer
edits in admin; seeded by migration 0002 with their article citations), and the checks every
service runs before it writes.

Each rule's code, value and article live in the table; the defaults below only keep the app
working on a database whose rows were deleted, and are the same values the migration seeds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaobao.complaints import error_codes as codes
from xiaobao.complaints.models import Category, Complaint, ComplaintRule, Extension, TaxonomyVersion
from xiaobao.core.api_errors import BusinessRuleError, refusal
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.core.workdays import Calendar, Deadline
from xiaobao.core.workdays import due as deadline_after
from xiaobao.workflow.objects import required_text

CHANGE_PERMISSION = "complaints.change_complaint"
ADD_PERMISSION = "complaints.add_complaint"
SENIOR_MANAGEMENT_ROLE = "management"  # 总公司高级管理人员 (default of `extension.special_approvers`)

DEFAULTS: dict[str, dict] = {
    "deadline.initial": {"days": 15, "unit": "calendar"},
    "deadline.complex": {"days": 30, "unit": "calendar"},
    "deadline.special": {"days": 30, "unit": "calendar"},
    "deadline.accept": {"days": 1, "unit": "working"},
    "deadline.assign": {"days": 2, "unit": "working"},
    "reexamine.apply": {"days": 30, "unit": "calendar"},
    "reexamine.deadline": {"days": 30, "unit": "calendar"},
    "revisit.deadline": {"days": 5, "unit": "working"},
    "repeat.window_days": {"days": 30},
    "major.thresholds": {"min_complainants": 5, "amount": "500000", "media_attention": True},
    "root_cause.threshold": {"count": 3, "period_days": 90},
    "rectification.deadline": {"days": 30, "unit": "working"},
    "supervision.deadline": {"days": 3, "unit": "working"},
    "target.decide": {"days": 10, "unit": "calendar"},
    # 第十八条: who may approve the second extension — roles as data. `superior_roles`: held at a unit above
    # the responsible unit (上级机构); `head_office_roles`: held at head office (总行、总公司高级管理人员).
    "extension.special_approvers": {
        "superior_roles": ["branch_officer", "hq_admin"],
        "head_office_roles": [SENIOR_MANAGEMENT_ROLE],
    },
    # 第二十九条: the 制度编号 of the emergency plan (应急预案) in the knowledge centre, linked from every 重大 case
    "major.emergency_plan": {"number": "XB-YJ-TS-001"},
}

# 第二十九条: "重大消费投诉包括以下情形：（一）因重大自然灾害、安全事故、公共卫生事件等引发的消费投诉；（二）20名
# 以上投诉人采取面谈方式提出共同消费投诉的群体性投诉；（三）中国银保监会及其派出机构认定的其他重大消费投诉。"
# These are the article's, not settings: 以上 includes the number itself (第四十三条).
MAJOR_EVENTS = {
    "disaster": gettext_lazy("重大自然灾害"),
    "accident": gettext_lazy("安全事故"),
    "public_health": gettext_lazy("公共卫生事件"),
}
MAJOR_JOINT_IN_PERSON = 20
# complaints made in person: at the counter, or the 面谈 channel (第十二条)
IN_PERSON_CHANNELS = ("counter", "in_person")
RECEIVED_SLACK = timedelta(minutes=5)  # clocks of the recording PC and the server differ a little


_held = threading.local()  # .values: {code: value} while `rules_held` runs in this thread


@contextmanager
def rules_held() -> Iterator[None]:
    """While a batch that edits no rule runs in this thread (the demo's load of hundreds of complaints), each rule
    is read once instead of at every deadline, repeat check and notice. Another process's edit is seen by the next
    batch, not by this one: only for batches that stand for the past (the demo) or run for seconds."""
    _held.values = {}
    try:
        yield
    finally:
        _held.values = None


def rule(code: str) -> dict:
    """One rule's value (the row's, else the seeded default)."""
    held = getattr(_held, "values", None)
    if held is not None and code in held:
        return dict(held[code])
    value = ComplaintRule.objects.filter(code=code).values_list("value", flat=True).first()
    found = {**DEFAULTS.get(code, {}), **(value or {})}
    if held is not None:
        held[code] = dict(found)
    return found


def deadline(code: str, start: datetime, *, calendar: Calendar | None = None, extra_days: int = 0) -> Deadline:
    """`start` + the rule's days in the rule's unit (calendar days: Civil Code arts. 201/203 — the
    first day not counted, a last day off moves to the next working day; see core.workdays)."""
    value = rule(code)
    return deadline_after(start, int(value["days"]) + extra_days, value.get("unit", "calendar"), calendar=calendar)


def internal_target(complaint: Complaint) -> dict | None:
    """The institution's own decision target (row `target.decide`, stricter than Art. 18), shown beside
    the statutory deadline and never used in place of it: the earlier of the target date and the
    deadline in force, so a long holiday cannot show a target later than the law's date."""
    value = rule("target.decide")
    if not value.get("days"):
        return None
    target = deadline("target.decide", complaint.received_at)
    return {"at": min(target.at, complaint.due_at), "days": int(value["days"]), "unit": value.get("unit", "calendar")}


# --- registration ---------------------------------------------------------------------------


def clean_register(fields: dict, now: datetime) -> dict:
    """What registration refuses before anything is written (INVALID with the fields, CONSUMER_REQUIRED)."""
    problems = {}
    if fields["channel"] not in Complaint.Channel.values:
        problems["channel"] = [codes.INVALID]
    if fields["relation"] not in Complaint.Relation.values:
        problems["relation"] = [codes.INVALID]
    for name, limit in (("complainant_name", 100), ("subject", 200), ("content", 20000)):
        fields[name] = (fields[name] or "").strip()
        if not fields[name] or len(fields[name]) > limit:
            problems[name] = [codes.INVALID]
    received = fields["received_at"]
    if not isinstance(received, datetime) or received > now + timedelta(minutes=5):
        problems["received_at"] = [codes.INVALID]  # a complaint is not received in the future
    try:
        count = fields["complainant_count"]
        fields["complainant_count"] = 1 if count in (None, "") else int(count)
        if fields["complainant_count"] < 1:
            raise ValueError
    except (TypeError, ValueError):
        problems["complainant_count"] = [codes.INVALID]
    if fields["amount"] not in (None, ""):
        try:
            fields["amount"] = Decimal(str(fields["amount"]))
            if fields["amount"] < 0:
                raise InvalidOperation
        except InvalidOperation:
            problems["amount"] = [codes.INVALID]
    else:
        fields["amount"] = None
    if problems:
        raise BusinessRuleError(codes.INVALID, _("请检查标红的字段。"), fields=problems)
    fields["recording_ref"] = (fields.get("recording_ref") or "").strip()[:100]
    if fields["channel"] == Complaint.Channel.IN_PERSON and not fields["recording_ref"]:
        # Art. 7: the reception of an in-person complaint is recorded on audio/video and kept.
        raise refusal(codes.RECORDING_REQUIRED, _("面谈投诉须填写接待录音录像编号。"), field="recording_ref")
    if fields["relation"] != Complaint.Relation.SELF and not (fields["consumer_name"] or "").strip():
        # Art. 14: an agent or an heir complains for the consumer, who must be named.
        raise refusal(codes.CONSUMER_REQUIRED, _("代理人、继承人投诉须填写消费者姓名。"), field="consumer_name")
    return fields


# --- who may act ---------------------------------------------------------------------------


def check_may_change(actor: User, complaint: Complaint) -> None:
    """A person with complaints.change_complaint whose reach covers the responsible unit."""
    if not (actor and actor.has_perm(CHANGE_PERMISSION)):
        raise refusal(codes.NOT_ALLOWED, _("您没有处理投诉的权限。"), status=403)
    if not scope_for(actor, "change").covers(complaint.org_unit.path):
        raise refusal(codes.NOT_ALLOWED, _("该投诉不在您的管辖范围内。"), status=403)


def check_open(complaint: Complaint) -> None:
    if not complaint.is_open:
        raise refusal(
            codes.CLOSED, _("投诉已%(status)s，不能再办理。") % {"status": complaint.get_status_display()}, status=409
        )


def check_handler(*, handler: User, complaint: Complaint, org_unit: OrgUnit) -> None:
    """回避: the Measures require a 回避 system — whoever verifies a complaint has no direct interest
    in the matter (第十七条).
    Here: the person complained about never handles it, and the handler must reach the unit."""
    if complaint.respondent_staff_id and handler.pk == complaint.respondent_staff_id:
        raise refusal(codes.CONFLICT_OF_INTEREST, _("被投诉人员不得处理针对本人的投诉（回避）。"), field="handler")
    if not handler.is_active or not handler.has_perm(CHANGE_PERMISSION):
        raise refusal(codes.BAD_HANDLER, _("处理人已停用或没有处理投诉的权限。"), field="handler")
    if not scope_for(handler, "change").covers(org_unit.path):
        raise refusal(codes.BAD_HANDLER, _("处理人不能处理该机构的投诉。"), field="handler")


def may_approve_special(approver: User, complaint: Complaint) -> bool:
    """第十八条: the second extension is "经其上级机构或者总行、总公司高级管理人员审批" — approved by the
    higher-level institution or by head-office senior management. Which roles speak for them is data
    (`extension.special_approvers`): one of `superior_roles` held at a unit strictly above the
    responsible unit (the person's own unit, or an extra assignment there), or one of
    `head_office_roles` held at head office. Being senior in the org tree without the role is not enough."""
    from xiaobao.core.models import RoleAssignment

    own = complaint.org_unit
    if approver is None or not approver.is_active or approver.org_unit_id is None:
        return False
    value = rule("extension.special_approvers")
    superior_roles = [str(r) for r in value.get("superior_roles") or []]
    head_office_roles = [str(r) for r in value.get("head_office_roles") or []]
    held = set(approver.groups.filter(role__isnull=False).values_list("role__code", flat=True))
    unit = approver.org_unit
    above = own.path.startswith(unit.path) and unit.pk != own.pk
    if above and held.intersection(superior_roles):
        return True
    if unit.parent_id is None and held.intersection(head_office_roles):
        return True
    assigned = RoleAssignment.objects.filter(user=approver, role__code__in=superior_roles).select_related("org_unit")
    return any(own.path.startswith(a.org_unit.path) and a.org_unit_id != own.pk for a in assigned)


def check_received(value, *, complaint: Complaint, now: datetime, field: str, after: datetime | None = None):
    """A date something was received (a withdrawal, a 核查 application, new facts): a datetime, not in
    the future, and not before the complaint was received (or `after`, e.g. the decision)."""
    if not isinstance(value, datetime):
        raise refusal(codes.INVALID, _("请填写收到时间。"), field=field)
    if value > now + RECEIVED_SLACK:
        raise refusal(codes.RECEIVED_IN_FUTURE, _("收到时间不能晚于现在。"), field=field)
    floor = max(complaint.received_at, after) if after else complaint.received_at
    # forms take minutes: a time in the same minute as the floor is not before it
    if value < floor.replace(second=0, microsecond=0):
        raise refusal(codes.RECEIVED_BEFORE_COMPLAINT, _("收到时间不能早于投诉收到时间或前一环节。"), field=field)
    return value


def may_withdraw(actor: User, complaint: Complaint) -> bool:
    """Who registered it (the withdrawal usually comes back through the same channel), or an
    officer over its unit."""
    if complaint.registered_by_id and complaint.registered_by_id == actor.pk:
        return True
    return actor.has_perm(CHANGE_PERMISSION) and scope_for(actor, "change").covers(complaint.org_unit.path)


# --- extensions (Art. 18) --------------------------------------------------------------------------


def check_extension(
    complaint: Complaint, *, level, reason: str, approver, notice_method: str, now: datetime
) -> tuple[int, str, str]:
    """Level 1 (complex) first, then level 2 (especially complex, approved by the higher-level unit
    or head-office senior management); never a third. Each names a reason, an approver and how the
    complainant was told, and is requested and approved (now) before the deadline it extends has
    passed: an extension never turns an overdue complaint into one on time. Returns (level, reason,
    notice_method)."""
    if complaint.status not in Complaint.CLOCK_STATUSES:
        raise refusal(codes.WRONG_STEP, _("处理决定已告知投诉人，不能再延期。"), status=409)
    try:
        level = int(level)
    except (TypeError, ValueError):
        raise refusal(codes.INVALID, _("延期类别无效。"), field="level") from None
    if complaint.extension_level >= Extension.Level.SPECIAL or level > Extension.Level.SPECIAL:
        raise refusal(codes.EXTENSION_LIMIT, _("处理期限最多延长两次（最长60日）。"), field="level")
    if level != complaint.extension_level + 1:
        raise refusal(codes.EXTENSION_ORDER, _("须先按“情况复杂”延期一次，才能再延期。"), field="level")
    reason = required_text(reason, field="reason", code=codes.REASON_REQUIRED, message=_("延期须说明理由。"))
    if approver is None:
        raise refusal(codes.APPROVER_REQUIRED, _("延期须写明审批人。"), field="approver")
    notice_method = required_text(
        notice_method,
        field="notice_method",
        code=codes.NOTICE_REQUIRED,
        message=_("延期须告知投诉人，请填写告知方式。"),
    )
    if now > complaint.due_at:
        raise refusal(
            codes.EXTENSION_LATE,
            _("处理期限 %(due)s 已过，不能再延期：延期须在原期限届满前申请并审批。")
            % {"due": f"{timezone.localtime(complaint.due_at):%Y-%m-%d}"},
            status=409,
        )
    if level == Extension.Level.SPECIAL and not may_approve_special(approver, complaint):
        raise refusal(
            codes.APPROVER_NOT_SUPERIOR, _("再延长30日须经上级机构或总公司高级管理人员审批。"), field="approver"
        )
    return level, reason, notice_method[:50]


def extended_deadline(complaint: Complaint, level: int) -> Deadline:
    """Level 1: `deadline.complex` days from receipt; level 2: `deadline.special` more, counted from
    receipt as complex + special, so a level-1 end moved past a holiday does not lengthen the total
    (60 days at most, each end moved to the next working day per the Civil Code)."""
    if level == Extension.Level.COMPLEX:
        return deadline("deadline.complex", complaint.received_at)
    return deadline("deadline.special", complaint.received_at, extra_days=int(rule("deadline.complex")["days"]))


# --- classification ----------------------------------------------------------------------------


def current_taxonomy() -> TaxonomyVersion | None:
    return TaxonomyVersion.objects.filter(is_current=True).first()


def check_category(value, dimension: str, field: str, *, required: bool = True) -> Category | None:
    """An active code of the current taxonomy in `dimension` (an id or a Category)."""
    if value in (None, ""):
        if required:
            raise refusal(codes.BAD_CATEGORY, _("请选择分类。"), field=field)
        return None
    pk = value.pk if isinstance(value, Category) else value
    found = (
        Category.objects.filter(pk=pk, dimension=dimension, is_active=True, version__is_current=True)
        .select_related("version")
        .first()
    )
    if found is None:
        raise refusal(codes.BAD_CATEGORY, _("分类代码无效或不属于现行分类标准。"), field=field)
    return found


def is_classified(complaint: Complaint) -> bool:
    return bool(complaint.business_category_id and complaint.cause_category_id and complaint.demand_category_id)


# --- repeat and major ------------------------------------------------------------------------


def find_repeat_of(complaint: Complaint) -> Complaint | None:
    """The latest earlier complaint by the same person (ID or phone, by blind index) or on the same
    policy, received within the repeat window before this one."""
    same = Q()
    if complaint.complainant_id_index:
        same |= Q(complainant_id_index=complaint.complainant_id_index)
    if complaint.complainant_phone_index:
        same |= Q(complainant_phone_index=complaint.complainant_phone_index)
    if complaint.policy_number:
        same |= Q(policy_number=complaint.policy_number)
    if not same:
        return None
    window = timedelta(days=int(rule("repeat.window_days")["days"]))
    earlier = Complaint.objects.all()
    if complaint.import_job_id:
        # an import's rows are staged invisible, but one may repeat an earlier row of the same file
        earlier = Complaint.with_staged.filter(
            ~Q(import_state=Complaint.ImportState.STAGED) | Q(import_job_id=complaint.import_job_id)
        )
    # only the id: building the query for the whole row (some 75 columns) cost several times the lookup itself,
    # on every registration and every imported row; the rare repeat found is loaded by its id
    found = (
        earlier.filter(same)
        .filter(received_at__gte=complaint.received_at - window, received_at__lte=complaint.received_at)
        .exclude(pk=complaint.pk)
        .order_by("-received_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return Complaint.with_staged.get(pk=found) if found is not None else None


def major_reasons(complaint: Complaint) -> list[str]:
    """第二十九条 重大消费投诉: which of the article's cases the complaint is — a major natural disaster,
    accident or public-health event; 20 or more complainants complaining together in person; a case the
    regulator designated. Nothing else makes a complaint 重大."""
    reasons = []
    if complaint.major_event in MAJOR_EVENTS:
        reasons.append(complaint.major_event)
    if complaint.complainant_count >= MAJOR_JOINT_IN_PERSON and complaint.channel in IN_PERSON_CHANNELS:
        reasons.append("joint_in_person")
    if complaint.major_designation_ref:
        reasons.append("regulator_designated")
    return reasons


def group_reasons(complaint: Complaint) -> list[str]:
    """This project's internal group / attention flag (not 第二十九条): which of the configured
    `major.thresholds` (complainants, media attention, amount) the complaint meets."""
    value = rule("major.thresholds")
    reasons = []
    if complaint.complainant_count >= int(value.get("min_complainants") or 0) > 0:
        reasons.append("complainants")
    if value.get("media_attention") and complaint.media_attention:
        reasons.append("media_attention")
    try:
        threshold = Decimal(str(value.get("amount"))) if value.get("amount") not in (None, "") else None
    except InvalidOperation:
        threshold = None
    if threshold is not None and complaint.amount is not None and complaint.amount >= threshold:
        reasons.append("amount")
    return reasons


def check_reexamine(complaint: Complaint, *, received_at, now: datetime) -> datetime:
    """第二十条: 核查 of a branch's (分支机构) decision, applied for within `reexamine.apply` days of the
    decision (the day it was told). Returns the application's received-at."""
    if complaint.org_unit.parent_id is None:
        raise refusal(
            codes.REEXAMINE_NOT_BRANCH, _("核查仅适用于分支机构作出的处理决定（第二十条）。"), field="reexamine"
        )
    received_at = check_received(
        received_at, complaint=complaint, now=now, field="received_at", after=complaint.decided_at
    )
    told = complaint.decided_at or complaint.received_at
    latest = deadline("reexamine.apply", told)
    if received_at > latest.at:
        raise refusal(
            codes.REEXAMINE_LATE,
            _("核查申请须自收到处理决定之日起30日内提出（第二十条），截止 %(date)s。")
            % {"date": f"{latest.date:%Y-%m-%d}"},
            field="received_at",
        )
    return received_at


def superior_is_head_office(unit: OrgUnit) -> bool:
    """Who does 核查: the parent unit's officers, or head office's admins for a branch (or HQ itself)."""
    return unit.parent_id is None or unit.parent.parent_id is None
