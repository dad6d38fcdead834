"""The analytics path: the follow-up's fact rows in an in-process DuckDB, kept in step with the database.

Every process that shows the follow-up (web workers, the API, the worker) holds a *replica*: an in-memory
DuckDB with the two fact tables under their own names and columns (``followup_casefact``,
``followup_activityfact``). The metrics module builds each query once with the ORM (``metrics.count``,
``metrics.durations``) and, with the DuckDB engine, compiles that same query for DuckDB (``compile_query``)
and runs it here instead of on the database. There is no second definition of any measure.

How the replica keeps in step (``Replica.ensure``):

- every refresh of the fact table (``facts.refresh``, ``facts.rebuild``) stamps the rows it writes with a new
  change number (``FactState.seq``) in the same transaction; the replica copies the rows above the number it
  holds — an indexed read of the changed rows only, never a scan of the database — and applies them in one
  DuckDB transaction (the case's old rows out, its new rows in). Applying the same rows twice gives the same
  table, so nothing is counted twice, whatever was interrupted;
- rows removed or written outside a refresh (the generator) change ``FactState.generation``: a replica of
  another generation starts again;
- a new replica starts from the newest Parquet snapshot (``write_snapshot``, written by the worker under
  ``BITRADE_VAR_DIR/followup/``) of the same generation, then copies the rows changed since; without a
  snapshot it copies every row once.

Text columns with few distinct values (law, point, case code, outcome, state ...) are held dictionary-encoded
(a DuckDB ``ENUM`` of the sorted values, ``Replica._encode``): grouping and filtering by them then works on
small integers instead of strings, with the same results (the values come back as text, sorted and compared
as text). A catch-up that brings a value the encoding does not hold turns that column back to text first
and encodes it again afterwards.

So the replica is at most one refresh behind the fact table, and the fact table at most
``BITRADE_FOLLOWUP_REFRESH_SECONDS`` behind the cases (the worker refreshes every
``BITRADE_FOLLOWUP_SYNC_SECONDS``; a page that finds the table older refreshes it first). The page shows when.

Only extensions that ship inside the DuckDB wheel are used (Parquet); nothing is downloaded at run time.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from django.conf import settings
from django.db.backends.sqlite3.base import DatabaseWrapper as _SQLiteWrapper
from django.db.backends.sqlite3.operations import DatabaseOperations as _SQLiteOperations

from bitrade.common.lru import LruCache

DUCKDB, ORM = "duckdb", "orm"
#: Rows copied per read from the database while catching up.
CHUNK = 20000
#: Below this many rows, inserted with parameters; above, through a temporary CSV file (much faster).
SMALL = 500
#: Text columns with at most this many distinct values are held dictionary-encoded in the replica.
ENCODE_MAX = 1000


def engine() -> str:
    """The engine the follow-up's figures are computed on: ``duckdb`` (default) or ``orm`` (the database)."""
    value = getattr(settings, "BITRADE_FOLLOWUP_ENGINE", DUCKDB)
    return value if value in (DUCKDB, ORM) else DUCKDB


def snapshot_dir() -> Path:
    return Path(getattr(settings, "BITRADE_FOLLOWUP_SNAPSHOT_DIR", "") or Path(settings.VAR_DIR) / "followup")


# --------------------------------------------------------------------------- compiling ORM queries for DuckDB


class _Operations(_SQLiteOperations):
    """SQLite's operations, but timestamps are handed to DuckDB as naive UTC datetimes (stored that way)."""

    def adapt_datetimefield_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value


class _DuckDBCompiling(_SQLiteWrapper):
    """Never connects: it only lends Django's SQL compiler a dialect. DuckDB reads SQLite's and PostgreSQL's
    standard SQL alike; expressions that differ (``metrics.Seconds``, ``metrics._Percentiles``) have an
    ``as_duckdb``."""

    vendor = DUCKDB
    display_name = "DuckDB"
    ops_class = _Operations


