"""Demo data for plans (方案管理) and education activities (宣教): the last complete year, 2025 (DOMAIN.md: 347 education
events reaching 7.8553 million consumers, 178 original articles, 50 videos, 445 reposts, 31 central-media
stories).

Built with `plans.services` (and the work orders with `workorders.services`) and an injected `now`,
replayed in date order by `workflow.demo.Timeline` with the periodic sweep in between, so each plan has
its real approval process, work orders, timers, history and audit rows:

- the 2025 3·15 campaign plan (宣教活动方案) of head office, approved and issued to every branch as four
  tasks (the 3·15 week, the 7·8 insurance publicity day, the September 金融知识普及月, the year-round
  "五进入"); its work orders are closed, one after a returned report, except the year-round task's:
  天津 waits for acceptance and 河北 went overdue, was supervised (督办) and escalated by the timers;
- the branches' 347 activity records on those tasks, adding up exactly to the seed year's figures;
- the 2025 annual work plan (年度工作计划), some of its tasks' orders still open at the year's end, with its tasks' orders in varied states;
- the 2025 training plan (培训计划), summarised and closed: its task reached each branch as a work order;
  the sessions, sign-ins and exams (13 programmes, 5,010 person-times) are the training app's demo;
- next year's 3·15 plan, still a draft.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from xiaobao.core.models import OrgUnit, User
from xiaobao.demo.core import COMPLETE_YEAR
from xiaobao.demo.workflow import Clock, Timeline, docx_file, moment
from xiaobao.plans import services
from xiaobao.plans.models import Activity, Plan, PlanTask
from xiaobao.workorders import selectors as workorder_selectors
from xiaobao.workorders import services as workorders

YEAR = COMPLETE_YEAR  # the last complete year: the published figures (DOMAIN.md) re-enacted as its year
ADMIN = "xiaobao"  # 李晓梅, 总公司消费者权益保护部
OFFICERS = {"BJ": "bj_officer", "TJ": "tj_officer", "HB": "hb_officer"}
BRANCHES = tuple(OFFICERS)
# The seed year's published figures, which the activity records add up to.
TOTALS = {"events": 347, "reach": 7_855_300, "articles": 178, "videos": 50, "reposts": 445, "media_stories": 31}
# How many events of each form (online: article, video, live stream, game; offline: 五进入).
FORMS = {"article": 89, "video": 40, "live": 12, "game": 6, "offline": 200}

F, T = Activity.Form, Activity.Target

CAMPAIGN_TEXT = """为贯彻《银行保险机构消费者权益保护管理办法》关于教育宣传的要求，总公司以“3·15”金融消费者权益保护教育宣传周为起点，统筹全年“7·8全国保险公众宣传日”“金融知识普及月”及常态化“五进入”宣教活动：
一、活动主题：“共筑诚信金融 守护美好生活”，重点面向老年人、新市民、青少年、农村居民；
二、宣传内容：金融消费者八项权利、防范非法集资、警惕“代理退保”等金融黑产、理性投保、个人信息保护；
三、活动形式：线上（官方微信原创文章、短视频、直播、互动游戏）与线下“五进入”（进农村、进社区、进校园、进企业、进商圈）相结合；
四、工作要求：严禁借宣传之名开展产品营销；各分公司按任务期限通过工单报送活动总结，并在系统逐场录入活动记录及照片。"""

# (key, title, description, expected output, issued → due, events per branch, held-on windows)
CAMPAIGN_TASKS = [
    (
        "week315",
        "“3·15”金融消费者权益保护教育宣传周",
        "3月9日至15日集中开展宣传周活动，营业网点设置消保宣传专区，结合“五进入”开展线下宣讲。",
        "活动总结、现场照片、签到表；系统逐场录入活动记录",
        date(YEAR, 3, 31),
        {"BJ": 44, "TJ": 38, "HB": 38},
        [(date(YEAR, 3, 4), date(YEAR, 3, 22))],
    ),
    (
        "day78",
        "“7·8全国保险公众宣传日”宣传",
        "围绕“保险，让生活更美好”主题开展线上线下宣传，普及保险保障知识。",
        "活动总结及线上传播数据",
        date(YEAR, 7, 31),
        {"BJ": 18, "TJ": 16, "HB": 18},
        [(date(YEAR, 7, 1), date(YEAR, 7, 12))],
    ),
    (
        "month9",
        "“金融知识普及月”宣传",
        "9月开展金融知识普及月活动，重点走进校园和农村，开展防范非法集资、反诈宣传。",
        "活动总结、典型案例",
        date(YEAR, 9, 30),
        {"BJ": 33, "TJ": 29, "HB": 33},
        [(date(YEAR, 9, 2), date(YEAR, 9, 27))],
    ),
    (
        "routine",
        "常态化“五进入”宣教",
        "全年常态化开展进农村、进社区、进校园、进企业、进商圈宣教活动，每季度不少于两场。",
        "全年宣教活动台账",
        date(YEAR, 12, 20),
        {"BJ": 26, "TJ": 24, "HB": 30},
        [
            (date(YEAR, 4, 8), date(YEAR, 6, 28)),
            (date(YEAR, 8, 5), date(YEAR, 8, 30)),
            (date(YEAR, 10, 14), date(YEAR, 12, 13)),
        ],
    ),
]

TOPICS = ["防范非法集资", "警惕“代理退保”黑产", "理性投保 明白消费", "守护老年人“钱袋子”", "个人信息保护", "反诈骗知识"]
THEMES = {"week315": "3·15宣传周", "day78": "7·8保险公众宣传日", "month9": "金融知识普及月", "routine": "五进入"}
PLACES = {
    "BJ": {
        T.RURAL: "房山区长阳镇农村金融服务站",
        T.COMMUNITY: "朝阳区八里庄街道社区服务中心",
        T.SCHOOL: "北京工商大学良乡校区",
        T.ENTERPRISE: "中关村软件园",
        T.BUSINESS: "西单商圈",
    },
    "TJ": {
        T.RURAL: "宝坻区大口屯镇",
        T.COMMUNITY: "和平区南营门街道社区",
        T.SCHOOL: "天津财经大学",
        T.ENTERPRISE: "天津港集团滨海物流园",
        T.BUSINESS: "滨江道商业街",
    },
    "HB": {
        T.RURAL: "正定县新城铺镇",
        T.COMMUNITY: "石家庄长安区建北街道社区",
        T.SCHOOL: "河北经贸大学",
        T.ENTERPRISE: "唐山曹妃甸工业区",
        T.BUSINESS: "石家庄北国商城",
    },
}
ONLINE = {F.ARTICLE: "官方微信原创文章", F.VIDEO: "原创短视频", F.LIVE: "直播课堂", F.GAME: "线上知识闯关"}


def allocate(total: int, weights: list[float], *, floor: int = 0, step: int = 1) -> list[int]:
    """Split `total` into parts proportional to `weights` (largest remainder), each at least `floor`,
    in multiples of `step` above it; the parts add up to `total` exactly."""
    spare = (total - floor * len(weights)) // step
    whole = sum(weights)
    shares = [spare * w / whole for w in weights]
    parts = [int(s) for s in shares]
    for index in sorted(range(len(weights)), key=lambda i: shares[i] - parts[i], reverse=True)[: spare - sum(parts)]:
        parts[index] += 1
    result = [floor + p * step for p in parts]
    result[max(range(len(result)), key=lambda i: result[i])] += total - sum(result)
    return result


def activity_rows(rng: random.Random) -> list[dict]:
    """The 347 activity records, each {task, branch, held_on, form, target, counts…}, adding up to TOTALS."""
    slots = [
        (key, branch, windows)
        for key, _title, _d, _o, _due, per_branch, windows in CAMPAIGN_TASKS
        for branch, n in per_branch.items()
        for _ in range(n)
    ]
    forms = [form for form, n in FORMS.items() for _ in range(n)]
    rng.shuffle(forms)
    rows = []
    for (key, branch, windows), form in zip(slots, forms, strict=True):
        start, end = rng.choice(windows)
        held_on = start + timedelta(days=rng.randrange((end - start).days + 1))
        target = rng.choice(list(T)) if form == F.OFFLINE else ""
        participants = rng.randrange(40, 420) if form == F.OFFLINE else 0
        rows.append(
            {
                "task": key,
                "branch": branch,
                "held_on": held_on,
                "form": form,
                "target": target,
                "participants": participants,
            }
        )
    # offline reach is what the organisers counted on site; online reach shares the rest of the year's figure
    offline = [r for r in rows if r["form"] == F.OFFLINE]
    online = [r for r in rows if r["form"] != F.OFFLINE]
    for row in offline:
        row["reach"] = int(round(row["participants"] * rng.uniform(1.5, 4.0), -1))
    scale = {F.ARTICLE: (5, 60), F.VIDEO: (20, 150), F.LIVE: (100, 600), F.GAME: (10, 80)}
    rest = TOTALS["reach"] - int(sum(r["reach"] for r in offline))
    for row, reach in zip(
        online, allocate(rest, [rng.uniform(*scale[r["form"]]) for r in online], step=10), strict=True
    ):
        row["reach"] = reach
    for form, name in ((F.ARTICLE, "articles"), (F.VIDEO, "videos")):
        makers = [r for r in rows if r["form"] == form]
        for row, n in zip(makers, allocate(TOTALS[name], [rng.random() for _ in makers], floor=1), strict=True):
            row[name] = n
    shared = [r for r in rows if r["form"] in (F.ARTICLE, F.VIDEO)]
    for row, n in zip(shared, allocate(TOTALS["reposts"], [r["reach"] for r in shared]), strict=True):
        row["reposts"] = n
    covered = rng.sample([r for r in rows if r["form"] in (F.OFFLINE, F.LIVE)], 27)
    for row, n in zip(covered, allocate(TOTALS["media_stories"], [1.0] * 26 + [5.0], floor=1), strict=True):
        row["media_stories"] = n
    for row in rows:
        topic = rng.choice(TOPICS)
        if row["form"] == F.OFFLINE:
            row["title"] = f"{THEMES[row['task']]}{T(row['target']).label}：{topic}"
            row["place"] = PLACES[row["branch"]][row["target"]]
            row["description"] = f"现场讲解{topic}知识，发放宣传折页，解答消费者咨询。"
        else:
            row["title"] = f"{THEMES[row['task']]}{ONLINE[row['form']]}：{topic}"
            row["place"] = "官方微信公众号" if row["form"] != F.LIVE else "官方APP直播间"
            row["description"] = f"围绕{topic}制作线上内容，关怀版同步推送。"
    return rows


class Demo:
    """The steps of the demo timeline, holding the plans and tasks they create."""

    def __init__(self, admin: User, officers: dict[str, User], units: dict[str, OrgUnit]):
        self.admin, self.officers, self.units = admin, officers, units
        self.plans: dict[str, Plan] = {}
        self.tasks: dict[str, PlanTask] = {}

    def create(self, key: str, *, tasks: list[tuple], goals: list[dict], files=list, **fields) -> Callable:
        def step(now: datetime) -> None:
            plan = services.plan_create(actor=self.admin, files=files(), now=now, **fields)
            for goal in goals:
                services.goal_add(actor=self.admin, plan=plan, data=goal, now=now)
            for task_key, title, description, output, due, units in tasks:
                self.tasks[task_key] = services.task_add(
                    actor=self.admin,
                    plan=plan,
                    data={"title": title, "description": description, "expected_output": output, "due_on": due},
                    units=[self.units[c] for c in units],
                    now=now,
                )
            self.plans[key] = plan

        return step

    def submit(self, key: str) -> Callable:
        return lambda now: services.plan_submit(actor=self.admin, plan=self.plans[key], now=now)

    def approve(self, key: str, comment: str) -> Callable:
        return lambda now: services.plan_approve(actor=self.admin, plan=self.plans[key], comment=comment, now=now)

    def issue(self, key: str) -> Callable:
        return lambda now: services.plan_issue(actor=self.admin, plan=self.plans[key], now=now)

    def summarize(self, key: str, summary: str) -> Callable:
        return lambda now: services.plan_summarize(actor=self.admin, plan=self.plans[key], summary=summary, now=now)

    def close(self, key: str) -> Callable:
        return lambda now: services.plan_close(actor=self.admin, plan=self.plans[key], now=now)

    def _order(self, task_key: str, branch: str):
        self.tasks[task_key].refresh_from_db()
        parent = self.tasks[task_key].workorder_id
        return (
            workorder_selectors.work_orders_visible_to(self.admin, {"parent": parent})
            .filter(org_unit=self.units[branch])
            .get()
        )

    def accept(self, task_key: str, branch: str) -> Callable:
        return lambda now: workorders.workorder_accept(
            order=self._order(task_key, branch), actor=self.officers[branch], now=now
        )

    def report(self, task_key: str, branch: str, text: str) -> Callable:
        def step(now: datetime) -> None:
            name = f"{self.units[branch].name}{self.tasks[task_key].title}总结.docx"
            workorders.workorder_submit_feedback(
                order=self._order(task_key, branch),
                actor=self.officers[branch],
                text=text,
                files=[docx_file(name, name.removesuffix(".docx"), [text])],
                now=now,
            )

        return step

    def review(self, task_key: str, branch: str, *, approved: bool = True, comment: str = "验收通过。") -> Callable:
        return lambda now: workorders.workorder_review(
            order=self._order(task_key, branch), actor=self.admin, approved=approved, comment=comment, now=now
        )

    def record(self, row: dict) -> Callable:
        counts = {name: row.get(name, 0) for name in Activity.COUNT_FIELDS}
        return lambda now: services.activity_record(
            actor=self.officers[row["branch"]],
            task=self.tasks[row["task"]],
            held_on=row["held_on"],
            title=row["title"],
            form=row["form"],
            target=row["target"],
            place=row["place"],
            description=row["description"],
            now=now,
            **counts,
        )


def _walk(d: Demo, t: Timeline, c: Clock, task_key: str, issued: date, due: date, states: dict[str, str]) -> None:
    """Each branch accepts the next working day, then as `states` says: "closed" (reported before the
    due date and accepted), "returned" (accepted after a second report), "submitted" (waiting for
    acceptance), "accepted" (never reported: the timers supervise and escalate it)."""
    for branch, state in states.items():
        steps = [(1, "09:30", d.accept(task_key, branch))]
        c.chain(t, issued, steps)
        if state == "accepted":
            continue
        text = "已按方案要求完成本项任务，活动记录已逐场录入系统，总结及照片见附件。"
        steps = [(0, "16:00", d.report(task_key, branch, text))]
        if state == "returned":
            steps += [
                (
                    1,
                    "10:00",
                    d.review(task_key, branch, approved=False, comment="请补充活动签到表，并与系统活动记录核对一致。"),
                ),
                (2, "15:00", d.report(task_key, branch, "已补充签到表，与系统录入的活动记录逐场核对一致。")),
                (1, "10:30", d.review(task_key, branch, comment="材料齐全，验收通过。")),
            ]
        elif state == "closed":
            steps.append((1, "10:00", d.review(task_key, branch)))
        c.chain(t, due - timedelta(days=10), steps)


def _campaign(d: Demo, t: Timeline, c: Clock) -> None:
    notice = f"关于印发{YEAR}年消费者权益保护教育宣传活动方案的通知.docx"
    t.at(
        moment(date(YEAR, 2, 19), 10, 0),
        d.create(
            "campaign",
            name=f"{YEAR}年“3·15”消费者权益保护教育宣传活动方案",
            kind=Plan.Kind.CAMPAIGN,
            period_start=date(YEAR, 3, 1),
            period_end=date(YEAR, 12, 31),
            description=CAMPAIGN_TEXT,
            budget="380000.00",
            participating_units=[d.units[b] for b in BRANCHES],
            files=lambda: [docx_file(notice, notice.removesuffix(".docx"), CAMPAIGN_TEXT.split("\n"))],
            goals=[
                {
                    "description": "全年开展宣教活动不少于300场",
                    "indicator_code": "education_events",
                    "target_value": 300,
                    "unit": "场",
                },
                {
                    "description": "触达消费者不少于700万人次",
                    "indicator_code": "education_reach",
                    "target_value": 7_000_000,
                    "unit": "人次",
                },
                {
                    "description": "原创宣教文章不少于150篇",
                    "indicator_code": "education_articles",
                    "target_value": 150,
                    "unit": "篇",
                },
                {"description": "原创短视频不少于40条", "target_value": 40, "unit": "条"},
            ],
            tasks=[
                (key, title, desc, output, due, BRANCHES) for key, title, desc, output, due, _n, _w in CAMPAIGN_TASKS
            ],
        ),
    )
    t.at(moment(date(YEAR, 2, 20), 9, 30), d.submit("campaign"))
    t.at(moment(date(YEAR, 2, 22), 15, 0), d.approve("campaign", "同意。请各分公司严格落实，严禁借宣传之名营销。"))
    issued = date(YEAR, 2, 26)
    t.at(moment(issued, 10, 0), d.issue("campaign"))
    states = {
        "week315": {"BJ": "closed", "TJ": "closed", "HB": "returned"},
        "day78": {"BJ": "closed", "TJ": "closed", "HB": "closed"},
        "month9": {"BJ": "closed", "TJ": "returned", "HB": "closed"},
        "routine": {"BJ": "closed", "TJ": "submitted", "HB": "accepted"},
    }
    for key, _title, _d, _o, due, _n, _w in CAMPAIGN_TASKS:
        _walk(d, t, c, key, issued, due, states[key])
    for row in activity_rows(random.Random(YEAR)):  # noqa: S311 - a fixed demo sequence, not a secret
        # entered the next working day, after the event
        t.at(moment(c.calendar.add_working_days(row["held_on"], 1).date, 17, 30), d.record(row))


ANNUAL_TEXT = """围绕体制机制建设、消保审查、投诉治理、教育宣传、适老化服务、个人信息保护六条主线，明确年度重点任务、责任机构和完成时限，纳入年度考核。"""


def _annual(d: Demo, t: Timeline, c: Clock) -> None:
    tasks = [
        (
            "self_check",
            "开展年度消保自查并报送自查报告",
            "对照管理办法及总公司制度开展全面自查。",
            "自查报告、问题清单及整改计划",
            date(YEAR, 6, 28),
            BRANCHES,
        ),
        (
            "review_check",
            "消保审查制度执行情况检查",
            "抽查辖内新产品、营销宣传材料的消保审查记录。",
            "检查报告",
            date(YEAR, 9, 30),
            BRANCHES,
        ),
        (
            "elderly",
            "适老化服务网点达标建设",
            "营业网点设置爱心窗口，配备老花镜、放大镜等设施。",
            "达标网点清单及照片",
            date(YEAR, 12, 31),
            BRANCHES,
        ),
    ]
    t.at(
        moment(date(YEAR, 1, 8), 10, 0),
        d.create(
            "annual",
            name=f"{YEAR}年消费者权益保护工作计划",
            kind=Plan.Kind.ANNUAL,
            period_start=date(YEAR, 1, 1),
            period_end=date(YEAR, 12, 31),
            description=ANNUAL_TEXT,
            participating_units=[d.units[b] for b in BRANCHES],
            goals=[
                {"description": "投诉按时办结率不低于98%", "target_value": 98, "unit": "%"},
                {"description": "新产品消保审查覆盖率100%", "target_value": 100, "unit": "%"},
            ],
            tasks=tasks,
        ),
    )
    t.at(moment(date(YEAR, 1, 9), 9, 0), d.submit("annual"))
    t.at(moment(date(YEAR, 1, 11), 16, 0), d.approve("annual", "同意按计划执行。"))
    issued = date(YEAR, 1, 15)
    t.at(moment(issued, 10, 0), d.issue("annual"))
    states = {
        "self_check": {"BJ": "closed", "TJ": "returned", "HB": "closed"},
        "review_check": {"BJ": "closed", "TJ": "closed", "HB": "submitted"},
        "elderly": {"BJ": "submitted", "TJ": "accepted", "HB": "accepted"},
    }
    for key, _title, _desc, _out, due, _units in tasks:
        _walk(d, t, c, key, issued, due, states[key])


TRAINING_TEXT = """面向全体员工、消保专员和销售渠道开展消费者权益保护培训，覆盖消保法规、投诉处理、消保审查、适老化服务和个人信息保护，培训后组织考试。"""


def _training(d: Demo, t: Timeline, c: Clock) -> None:
    tasks = [
        (
            "training",
            "组织开展年度消保培训及考试",
            "按计划组织全员、渠道及专员培训，培训后组织考试。",
            "培训签到表、考试成绩",
            date(YEAR, 12, 20),
            BRANCHES,
        ),
    ]
    t.at(
        moment(date(YEAR, 3, 25), 10, 0),
        d.create(
            "training",
            name=f"{YEAR}年消费者权益保护教育培训计划",
            kind=Plan.Kind.TRAINING,
            period_start=date(YEAR, 4, 1),
            period_end=date(YEAR, 12, 31),
            description=TRAINING_TEXT,
            budget="120000.00",
            goals=[
                {
                    "description": "全年培训不少于5,000人次",
                    "indicator_code": "training_person_times",
                    "target_value": 5000,
                    "unit": "人次",
                }
            ],
            tasks=tasks,
        ),
    )
    t.at(moment(date(YEAR, 3, 26), 9, 0), d.submit("training"))
    t.at(moment(date(YEAR, 3, 27), 15, 0), d.approve("training", "同意。"))
    issued = date(YEAR, 3, 28)
    t.at(moment(issued, 10, 0), d.issue("training"))
    _walk(d, t, c, "training", issued, date(YEAR, 12, 20), {"BJ": "closed", "TJ": "closed", "HB": "closed"})
    # the sessions, sign-ins and exams themselves are the training app's (training.demo), not activities here
    summary = "全年组织消保培训13期，培训5,010人次，考试合格率98.6%。"
    t.at(moment(date(YEAR + 1, 1, 10), 10, 0), d.summarize("training", summary))
    t.at(moment(date(YEAR + 1, 1, 15), 10, 0), d.close("training"))


def _draft(d: Demo, t: Timeline) -> None:
    nxt = YEAR + 1
    t.at(
        moment(date(nxt, 1, 10), 11, 0),
        d.create(
            "draft",
            name=f"{nxt}年“3·15”消费者权益保护教育宣传活动方案",
            kind=Plan.Kind.CAMPAIGN,
            period_start=date(nxt, 3, 1),
            period_end=date(nxt, 4, 30),
            description="以“守护金融消费者合法权益”为主题，延续“五进入”做法，增加老年人专场和短视频征集。",
            budget="200000.00",
            goals=[
                {
                    "description": "宣传周期间开展活动不少于120场",
                    "indicator_code": "education_events",
                    "target_value": 120,
                    "unit": "场",
                }
            ],
            tasks=[
                ("draft_week", "“3·15”教育宣传周", "3月集中开展宣传周活动。", "活动总结", date(nxt, 3, 31), BRANCHES),
                ("draft_video", "短视频征集", "各分公司报送原创短视频不少于3条。", "短视频作品", None, ()),
            ],
        ),
    )


@transaction.atomic
def load(*, now: datetime | None = None) -> dict:
    """Build the demo plans and activities once (nothing is added when any plan exists)."""
    if Plan.objects.exists():
        return {"plans": 0, "activities": 0}
    now = now or timezone.now()
    people = {u.username: u for u in User.objects.filter(username__in=[ADMIN, *OFFICERS.values()])}
    units = {u.code: u for u in OrgUnit.objects.all()}
    demo = Demo(people[ADMIN], {code: people[name] for code, name in OFFICERS.items()}, units)
    clock, timeline = Clock(now), Timeline()
    _annual(demo, timeline, clock)
    _campaign(demo, timeline, clock)
    _training(demo, timeline, clock)
    _draft(demo, timeline)
    timeline.play(now)
    return {"plans": Plan.objects.count(), "activities": Activity.objects.count()}
