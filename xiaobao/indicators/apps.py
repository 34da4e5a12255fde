from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "xiaobao.indicators"
    label = "indicators"
    verbose_name = _("指标管理")

    def ready(self):
        from xiaobao.core import names

        names.register(names.INDICATOR, _indicator_names)


def _indicator_names(codes: set) -> dict:
    from xiaobao.indicators.models import IndicatorDefinition

    return dict(IndicatorDefinition.objects.filter(code__in=codes).values_list("code", "name"))
