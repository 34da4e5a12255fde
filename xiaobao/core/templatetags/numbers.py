"""Template filters printing figures as core.numbers does, so a page shows what the Excel and Word outputs show.

{% load numbers %} {{ n|count }} → 5,010; {{ rate|percent_points }} (a value already in percent) → 99.28%;
{{ fraction|percent }} → 99.28%; {{ value|figure:"亿元" }} → 56.32 亿元.
"""

from __future__ import annotations

from django import template

from xiaobao.core import numbers

register = template.Library()


@register.filter
def count(value) -> str:
    return numbers.count_text(value)


@register.filter
def percent(fraction) -> str:
    return numbers.percent_text(fraction)


@register.filter
def percent_points(value) -> str:
    return numbers.figure_text(value, numbers.PERCENT)


@register.filter
def figure(value, unit: str = "") -> str:
    return numbers.figure_text(value, unit)
