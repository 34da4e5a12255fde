"""What a plan's and an activity's inputs must satisfy before anything is written. Each refusal carries
a code from error_codes.py and names the field it is about; nothing here writes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from xiaobao.core.api_errors import BusinessRuleError, refusal
from xiaobao.core.models import OrgUnit
from xiaobao.plans import error_codes as codes
from xiaobao.plans.models import Activity, Plan, PlanTask


def invalid(problems: dict[str, str]) -> BusinessRuleError:
    """One INVALID refusal naming every bad field ({field: message})."""
    return BusinessRuleError(codes.INVALID, "；".join(problems.values()), fields={k: [codes.INVALID] for k in problems})


def as_date(value) -> date | None:
    """A date from a date, a datetime or an ISO string; None when empty; ValueError when unreadable."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def text(value, *, max_length: int) -> str:
    return str(value or "").strip()[: max_length + 1]


# --- plans --------------------------------------------------------------------------------------------

PLAN_FIELDS = ("name", "kind", "period_start", "period_end", "description", "budget")


def clean_plan(data: dict, *, current: Plan | None = None) -> dict:
    """The plan's own fields from `data` (only those present, when `current` is given), checked together.

    Refuses INVALID naming each bad field: name (1..200), kind, the period (both dates, start ≤ end),
    description, budget (a non-negative amount with at most two decimals, or empty).
    """
    cleaned: dict = {}
    problems: dict[str, str] = {}
    present = [f for f in PLAN_FIELDS if current is None or f in data]
    if "name" in present:
        cleaned["name"] = text(data.get("name"), max_length=200)
        if not cleaned["name"] or len(cleaned["name"]) > 200:
            problems["name"] = _("请填写方案名称（不超过200字）。")
    if "kind" in present:
        cleaned["kind"] = str(data.get("kind") or "")
        if cleaned["kind"] not in Plan.Kind.values:
            problems["kind"] = _("请选择方案类型。")
    for name in ("period_start", "period_end"):
        if name in present:
            try:
                cleaned[name] = as_date(data.get(name))
            except ValueError:
                cleaned[name] = None
            if cleaned[name] is None:
                problems[name] = _("请填写有效的日期。")
    start = cleaned.get("period_start", getattr(current, "period_start", None))
    end = cleaned.get("period_end", getattr(current, "period_end", None))
    if start and end and start > end and not problems.get("period_end"):
        problems["period_end"] = _("结束日期不能早于开始日期。")
    if "description" in present:
        cleaned["description"] = str(data.get("description") or "").strip()
        if not cleaned["description"]:
            problems["description"] = _("请填写方案内容。")
    if "budget" in present:
        raw = data.get("budget")
        if raw in (None, ""):
            cleaned["budget"] = None
        else:
            try:
                budget = Decimal(str(raw).replace(",", "").strip())
            except InvalidOperation:
                budget = None
            if budget is None or not budget.is_finite() or budget < 0 or budget != budget.quantize(Decimal("0.01")):
                problems["budget"] = _("预算须为不小于0的金额，最多两位小数。")
            elif budget >= Decimal("1e12"):
                problems["budget"] = _("预算金额过大。")
            else:
                cleaned["budget"] = budget.quantize(Decimal("0.01"))
    if problems:
        raise invalid(problems)
    return cleaned


def units_within(owner: OrgUnit, units, *, field: str) -> list[OrgUnit]:
    """The units, each active and in the owner unit's subtree (a plan reaches only its own units).

    Refuses UNIT_OUT_OF_SCOPE (403) naming the units outside, INVALID for a closed unit.
    """
    units = list({u.pk: u for u in units or []}.values())
    outside = [u.name for u in units if not u.path.startswith(owner.path)]
    if outside:
        raise refusal(
            codes.UNIT_OUT_OF_SCOPE,
            _("这些机构不在方案所属机构范围内：%(names)s") % {"names": "、".join(outside)},
            field=field,
            status=403,
        )
    closed = [u.name for u in units if not u.is_active]
    if closed:
        raise refusal(codes.INVALID, _("机构已停用：%(names)s") % {"names": "、".join(closed)}, field=field)
    return sorted(units, key=lambda u: u.path)