_COMPILING = _DuckDBCompiling({
    "NAME": ":memory:", "OPTIONS": {}, "TIME_ZONE": None, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False,
    "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False, "USER": "", "PASSWORD": "", "HOST": "", "PORT": "", "TEST": {},
}, "followup-duckdb")
_DJANGO_PARAM_MARK = re.compile(r"(?<!%)%s")


def compile_query(queryset) -> tuple[str, list]:
    """The SQL of an ORM query (a ``values()``/``values_list()`` query set) in DuckDB's dialect."""
    sql, params = queryset.query.get_compiler(connection=_COMPILING).as_sql()
    return _DJANGO_PARAM_MARK.sub("?", sql).replace("%%", "%"), list(params)


# --------------------------------------------------------------------------- prepared statements
#
# A report asks the same few dozen statements again after every fact change, with the same or shifted values.
# DuckDB parses, binds and plans a statement each time it is asked (a fifth of a dashboard's DuckDB time), so
# the replica prepares each statement once per reading cursor and executes it with its values written as
# literals (DuckDB's EXECUTE takes no parameters of its own). A value without an exact literal of the type the
# parameter would have had (a time zone, a decimal, an infinity, an empty list) sends the statement as it was.

#: Statements kept prepared per reading cursor.
PREPARED_MAX = 256
_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?")


def _numbered(sql: str) -> str:
    """The ``?`` placeholders of ``sql`` (outside quoted text and names) as ``$1``, ``$2`` ... for PREPARE."""
    n = 0

    def number(match) -> str:
        nonlocal n
        if match.group(0) != "?":
            return match.group(0)
        n += 1
        return f"${n}"

    return _PLACEHOLDER.sub(number, sql)


def _literal(value) -> str | None:
    """``value`` as a DuckDB literal of the type DuckDB gives the same Python value as a parameter (None: no
    such literal)."""
    kind = type(value)
    if value is None:
        return "NULL"
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value) if -(2 ** 63) <= value < 2 ** 63 else None
    if kind is str:
        return "'" + value.replace("'", "''") + "'::VARCHAR"
    if kind is float:
        return f"{value!r}::DOUBLE" if math.isfinite(value) else None
    if kind is datetime:
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'" if value.tzinfo is None else None
    if kind is date:
        return f"DATE '{value.isoformat()}'"
    if kind in (list, tuple) and value:
        items = [_literal(v) for v in value]
        return None if None in items or len({type(v) for v in value}) > 1 else f"[{', '.join(items)}]"
    return None


def _literals(params) -> str | None:
    """The values of a statement's parameters as literals, comma-separated (None: one has no literal)."""
    out = []
    for value in params:
        text = _literal(value)
        if text is None:
            return None
        out.append(text)
    return ", ".join(out)


# --------------------------------------------------------------------------- the tables


def _models():
    """The fact tables the replica holds: the follow-up's own, then those of other kinds' feeds
    (``facts.register_feed``), each with ``case_id`` and ``seq`` columns."""
    from django.apps import apps

    from .facts import FEEDS
    from .models import ActivityFact, CaseFact

    return (CaseFact, ActivityFact, *(apps.get_model(t) for feed in FEEDS.values() for t in feed.tables))


_TYPES = {
    "AutoField": "BIGINT", "BigAutoField": "BIGINT", "BigIntegerField": "BIGINT", "IntegerField": "INTEGER",
    "PositiveIntegerField": "INTEGER", "PositiveSmallIntegerField": "INTEGER", "SmallIntegerField": "INTEGER",
    "BooleanField": "BOOLEAN", "CharField": "VARCHAR", "TextField": "VARCHAR", "DateTimeField": "TIMESTAMP",
    "ForeignKey": "BIGINT", "OneToOneField": "BIGINT",
}


def _columns(model) -> list[tuple[str, str, str]]:
    """(column, attname, DuckDB type) of every concrete field."""
    out = []
    for f in model._meta.concrete_fields:
        out.append((f.column, f.attname, _TYPES[f.get_internal_type()]))
    return out


def _create(con, model) -> None:
    cols = ", ".join(f'"{c}" {t}' for c, _, t in _columns(model))
    con.execute(f'CREATE OR REPLACE TABLE "{model._meta.db_table}" ({cols})')


