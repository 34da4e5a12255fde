from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "xiaobao.knowledge"
    label = "knowledge"
    verbose_name = _("知识中心")

    def ready(self):
        # Who may see the process of a document (tasks, history, diagram): whoever may see the document.
        from xiaobao.knowledge import selectors
        from xiaobao.workflow import access

        access.register("knowledge.document", selectors.documents_in_reach)
        # How its process's variables read on task and history pages (labels, names, local times).
        from xiaobao.knowledge import process_fields
        from xiaobao.knowledge.versions import PROCESS_KEY

        process_fields.register(PROCESS_KEY)
