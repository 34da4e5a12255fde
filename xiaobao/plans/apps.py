from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "xiaobao.plans"
    label = "plans"
    verbose_name = _("方案管理")

    def ready(self):
        # Who may see the process of a plan (tasks, history, diagram): whoever may see the plan.
        from xiaobao.plans import selectors
        from xiaobao.workflow import access

        access.register("plans.plan", selectors.plans_for)
        # How its process's variables read on task and history pages (labels, names, local times).
        from xiaobao.plans import process_fields

        process_fields.register(selectors.PROCESS_KEY)
