"""Who may see a process: the rule of the business object it serves (issue 14).

The workflow app knows tasks, instances and history, not complaints or reviews. The org-unit scope of a task
says who may act on it; it cannot say who may *read* a complaint's decision text or a review of another
department. So each app that runs processes on its objects registers the one rule its own pages and API
already apply — a function `visible(user) -> QuerySet` of the objects the user may see — and every workflow
read (inbox, task, instance, history, diagram; pages and API) keeps only processes whose object passes it.

    # xiaobao/<app>/apps.py
    def ready(self):
        from xiaobao.<app> import selectors
        from xiaobao.workflow import access

        access.register("<app_label>.<model>", selectors.<things>_visible_to)

The workflow app never imports the apps above it: they register themselves, as service handlers do.
A process whose object type registered no rule (e.g. a generic approval of an uploaded file) falls back to
the process definition's own view permission, `viewPermission` on the BPMN process, when it declares one;
the org scope and the task's own people (holder, candidates, completer) apply on top, as for every process.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

VisibleRule = Callable[..., QuerySet]

_RULES: dict[tuple[str, str], VisibleRule] = {}


def _key(model) -> tuple[str, str]:
    if isinstance(model, str):
        app_label, _, model_name = model.partition(".")
        if not app_label or not model_name:
            raise ValueError(f"expected 'app_label.model', got {model!r}")
        return app_label.lower(), model_name.lower()
    return model._meta.app_label, model._meta.model_name


def register(model, visible: VisibleRule) -> None:
    """Declare who may see objects of `model` ("app_label.model" or the class): `visible(user)` returns the
    QuerySet of those objects the user may see — the same function the app's own selectors use."""
    _RULES[_key(model)] = visible


def rule_for(model) -> VisibleRule | None:
    return _RULES.get(_key(model))


def registered() -> list[str]:
    return sorted(f"{a}.{m}" for a, m in _RULES)


def _content_type_ids() -> dict[tuple[str, str], int]:
    """The registered models' content type ids: one query when Django's cache is cold, none after."""
    from django.apps import apps

    models = []
    for app_label, model_name in _RULES:
        try:
            models.append(apps.get_model(app_label, model_name))
        except LookupError:  # registered by an app that is not installed
            continue
    found = ContentType.objects.get_for_models(*models) if models else {}
    return {(m._meta.app_label, m._meta.model_name): ct.pk for m, ct in found.items()}


def visible_q(user, prefix: str = "") -> Q:
    """A filter on ProcessInstance (prefix "") or on a row pointing at one (prefix "instance__"): the
    processes whose business object the user may see, or — for object types with no registered rule —
    whose definition's view permission the user holds. Cached on the user object per prefix."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    cache = user.__dict__.setdefault("_xiaobao_process_access", {})
    if prefix in cache:
        return cache[prefix]
    parts: list[Q] = []
    content_type_ids = _content_type_ids()
    for key, visible in _RULES.items():
        content_type_id = content_type_ids.get(key)
        if content_type_id is None:
            continue
        rows = visible(user)
        if rows.query.is_empty():
            continue  # none of these objects: nothing to add
        where = Q(**{f"{prefix}content_type_id": content_type_id})
        if rows.query.where:  # an unfiltered rule (everything) needs no subquery
            # A correlated EXISTS on the object's primary key, not `object_id IN (every visible object's id)`:
            # SQLite builds that list in full for every statement (70,000 ids for a branch officer of a large
            # institution, ~200 ms even when the outer query wants one instance), so the cost grew with the data.
            # Here each candidate row costs one primary-key lookup. The cast sits on the instance side so the
            # object's index is used; object ids are the registered models' integer keys.
            key = Cast(OuterRef(f"{prefix}object_id"), output_field=BigIntegerField())
            where &= Exists(rows.order_by().filter(pk=key))
        parts.append(where)
    fallback = ~Q(**{f"{prefix}content_type_id__in": sorted(content_type_ids.values())})
    if not user.is_superuser:
        # the definition's own view permission, when it declares one (the instance's version: what it runs on)
        declared = f"{prefix}definition__meta__view_permission"
        fallback &= Q(**{f"{declared}__isnull": True}) | Q(**{f"{declared}__in": sorted(user.get_all_permissions())})
    parts.append(fallback)
    result = Q(pk__in=[])
    for part in parts:
        result |= part
    cache[prefix] = result
    return result


def object_visible(user, business_object) -> bool | None:
    """Whether the user may see this one business object by its app's registered rule; None when its type
    registered none. For reads of one object's processes: there `visible_q`'s other branches (every other
    registered type, each a subquery) can never match, and compiling them cost ~10 ms a page."""
    visible = rule_for(type(business_object))
    if visible is None or user is None or not user.is_authenticated or not user.is_active:
        return None if visible is None else False
    return visible(user).filter(pk=business_object.pk).exists()


def may_see(user, instance) -> bool:
    """One instance: the same rule as `visible_q`, for code holding a row already."""
    from xiaobao.workflow.models import ProcessInstance

    return ProcessInstance.objects.filter(visible_q(user), pk=instance.pk).exists()
