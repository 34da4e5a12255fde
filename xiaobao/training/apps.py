from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "xiaobao.training"
    label = "training"
    verbose_name = _("培训考试")

    def ready(self) -> None:
        from xiaobao.core import hooks
        from xiaobao.training.receivers import on_targeted_training_requested

        hooks.targeted_training_requested.connect(on_targeted_training_requested, dispatch_uid="training.targeted")