def _plain(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _insert(con, model, rows: list[tuple]) -> None:
    if not rows:
        return
    table = model._meta.db_table
    cols = _columns(model)
    if len(rows) < SMALL:
        marks = ", ".join("?" * len(cols))
        con.executemany(f'INSERT INTO "{table}" VALUES ({marks})', [[_plain(v) for v in r] for r in rows])
        return
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False) as fh:
        writer = csv.writer(fh)
        for r in rows:
            writer.writerow(["\\N" if v is None else (("true" if v else "false") if isinstance(v, bool) else
                                                       _plain(v).isoformat() if isinstance(v, datetime) else v)
                             for v in r])
        path = fh.name
    try:
        types = ", ".join(f"'{c}': '{t}'" for c, _, t in cols)
        con.execute(f'INSERT INTO "{table}" SELECT * FROM read_csv(?, header=false, nullstr=\'\\N\', '
                    f"quote='\"', escape='\"', columns={{{types}}})", [path])
    finally:
        os.unlink(path)


# --------------------------------------------------------------------------- the replica


@dataclass(frozen=True)
class Synced:
    """What a replica holds: the generation and change number of the fact table, and when that was refreshed."""

    generation: str
    seq: int
    refreshed_at: datetime | None


def _state() -> Synced | None:
    from .models import FactState

    row = FactState.objects.filter(pk=1).values_list("generation", "seq", "refreshed_at").first()
    return Synced(*row) if row else None


