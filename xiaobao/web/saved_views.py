"""Saved list views (issue 21): a person names the filters and sort a list page shows — the page's own query
string — and opens them again in one click. Each person's views are theirs alone: another person's view is 404.

A view stores the query string only, re-read by the list page's own form and selector, which apply the
opener's data scope; saving a view can never widen what anyone sees.
"""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.web import error_codes as codes
from xiaobao.web.models import SavedView

# list key → the list page's url name (the lists of work that offer saved views)
PAGES = {
    "complaints": "complaints:list",
    "reviews": "reviews:list",
    "workorders": "workorders:list",
    "plans": "plans:list",
    "inspection": "inspection:list",
    "interactions": "inspection:interactions",
    "outbound": "inspection:outbound",
    "assignments": "training:assignments",
    "exams": "training:exams",
    "sessions": "training:sessions",
    "knowledge": "knowledge:search",
}
PAGE_LABELS = {
    "complaints": gettext_lazy("投诉管理"),
    "reviews": gettext_lazy("消保审查"),
    "workorders": gettext_lazy("工单管理"),
    "plans": gettext_lazy("方案管理"),
    "inspection": gettext_lazy("质检工作台"),
    "interactions": gettext_lazy("服务交互"),
    "outbound": gettext_lazy("外呼回访"),
    "assignments": gettext_lazy("定向培训"),
    "exams": gettext_lazy("考试"),
    "sessions": gettext_lazy("培训场次"),
    "knowledge": gettext_lazy("知识中心"),
}
MAX_PER_PAGE = 20
NAME_MAX = 60
QUERY_MAX = 1000
DROPPED = ("page", "csrfmiddlewaretoken")  # a view is filters and sort, not a page number


def clean_query(query: str) -> str:
    """The query string as stored: parsed and re-encoded (no fragment, no page number)."""
    params = QueryDict(str(query or "").lstrip("?").split("#", 1)[0], mutable=True)
    for name in DROPPED:
        params.pop(name, None)
    return params.urlencode()


def url_of(view: SavedView) -> str:
    return reverse(PAGES[view.page]) + ("?" + view.query if view.query else "")


def views_for(user, page: str):
    """The signed-in person's own views of one list, by name."""
    if not getattr(user, "is_authenticated", False) or page not in PAGES:
        return SavedView.objects.none()
    return SavedView.objects.filter(owner=user, page=page).order_by("name", "id")


@transaction.atomic
def saved_view_save(*, owner, page: str, name: str, query: str) -> SavedView:
    """Save (or, under a name already used on that list, replace) a view. Refuses an unknown list, a blank or
    over-long name, over-long filters, and more than MAX_PER_PAGE views per list."""
    if page not in PAGES:
        raise BusinessRuleError(codes.SAVED_VIEW_UNKNOWN_PAGE, _("这个列表不能保存视图。"))
    name = str(name or "").strip()
    if not name:
        raise BusinessRuleError(codes.SAVED_VIEW_NAME_REQUIRED, _("请为视图起一个名称。"), {"name": [_("必填。")]})
    query = clean_query(query)
    if len(name) > NAME_MAX or len(query) > QUERY_MAX:
        raise BusinessRuleError(
            codes.SAVED_VIEW_TOO_LONG,
            _("视图名称最多 %(name)s 个字，筛选条件最多 %(query)s 个字符。") % {"name": NAME_MAX, "query": QUERY_MAX},
        )
    existing = SavedView.objects.select_for_update().filter(owner=owner, page=page, name=name).first()
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query"])
        return existing
    if SavedView.objects.filter(owner=owner, page=page).count() >= MAX_PER_PAGE:
        raise BusinessRuleError(
            codes.SAVED_VIEW_TOO_MANY, _("每个列表最多保存 %(n)s 个视图，请先删除不用的。") % {"n": MAX_PER_PAGE}
        )
    return SavedView.objects.create(owner=owner, page=page, name=name, query=query)


@transaction.atomic
def saved_view_delete(*, owner, pk: int) -> str:
    """Delete one of the owner's views; 404 for anyone else's (ids reveal nothing). Returns its list's key."""
    view = SavedView.objects.filter(owner=owner, pk=pk).first()
    if view is None:
        raise Http404
    page = view.page
    view.delete()
    return page
