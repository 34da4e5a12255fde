from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "xiaobao.core"
    label = "core"
    verbose_name = _("基础平台")

    def ready(self):
        from xiaobao.core.roles import sync_roles

        # After every app's permissions exist, so roles pick up apps added later.
        post_migrate.connect(sync_roles, dispatch_uid="xiaobao.core.sync_roles")
