"""Model reads whose SQL the ORM compiles once per thread, not on every call.

A hot read is the same query request after request with other values (a case by its public id, a case's row
locked by its key, a case's timeline). Building and compiling it is most of its cost on SQLite and a large part
of the client's on PostgreSQL. ``CompiledRead`` builds the queryset once per thread and database with sentinel
values, compiles it with Django's own compiler, finds where the sentinels went among the parameters, and then
only swaps in the call's values (prepared by the same field as the lookup prepares them), executes, converts
the row's values and builds the instances as the ORM's model iterable does (``select_related`` rows included).
The SQL and parameters are exactly what Django would compile for the same queryset.

Only for querysets whose SQL does not depend on the values (plain ``exact`` lookups on the given fields).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Field, QuerySet, signals
from django.db.models.query import get_related_populators

_local = threading.local()


class CompiledRead:
    """``build(*values)`` → a queryset (model instances or ``values_list``), compiled once per thread and
    database; ``fields``: the model field each value is compared with (prepares it as the lookup would);
    ``sentinels``: values of those fields that no call uses (each distinct from the others)."""

    def __init__(self, name: str, build: Callable[..., QuerySet], fields: Sequence[Field], sentinels: Sequence[Any]):
        if len(fields) != len(sentinels):
            raise ValueError("one sentinel per field")
        self.name, self.build, self.fields, self.sentinels = name, build, tuple(fields), tuple(sentinels)

    def _prep(self, field: Field, value, conn):
        return field.get_db_prep_value(field.get_prep_value(value), conn, prepared=True)

    def _entry(self, alias: str | None):
        entries = getattr(_local, "entries", None)
        if entries is None:
            entries = _local.entries = {}
        entry = entries.get((self.name, alias))
        if entry is not None:
            return entry
        qs = self.build(*self.sentinels)
        conn = connections[qs.db]
        compiler = qs.query.get_compiler(using=qs.db)
        sql, params = compiler.as_sql()
        params = list(params)
        positions = []
        for field, sentinel in zip(self.fields, self.sentinels, strict=True):
            prepared = self._prep(field, sentinel, conn)
            found = [i for i, p in enumerate(params) if type(p) is type(prepared) and p == prepared]
            if len(found) != 1:
                raise ValueError(f"{self.name}: sentinel {sentinel!r} not found once among the parameters")
            positions.append(found[0])
        fields = [s[0] for s in compiler.select[0:compiler.col_count]]
        converters = compiler.get_converters(fields)
        klass_info = compiler.klass_info
        model = None
        if klass_info is not None and qs._iterable_class.__name__ == "ModelIterable":
            select = compiler.select
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            init_list = [f[0].target.attname for f in select[start:end]]
            model = (klass_info["model"], start, end, init_list, get_related_populators(klass_info, select, qs.db),
                     tuple(compiler.annotation_col_map.items()))
        elif qs._iterable_class.__name__ not in ("ValuesListIterable", "FlatValuesListIterable"):
            raise ValueError(f"{self.name}: model instances or values_list only")
        flat = qs._iterable_class.__name__ == "FlatValuesListIterable"
        entry = entries[(self.name, alias)] = (qs.db, compiler, sql, params, positions, converters, model, flat)
        return entry

    def rows(self, *values, using: str | None = None) -> list:
        """The queryset's results for these values: model instances, tuples, or single values (``flat``)."""
        db, compiler, sql, params, positions, converters, model, flat = self._entry(using)
        conn = connections[db]
        params = list(params)
        for field, position, value in zip(self.fields, positions, values, strict=True):
            params[position] = self._prep(field, value, conn)
        with conn.cursor() as cur:
            cur.execute(sql, params)
            fetched = cur.fetchall()
        rows = compiler.apply_converters(fetched, converters) if converters else fetched
        if model is None:
            return [row[0] for row in rows] if flat else [tuple(row) for row in rows]
        cls, start, end, init_list, populators, annotations = model
        out = []
        for row in rows:
            obj = cls.from_db(db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            out.append(obj)
        return out

    def first(self, *values, using: str | None = None):
        found = self.rows(*values, using=using)
        return found[0] if found else None


def forget_all() -> None:
    """Drop this thread's compiled reads (e.g. after the models' tables changed in a test)."""
    _local.entries = {}


# --------------------------------------------------------------------------- writes with SQL built once

_UPDATES: dict[tuple, tuple] = {}
_INSERTS: dict[tuple, tuple] = {}


def save_fields(obj, update_fields: Sequence[str]) -> None:
    """``obj.save(update_fields=update_fields)`` with the UPDATE's SQL built once per model, fields and database
    vendor: the same statement, the fields' ``pre_save`` (``auto_now``) and the save signals as Django sends
    them, and the same error when no row was updated. A value that is an expression goes through ``save``."""
    from django.db import DatabaseError, router
    from django.db.models import signals

    cls = type(obj)
    meta = cls._meta
    conn = connections[router.db_for_write(cls, instance=obj)]
    key = (cls, tuple(update_fields), conn.vendor)
    entry = _UPDATES.get(key)
    if entry is None:
        fields = [meta.get_field(name) for name in update_fields]
        if any(not f.concrete or f.primary_key or f.many_to_many for f in fields) or obj.pk is None:
            obj.save(update_fields=update_fields)
            return
        qn = conn.ops.quote_name
        sql = (f"UPDATE {qn(meta.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in fields)} "  # noqa: S608 - names from the model
               f"WHERE {qn(meta.pk.column)} = %s")
        entry = _UPDATES[key] = (fields, sql)
    fields, sql = entry
    if obj._state.adding or any(hasattr(getattr(obj, f.attname), "resolve_expression") for f in fields):
        obj.save(update_fields=update_fields)
        return
    names = frozenset(update_fields)
    signals.pre_save.send(sender=cls, instance=obj, raw=False, using=conn.alias, update_fields=names)
    params = [f.get_db_prep_save(f.pre_save(obj, False), conn) for f in fields]
    params.append(meta.pk.get_db_prep_value(obj.pk, conn))
    with conn.cursor() as cur:
        cur.execute(sql, params)
        if cur.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db = conn.alias
    signals.post_save.send(sender=cls, instance=obj, created=False, update_fields=names, raw=False, using=conn.alias)


def _insert_entry(cls, conn) -> tuple:
    """(fields given, fields returned, SQL, the returned fields' converters) of one model's INSERT, built once
    per model and database vendor."""
    key = (cls, conn.vendor)
    entry = _INSERTS.get(key)
    if entry is None:
        meta = cls._meta
        returning = list(meta.db_returning_fields)
        fields = [f for f in meta.local_concrete_fields if f not in returning]
        qn = conn.ops.quote_name
        sql = (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608 - names from the model
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        if conn.features.can_return_columns_from_insert:
            sql += f" RETURNING {', '.join(qn(f.column) for f in returning)}"
        entry = _INSERTS[key] = (fields, returning, sql, [
            [*conn.ops.get_db_converters(f.get_col(meta.db_table)), *f.get_db_converters(conn)] for f in returning])
    return entry


def insert(obj):
    """``obj.save()`` of a new row (``Model.objects.create``) with the INSERT's SQL built once per model and
    database vendor: the same columns and values (the fields' ``pre_save``: defaults, ``auto_now_add``), the
    key returned by the database, and the save signals as Django sends them."""
    from django.db import router
    from django.db.models import signals

    cls = type(obj)
    conn = connections[router.db_for_write(cls, instance=obj)]
    entry = _insert_entry(cls, conn)
    fields = entry[0]
    if cls._meta.parents or any(hasattr(getattr(obj, f.attname), "resolve_expression") for f in fields):
        obj.save(force_insert=True)
        return obj
    signals.pre_save.send(sender=cls, instance=obj, raw=False, using=conn.alias, update_fields=None)
    params = [f.get_db_prep_save(f.pre_save(obj, True), conn) for f in fields]
    return _run_insert(obj, conn, entry, params)


def _run_insert(obj, conn, entry, params):
    cls = type(obj)
    meta = cls._meta
    _fields, returning, sql, converters = entry
    with conn.cursor() as cur:
        cur.execute(sql, params)
        if conn.features.can_return_columns_from_insert:
            row = cur.fetchone()
        else:
            row = [conn.ops.last_insert_id(cur, meta.db_table, meta.pk.column)]
    for field, value, convs in zip(returning, row, converters, strict=True):
        for converter in convs:
            value = converter(value, field.get_col(meta.db_table), conn)
        setattr(obj, field.attname, value)
    obj._state.adding, obj._state.db = False, conn.alias
    signals.post_save.send(sender=cls, instance=obj, created=True, update_fields=None, raw=False, using=conn.alias)
    return obj


class PreparedInsert:
    """``insert(obj)`` in two halves: the values of the new row converted for the database now (before the
    write transaction: JSON dumped, dates adapted), all but the ``late`` fields (attnames, e.g. the key of a
    row inserted in the transaction); ``run(**late)`` sets those, converts them and inserts. The statement and
    the save signals are those of ``insert``; if a ``pre_save`` receiver is connected for the model by then
    (it could change the values), ``run`` converts every value again as ``insert`` does."""

    def __init__(self, obj, late: Sequence[str] = ()):
        from django.db import router

        cls = type(obj)
        self.obj, self.conn = obj, connections[router.db_for_write(cls, instance=obj)]
        self.entry = _insert_entry(cls, self.conn)
        fields = self.entry[0]
        self.late = [(i, f) for i, f in enumerate(fields) if f.attname in late]
        self.plain = not cls._meta.parents and not any(
            hasattr(getattr(obj, f.attname), "resolve_expression") for f in fields if f.attname not in late)
        self.params = [None if f.attname in late else f.get_db_prep_save(f.pre_save(obj, True), self.conn)
                       for f in fields] if self.plain else None

    def run(self, **late):
        obj, conn = self.obj, self.conn
        for name, value in late.items():
            setattr(obj, name, value)
        cls = type(obj)
        if not self.plain or signals.pre_save.has_listeners(cls) or any(
                hasattr(getattr(obj, f.attname), "resolve_expression") for _, f in self.late):
            return insert(obj)
        params = list(self.params)
        for i, field in self.late:
            params[i] = field.get_db_prep_save(field.pre_save(obj, True), conn)
        return _run_insert(obj, conn, self.entry, params)


_MULTI_INSERTS: dict[tuple, tuple] = {}


def insert_rows(objs: Sequence) -> list:
    """``Model.objects.bulk_create(objs)`` of new rows of one model, as one multi-row INSERT whose SQL is built
    once per model, database vendor and number of rows: the same columns and values (the fields' ``pre_save``),
    the keys returned by the database where it can (as ``bulk_create`` sets them), no save signals (as
    ``bulk_create`` sends none). Anything ``bulk_create`` treats specially (an expression as a value, a model
    with parents, a key already set, more rows than one statement takes) goes through ``bulk_create``."""
    from django.db import router

    objs = list(objs)
    if not objs:
        return objs
    cls = type(objs[0])
    meta = cls._meta
    conn = connections[router.db_for_write(cls, instance=objs[0])]
    key = (cls, conn.vendor, len(objs))
    entry = _MULTI_INSERTS.get(key)
    returning = list(meta.db_returning_fields)
    fields = [f for f in meta.local_concrete_fields if f not in returning]
    if (meta.parents or any(type(o) is not cls for o in objs)
            or any(getattr(o, f.attname) is not None for o in objs for f in returning)
            or conn.ops.bulk_batch_size(fields, objs) < len(objs)
            or any(hasattr(getattr(o, f.attname), "resolve_expression") for o in objs for f in fields)):
        return cls._default_manager.bulk_create(objs)
    if entry is None:
        qn = conn.ops.quote_name
        row = f"({', '.join(['%s'] * len(fields))})"
        sql = (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608 - names from the model
               f"VALUES {', '.join([row] * len(objs))}")
        back = conn.features.can_return_rows_from_bulk_insert and bool(returning)
        if back:
            sql += f" RETURNING {', '.join(qn(f.column) for f in returning)}"
        entry = _MULTI_INSERTS[key] = (sql, back, [
            [*conn.ops.get_db_converters(f.get_col(meta.db_table)), *f.get_db_converters(conn)] for f in returning])
    sql, back, converters = entry
    params = [f.get_db_prep_save(f.pre_save(o, True), conn) for o in objs for f in fields]
    with conn.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall() if back else ()
    for obj, row in zip(objs, rows, strict=False):
        for field, value, convs in zip(returning, row, converters, strict=True):
            for converter in convs:
                value = converter(value, field.get_col(meta.db_table), conn)
            setattr(obj, field.attname, value)
    for obj in objs:
        obj._state.adding, obj._state.db = False, conn.alias
    return objs