class Replica:
    """One process's DuckDB copy of the fact tables (thread-safe: one writer, readers on their own cursors)."""

    def __init__(self):
        import duckdb

        self._db = duckdb.connect(":memory:", config={"threads": 2})
        self._lock = threading.Lock()
        self._local = threading.local()
        self.synced: Synced | None = None
        #: Goes up whenever the replica's rows change (a catch-up or a reset): results computed from the replica
        #: are valid for one version (``metrics``' result cache keys on it).
        self.version = 0
        #: (table, column) -> (the ENUM type's name, its values) of the dictionary-encoded text columns;
        #: ``_plain``: text columns with too many values to encode.
        self._encoded: dict[tuple[str, str], tuple[str, frozenset]] = {}
        self._plain: set[tuple[str, str]] = set()
        self._enums = 0
        #: Goes up whenever a column's type changes (``_encode``, ``_decode``): the statements prepared before
        #: are prepared again (``_prepared``).
        self.schema = 0
        self._prepares = 0
        for model in _models():
            _create(self._db, model)

    # ---- reading

    def cursor(self):
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._db.cursor()
            cur.execute("SET integer_division = true")  # SQL integer division, as on SQLite and PostgreSQL
            # The replica's statements read one fact table each and join nothing; DuckDB's join order optimizer
            # still walks every plan (about 0.1 ms a statement, some 4 % of a page's time on the replica).
            cur.execute("SET disabled_optimizers = 'join_order'")
            self._local.cursor = cur
        return cur

    def rows(self, queryset) -> tuple[list[str], list[tuple]]:
        return self.execute(*compile_query(queryset))

    def execute(self, sql: str, params: list) -> tuple[list[str], list[tuple]]:
        """Column names and rows of one compiled query (run ahead on the pool when a report's build asked it
        last time: ``ahead``)."""
        run = getattr(_LOCAL, "run", None)
        if run is not None:
            return run.execute(self, sql, params)
        return self._execute(sql, params)

    def _execute(self, sql: str, params: list) -> tuple[list[str], list[tuple]]:
        cur = self.cursor()
        values = _literals(params)
        if values is None:  # a value with no exact SQL literal: asked with parameters, as written
            cur.execute(sql, params)
        else:
            cur.execute(f"EXECUTE {self._prepared(cur, sql)}({values})" if params else
                        f"EXECUTE {self._prepared(cur, sql)}")
        return [d[0] for d in cur.description], cur.fetchall()

    def _prepared(self, cur, sql: str) -> str:
        """The name of ``sql`` prepared on this thread's cursor (``PREPARED_MAX`` kept per cursor, the least
        recently used dropped first; all prepared again after the tables' column types change)."""
        held = getattr(self._local, "prepared", None)
        if held is None or held[0] != self.schema:
            for name in (held[1].values() if held else ()):
                cur.execute(f"DEALLOCATE {name}")
            held = self._local.prepared = (self.schema, OrderedDict())
        names = held[1]
        name = names.get(sql)
        if name is not None:
            names.move_to_end(sql)
            return name
        self._prepares += 1
        name = f"q{self._prepares}"
        cur.execute(f"PREPARE {name} AS {_numbered(sql)}")
        names[sql] = name
        if len(names) > PREPARED_MAX:
            cur.execute(f"DEALLOCATE {names.popitem(last=False)[1]}")
        return name

    def count(self, model) -> int:
        return self.cursor().execute(f'SELECT count(*) FROM "{model._meta.db_table}"').fetchone()[0]

    # ---- keeping in step

    def ensure(self, known: tuple | None = None) -> Synced | None:
        """Bring the replica up to the fact table's current change number (usually: nothing to do). ``known``:
        the fact table's state (generation, change number, refreshed at) as just read by the caller."""
        state = Synced(*known) if known is not None else _state()
        if state is None:
            if self.synced is not None:
                with self._lock:
                    self._reset()
            return None
        if self.synced == state:
            return state
        with self._lock:
            self._catch_up(state)
        return self.synced

    def _reset(self) -> None:
        with self._transaction() as con:
            for model in _models():
                con.execute(f'DELETE FROM "{model._meta.db_table}"')
        for key in list(self._encoded):  # a snapshot or a full copy may bring any values
            self._decode(*key)
        self._plain.clear()
        self.synced = None
        self.version += 1

    # ---- dictionary-encoded text columns

    def _decode(self, table: str, column: str) -> None:
        """The column back to text (before rows with a value its encoding does not hold are inserted)."""
        name, _ = self._encoded.pop((table, column))
        self.schema += 1
        self._db.execute(f'ALTER TABLE "{table}" ALTER "{column}" TYPE VARCHAR')
        self._db.execute(f'DROP TYPE IF EXISTS "{name}"')

    def _admit(self, model, rows: list[tuple]) -> None:
        """Decode the encoded columns of ``model`` for which ``rows`` bring a value the encoding lacks."""
        if not rows or not self._encoded:
            return
        table = model._meta.db_table
        for i, (column, _, _) in enumerate(_columns(model)):
            held = self._encoded.get((table, column))
            if held is not None and not {r[i] for r in rows if r[i] is not None} <= held[1]:
                self._decode(table, column)

    def _encode(self) -> None:
        """Encode every text column that is not yet encoded and has at most ``ENCODE_MAX`` distinct values,
        as an ENUM of its values in sorted order (so it sorts and compares as the text does)."""
        for model in _models():
            table = model._meta.db_table
            for column, _, kind in _columns(model):
                key = (table, column)
                if kind != "VARCHAR" or key in self._encoded or key in self._plain:
                    continue
                values = [v for (v,) in self._db.execute(
                    f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL LIMIT {ENCODE_MAX + 1}'
                ).fetchall()]
                if not values:
                    continue  # nothing to encode yet
                if len(values) > ENCODE_MAX:
                    self._plain.add(key)
                    continue
                values.sort()
                self._enums += 1
                name = f"enum_{self._enums}"
                literals = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
                self._db.execute(f'CREATE TYPE "{name}" AS ENUM ({literals})')
                # TRY_CAST: DuckDB also converts the deleted (not yet vacuumed) rows, which may hold values the
                # live rows no longer have; every live value is in ``values`` (no writer runs meanwhile).
                self._db.execute(f'ALTER TABLE "{table}" ALTER "{column}" TYPE "{name}" '
                                 f'USING TRY_CAST("{column}" AS "{name}")')
                self._encoded[key] = (name, frozenset(values))
                self.schema += 1

    def _transaction(self):
        db = self._db

        class _Tx:
            def __enter__(self_inner):
                db.execute("BEGIN TRANSACTION")
                return db

            def __exit__(self_inner, exc_type, *_):
                db.execute("ROLLBACK" if exc_type else "COMMIT")
                return False

        return _Tx()

    def _catch_up(self, state: Synced) -> None:
        self.version += 1  # results read while the rows change are not kept past the change
        have = self.synced
        if have is None or have.generation != state.generation or have.seq > state.seq:
            self._reset()
            have = self._load_snapshot(state)
        since = have.seq if have is not None else -1
        if since < state.seq or have is None:
            self._apply_changes(since, state.seq)
        self._encode()
        self.synced = state
        self.version += 1

    def _load_snapshot(self, state: Synced) -> Synced | None:
        manifest = read_manifest()
        if not manifest or manifest["generation"] != state.generation or manifest["seq"] > state.seq:
            return None
        folder = snapshot_dir() / manifest["folder"]
        try:
            with self._transaction() as con:
                for model in _models():
                    table = model._meta.db_table
                    con.execute(f'INSERT INTO "{table}" SELECT * FROM read_parquet(?)', [str(folder / f"{table}.parquet")])
        except Exception:  # noqa: BLE001 — a missing or damaged snapshot: copy from the database instead
            self._reset()
            return None
        return Synced(manifest["generation"], manifest["seq"], None)

    def _apply_changes(self, since: int, upto: int) -> None:
        """Copy the fact rows with a change number in (since, upto], a chunk of cases per DuckDB transaction.
        Each chunk replaces whole cases (their case row and all their activity rows), so a chunk applied
        twice, or a run cut short and done again, leaves the same table."""
        case_model, activity_model, *others = _models()
        case_cols = [a for _, a, _ in _columns(case_model)]
        act_cols = [a for _, a, _ in _columns(activity_model)]
        last = 0
        while True:
            chunk = list(case_model.objects.filter(seq__gt=since, seq__lte=upto, case_id__gt=last)
                         .order_by("case_id").values_list(*case_cols)[:CHUNK])
            if not chunk:
                break
            ids = [r[0] for r in chunk]
            last = ids[-1]
            acts = list(activity_model.objects.filter(case_id__gte=ids[0], case_id__lte=last, seq__gt=since,
                                                      seq__lte=upto).order_by().values_list(*act_cols))
            self._admit(case_model, chunk)
            self._admit(activity_model, acts)
            with self._transaction() as con:
                if since >= 0:
                    con.execute("CREATE OR REPLACE TEMP TABLE changed_ids (case_id BIGINT)")
                    con.execute("INSERT INTO changed_ids SELECT unnest(?::BIGINT[])", [ids])
                    for model in (activity_model, case_model):
                        con.execute(f'DELETE FROM "{model._meta.db_table}" WHERE case_id IN '
                                    "(SELECT case_id FROM changed_ids)")
                _insert(con, case_model, chunk)
                _insert(con, activity_model, acts)
        for model in others:  # other kinds' fact tables: whole cases replaced, chunk by chunk
            cols = [a for _, a, _ in _columns(model)]
            last = 0
            while True:
                ids = list(model.objects.filter(seq__gt=since, seq__lte=upto, case_id__gt=last).order_by("case_id")
                           .values_list("case_id", flat=True).distinct()[:CHUNK])
                if not ids:
                    break
                last = ids[-1]
                rows = list(model.objects.filter(case_id__in=ids).order_by().values_list(*cols))
                self._admit(model, rows)
                with self._transaction() as con:
                    if since >= 0:
                        con.execute(f'DELETE FROM "{model._meta.db_table}" WHERE case_id IN '
                                    "(SELECT unnest(?::BIGINT[]))", [ids])
                    _insert(con, model, rows)


