"""Checks on an indicator definition (admin's form and `IndicatorDefinition.full_clean`): the query a
computed indicator names is registered; a formula parses, names only defined codes, does not depend on
itself, and adds or subtracts only figures of the same unit (件 + % is refused)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from xiaobao.indicators import error_codes as codes
from xiaobao.indicators import formula as formulas
from xiaobao.indicators import registry


def definition_clean(definition) -> None:
    from xiaobao.indicators.models import IndicatorDefinition as D

    if definition.source == D.Source.COMPUTED:
        if registry.query(definition.query) is None:
            message = _("没有名为“%(key)s”的计算口径。") % {"key": definition.query}
            raise ValidationError({"query": ValidationError(message, code=codes.UNKNOWN_QUERY)})
    elif definition.source == D.Source.FORMULA:
        check_formula(definition)
    if definition.scale is not None and definition.scale <= 0:
        raise ValidationError({"scale": ValidationError(_("倍数必须大于 0。"), code=codes.INVALID)})


def check_formula(definition) -> str:
    """The formula's unit (e.g. "件/亿元"); ValidationError naming the code of the refusal otherwise."""
    from xiaobao.indicators.models import IndicatorDefinition as D

    try:
        parsed = formulas.parse(definition.formula)
        others = {d.code: d for d in D.objects.exclude(pk=definition.pk).only("code", "unit", "source", "formula")}
        _check_cycle(definition.code, parsed.codes, others)
        unknown = sorted(code for code in parsed.codes if code not in others)
        if unknown:
            raise formulas.FormulaError(
                codes.FORMULA_UNKNOWN_CODE, _("公式引用了未定义的指标：%(codes)s。") % {"codes": "、".join(unknown)}
            )
        units = {code: d.unit for code, d in others.items()}
        return parsed.dimension(units)
    except formulas.FormulaError as exc:
        raise ValidationError({"formula": ValidationError(str(exc.detail), code=exc.error_code)}) from exc


def _check_cycle(code: str, reads: frozenset[str], others: dict) -> None:
    pending, seen = list(reads), set()
    while pending:
        current = pending.pop()
        if current == code:
            raise formulas.FormulaError(codes.FORMULA_CYCLE, _("公式直接或间接引用了指标自身。"))
        if current in seen:
            continue
        seen.add(current)
        other = others.get(current)
        if other is not None and other.source == "formula" and other.formula:
            try:
                pending.extend(formulas.parse(other.formula).codes)
            except formulas.FormulaError:
                continue
