"""Formulas over other indicators (公式指标), parsed safely: never `eval`.

A formula is an arithmetic expression over indicator codes and numbers: + - * /, parentheses and unary
minus (e.g. `complaints_count / premium_income_100m`). It is parsed with `ast` and every node is checked
against a whitelist, so calls, attribute access, subscripts, comparisons, strings and the like are refused
before anything is evaluated; evaluation walks the checked tree with Decimal arithmetic.

Dimensions: each code carries its indicator's unit (件, 亿元, %, 人次…). Adding or subtracting figures of
different units is refused (件 + % means nothing); multiplying and dividing combine them (件 / 亿元 → 件/亿元).
A bare number takes the unit of what it is added to, so `100 - rate` stays a percentage.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, InvalidOperation

from django.utils.translation import gettext as _

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.indicators import error_codes as codes

MAX_LENGTH = 300
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class FormulaError(BusinessRuleError):
    def __init__(self, code: str, detail: str):
        super().__init__(code, detail, fields={"formula": [code]})


@dataclass(frozen=True)
class Node:
    op: str  # "num", "name", "neg", "+", "-", "*", "/"
    value: Decimal | None = None
    name: str = ""
    left: Node | None = None
    right: Node | None = None


@dataclass(frozen=True)
class Formula:
    text: str
    tree: Node
    codes: frozenset[str]

    def evaluate(self, values: dict[str, Decimal | None]) -> Decimal | None:
        """The result for one unit and period; None when an input is missing or a divisor is 0."""
        return _evaluate(self.tree, values)

    def dimension(self, units: dict[str, str]) -> str:
        """The result's unit (e.g. "件/亿元"); FormulaError FORMULA_DIMENSION on + or - across units."""
        return format_unit(_dimension(self.tree, units))


def parse(text: str) -> Formula:
    """Check and compile a formula. Refuses (FormulaError): FORMULA_SYNTAX (empty, too long, not an
    expression), FORMULA_FORBIDDEN (anything but numbers, codes, + - * /, parentheses, unary minus)."""
    text = (text or "").strip()
    if not text or len(text) > MAX_LENGTH:
        raise FormulaError(codes.FORMULA_SYNTAX, _("公式为空或超过 %(n)s 个字符。") % {"n": MAX_LENGTH})
    try:
        expression = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise FormulaError(codes.FORMULA_SYNTAX, _("公式不是有效的算式：%(text)s") % {"text": text}) from exc
    try:
        tree = _compile(expression.body)
    except RecursionError as exc:
        raise FormulaError(codes.FORMULA_SYNTAX, _("公式嵌套过深。")) from exc
    return Formula(text=text, tree=tree, codes=frozenset(_names(tree)))


def _forbidden(node: ast.AST) -> FormulaError:
    return FormulaError(
        codes.FORMULA_FORBIDDEN,
        _("公式只能包含指标代码、数字、加减乘除和括号（不允许：%(what)s）。") % {"what": type(node).__name__},
    )


def _compile(node: ast.AST) -> Node:
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return Node(_OPERATORS[type(node.op)], left=_compile(node.left), right=_compile(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _compile(node.operand)
        return Node("neg", left=operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return Node("num", value=Decimal(str(node.value)))
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        if not CODE.match(node.id):
            raise FormulaError(codes.FORMULA_SYNTAX, _("“%(name)s”不是有效的指标代码。") % {"name": node.id})
        return Node("name", name=node.id)
    raise _forbidden(node)


def _names(node: Node | None):
    if node is None:
        return
    if node.op == "name":
        yield node.name
    yield from _names(node.left)
    yield from _names(node.right)


def _evaluate(node: Node, values: dict) -> Decimal | None:
    if node.op == "num":
        return node.value
    if node.op == "name":
        value = values.get(node.name)
        return None if value is None else Decimal(value)
    left = _evaluate(node.left, values)
    if left is None:
        return None
    if node.op == "neg":
        return -left
    right = _evaluate(node.right, values)
    if right is None:
        return None
    try:
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        return None if right == 0 else left / right
    except (InvalidOperation, DivisionByZero, OverflowError):
        return None


# --- dimensions ----------------------------------------------------------------------------------------------

_ANY = None  # a bare number: takes the unit of the other side of + or -


def parse_unit(unit: str) -> Counter:
    """ "件/亿元" → {件: 1, 亿元: -1}; "" → dimensionless. A symbol is whatever sits between · * and /."""
    result: Counter = Counter()
    parts = (unit or "").replace(" ", "").split("/")
    for sign, part in ((1, parts[0]), *((-1, p) for p in parts[1:])):
        for symbol in re.split(r"[·*]", part):
            if symbol:
                result[symbol] += sign
    return Counter({k: v for k, v in result.items() if v})


def format_unit(dimension: Counter | None) -> str:
    if not dimension:
        return ""
    top = "·".join(k if v == 1 else f"{k}^{v}" for k, v in sorted(dimension.items()) if v > 0)
    bottom = "·".join(k if v == -1 else f"{k}^{-v}" for k, v in sorted(dimension.items()) if v < 0)
    return f"{top or '1'}/{bottom}" if bottom else top


def _dimension(node: Node, units: dict[str, str]):
    if node.op == "num":
        return _ANY
    if node.op == "name":
        return parse_unit(units.get(node.name, ""))
    if node.op == "neg":
        return _dimension(node.left, units)
    left, right = _dimension(node.left, units), _dimension(node.right, units)
    if node.op in "+-":
        if left is _ANY or right is _ANY or left == right:
            return right if left is _ANY else left
        raise FormulaError(
            codes.FORMULA_DIMENSION,
            _("不能对不同计量单位的指标做加减：%(a)s 与 %(b)s。")
            % {"a": format_unit(left) or _("无量纲"), "b": format_unit(right) or _("无量纲")},
        )
    left, right = left or Counter(), right or Counter()
    combined = Counter(left)
    for symbol, power in right.items():
        combined[symbol] += power if node.op == "*" else -power
    return Counter({k: v for k, v in combined.items() if v})
