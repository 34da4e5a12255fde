"""The left navigation: one entry per module. A module not built yet points at its "coming" page."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str  # the module's landing page once it exists
    icon: str  # a symbol id in static/img/icons.svg
    care: bool = True  # shown in care mode's simplified navigation
    permission: str | tuple[str, ...] = ""  # permission(s) any one of which shows the entry ("" = everyone signed in)

    def url(self) -> str:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return reverse("web:coming", kwargs={"module": self.key})

    @property
    def built(self) -> bool:
        try:
            reverse(self.url_name)
            return True
        except NoReverseMatch:
            return False


NAV_ITEMS = [
    NavItem("home", _("工作台"), "web:home", "home"),
    NavItem("inbox", _("待办任务"), "workflow:inbox", "inbox"),
    NavItem("workorders", _("工单管理"), "workorders:list", "workorders", permission="workorders.view_workorder"),
    NavItem("complaints", _("投诉管理"), "complaints:list", "complaints", permission="complaints.view_complaint"),
    NavItem("reviews", _("消保审查"), "reviews:list", "reviews", care=False, permission="reviews.view_review"),
    NavItem("plans", _("方案管理"), "plans:list", "plans", care=False, permission="plans.view_plan"),
    # the cockpit is built for care mode too (tables beside the charts, large figures)
    NavItem(
        "indicators", _("指标管理"), "indicators:dashboard", "indicators", permission="indicators.view_indicatorvalue"
    ),
    NavItem("knowledge", _("知识中心"), "knowledge:search", "knowledge", permission="knowledge.view_document"),
    # managers of training, and every employee who sits exams (the 员工 permission)
    NavItem(
        "training",
        _("培训考试"),
        "training:list",
        "training",
        care=False,
        permission=("training.view_staffmember", "training.sit_exam"),
    ),
    # inspectors and anyone who may read findings, and agents (their own findings)
    NavItem(
        "inspection",
        _("智能质检"),
        "inspection:list",
        "inspection",
        care=False,
        permission=("inspection.view_finding", "inspection.contest_finding"),
    ),
    NavItem("reports", _("报表报告"), "reports:list", "reports", care=False),
    NavItem(
        "processes",
        _("流程定义"),
        "workflow:definitions",
        "processes",
        care=False,
        permission="workflow.view_processdefinition",
    ),
]

MODULE_KEYS = {item.key for item in NAV_ITEMS}


def _allowed(user, permission: str | tuple[str, ...]) -> bool:
    return any(user.has_perm(p) for p in ((permission,) if isinstance(permission, str) else permission))


def items_for(user, *, care_mode: bool) -> list[NavItem]:
    # a module not built yet is not offered (issue 21): no entry that leads to a placeholder
    items = [i for i in NAV_ITEMS if i.built and (not i.permission or _allowed(user, i.permission))]
    return [i for i in items if i.care] if care_mode else items
