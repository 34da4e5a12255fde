from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_calendar(sender, **kwargs):
    if sender.label != "core":
        return
    from xiaobao.core.services import calendar_seed_from_package

    calendar_seed_from_package(actor=None)


class CoreConfig(AppConfig):
    name = "xiaobao.core"
    label = "core"
    verbose_name = _("基础平台")

    def ready(self):
        from xiaobao.core import (
            calendar_cache,  # noqa: F401 (connects the signals that drop the cached calendar)
            sessions,  # noqa: F401 (a sign-in counts as the session's first extension)
        )
        from xiaobao.core.roles import sync_roles

        # After every app's permissions exist, so roles pick up apps added later.
        post_migrate.connect(sync_roles, dispatch_uid="xiaobao.core.sync_roles")
        # Years the chinese-calendar package covers and the table lacks; never overwrites admins' edits.
        post_migrate.connect(_seed_calendar, dispatch_uid="xiaobao.core.seed_calendar")