_REPLICA: Replica | None = None
_REPLICA_LOCK = threading.Lock()


def replica() -> Replica:
    global _REPLICA
    if _REPLICA is None:
        with _REPLICA_LOCK:
            if _REPLICA is None:
                _REPLICA = Replica()
    return _REPLICA


def ensure(known: tuple | None = None) -> Synced | None:
    return replica().ensure(known)


# --------------------------------------------------------------------------- a report's questions run ahead
#
# A report's tables ask the replica their questions one after another, and each is answered on one core
# (a year's rows are one or two of DuckDB's row groups, too few to split). The questions of one build are
# independent of each other, and a page asks the same ones every time it is built again after a change of
# the facts. So each build (``ahead``, around ``Report.table``/``tables``) records the statements it ran; the
# next build of the same report in this process starts them all at once — the longest first — on a small
# pool (``BITRADE_FOLLOWUP_PARALLEL`` threads; DuckDB releases the interpreter while it answers) as soon as
# it needs its first (or when the build begins, for a report whose replica is up to date: ``ahead(now=True)``),
# and takes each answer when the build asks that statement. Only an answer to exactly
# the same statement with exactly the same parameters is taken; anything else is asked as before. So the
# figures are the same with or without it; what changes is that both cores answer, and that the build's own
# Python runs while the next answers are computed.


