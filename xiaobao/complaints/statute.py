"""What the law fixes about the complaint rules, so that no admin edit can make a statutory rule row
non-compliant.

Source: 《银行业保险业消费投诉处理管理办法》(原银保监会令2020年第3号, 国务院公报2020年第14号; "the
Measures"). Art. 18 sets the decision deadline and its two extensions, Art. 20 the 核查 periods, and
Art. 43 makes every 日 in the Measures a calendar day (自然日), so a statutory step is counted in calendar
days and may be no longer than the text's number. A 核查 application window is the complainant's: the
institution may lengthen it, never shorten it.

The limits live in code, not in the rule rows: they are the law, not a setting.
"""

from __future__ import annotations

from dataclasses import dataclass

MEASURES = "《银行业保险业消费投诉处理管理办法》"
DAY_ARTICLE = "第四十三条"  # “日”为自然日

# bounds: "max" — the institution must act within the days (a row may be shorter, never longer);
# "min" — a window the complainant has (a row may be longer, never shorter).
MAX, MIN = "max", "min"


@dataclass(frozen=True)
class StatutoryLimit:
    article: str
    days: int
    bound: str
    provision: str

    @property
    def citation(self) -> str:
        return f"{MEASURES}{self.article}：{self.provision}"


STATUTORY: dict[str, StatutoryLimit] = {
    "deadline.initial": StatutoryLimit("第十八条", 15, MAX, "自收到消费投诉之日起15日内作出处理决定并告知投诉人"),
    "deadline.complex": StatutoryLimit("第十八条", 30, MAX, "情况复杂的可以延长至30日"),
    "deadline.special": StatutoryLimit(
        "第十八条", 30, MAX, "经其上级机构或者总行、总公司高级管理人员审批并告知投诉人，可以再延长30日"
    ),
    "reexamine.apply": StatutoryLimit(
        "第二十条", 30, MIN, "投诉人对分支机构处理结果有异议的，可以自收到处理决定之日起30日内向其上级机构书面申请核查"
    ),
    "reexamine.deadline": StatutoryLimit(
        "第二十条", 30, MAX, "核查机构应当自收到核查申请之日起30日内作出核查决定并告知投诉人"
    ),
}

# An internal target is the institution's own, stricter goal, kept in its own row beside the statutory
# one it tightens (never by editing the statutory row): target code → statutory code.
INTERNAL_TARGETS: dict[str, str] = {"target.decide": "deadline.initial"}

# A working-day target is accepted when, at five working days a week, it is shorter than the statutory
# calendar days; a long holiday can still carry it past the statutory date, so the pages show the
# earlier of the two (`rules.internal_target`).
_WORKING_PER_WEEK, _DAYS_PER_WEEK = 5, 7


def violations(code: str, value) -> list[str]:
    """Why `value` for the rule `code` breaks the Measures (empty when it does not), each reason citing
    its article. Only statutory rows and internal targets are checked; the project's own rules are free."""
    from django.utils.translation import gettext as _

    limit = STATUTORY.get(code)
    target_of = INTERNAL_TARGETS.get(code)
    if limit is None and target_of is None:
        return []
    if not isinstance(value, dict):
        return [_('取值须为 {"days": 天数, "unit": "calendar"} 形式。')]
    raw = value.get("days")
    try:
        days = int(raw)
    except (TypeError, ValueError):
        return [_("天数须为正整数。")]
    if days < 1 or isinstance(raw, bool) or str(raw).strip() != str(days):
        return [_("天数须为正整数。")]
    unit = value.get("unit", "calendar")
    if limit is not None:
        problems = []
        if unit != "calendar":
            problems.append(
                _("法定期限按自然日计算（%(measures)s%(article)s），单位须为 calendar。")
                % {"measures": MEASURES, "article": DAY_ARTICLE}
            )
        if limit.bound == MAX and days > limit.days:
            problems.append(
                _("%(measures)s%(article)s规定最长%(limit)s日，不得设为%(days)s日：%(provision)s。")
                % {
                    "measures": MEASURES,
                    "article": limit.article,
                    "limit": limit.days,
                    "days": days,
                    "provision": limit.provision,
                }
            )
        if limit.bound == MIN and days < limit.days:
            problems.append(
                _("%(measures)s%(article)s给予投诉人%(limit)s日，不得缩短为%(days)s日：%(provision)s。")
                % {
                    "measures": MEASURES,
                    "article": limit.article,
                    "limit": limit.days,
                    "days": days,
                    "provision": limit.provision,
                }
            )
        return problems
    statutory = STATUTORY[target_of]
    if unit == "calendar":
        stricter = days < statutory.days
    elif unit == "working":
        stricter = days * _DAYS_PER_WEEK < statutory.days * _WORKING_PER_WEEK
    else:
        return [_("单位须为 calendar（自然日）或 working（工作日）。")]
    if not stricter:
        return [
            _("内部目标须严于法定期限（%(measures)s%(article)s：%(limit)s日），否则请勿设置。")
            % {"measures": MEASURES, "article": statutory.article, "limit": statutory.days}
        ]
    return []
