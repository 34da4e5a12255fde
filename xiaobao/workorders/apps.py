from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkOrdersConfig(AppConfig):
    name = "xiaobao.workorders"
    label = "workorders"
    verbose_name = _("工单管理")

    def ready(self):
        # Service tasks of processes/workorder.bpmn; registered before migrate deploys the process.
        from xiaobao.workflow import handlers
        from xiaobao.workorders import services

        handlers.register("workorders.supervise", services.handle_overdue)
        handlers.register("workorders.escalate", services.handle_supervision_expired)
        # Who may see an order's process (tasks, history, diagram): whoever may see the order.
        from xiaobao.workflow import access
        from xiaobao.workorders import selectors

        access.register("workorders.workorder", selectors.visible_orders)
        # A year's holiday schedule published: orders' provisional deadlines are counted again.
        from xiaobao.core.signals import calendar_year_published
        from xiaobao.workorders.calendar_refresh import recount_provisional

        calendar_year_published.connect(recount_provisional, dispatch_uid="workorders.recount_provisional")