def parallel_workers() -> int:
    """Threads that answer a report's questions ahead (0: none, each question is asked when it is needed)."""
    try:
        return max(0, int(getattr(settings, "BITRADE_FOLLOWUP_PARALLEL", 2)))
    except (TypeError, ValueError):
        return 2


#: What each report's last build asked: key -> (its moment, [(sql, params, ms), ...]).
AHEAD = LruCache(512)
_LOCAL = threading.local()
_POOL: tuple[int, int, object] | None = None
_POOL_LOCK = threading.Lock()


def _pool(workers: int):
    """The process's pool (made again in a forked child, whose parent's threads do not run there)."""
    global _POOL
    from concurrent.futures import ThreadPoolExecutor

    pid = os.getpid()
    with _POOL_LOCK:
        if _POOL is None or _POOL[0] != pid or _POOL[1] != workers:
            pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="followup-ahead")
            _POOL = (pid, workers, pool)
        return _POOL[2]


def _frozen(params) -> tuple | None:
    try:
        key = tuple(tuple(v) if isinstance(v, list) else v for v in params)
        hash(key)
    except TypeError:
        return None
    return key


def _timed(rep: Replica, sql: str, params: list):
    import time

    t = time.perf_counter()
    names, rows = rep._execute(sql, params)
    return names, rows, (time.perf_counter() - t) * 1000


class _Run:
    """One build's questions: those started ahead (futures by statement) and those it asked (recorded, each with
    the tag of what it served: ``serving``)."""

    def __init__(self, plan, moment: datetime | None, workers: int, needed: Callable[[tuple], bool] | None = None):
        self.plan, self.moment, self.workers, self.needed = plan, moment, workers, needed
        self.futures: dict | None = None
        self.recorded: list[tuple[str, list, float, tuple | None]] = []
        self.skipped: list[tuple[str, list, float, tuple | None]] = []

    def _start(self, rep: Replica) -> None:
        self.futures = {}
        if not self.plan:
            return
        then, statements = self.plan
        # A question that reads the clock (``metrics.Metric.uses_now``) takes the report's moment, to the
        # minute: moved by as much as the moment has moved since.
        shift = self.moment - then if self.moment is not None and then is not None else None
        pool = _pool(self.workers)
        verdicts: dict[tuple, bool] = {}
        for sql, params, ms, tag in sorted(statements, key=lambda s: -s[2]):
            if shift:
                params = [v + shift if isinstance(v, datetime) else v for v in params]
            if tag is not None and self.needed is not None and tag not in verdicts:
                verdicts[tag] = self.needed(tag)
            if tag is not None and self.needed is not None and not verdicts[tag]:
                self.skipped.append((sql, params, ms, tag))  # kept in the plan for a build that needs it
                continue  # what it served is already at hand: it would only keep a core busy
            key = _frozen(params)
            if key is not None and (sql, key) not in self.futures:
                self.futures[(sql, key)] = pool.submit(_timed, rep, sql, params)

    def execute(self, rep: Replica, sql: str, params: list):
        if self.futures is None:
            self._start(rep)
        key = _frozen(params)
        future = self.futures.pop((sql, key), None) if key is not None else None
        if future is not None and not future.cancel():  # running or answered: take its answer
            names, rows, ms = future.result()
        else:
            names, rows, ms = _timed(rep, sql, params)
        self.recorded.append((sql, list(params), ms, getattr(_LOCAL, "tag", None)))
        return names, rows

    def close(self) -> None:
        for future in (self.futures or {}).values():
            future.cancel()  # a question this build did not ask after all; one already running is left to end


