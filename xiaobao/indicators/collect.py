"""Collected values (填报采集) entered one by one or imported from Excel, and targets (目标值).

A collected value for a unit is that unit's figure for its subtree; units that entered none get their
children's figures rolled up (engine). Entering a value supersedes the unit's current row and recomputes the
rollups above it and the formulas that read it; the value and those figures become visible in one commit, and
the reading and computing happen outside the write transaction (`_store`).
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import OrgUnit
from xiaobao.core.scope import scope_for
from xiaobao.core.uploads import check_upload
from xiaobao.indicators import alerts, engine, periods
from xiaobao.indicators import error_codes as codes
from xiaobao.indicators.models import IndicatorDefinition, IndicatorValue, Target

D = IndicatorDefinition
ADD_VALUE = "indicators.add_indicatorvalue"
CHANGE_TARGET = "indicators.change_target"
ADD_TARGET = "indicators.add_target"
MAX_ROWS = 5000
#: lines read before giving up, blank ones included (formatting can leave many blank rows, not this many)
SCAN_LINES = MAX_ROWS * 10
SHEET = "指标填报"
HEADERS = ("指标代码", "机构代码", "期间", "指标值", "分子", "分母")


def _refuse(code: str, detail: str, *, field: str = "", status: int = 400) -> BusinessRuleError:
    return BusinessRuleError(code, detail, fields={field: [code]} if field else None, status_code=status)


def _number(value, name: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise _refuse(codes.INVALID, _("“%(value)s”不是数字。") % {"value": value}, field=name) from exc
    if not number.is_finite() or abs(number) >= engine.LIMIT:
        raise _refuse(codes.INVALID, _("“%(value)s”不是有效的数值。") % {"value": value}, field=name)
    if number < 0:
        raise _refuse(codes.INVALID, _("填报的数值不能为负数。"), field=name)
    return engine.decimal(number)


@dataclass(frozen=True)
class Checked:
    definition: IndicatorDefinition
    org_unit: OrgUnit
    period: periods.Period
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None


def check_entry(*, actor, definition, org_unit, period, value, numerator=None, denominator=None, today=None) -> Checked:
    """Validate one entry; the refusals of `value_collect`."""
    if not (actor and actor.is_authenticated and actor.has_perm(ADD_VALUE)):
        raise _refuse(codes.NOT_ALLOWED, _("您没有填报指标值的权限。"), status=403)
    if not scope_for(actor, "change").covers(org_unit.path):
        raise _refuse(codes.OUT_OF_SCOPE, _("只能为本机构及下级机构填报。"), field="org_unit", status=403)
    if definition.source != D.Source.COLLECTED:
        raise _refuse(
            codes.NOT_COLLECTED, _("“%(name)s”由系统计算，不能填报。") % {"name": definition.name}, field="definition"
        )
    if not definition.is_active:
        raise _refuse(codes.INACTIVE, _("指标“%(name)s”已停用。") % {"name": definition.name}, field="definition")
    try:
        parsed = period if isinstance(period, periods.Period) else periods.parse(period)
    except ValueError as exc:
        raise _refuse(codes.BAD_PERIOD, _("期间应写作 2024、2024-Q1 或 2024-03。"), field="period") from exc
    if not periods.applies(definition.frequency, parsed):
        raise _refuse(
            codes.BAD_PERIOD,
            _("“%(name)s”按%(frequency)s填报。")
            % {"name": definition.name, "frequency": definition.get_frequency_display()},
            field="period",
        )
    if parsed.start > (today or timezone.localdate()):
        raise _refuse(codes.FUTURE_PERIOD, _("该期间尚未开始。"), field="period")
    value = _number(value, "value")
    numerator = _number(numerator, "numerator")
    denominator = _number(denominator, "denominator")
    if (numerator is None) != (denominator is None) or denominator == 0:
        raise _refuse(codes.BAD_RATIO, _("分子和分母须同时填写，且分母不能为 0。"), field="denominator")
    if numerator is not None:
        derived = engine.ratio(numerator, denominator, definition.scale)
        # the entered value may be rounded to the indicator's decimals; more than that is a contradiction
        tolerance = Decimal(1).scaleb(-definition.decimals) / 2
        if value is not None and abs(value - derived) > tolerance:
            raise _refuse(
                codes.BAD_RATIO, _("指标值与分子/分母不符（应为 %(value)s）。") % {"value": derived}, field="value"
            )
        value = derived
    if value is None:
        raise _refuse(codes.INVALID, _("请填写指标值。"), field="value")
    return Checked(definition, org_unit, parsed, value, numerator, denominator)


#: an import's rows are staged this many to a transaction
STAGE_ROWS = 200


def _staged(checked: Checked, *, actor, now, token: str) -> IndicatorValue:
    return IndicatorValue(
        definition=checked.definition,
        org_unit=checked.org_unit,
        period=checked.period.code,
        period_start=checked.period.start,
        period_end=checked.period.end,
        value=checked.value,
        numerator=checked.numerator,
        denominator=checked.denominator,
        source=IndicatorValue.Source.COLLECTED,
        is_current=False,
        staged_import=token,
        computed_at=now,
        entered_by=actor,
    )


def _publish(token: str, entries: dict[tuple, Checked], *, actor, now) -> None:
    """Make the staged rows the current values (the rows they replace become history) and audit each entry;
    runs inside the transaction that also writes the figures they change (engine.recompute)."""
    staged = IndicatorValue.objects.filter(staged_import=token)
    rows = list(staged.values_list("pk", "definition_id", "org_unit_id", "period"))
    same_key = staged.filter(
        definition=OuterRef("definition"), org_unit=OuterRef("org_unit"), period=OuterRef("period")
    )
    replaced = IndicatorValue.objects.filter(is_current=True).filter(Exists(same_key))
    before = {
        (d, u, p): value for d, u, p, value in replaced.values_list("definition_id", "org_unit_id", "period", "value")
    }
    replaced.update(is_current=False, superseded_at=now)
    if staged.update(is_current=True, staged_import="") != len(entries):
        raise RuntimeError("indicator import: staged rows went missing before they were published")
    for pk, definition_id, unit_id, period in rows:
        entry = entries[(definition_id, unit_id, period)]
        audit.record(
            actor=actor,
            action="indicators.value_collect",
            object_type=IndicatorValue._meta.label_lower,
            object_id=str(pk),
            object_repr=f"{definition_id}/{unit_id}/{period}={entry.value}",
            org_unit=entry.org_unit,
            changes={
                "indicator": entry.definition.code,
                "period": period,
                "value": {"before": before.get((definition_id, unit_id, period)), "after": entry.value},
            },
            at=now,
        )


def _discard(token: str) -> None:
    """Remove what a failed store staged, in short transactions: nothing of it was ever visible."""
    staged = IndicatorValue.objects.filter(staged_import=token)
    while batch := list(staged.values_list("pk", flat=True)[:STAGE_ROWS]):
        IndicatorValue.objects.filter(pk__in=batch, staged_import=token).delete()


def _store(entries: list[Checked], *, actor, now) -> list[int]:
    """Store checked entries, each superseding its unit's current value, and recompute what they feed (the
    rollups above the units, the formulas that read the indicators); returns the new rows' ids.

    No transaction holds the write lock for longer than a short batch: the rows are staged invisible
    (`staged_import`) STAGE_ROWS at a time, the figures they change are computed outside any transaction,
    then ONE short transaction makes the rows current and writes those figures (engine.recompute): other
    users see all of it or none of it. On any failure the staged rows are removed. Then each period is
    judged against its targets at once (alerts, their own transactions): the periodic sweep only looks at
    the current and previous periods, and last year's figures are often entered this year.
    """
    from xiaobao.indicators.engine import Stored

    token = uuid.uuid4().hex
    nested = transaction.get_connection().in_atomic_block  # a caller's transaction: its rollback cleans up
    entries = {(e.definition.pk, e.org_unit.pk, e.period.code): e for e in entries}
    ordered = list(entries.values())
    try:
        staged: list[IndicatorValue] = []
        for start in range(0, len(ordered), STAGE_ROWS):
            with transaction.atomic():
                staged += IndicatorValue.objects.bulk_create(
                    [_staged(e, actor=actor, now=now, token=token) for e in ordered[start : start + STAGE_ROWS]]
                )
        pending: dict[str, list[Stored]] = {}
        for row in staged:
            pending.setdefault(row.period, []).append(Stored(*(getattr(row, name) for name in Stored._fields)))
        chosen = list({e.definition.pk: e.definition for e in ordered}.values())
        engine.recompute(
            definitions=[*chosen, *engine.dependents(chosen)],
            period_codes={e.period.code for e in ordered},
            now=now,
            pending=pending,
            publish=partial(_publish, token, entries, actor=actor, now=now),
        )
    except BaseException:
        if not nested:
            _discard(token)
        raise
    for code in sorted({e.period.code for e in ordered}):
        alerts.alerts_evaluate(period=code, now=now)
    return [row.pk for row in staged]


def value_collect(
    *, actor, definition, org_unit, period, value=None, numerator=None, denominator=None, now=None
) -> IndicatorValue:
    """Enter a collected indicator's value for a unit and period (a new row superseding the current one),
    then recompute the rollups above the unit and the formulas that read the indicator: the value and those
    figures become visible together, and the write lock is held only to write them (see `_store`).

    Refuses: NOT_ALLOWED (no indicators.add_indicatorvalue, or read-only, 403), OUT_OF_SCOPE (unit outside
    the actor's write scope, 403), NOT_COLLECTED (a computed or formula indicator), INACTIVE, BAD_PERIOD
    (malformed, or finer than the indicator's frequency), FUTURE_PERIOD, INVALID (not a number, negative,
    missing), BAD_RATIO (numerator without denominator, denominator 0, value contradicting them).
    """
    now = now or timezone.now()
    checked = check_entry(
        actor=actor,
        definition=definition,
        org_unit=org_unit,
        period=period,
        value=value,
        numerator=numerator,
        denominator=denominator,
        today=timezone.localdate(now),
    )
    (pk,) = _store([checked], actor=actor, now=now)
    return IndicatorValue.objects.get(pk=pk)


# --- Excel import ---------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    written: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row number, column, message)

    @property
    def ok(self) -> bool:
        return not self.errors


def values_template() -> bytes:
    """The import workbook: the columns, one example row, and a sheet listing the collected indicators."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(HEADERS))
    sheet.append(["e_rate_underwriting", "HQ", "2024", None, 9928, 10000])
    codes_sheet = book.create_sheet(_("指标清单"))
    codes_sheet.append([_("指标代码"), _("指标名称"), _("计量单位"), _("频度"), _("填报说明")])
    for d in D.objects.filter(is_active=True, source=D.Source.COLLECTED).order_by("sort", "code"):
        hint = _("比率类可填分子、分母，由系统计算指标值") if d.rollup == D.Rollup.RATIO else ""
        codes_sheet.append([d.code, d.name, d.unit, d.get_frequency_display(), hint])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read(content: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _refuse(codes.IMPORT_FORMAT, _("无法读取该工作簿。"), field="file") from exc
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_cell(v) for v in (next(rows, None) or ())]
    if tuple(header[: len(HEADERS)]) != HEADERS:
        raise _refuse(
            codes.IMPORT_FORMAT, _("第一行应为：%(headers)s。") % {"headers": "、".join(HEADERS)}, field="file"
        )
    found = []
    for number, row in enumerate(rows, start=2):
        if number > SCAN_LINES:  # blank lines count too: a sheet of a million empty rows is refused while read
            raise _refuse(codes.IMPORT_FORMAT, _("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS}, field="file")
        cells = list(row[: len(HEADERS)]) + [None] * (len(HEADERS) - len(row[: len(HEADERS)]))
        if all(_cell(c) == "" for c in cells):
            continue
        found.append((number, cells))
        if len(found) > MAX_ROWS:
            raise _refuse(codes.IMPORT_FORMAT, _("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS}, field="file")
    return found


def values_import(*, actor, upload, now=None) -> ImportResult:
    """Import collected values from the template workbook: every row is checked first (the same refusals as
    `value_collect`, plus unknown codes and a row repeated in the file); one bad row and nothing is written
    (the result lists every row error). Otherwise all rows are stored, and what they feed recomputed.

    Refuses the whole file: NOT_ALLOWED (403), the upload checks (not an .xlsx by content…), IMPORT_FORMAT
    (unreadable, wrong header, too many rows). The file is read and every row checked before anything is
    written: a slow or hostile file never holds the database's write lock; the rows are then stored as
    `_store` says (staged invisible in short batches, published with their figures in one short commit).
    """
    now = now or timezone.now()
    if not (actor and actor.is_authenticated and actor.has_perm(ADD_VALUE)):
        raise _refuse(codes.NOT_ALLOWED, _("您没有填报指标值的权限。"), status=403)
    content = check_upload(upload, allowed=frozenset({"xlsx"}), field="file").content
    rows = _read(content)
    definitions = {d.code: d for d in D.objects.all()}
    units = {u.code: u for u in OrgUnit.objects.all()}
    result, checked, seen = ImportResult(), [], {}
    column = dict(zip(("definition", "org_unit", "period", "value", "numerator", "denominator"), HEADERS, strict=True))
    for number, cells in rows:
        code, unit_code, period = _cell(cells[0]), _cell(cells[1]), _cell(cells[2])
        definition, unit = definitions.get(code), units.get(unit_code)
        if definition is None:
            result.errors.append((number, HEADERS[0], _("未知的指标代码“%(code)s”。") % {"code": code}))
            continue
        if unit is None:
            result.errors.append((number, HEADERS[1], _("未知的机构代码“%(code)s”。") % {"code": unit_code}))
            continue
        try:
            entry = check_entry(
                actor=actor,
                definition=definition,
                org_unit=unit,
                period=period,
                value=cells[3],
                numerator=cells[4],
                denominator=cells[5],
                today=timezone.localdate(now),
            )
        except BusinessRuleError as exc:
            name = next(iter(exc.fields), "") if exc.fields else ""
            result.errors.append((number, column.get(name, ""), str(exc.detail)))
            continue
        key = (code, unit_code, entry.period.code)
        if key in seen:
            result.errors.append((number, HEADERS[0], _("与第 %(row)s 行重复。") % {"row": seen[key]}))
            continue
        seen[key] = number
        checked.append(entry)
    if result.errors:
        return result
    _store(checked, actor=actor, now=now)
    result.written = len(checked)
    return result


# --- targets --------------------------------------------------------------------------------------------


def check_thresholds(definition, target: Decimal, amber: Decimal, red: Decimal) -> None:
    """Thresholds run in the indicator's direction: for higher-is-better target ≥ amber ≥ red, for
    lower-is-better target ≤ amber ≤ red."""
    ordered = target >= amber >= red if definition.direction == D.Direction.HIGHER else target <= amber <= red
    if not ordered:
        message = (
            _("越高越好的指标须满足：目标值 ≥ 黄色预警线 ≥ 红色预警线。")
            if definition.direction == D.Direction.HIGHER
            else _("越低越好的指标须满足：目标值 ≤ 黄色预警线 ≤ 红色预警线。")
        )
        raise _refuse(codes.BAD_THRESHOLDS, message, field="amber")


@transaction.atomic
def target_set(*, actor, definition, year: int, target, amber, red, org_unit=None, note: str = "", now=None) -> Target:
    """Set (or change) the target and the amber/red thresholds of an indicator for a year, for one unit or —
    org_unit None — for every unit without a target of its own.

    Refuses: NOT_ALLOWED (no indicators.add_target/change_target, or read-only, 403), OUT_OF_SCOPE (a unit
    outside the actor's write scope; a company-wide target needs company-wide scope, 403), INVALID (not
    numbers, a year out of range), BAD_THRESHOLDS (not ordered in the indicator's direction).
    """
    now = now or timezone.now()
    if not (actor and actor.is_authenticated and actor.has_perm(ADD_TARGET) and actor.has_perm(CHANGE_TARGET)):
        raise _refuse(codes.NOT_ALLOWED, _("您没有设置目标值的权限。"), status=403)
    scope = scope_for(actor, "change")
    if not (scope.everything if org_unit is None else scope.covers(org_unit.path)):
        raise _refuse(codes.OUT_OF_SCOPE, _("只能为本机构及下级机构设置目标值。"), field="org_unit", status=403)
    try:
        year = int(year)
        numbers = [Decimal(str(v)) for v in (target, amber, red)]
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise _refuse(codes.INVALID, _("目标值和预警线须为数字。"), field="target") from exc
    if not 2000 <= year <= 2100 or any(not n.is_finite() or abs(n) >= engine.LIMIT for n in numbers):
        raise _refuse(codes.INVALID, _("年度或数值超出范围。"), field="year")
    target, amber, red = (engine.decimal(n) for n in numbers)
    check_thresholds(definition, target, amber, red)
    row = Target.objects.select_for_update().filter(definition=definition, org_unit=org_unit, year=year).first()
    before = {"target": row.target, "amber": row.amber, "red": row.red} if row else None
    if row is None:
        row = Target(definition=definition, org_unit=org_unit, year=year)
    row.target, row.amber, row.red, row.note = target, amber, red, (note or "")[:200]
    row.save()
    audit.record(
        actor=actor,
        action="indicators.target_set",
        obj=row,
        org_unit=org_unit,
        changes={"indicator": definition.code, "year": year, "before": before, "after": [target, amber, red]},
        at=now,
    )
    return row
