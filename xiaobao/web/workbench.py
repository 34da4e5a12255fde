"""工作台: what needs doing now, per person — each panel read through its app's selectors (already scoped to the
user), shown only to someone holding that app's permission, each item linking to the page where its action is
taken.

A panel reads a fixed number of rows (`LIMIT`) plus one count, so the page's queries do not grow with the data.
Deadlines are the ones the apps keep (a complaint's `due_at` is the deadline in force that the statutory clock
wrote, a task's `due_at` the one the engine wrote); nothing here recomputes a rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from xiaobao.complaints import selectors as complaint_selectors
from xiaobao.core.masking import mask_text
from xiaobao.indicators import figures
from xiaobao.indicators import selectors as indicator_selectors
from xiaobao.reviews import selectors as review_selectors
from xiaobao.training import selectors as training_selectors
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workorders import selectors as workorder_selectors

LIMIT = 8  # rows per panel; the panel's count and its "all" link say how many more there are
COMPLAINT_HORIZON_DAYS = 3  # "nearing the deadline": due within three calendar days, or already past it
EXAM_HORIZON_DAYS = 14

COMPLAINTS = "complaints.view_complaint"
WORKORDERS = "workorders.view_workorder"
ALERTS = "indicators.view_alert"
VALUES = "indicators.view_indicatorvalue"
REVIEWS = "reviews.view_review"
SIT_EXAM = "training.sit_exam"


@dataclass
class Item:
    label: str  # the business number (GD…, TS…) or the task's name — never a database id
    text: str  # what it is about
    url: str  # the page where the action is taken
    state: str = ""  # overdue | today | soon | "" (drives the badge)
    when: object = None  # the deadline shown (datetime or date)
    note: str = ""


@dataclass
class Panel:
    key: str
    title: str
    items: list[Item]
    total: int
    more_url: str = ""
    empty: str = ""
    extra: dict = field(default_factory=dict)


def _state(due, now: datetime) -> str:
    if due is None:
        return ""
    if isinstance(due, datetime):
        if due < now:
            return "overdue"
        day = timezone.localtime(due).date()
    else:
        day = due
    today = timezone.localdate(now)
    if day < today:
        return "overdue"
    return "today" if day == today else "soon"


def _end_of_today(now: datetime) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(now), time.max))


def tasks_panel(user, now: datetime) -> Panel:
    """My tasks (mine and my candidate group's) due today or already overdue, the oldest deadline first."""
    rows = workflow_selectors.inbox(user, {"box": "all", "due_before": _end_of_today(now)})
    items = [
        Item(
            label=task.name,
            text=task.instance.object_repr,
            url=reverse("workflow:task", args=[task.pk]),
            state=_state(task.due_at, now),
            when=task.due_at,
        )
        for task in rows[:LIMIT]
    ]
    return Panel(
        "tasks",
        _("今日到期与已逾期的任务"),
        items,
        rows.count(),
        more_url=reverse("workflow:inbox") + "?box=overdue",
        empty=_("今天没有到期或逾期的任务。"),
    )


def complaints_panel(user, now: datetime) -> Panel:
    """Complaints in my scope whose statutory deadline in force is past or within three days."""
    rows = complaint_selectors.nearing_deadline(user, within_days=COMPLAINT_HORIZON_DAYS, now=now)
    items = []
    for complaint in rows[:LIMIT]:
        count = complaint_selectors.countdown(complaint, now=now)
        items.append(
            Item(
                label=complaint.number or "",
                text=mask_text(complaint.subject),
                url=complaint.get_absolute_url(),
                state="overdue" if count["overdue"] else _state(complaint.due_at, now),
                when=complaint.due_at,
                note=complaint.org_unit.name,
            )
        )
    horizon = timezone.localdate(now) + timedelta(days=COMPLAINT_HORIZON_DAYS)
    return Panel(
        "complaints",
        _("临近法定时限的投诉"),
        items,
        rows.count(),
        more_url=reverse("complaints:list") + "?" + urlencode({"box": "all", "due_before": horizon.isoformat()}),
        empty=_("没有临近法定时限的投诉。"),
    )


def supervision_panel(user, now: datetime) -> Panel:
    rows = workorder_selectors.supervised_open(user)
    items = [
        Item(
            label=order.number or "",
            text=order.title,
            url=order.get_absolute_url(),
            state=_state(order.due_at, now),
            when=order.due_at,
            note=f"{order.org_unit.name} · {order.get_supervision_display()}",
        )
        for order in rows[:LIMIT]
    ]
    return Panel(
        "supervision",
        _("督办事项"),
        items,
        rows.count(),
        more_url=reverse("workorders:list") + "?box=supervising",
        empty=_("没有督办中的事项。"),
    )


def alerts_panel(user, now: datetime) -> Panel:
    rows = indicator_selectors.alerts_for(user, {"state": "open"})
    items = []
    for alert in rows[:LIMIT]:
        query = urlencode({"unit": alert.org_unit_id, "period": alert.period})
        items.append(
            Item(
                label=alert.get_level_display(),
                text=alert.definition.name,
                url=reverse("indicators:detail", args=[alert.definition.code]) + "?" + query,
                state="overdue" if alert.level == "red" else "soon",
                note=f"{alert.org_unit.name} · {alert.period}",
            )
        )
    return Panel(
        "alerts",
        _("指标预警"),
        items,
        rows.count(),
        more_url=reverse("indicators:alerts"),
        empty=_("没有未解除的指标预警。"),
    )


def reviews_panel(user, now: datetime) -> Panel:
    rows = review_selectors.reviews_visible_to(user, {"box": "todo", "sort": "due_at"})
    items = [
        Item(
            label=review.number or "",
            text=review.title,
            url=review.get_absolute_url(),
            state=_state(review.due_at, now),
            when=review.due_at,
            note=review.get_status_display(),
        )
        for review in rows[:LIMIT]
    ]
    return Panel(
        "reviews",
        _("待我处理的审查"),
        items,
        rows.count(),
        more_url=reverse("reviews:list") + "?box=todo",
        empty=_("没有等待您处理的审查。"),
    )


def training_panel(user, now: datetime) -> Panel:
    due = training_selectors.training_due(user, within_days=EXAM_HORIZON_DAYS, now=now)
    my_page = reverse("training:my-exams")
    items = [
        Item(
            label=str(_("定向培训")),
            text=assignment.course.title,
            url=my_page,
            state=_state(assignment.due_on, now),
            when=assignment.due_on,
            note=assignment.reason,
        )
        for assignment in due["assignments"][:LIMIT]
    ]
    items += [
        Item(
            label=str(_("考试")),
            text=exam.title,
            url=reverse("training:take", args=[exam.pk]),
            state=_state(exam.closes_at, now),
            when=exam.closes_at,
        )
        for exam in due["exams"][: max(LIMIT - len(items), 0)]
    ]
    return Panel(
        "training",
        _("待完成的培训与考试"),
        items,
        len(due["assignments"]) + len(due["exams"]),
        more_url=my_page,
        empty=_("没有待完成的培训或考试。"),
    )


def indicators_panel(user, now: datetime) -> Panel | None:
    """The key indicators of the user's unit with status (against target) and trend (change on the previous
    period), for the period the cockpit opens on — the cockpit's own figures."""
    unit = indicator_selectors.home_unit(user)
    if unit is None:
        return None
    period = indicator_selectors.opening_period(user, unit, now=now)
    data = indicator_selectors.cockpit(user, period, unit)
    query = urlencode({"unit": unit.pk, "period": period.code})
    tiles = [
        {
            "tile": tile,
            "url": reverse("indicators:detail", args=[tile.definition.code]) + "?" + query,
            "status_label": figures.status_label(tile.status, target=tile.target, empty=str(_("未设目标"))),
            "trend": ""
            if tile.change is None
            else ("up" if tile.change > 0 else "down" if tile.change < 0 else "flat"),
        }
        for tile in data["tiles"]
    ]
    return Panel(
        "indicators",
        _("关键指标"),
        [],
        len(tiles),
        more_url=reverse("indicators:dashboard") + "?" + urlencode({"unit": unit.pk, "period": period.code}),
        empty=_("这一期间还没有关键指标的数据。"),
        extra={"tiles": tiles, "unit": unit, "period": period},
    )


# (permission any one of which shows the panel, builder); the tasks panel is everyone's
PANELS = [
    ("", tasks_panel),
    (COMPLAINTS, complaints_panel),
    (WORKORDERS, supervision_panel),
    (REVIEWS, reviews_panel),
    (ALERTS, alerts_panel),
    (SIT_EXAM, training_panel),
]


def panels_for(user, *, now: datetime | None = None) -> dict:
    """The panels this user may see: {"work": [Panel…], "indicators": Panel | None}."""
    now = now or timezone.now()
    work = [build(user, now) for permission, build in PANELS if not permission or user.has_perm(permission)]
    indicators = indicators_panel(user, now) if user.has_perm(VALUES) else None
    return {"work": work, "indicators": indicators}
