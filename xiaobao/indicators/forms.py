"""Forms of the indicator pages: the period picker, value entry, the import upload, targets and report requests.

Forms parse and check shapes only; the rules (scope, collected-only, ratio consistency, thresholds in the
indicator's direction) are the services' and come back as BusinessRuleError codes.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiaobao.indicators import periods
from xiaobao.indicators.models import ReportJob

DECIMAL = {"max_digits": 20, "decimal_places": 6}


def period_choices(*, now=None, years: int = 3) -> list[tuple[str, str]]:
    """Years and quarters (and months of this year), newest first, up to the current period."""
    today = timezone.localdate(now or timezone.now())
    choices: list[tuple[str, str]] = []
    for year in range(today.year, today.year - years, -1):
        choices.append((str(year), _("%(year)s年") % {"year": year}))
        for quarter in range(4, 0, -1):
            period = periods.parse(f"{year}-Q{quarter}")
            if period.start <= today:
                choices.append((period.code, _("%(year)s年第%(q)s季度") % {"year": year, "q": quarter}))
    return choices


def default_period(*, now=None) -> str:
    """The last finished quarter: the figure management looks at (the running one is still filling up)."""
    today = timezone.localdate(now or timezone.now())
    return periods.previous(periods.containing(today, periods.QUARTER)).code


class PeriodForm(forms.Form):
    period = forms.CharField(label=_("期间"), required=False, max_length=10)

    def clean_period(self) -> str:
        value = (self.cleaned_data.get("period") or "").strip()
        if not value:
            return default_period()
        try:
            return periods.parse(value).code
        except ValueError as exc:
            raise forms.ValidationError(_("期间格式应为 2024、2024-Q1 或 2024-03。")) from exc


class CollectForm(forms.Form):
    """One collected value: the value, or numerator and denominator for a ratio."""

    definition = forms.IntegerField(widget=forms.HiddenInput)
    org_unit = forms.IntegerField(widget=forms.HiddenInput)
    period = forms.CharField(max_length=10, widget=forms.HiddenInput)
    value = forms.DecimalField(label=_("指标值"), required=False, **DECIMAL)
    numerator = forms.DecimalField(label=_("分子"), required=False, **DECIMAL)
    denominator = forms.DecimalField(label=_("分母"), required=False, **DECIMAL)

    def clean(self):
        data = super().clean()
        if data.get("value") is None and data.get("numerator") is None:
            raise forms.ValidationError(_("请填写指标值。"))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))


class TargetForm(forms.Form):
    definition = forms.IntegerField(widget=forms.HiddenInput)
    org_unit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    year = forms.IntegerField(min_value=2000, max_value=2100, widget=forms.HiddenInput)
    target = forms.DecimalField(label=_("目标值"), **DECIMAL)
    amber = forms.DecimalField(label=_("黄色预警线"), **DECIMAL)
    red = forms.DecimalField(label=_("红色预警线"), **DECIMAL)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("报告类型"), choices=ReportJob.Kind.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1


def as_decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)