def clean_goal(data: dict, *, partial: bool = False) -> dict:
    """description (1..300), indicator_code (≤40), target_value (a number or empty), unit (≤20), sort."""
    cleaned: dict = {}
    problems: dict[str, str] = {}
    if not partial or "description" in data:
        cleaned["description"] = text(data.get("description"), max_length=300)
        if not cleaned["description"] or len(cleaned["description"]) > 300:
            problems["description"] = _("请填写目标（不超过300字）。")
    if not partial or "indicator_code" in data:
        cleaned["indicator_code"] = text(data.get("indicator_code"), max_length=40)
        if len(cleaned["indicator_code"]) > 40:
            problems["indicator_code"] = _("指标代码过长。")
    if not partial or "target_value" in data:
        raw = data.get("target_value")
        try:
            value = None if raw in (None, "") else Decimal(str(raw).strip())
        except InvalidOperation:
            value = Decimal("NaN")
        if value is not None and (not value.is_finite() or abs(value) >= Decimal("1e12")):
            problems["target_value"] = _("目标值须为数字。")
        else:
            cleaned["target_value"] = value
    if not partial or "unit" in data:
        cleaned["unit"] = text(data.get("unit"), max_length=20)
        if len(cleaned["unit"]) > 20:
            problems["unit"] = _("计量单位过长。")
    if "sort" in data:
        cleaned["sort"] = _whole(data.get("sort"), "sort", problems)
    if problems:
        raise invalid(problems)
    return cleaned


def clean_task(data: dict, *, plan: Plan, partial: bool = False) -> dict:
    """title (1..200), description, expected_output (≤300), due_on (in the plan's period), sort.

    Refuses INVALID naming each bad field, DUE_OUT_OF_PERIOD for a due date outside the period.
    """
    cleaned: dict = {}
    problems: dict[str, str] = {}
    if not partial or "title" in data:
        cleaned["title"] = text(data.get("title"), max_length=200)
        if not cleaned["title"] or len(cleaned["title"]) > 200:
            problems["title"] = _("请填写任务名称（不超过200字）。")
    if not partial or "description" in data:
        cleaned["description"] = str(data.get("description") or "").strip()
    if not partial or "expected_output" in data:
        cleaned["expected_output"] = text(data.get("expected_output"), max_length=300)
        if len(cleaned["expected_output"]) > 300:
            problems["expected_output"] = _("预期成果不超过300字。")
    if not partial or "due_on" in data:
        try:
            cleaned["due_on"] = as_date(data.get("due_on"))
        except ValueError:
            problems["due_on"] = _("请填写有效的日期。")
    if "sort" in data:
        cleaned["sort"] = _whole(data.get("sort"), "sort", problems)
    if problems:
        raise invalid(problems)
    due = cleaned.get("due_on")
    if due and not (plan.period_start <= due <= plan.period_end):
        raise refusal(
            codes.DUE_OUT_OF_PERIOD,
            _("完成期限须在方案期间内（%(start)s 至 %(end)s）。")
            % {"start": plan.period_start, "end": plan.period_end},
            field="due_on",
        )
    return cleaned


def _whole(value, name: str, problems: dict) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        problems[name] = _("须为不小于0的整数。")
        return 0
    return number


def covers(task: PlanTask, unit: OrgUnit) -> bool:
    """Is the task assigned to this unit or to one of its ancestors (a branch's task covers its sub-branches)?"""
    return any(unit.path.startswith(owner.path) for owner in task.units.all())


# --- activities ---------------------------------------------------------------------------------------

