"""The per-step writes as plain statements, compiled once per model and column set.

An engine step writes the same few rows every time (a task insert, a task update, the instance
update, a history row). Building those statements through the QuerySet compiler costs several
times what the database needs to execute them, so here the SQL text is made once per process
from the model's own fields and only the values are prepared per call — by each field's
`get_db_prep_save`, exactly as `Model.save()` would, so dates, JSON and foreign keys are stored
the same way. The statements run on Django's connection, inside the caller's transaction.
No signals are sent: none are connected to these models (bulk_create/update never sent them).
"""

from __future__ import annotations

from functools import cache

from django.db import connection, models


@cache
def _insert_plan(model: type[models.Model], vendor: str) -> tuple[str, tuple]:
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if f is not meta.pk)
    quote = connection.ops.quote_name
    # identifiers come from the model's own meta and are quoted; values are always parameters
    sql = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
        quote(meta.pk.column),
    )
    return sql, fields


def insert(obj: models.Model) -> models.Model:
    """`obj.save(force_insert=True)` for a model with an auto primary key, without the per-call compile."""
    sql, fields = _insert_plan(type(obj), connection.vendor)
    for f in fields:
        if f.is_relation:
            # an object assigned before its target was saved (the instance of a new process)
            cached = f.get_cached_value(obj, None)
            if cached is not None and getattr(obj, f.attname) is None:
                setattr(obj, f.attname, cached.pk)
    params = [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


def insert_values(model: type[models.Model], values: dict) -> int:
    """The insert of a row given as {attname: value} for every column but the primary key; returns its id.

    For rows nobody reads back in the same step (a history row): no model object is built for them.
    """
    sql, fields = _insert_plan(model, connection.vendor)
    params = [f.get_db_prep_save(values[f.attname], connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@cache
def _update_plan(model: type[models.Model], names: tuple[str, ...], vendor: str) -> tuple[str, tuple]:
    meta = model._meta
    fields = tuple(meta.get_field(name) for name in names)
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(meta.db_table), ", ".join(f"{quote(f.column)} = %s" for f in fields), quote(meta.pk.column)
    )
    return sql, fields


def update(model: type[models.Model], pk: int, **values) -> int:
    """`model.objects.filter(pk=pk).update(**values)` for plain values (field names; FKs by `<name>_id`)."""
    names = tuple(name[:-3] if name.endswith("_id") and name[:-3] in _relations(model) else name for name in values)
    sql, fields = _update_plan(model, names, connection.vendor)
    params = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values.values(), strict=True)]
    params.append(pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@cache
def _relations(model: type[models.Model]) -> frozenset[str]:
    return frozenset(f.name for f in model._meta.concrete_fields if f.is_relation)


@cache
def _columns(model: type[models.Model], exclude: tuple[str, ...], vendor: str) -> tuple[list, list]:
    """(fields, converters) of a model's selected columns; converters as the query compiler applies them."""
    fields = [f for f in model._meta.concrete_fields if f.name not in exclude]
    cols = [f.get_col(model._meta.db_table) for f in fields]
    converters = [
        [(convert, col) for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection)]
        for col in cols
    ]
    return fields, converters


@cache
def _where_plan(model: type[models.Model], exclude: tuple, names: tuple, vendor: str) -> str:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields, _ = _columns(model, exclude, vendor)
    where = " AND ".join(f"{table}.{quote(model._meta.get_field(n).column)} = %s" for n in names)
    return "SELECT {} FROM {} WHERE {} ORDER BY {}.{} LIMIT 1".format(  # noqa: S608
        ", ".join(f"{table}.{quote(f.column)}" for f in fields), table, where, table, quote(model._meta.pk.column)
    )


def first(model: type[models.Model], *, exclude: tuple[str, ...] = (), **equal):
    """`model.objects.defer(*exclude).filter(**equal).order_by("pk").first()` for equality on plain columns."""
    vendor = connection.vendor
    names = tuple(equal)
    sql = _where_plan(model, exclude, names, vendor)
    fields = {n: model._meta.get_field(n) for n in names}
    with connection.cursor() as cursor:
        cursor.execute(sql, [fields[n].get_db_prep_value(v, connection) for n, v in equal.items()])
        found = cursor.fetchone()
    return None if found is None else _build(model, exclude, vendor, list(found))


