from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    name = "xiaobao.inspection"
    label = "inspection"
    verbose_name = _("智能质检")
