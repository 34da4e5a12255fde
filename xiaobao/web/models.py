"""The interface's own data: a person's saved list views."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """保存的视图: a list's filters and sort under a name, for one person only (the query string the list page
    already keeps in its URL, so opening the view is opening that URL)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("所有人"), on_delete=models.CASCADE, related_name="+"
    )
    page = models.CharField(_("列表"), max_length=40)  # a key of saved_views.PAGES
    name = models.CharField(_("名称"), max_length=60)
    query = models.CharField(_("筛选条件"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("保存的视图")
        verbose_name_plural = _("保存的视图")
        ordering = ["page", "name"]
        constraints = [models.UniqueConstraint(fields=["owner", "page", "name"], name="web_savedview_unique_name")]

    def __str__(self) -> str:
        return self.name