@cache
def _select_plan(
    model: type[models.Model], exclude: tuple, related: str | None, related_exclude: tuple, lock: bool, vendor: str
) -> str:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields, _ = _columns(model, exclude, vendor)
    columns = [f"{table}.{quote(f.column)}" for f in fields]
    join = ""
    if related:
        link = model._meta.get_field(related)
        target = link.related_model
        other = quote(target._meta.db_table)
        columns += [f"{other}.{quote(f.column)}" for f in _columns(target, related_exclude, vendor)[0]]
        join = f" INNER JOIN {other} ON {table}.{quote(link.column)} = {other}.{quote(target._meta.pk.column)}"
    sql = f"SELECT {', '.join(columns)} FROM {table}{join} WHERE {table}.{quote(model._meta.pk.column)} = %s"  # noqa: S608
    if lock and connection.features.has_select_for_update:
        sql += f" FOR UPDATE OF {table}" if connection.features.has_select_for_update_of else " FOR UPDATE"
    return sql


def _build(model, exclude, vendor, values):
    fields, converters = _columns(model, exclude, vendor)
    for i, convs in enumerate(converters):
        for convert, col in convs:
            values[i] = convert(values[i], col, connection)
    return model.from_db(connection.alias, [f.attname for f in fields], values)


def get(
    model: type[models.Model],
    pk: int,
    *,
    exclude: tuple[str, ...] = (),
    related: str | None = None,
    related_exclude: tuple[str, ...] = (),
    lock: bool = False,
):
    """`model.objects[.select_for_update(of=self)].select_related(related).defer(...).get(pk=pk)`.

    Excluded fields are deferred (loaded on first access), as with `defer()`; raises DoesNotExist.
    """
    vendor = connection.vendor
    sql = _select_plan(model, exclude, related, related_exclude, lock, vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        found = cursor.fetchone()
    if found is None:
        raise model.DoesNotExist(f"{model.__name__} {pk} does not exist")
    values = list(found)
    count = len(_columns(model, exclude, vendor)[0])
    obj = _build(model, exclude, vendor, values[:count])
    if related:
        link = model._meta.get_field(related)
        link.set_cached_value(obj, _build(link.related_model, related_exclude, vendor, values[count:]))
    return obj


@cache
def _joined_plan(model: type[models.Model], exclude: tuple, related: tuple, vendor: str) -> tuple[str, tuple]:
    """SELECT of a row and its related rows along `related` ((path, excluded fields), paths like "a__b")."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [f"{table}.{quote(f.column)}" for f in _columns(model, exclude, vendor)[0]]
    joins, steps = [], []
    aliases = {"": (model, table)}
    for path, excluded in related:
        parent_path, _, name = path.rpartition("__")
        owner, parent_alias = aliases[parent_path]
        link = owner._meta.get_field(name)
        target, alias = link.related_model, quote(f"j_{path}")
        aliases[path] = (target, alias)
        joins.append(
            f" INNER JOIN {quote(target._meta.db_table)} {alias}"
            f" ON {parent_alias}.{quote(link.column)} = {alias}.{quote(target._meta.pk.column)}"
        )
        columns += [f"{alias}.{quote(f.column)}" for f in _columns(target, excluded, vendor)[0]]
        steps.append((path, target, excluded))
    where = f"{table}.{quote(model._meta.pk.column)} = %s"
    return f"SELECT {', '.join(columns)} FROM {table}{''.join(joins)} WHERE {where}", tuple(steps)  # noqa: S608


def get_joined(model: type[models.Model], pk: int, *, exclude: tuple[str, ...] = (), related: tuple = ()):
    """`model.objects.select_related(*paths).defer(...).get(pk=pk)` in one statement, without a row lock.

    `related` is ((path, excluded fields), ...) with paths like "instance" and "instance__definition", each
    after its parent. For SQLite, where the transaction's BEGIN IMMEDIATE already holds the database's write
    lock, so reading several rows in one statement locks nothing less than reading them one by one.
    """
    vendor = connection.vendor
    sql, steps = _joined_plan(model, exclude, tuple(related), vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        found = cursor.fetchone()
    if found is None:
        raise model.DoesNotExist(f"{model.__name__} {pk} does not exist")
    values = list(found)
    count = len(_columns(model, exclude, vendor)[0])
    obj = _build(model, exclude, vendor, values[:count])
    built = {"": obj}
    for path, target, excluded in steps:
        width = len(_columns(target, excluded, vendor)[0])
        related_obj = _build(target, excluded, vendor, values[count : count + width])
        count += width
        parent_path, _, name = path.rpartition("__")
        parent = built[parent_path]
        type(parent)._meta.get_field(name).set_cached_value(parent, related_obj)
        built[path] = related_obj
    return obj
