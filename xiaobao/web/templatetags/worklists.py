"""List helpers for every app's list pages: sortable column headers and the saved-views bar (issue 21).

Both keep what the page's URL already holds (its filters) and drop the page number, so a new sort or an opened
view starts at page 1. The sort keys a header may send are the list selector's whitelist; a key the selector
does not know is ignored there.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from xiaobao.web import saved_views

register = template.Library()


def _params(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label) -> str:
    """A <th> whose link sorts the list by `key` (ascending first, then descending), marked with aria-sort."""
    request = context["request"]
    params = _params(request)
    current = params.get("sort", "")
    ascending, descending = current == key, current == f"-{key}"
    params["sort"] = f"-{key}" if ascending else key
    state = "ascending" if ascending else "descending" if descending else "none"
    arrow = "▲" if ascending else "▼" if descending else ""
    title = _("按“%(label)s”排序") % {"label": label}
    return format_html(
        '<th scope="col" aria-sort="{}"><a class="sort-link" href="?{}" title="{}" data-sort-key="{}">{}'
        '<span class="sort-arrow" aria-hidden="true">{}</span></a></th>',
        state,
        params.urlencode(),
        title,
        key,
        label,
        arrow,
    )


@register.inclusion_tag("web/_saved_views.html", takes_context=True)
def saved_views_bar(context, page: str) -> dict:
    """The person's saved views of this list, and a form saving what the page shows now under a name."""
    request = context["request"]
    return {
        "page": page,
        "views": [
            {
                "view": view,
                "url": saved_views.url_of(view),
                "current": view.query == saved_views.clean_query(request.GET.urlencode()),
            }
            for view in saved_views.views_for(request.user, page)
        ],
        "query": saved_views.clean_query(request.GET.urlencode()),
        "csrf_token": context.get("csrf_token"),
    }
