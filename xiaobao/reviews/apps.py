from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "xiaobao.reviews"
    label = "reviews"
    verbose_name = _("消保审查")

    def ready(self):
        # Who may see the process of a review (tasks, history, diagram): whoever may see the review.
        from xiaobao.reviews import selectors
        from xiaobao.workflow import access

        access.register("reviews.review", selectors.reviews_visible_to)
        # How its process's variables read on task and history pages (labels, names, local times).
        from xiaobao.reviews import process_fields

        process_fields.register(selectors.PROCESS_KEY)
