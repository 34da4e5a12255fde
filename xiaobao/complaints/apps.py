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

        # Who may see a complaint's process (tasks, history, diagram): whoever may see the complaint.
        from xiaobao.complaints import selectors
        from xiaobao.workflow import access

        access.register("complaints.complaint", selectors.complaints_visible_to)
        # How its process's variables read on task and history pages (labels, names, local times).
        from xiaobao.complaints import process_fields

        process_fields.register(selectors.PROCESS_KEY)

        # What quality inspection asks of complaints through core.hooks (it may not import us): a complaint
        # shown by a call, the 回访 call list for the outbound robot, and the robot's answers.
        from xiaobao.complaints import receivers
        from xiaobao.core import hooks

        hooks.complaint_draft_requested.connect(receivers.complaint_from_interaction, dispatch_uid="complaints.draft")
        hooks.revisit_calls_requested.connect(receivers.revisit_calls, dispatch_uid="complaints.revisit_calls")
        hooks.revisit_call_answered.connect(receivers.revisit_answered, dispatch_uid="complaints.revisit_answered")
