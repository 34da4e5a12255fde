"""Pages of a long list that read the page's ids first, then only those rows (a "deferred join").

A list of the visible rows ordered by an expression (the action-first order of core/sorting.py) cannot be walked
in index order: the database orders every visible row to return the first 50. Read as full rows, that is every
wide row of the table (encrypted personal data, long texts); read as ids, an index holding the scope's and the
order's columns answers it alone (complaint_unit_list_idx: 1.7 s -> 0.15 s for the first page of 67k visible
complaints at 200k rows on SQLite). The page's own rows then come by primary key, with the caller's
select_related / only, in the order of the ids.

The rows a page shows are those of the plain slice: the same queryset (its data scope and filters) orders and cuts
the ids; the second read takes those ids through the model's default manager (which keeps its own exclusions, e.g.
staged imports) with the queryset's select_related and only().
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination


def rows_by_ids_first(rows: QuerySet, bottom: int, top: int) -> list:
    """rows[bottom:top] as a list, read as the slice's ids first and then those rows by primary key."""
    ids = list(rows.values_list("pk", flat=True)[bottom:top])
    if not ids:
        return []
    # the rows by primary key alone: the filters (data scope, the 待办 subquery) chose the ids a moment ago in this
    # request; repeating them here would only make the database evaluate them again
    fetch = rows.model._default_manager.filter(pk__in=ids)
    fetch.query.select_related = rows.query.select_related
    fetch.query.deferred_loading = rows.query.deferred_loading
    found = {row.pk: row for row in fetch}
    return [found[pk] for pk in ids if pk in found]


class IdsFirstPaginator(Paginator):
    """A Django Paginator whose pages come from `rows_by_ids_first` (the count is the queryset's own)."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(rows_by_ids_first(self.object_list, bottom, top), number, self)


class IdsFirstPagination(PageNumberPagination):
    """DRF's page-number pagination (the project's default: `page`, 50 a page) over IdsFirstPaginator."""

    django_paginator_class = IdsFirstPaginator
