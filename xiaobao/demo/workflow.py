"""Demo data for the workflow engine: 通用审批 (generic approval) runs on material the demo users submit.

Everything goes through `workflow.services` with an injected `now`, so instances, task rows, timers,
history, audit and notifications are the real thing. The timeline is set a few weeks back from the
real now and replayed in date order, with the periodic sweep run in between as the worker would
have, so due reminders, overdue marks and 督办 land on the days they would have.

Also the helpers the other apps' demo loaders share: `Timeline`, `working_days_before`,
`docx_file` (a small real Word document, which the upload check accepts as evidence).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from xiaobao.core import services as core_services
from xiaobao.core.models import User
from xiaobao.core.workdays import Calendar
from xiaobao.demo.core import demo_clock
from xiaobao.workflow import selectors, services
from xiaobao.workflow.models import HumanTask, ProcessInstance, Timer

PROCESS_KEY = "generic_approval"
SWEEP_AT = time(0, 1)  # the worker sweeps every minute; one run just after midnight stands for a day's runs


# --- shared helpers ----------------------------------------------------------------------------


def moment(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def working_days_before(today: date, days: int, calendar: Calendar | None = None) -> date:
    """The working day `days` working days before `today` (0: today, or the last working day before it)."""
    calendar = calendar or Calendar.load()
    day = today
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    counted = 0
    while counted < days:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def docx_file(name: str, title: str, paragraphs: list[str]) -> ContentFile:
    """A small real .docx (python-docx), named as a person would name it."""
    from docx import Document

    document = Document()
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return ContentFile(buffer.getvalue(), name=name)


def sweep(since: datetime, until: datetime, *, at_until: bool = True) -> None:
    """Run the periodic sweep as the worker would have between two moments: each day just after
    midnight, then at `until` itself unless told not to (each run is idempotent, so extra runs change nothing)."""
    day = timezone.localtime(since).date()
    while True:
        run_at = moment(day, SWEEP_AT.hour, SWEEP_AT.minute)
        if run_at >= until:
            break
        if run_at > since:
            with demo_clock(run_at):
                services.sweep_timers(now=run_at)
        day += timedelta(days=1)
    if at_until:
        with demo_clock(until):
            services.sweep_timers(now=until)


class Timeline:
    """Demo steps collected in any order and played in date order, sweeping timers in between.

    The sweep runs every day just after midnight and before each step. With `step_sweep_gap`, a step less than
    that long after the last sweep goes without one: a demo replaying hundreds of cases a day would otherwise
    sweep thousands of times for nothing, while a deadline passing in the gap is still marked by the next
    sweep (at most the gap later, as a worker that sweeps every few minutes would be a few minutes late)."""

    def __init__(self, *, step_sweep_gap: timedelta = timedelta(0)) -> None:
        self._steps: list[tuple[datetime, int, Callable[[datetime], object]]] = []
        self.step_sweep_gap = step_sweep_gap

    def at(self, when: datetime, step: Callable[[datetime], object]) -> None:
        self._steps.append((when, len(self._steps), step))

    def play(self, until: datetime) -> None:
        steps = sorted(self._steps, key=lambda s: (s[0], s[1]))
        if steps and steps[-1][0] > until:
            raise ValueError(f"a demo step is dated after {until:%Y-%m-%d %H:%M}")
        clock = steps[0][0] if steps else until
        swept = clock
        for when, _, step in steps:
            due = when - swept >= self.step_sweep_gap or timezone.localtime(when).date() != (
                timezone.localtime(swept).date()
            )
            _sweep_when_due(clock, when, at_until=due)
            if due:
                swept = when
            with demo_clock(when):  # rows the step's services stamp themselves carry the step's time
                step(when)
            clock = when
        _sweep_when_due(clock, until)


def _sweep_when_due(since: datetime, until: datetime, *, at_until: bool = True) -> None:
    """`sweep(since, until)`, leaving out the runs before anything falls due: a run with nothing due writes
    nothing, and a year of demo steps would otherwise pay the sweep's queries thousands of times for nothing.
    The runs from the first due moment on are the same runs `sweep` makes, so the data is the same."""
    soonest = _soonest_due()
    if soonest is None or soonest > until:
        return
    sweep(max(since, soonest - timedelta(microseconds=1)), until, at_until=at_until)


def _soonest_due() -> datetime | None:
    """The first moment a sweep would act on: an open task's reminder or deadline not yet marked, or a pending
    timer. One plain statement: the demo asks before every step."""
    task, timer = HumanTask._meta, Timer._meta
    sql = (
        f"SELECT MIN(remind_at) FROM {task.db_table} WHERE status = %s AND reminded_at IS NULL "  # noqa: S608
        f"UNION ALL SELECT MIN(due_at) FROM {task.db_table} WHERE status = %s AND overdue_at IS NULL "
        f"UNION ALL SELECT MIN(fire_at) FROM {timer.db_table} WHERE status = %s"
    )
    open_, pending = HumanTask.Status.OPEN, Timer.Status.PENDING
    with connection.cursor() as cursor:
        cursor.execute(sql, [open_, open_, pending])
        values = [row[0] for row in cursor.fetchall() if row[0] is not None]
    moments = []
    for value in values:
        if isinstance(value, str):  # SQLite hands back the stored text
            value = parse_datetime(value)
        moments.append(value if timezone.is_aware(value) else timezone.make_aware(value, UTC))
    return min(moments, default=None)


# --- the generic approvals ---------------------------------------------------------------------

# (starter, file name, heading, body, how far it got, working days ago it was started)
#   how far: "draft" (waits for the starter to submit), "review" (waits for the branch),
#   "final" (waits for head office), "returned" (sent back to the starter), "overdue" (the branch
#   did not review in time: 督办 by head office), "done" (approved by both).
APPROVALS = [
    (
        "agent",
        "2026年第三季度客户服务质量分析报告.docx",
        "天津分公司客户服务质量分析报告",
        [
            "本季度400热线人工接通率96.8%，智能客服问题解决率87.2%，视频客服服务老年客户213人次。",
            "客户反映集中的问题为保全变更办理时效和理赔资料一次性告知不到位，已提出改进建议。",
        ],
        "review",
        1,
    ),
    (
        "agent",
        "适老化服务改进方案（柜面与400热线）.docx",
        "适老化服务改进方案",
        [
            "一、400热线设置老年客户“一键转人工”，60周岁以上客户来电优先接入。",
            "二、柜面设置爱心窗口，配备老花镜、放大镜和助听设备，提供上门服务预约。",
            "三、官方微信关怀版增加语音播报，字号不小于18dp，取消弹窗广告。",
        ],
        "final",
        4,
    ),
    (
        "agent",
        "客户投诉回访话术（2026年修订版）.docx",
        "客户投诉回访话术（修订版）",
        [
            "回访开场须核实客户身份，不得索取与回访无关的个人信息。",
            "回访须告知客户对处理结果不满意时可申请核查、调解、仲裁或诉讼。",
        ],
        "overdue",
        10,
    ),
    (
        "agent",
        "营业厅消保宣传资料摆放检查表.docx",
        "营业厅消保宣传资料摆放检查表",
        ["检查范围：天津分公司营业厅及和平营业部；检查内容：消保宣传专区、投诉渠道公示、费率公示。"],
        "returned",
        6,
    ),
    (
        "agent",
        "2026年“金融知识普及月”活动总结.docx",
        "天津分公司“金融知识普及月”活动总结",
        [
            "9月共开展线下活动14场，覆盖消费者约2,300人次；线上推送原创文章5篇、短视频2条。",
            "活动走进社区、学校、商圈，重点宣传防范非法集资和“代理退保”黑产风险。",
        ],
        "done",
        20,
    ),
    (
        "bj_officer",
        "北京分公司2027年消费者权益保护工作计划（草案）.docx",
        "北京分公司2027年消费者权益保护工作计划",
        ["围绕消保审查、投诉治理、教育宣传和适老化服务四条主线，提出年度重点任务16项。"],
        "draft",
        2,
    ),
    (
        "hb_officer",
        "河北分公司“五进入”宣教活动台账（第四季度）.docx",
        "河北分公司“五进入”宣教活动台账",
        ["第四季度进农村6场、进社区9场、进学校3场、进企业4场、进商圈2场，累计覆盖约5,100人次。"],
        "draft",
        3,
    ),
    (
        "product_clerk",
        "“鑫享福”两全保险（分红型）产品说明书（送审稿）.docx",
        "“鑫享福”两全保险（分红型）产品说明书",
        ["本产品为分红型两全保险，红利分配不确定，演示利益仅供参考，不代表未来实际收益。"],
        "draft",
        1,
    ),
    (
        "reviewer",
        "2026年第四季度消保审查工作底稿.docx",
        "消保审查工作底稿（第四季度）",
        ["本季度受理审查事项38项，提出实质性审查意见11条，已采纳9条，2条跟踪中。"],
        "draft",
        2,
    ),
    (
        "committee",
        "消费者权益保护委员会2026年第四次会议纪要（征求意见稿）.docx",
        "消费者权益保护委员会2026年第四次会议纪要",
        ["会议听取了三季度消保工作报告和投诉分析报告，审议通过《消费者权益保护工作考核办法（修订）》。"],
        "draft",
        4,
    ),
    (
        "inspector",
        "2026年11月智能质检问题清单及整改建议.docx",
        "智能质检问题清单（11月）",
        ["本月质检坐席通话12,460通，发现疑似违规47通：承诺收益9通，未提示犹豫期21通，不当用语17通。"],
        "draft",
        1,
    ),
    (
        "admin",
        "消保管理信息系统用户权限年度复核报告.docx",
        "消保管理信息系统用户权限年度复核报告",
        ["复核在用账号11个，角色授权与岗位一致；停用离岗人员账号0个；审计日志哈希链校验通过。"],
        "draft",
        3,
    ),
]

REVIEWERS = {"TJ": "tj_officer", "BJ": "bj_officer", "HB": "hb_officer"}


def _complete(holder: dict, element_id: str, user: User, data: dict | None = None) -> Callable[[datetime], None]:
    """A step doing the open `element_id` task of the approval in `holder` (started by an earlier step)."""

    def step(now: datetime) -> None:
        task = selectors.open_tasks_for_object(holder["object"], element_id).first()
        services.complete(task=task, user=user, data=data or {}, comment=(data or {}).get("comment", ""), now=now)

    return step


def _start(holder: dict, starter: User, file_name: str, heading: str, body: list[str]) -> Callable[[datetime], None]:
    def step(now: datetime) -> None:
        # The material itself is the business object: a Word file the starter uploaded.
        material = core_services.attachments_add(
            owner=starter, files=[docx_file(file_name, heading, body)], actor=starter, purpose="material"
        )[0]
        holder["object"] = material
        services.start(process_key=PROCESS_KEY, business_object=material, actor=starter, now=now)

    return step


RETURNED = "请补充各营业网点的检查照片，并注明检查人和检查日期。"


@transaction.atomic
def load(*, now: datetime | None = None) -> dict:
    """Start the demo approvals once (nothing is added when any generic approval exists)."""
    if ProcessInstance.objects.filter(definition__key=PROCESS_KEY).exists():
        return {"approvals": 0}
    now = now or timezone.now()
    calendar = Calendar.load()
    today = timezone.localtime(now).date()
    usernames = {row[0] for row in APPROVALS} | set(REVIEWERS.values()) | {"xiaobao"}
    people = {u.username: u for u in User.objects.select_related("org_unit").filter(username__in=usernames)}
    timeline = Timeline()
    for starter_name, file_name, heading, body, stage, days_ago in APPROVALS:
        starter = people[starter_name]
        holder: dict = {}
        started = min(moment(working_days_before(today, days_ago, calendar), 9, 40), now - timedelta(hours=2))
        timeline.at(started, _start(holder, starter, file_name, heading, body))
        if stage == "draft":
            continue
        submitted = started + timedelta(minutes=20)
        timeline.at(submitted, _complete(holder, "submit", starter))
        if stage in ("review", "overdue"):
            continue
        branch_reviewer = people[REVIEWERS[starter.org_unit.code.split("-")[0]]]
        reviewed = moment(working_days_before(today, max(days_ago - 2, 0), calendar), 15, 10)
        reviewed = min(max(reviewed, submitted + timedelta(hours=1)), now - timedelta(minutes=30))
        if stage == "returned":
            timeline.at(
                reviewed, _complete(holder, "review", branch_reviewer, {"approved": False, "comment": RETURNED})
            )
            continue
        timeline.at(
            reviewed,
            _complete(holder, "review", branch_reviewer, {"approved": True, "comment": "同意，内容符合监管要求。"}),
        )
        if stage == "done":
            confirmed = min(reviewed + timedelta(hours=18), now - timedelta(minutes=10))
            timeline.at(
                confirmed,
                _complete(holder, "final", people["xiaobao"], {"approved": True, "comment": "复核同意，归档。"}),
            )
    timeline.play(now)
    return {"approvals": len(APPROVALS)}


class Clock:
    """Demo dates: fixed days of a year (moved to the next working day) or N working days before today."""

    def __init__(self, now: datetime):
        self.now = now
        self.today = timezone.localtime(now).date()
        self.calendar = Calendar.load()

    def chain(self, timeline: Timeline, start: date, steps: list[tuple[int, str, Callable]]) -> None:
        """Steps on working days: each (working days after the previous step's day, "HH:MM", step), the
        first counted from `start` (0: `start` itself, or the next working day)."""
        day = self.calendar.next_working_day(start)
        for offset, clock, step in steps:
            day = self.calendar.add_working_days(day, offset).date
            hour, minute = map(int, clock.split(":"))
            timeline.at(moment(day, hour, minute), step)

    def after(self, day: date, working_days: int, hour: int, minute: int = 0) -> datetime:
        return moment(self.calendar.add_working_days(day, working_days).date, hour, minute)

    def ago(self, working_days: int, hour: int, minute: int = 0) -> datetime:
        when = moment(working_days_before(self.today, working_days, self.calendar), hour, minute)
        return min(when, self.now - timedelta(minutes=5))