@contextmanager
def serving(tag: tuple):
    """The questions asked inside this block serve ``tag`` (a report's tables): a later build runs them ahead
    only if ``ahead``'s ``needed`` says that what they serve is not already at hand."""
    outer = getattr(_LOCAL, "tag", None)
    _LOCAL.tag = tag
    try:
        yield
    finally:
        _LOCAL.tag = outer


@contextmanager
def ahead(key, moment: datetime | None, *, now: bool = False, needed: Callable[[tuple], bool] | None = None):
    """Around a report's build: run the statements its last build asked ahead (see above). ``key`` names the
    report without its data version and moment (None: nothing is run ahead or recorded); nested builds join
    the outer one. With ``now`` (only for a caller that has brought the replica up to date) the statements
    start as the block begins, so that what the caller does before its first question (reading the database,
    writing the page's other parts) is done while the replica answers; otherwise they start with the first
    question. ``needed`` (given a statement's ``serving`` tag) leaves out the statements whose answers the build
    will not ask for, because what they served is already kept: a repeated view between two fact syncs starts
    none, rather than keeping both cores busy past its end and into the next request."""
    workers = parallel_workers()
    if key is None or workers < 1 or getattr(_LOCAL, "run", None) is not None:
        yield
        return
    adapted = moment.astimezone(UTC).replace(tzinfo=None) if moment is not None and moment.tzinfo else moment
    run = _LOCAL.run = _Run(AHEAD.get(key), adapted, workers, needed)
    if now:
        run._start(replica())
    finished = False
    try:
        yield
        finished = True
    finally:
        _LOCAL.run = None
        run.close()
        if finished and run.recorded:
            asked = {(sql, _frozen(params)) for sql, params, _ms, _tag in run.recorded}
            AHEAD.put(key, (adapted, run.recorded + [s for s in run.skipped if (s[0], _frozen(s[1])) not in asked]))


# --------------------------------------------------------------------------- snapshots


def read_manifest() -> dict | None:
    path = snapshot_dir() / "current.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_snapshot() -> dict | None:
    """Write the replica as Parquet files and point ``current.json`` at them (the old snapshot is removed).
    New replicas start from it and copy only what changed since."""
    rep = replica()
    synced = rep.ensure()
    if synced is None:
        return None
    base = snapshot_dir()
    base.mkdir(parents=True, exist_ok=True)
    folder = f"{synced.generation}-{synced.seq}"
    manifest = read_manifest()
    if manifest and manifest.get("folder") == folder and (base / folder).is_dir():
        return manifest
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=base))
    with rep._lock:
        if rep.synced != synced:  # moved on meanwhile: the snapshot is taken of what it holds now
            synced = rep.synced
            folder = f"{synced.generation}-{synced.seq}"
        cur = rep._db.cursor()
        for model in _models():
            table = model._meta.db_table
            cur.execute(f"COPY \"{table}\" TO '{tmp / f'{table}.parquet'}' (FORMAT parquet)")
    final = base / folder
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    manifest = {"generation": synced.generation, "seq": synced.seq, "folder": folder,
                "written_at": datetime.now(UTC).isoformat()}
    part = base / ".current.json.tmp"
    part.write_text(json.dumps(manifest))
    os.replace(part, base / "current.json")
    for old in base.iterdir():
        if old.is_dir() and old.name != folder and not old.name.startswith(".tmp-"):
            shutil.rmtree(old, ignore_errors=True)
    return manifest
