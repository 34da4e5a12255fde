from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "xiaobao.complaints"
    label = "complaints"
    verbose_name = _("投诉管理")

    def ready(self):
        # The service task of processes/complaint.bpmn; registered before migrate deploys the process.
        from xiaobao.complaints import services
        from xiaobao.workflow import handlers

        handlers.register("complaints.supervise", services.handle_overdue)

        # A year's holiday schedule published: provisional statutory deadlines are counted again.
        from xiaobao.complaints.calendar_refresh import recompute_provisional
        from xiaobao.core.signals import calendar_year_published

        calendar_year_published.connect(recompute_provisional, dispatch_uid="complaints.recompute_provisional")
