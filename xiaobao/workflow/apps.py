import logging

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def deploy_processes_after_migrate(sender, using="default", **kwargs):
    """Deploy the apps' processes/*.bpmn once all apps are migrated (roles exist by then)."""
    if using != "default":
        return
    from xiaobao.workflow.services import deploy_app_processes

    deploy_app_processes()


class WorkflowConfig(AppConfig):
    name = "xiaobao.workflow"
    label = "workflow"
    verbose_name = _("流程引擎")

    def ready(self):
        # Spiff logs every task state change at INFO: noise in the logs and a measurable cost per step.
        logging.getLogger("spiff").setLevel(logging.WARNING)
        # sender=self: once per migrate run, after core's post_migrate has synced the roles.
        post_migrate.connect(deploy_processes_after_migrate, sender=self, dispatch_uid="xiaobao.workflow.deploy")
        # A year's holiday schedule published: day-counted provisional task deadlines are counted again.
        from xiaobao.core.signals import calendar_year_published
        from xiaobao.workflow.services.recount import recount_provisional_dues

        calendar_year_published.connect(recount_provisional_dues, dispatch_uid="workflow.recount_provisional_dues")