MAX_COUNT = 2_000_000_000  # PositiveIntegerField's ceiling on PostgreSQL


def activity_problems(data: dict, *, task: PlanTask | None, today: date) -> list[tuple[str, str, str]]:
    """Every problem with one activity's fields, as (field, code, message); empty when it is fine.

    Used by the single-record services and by the import, which reports every row's problems at once.
    An offline activity names its 五进入 target (except a training plan's session) and an online one has none; counts are whole numbers
    ≥ 0; the date is not in the future and, on a plan task, within the plan's period.
    """
    problems: list[tuple[str, str, str]] = []
    # a training plan's sessions are staff training, not outreach: no 五进入 target is asked for
    training = task is not None and task.plan.kind == Plan.Kind.TRAINING
    try:
        held_on = as_date(data.get("held_on"))
    except ValueError:
        held_on = None
    if held_on is None:
        problems.append(("held_on", codes.INVALID, _("请填写有效的活动日期。")))
    elif held_on > today:
        problems.append(("held_on", codes.DATE_IN_FUTURE, _("活动日期不能晚于今天：请在活动举办后录入。")))
    elif task is not None and not (task.plan.period_start <= held_on <= task.plan.period_end):
        problems.append(
            (
                "held_on",
                codes.OUT_OF_PERIOD,
                _("活动日期须在方案期间内（%(start)s 至 %(end)s）。")
                % {"start": task.plan.period_start, "end": task.plan.period_end},
            )
        )
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 200:
        problems.append(("title", codes.INVALID, _("请填写活动名称（不超过200字）。")))
    form = str(data.get("form") or "")
    target = str(data.get("target") or "")
    if form not in Activity.Form.values:
        problems.append(("form", codes.INVALID, _("请选择活动形式。")))
    elif form == Activity.Form.OFFLINE and not target and not training:
        problems.append(("target", codes.TARGET_REQUIRED, _("线下活动请选择“五进入”类别。")))
    elif form != Activity.Form.OFFLINE and target:
        problems.append(("target", codes.TARGET_ONLINE, _("线上活动不填“五进入”类别。")))
    if target and target not in Activity.Target.values:
        problems.append(("target", codes.INVALID, _("“五进入”类别无效。")))
    if len(str(data.get("place") or "").strip()) > 200:
        problems.append(("place", codes.INVALID, _("活动地点不超过200字。")))
    for name in Activity.COUNT_FIELDS:
        number = count(data.get(name))
        if number is None or number < 0 or number > MAX_COUNT:
            problems.append((name, codes.INVALID, _("%(field)s须为不小于0的整数。") % {"field": label(name)}))
    return problems


def count(value) -> int | None:
    """A whole number from an int, a whole float (Excel stores 3 as 3.0) or digits; 0 when empty; else None."""
    if value in (None, ""):
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    raw = str(value).strip().replace(",", "")
    return int(raw) if raw.lstrip("-").isdigit() else None


def activity_values(data: dict) -> dict:
    """The checked fields of one activity, normalised (call after `activity_problems` found none)."""
    return {
        "held_on": as_date(data.get("held_on")),
        "title": str(data.get("title") or "").strip(),
        "form": str(data.get("form")),
        "target": str(data.get("target") or ""),
        "place": str(data.get("place") or "").strip(),
        "description": str(data.get("description") or "").strip(),
        **{name: count(data.get(name)) for name in Activity.COUNT_FIELDS},
    }


def label(name: str) -> str:
    return str(Activity._meta.get_field(name).verbose_name)


def raise_first(problems: list[tuple[str, str, str]]) -> None:
    """One refusal for a single record: the first problem's code, every bad field named."""
    if not problems:
        return
    fields: dict[str, list[str]] = {}
    for name, code, _message in problems:
        fields.setdefault(name, []).append(code)
    raise BusinessRuleError(problems[0][1], "；".join(m for _n, _c, m in problems), fields=fields)
