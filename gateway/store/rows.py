"""Rows written and read without the ORM's unit of work: the pipeline's hot path.

A small file becomes about thirty rows (file, envelope tree, document, delivery, ack, business
keys, events). Through ORM objects each costs an object, a flush and identity-map upkeep,
about four times a Core statement; so the pipeline's steps write with these helpers, on the
connection of the session whose transaction they run in (``session.connection()``), and keep
the ORM for the places that are not hot (trace, replay, parking, ack reconciliation).

Statements are built once per table and set of columns and reused, so SQLAlchemy finds them in
its compiled cache. Core statements do not autoflush the session: code that changes ORM objects
in the same transaction flushes before rows it changed are written here again.

Even a cached Core statement costs several times what the driver takes to run it (parameters
constructed and processed, a result object, events): a small file's seventeen statements spent
more time in SQLAlchemy than in SQLite. So ``add``, ``add_all``, ``change``, ``get``, ``first``
and ``scalar`` hand the driver (``sqlite3``, ``psycopg``) the SQL that SQLAlchemy compiled for
the statement and dialect, once per table and set of columns, with the parameters run through
the same bind processors SQLAlchemy would use (dates to text on SQLite, JSON serialized) and
the columns' Python defaults filled in; ``get`` and ``first`` run the result processors. They
run on the DBAPI connection of the same transaction (savepoints included); a statement with an
IN list (expanded per execution) is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Delete,
    Select,
    Table,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import sqltypes
from sqlalchemy.sql.schema import ColumnDefault

from gateway.store.models import Base

LATER_MAX = 1000  # ``later`` rows of one table kept back at most
_DELETE: dict[type[Base], Delete] = {}
_RAW: dict[tuple[object, ...], _Raw] = {}

Processor = Callable[[Any], Any] | None


class JsonText(str):
    """A value for a JSON column that is JSON text already (``model_dump_json``): written as
    it is instead of being turned into objects and serialized again."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class _Raw:
    """A statement as the driver takes it: its SQL, the value names in parameter order with
    their bind processors, the values it fills in itself (an INSERT's column defaults, a
    SELECT's literals) and its columns' result processors."""

    sql: str
    names: tuple[str, ...]
    procs: tuple[Processor, ...]
    # (name, make, value): ``make(None)`` when there is a ``make`` (a callable default)
    defaults: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...] = ()
    results: tuple[Processor, ...] = ()
    named: bool = False  # parameters by name (a dict), else in order (a tuple)
    returning: bool = False  # the new id comes back as a row (no ``lastrowid``)


def conn_of(db: Session | Connection) -> Connection:
    """The connection of ``db``'s transaction (a session's, begun if need be; or the one
    ``pin`` kept for it)."""
    if isinstance(db, Session):
        pinned: Connection | None = db.info.get("connection")
        return pinned if pinned is not None else db.connection()
    return db


def pin(s: Session) -> None:
    """Keep the connection of ``s``'s transaction for ``conn_of`` (asking the session each
    time is a fifth of the cost of a statement); the session must end with the transaction,
    as the worker's does. A savepoint (``begin_nested``) is emitted only when the session is
    asked for its connection: call ``s.connection()`` right after beginning one."""
    s.info["connection"] = s.connection()


def add(db: Session | Connection, model: type[Base], values: dict[str, Any]) -> int:
    """INSERT one row; its new ``id``."""
    conn = conn_of(db)
    raw = _raw_insert(conn, model, values, returning=True)
    cur = _driver(conn).execute(raw.sql, _params(raw, values))
    return int(cur.fetchone()[0] if raw.returning else cur.lastrowid)


def add_all(db: Session | Connection, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """INSERT rows whose ids nobody needs (one executemany; every dict has the same keys)."""
    if not rows:
        return
    conn = conn_of(db)
    raw = _raw_insert(conn, model, rows[0], returning=False)
    cur = _driver(conn).cursor()
    try:
        cur.executemany(raw.sql, [_params(raw, r) for r in rows])
    finally:
        cur.close()


def later(db: Session | Connection, model: type[Base], values: dict[str, Any]) -> None:
    """INSERT a row nobody reads back in this transaction (an event, a business key): now, or
    with the others of its table in one executemany when ``db`` is a session that collects
    them (``collect``; the worker writes them with ``write_later`` before it commits)."""
    pending = db.info.get("later") if isinstance(db, Session) else None
    if pending is None:
        add_all(db, model, [values])
        return
    waiting = pending.setdefault(model, [])
    waiting.append(values)
    if len(waiting) >= LATER_MAX:  # a big file: memory stays flat
        add_all(db, model, waiting)
        waiting.clear()


def collect(s: Session) -> None:
    """From now on ``later`` rows of ``s`` wait for ``write_later``."""
    s.info["later"] = {}


def forget(s: Session) -> None:
    """Drop the ``later`` rows not written yet (their savepoint was rolled back; write them
    with ``write_later`` before a savepoint begins)."""
    for values in s.info.get("later", {}).values():
        values.clear()


def write_later(s: Session) -> None:
    """Write the rows ``later`` kept back, table by table in the order they were added."""
    for model, values in s.info.get("later", {}).items():
        add_all(s, model, values)
        values.clear()


def change(db: Session | Connection, model: type[Base], row_id: int, **values: Any) -> None:
    """UPDATE the given columns of the row with this ``id``."""
    names = tuple(sorted(values))
    table = cast(Table, model.__table__)
    params = {"row_id": row_id, **{f"v_{k}": v for k, v in values.items()}}
    conn = conn_of(db)
    raw = _compiled(conn, ("update", model, names), lambda: (
        update(table).where(table.c.id == bindparam("row_id")).values(
            {name: bindparam(f"v_{name}") for name in names}), None))
    _driver(conn).execute(raw.sql, _params(raw, params))


def get(db: Session | Connection, model: type[Base], row_id: int,
        *columns: str) -> dict[str, Any] | None:
    """The named columns of the row with this ``id`` (None: no such row)."""
    table = cast(Table, model.__table__)
    conn = conn_of(db)
    raw = _compiled(conn, ("get", model, columns), lambda: (
        select(*(table.c[n] for n in columns)).where(table.c.id == bindparam("row_id")),
        [table.c[n] for n in columns]))
    found = _driver(conn).execute(raw.sql, _params(raw, {"row_id": row_id})).fetchone()
    if found is None:
        return None
    return {name: value if proc is None else proc(value)
            for name, value, proc in zip(columns, found, raw.results, strict=True)}


def remove(db: Session | Connection, model: type[Base], ids: list[int]) -> None:
    """DELETE the rows with these ids."""
    if not ids:
        return
    stmt = _DELETE.get(model)
    if stmt is None:
        table = cast(Table, model.__table__)
        stmt = _DELETE[model] = delete(table).where(table.c.id.in_(bindparam("ids",
                                                                            expanding=True)))
    conn_of(db).execute(stmt, {"ids": ids})


# -- the driver directly ----------------------------------------------------------------------


def _driver(conn: Connection) -> Any:
    """The driver's connection under ``conn`` (``sqlite3``, ``psycopg``), in ``conn``'s
    transaction: begun here when there is none yet, as SQLAlchemy begins one on a first
    statement (SQLAlchemy would not know of one the driver began, and ``sqlite3`` runs in
    autocommit mode here, ``isolation_level=None``)."""
    if not conn.in_transaction():
        conn.begin()
    return conn.connection.driver_connection


def _compiled(conn: Connection, key: tuple[object, ...],
              make: Callable[[], tuple[Any, list[Any] | None]]) -> _Raw:
    """The statement of ``key`` for ``conn``'s dialect, compiled once; ``make`` builds it (and
    the columns whose result processors apply) the first time."""
    key = (conn.dialect.name, *key)
    raw = _RAW.get(key)
    if raw is None:
        stmt, columns = make()
        raw = _RAW[key] = _compile(conn.dialect, stmt, columns)
    return raw


def _compile(dialect: Any, stmt: Any, columns: list[Any] | None = None,
             defaults: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...] | None = None,
             returning: bool = False) -> _Raw:
    """``stmt`` compiled for ``dialect``'s driver. ``defaults``: an INSERT's column defaults;
    else the values the statement holds itself (a LIMIT, a literal) are kept."""
    compiled = stmt.compile(dialect=dialect)
    if "__[POSTCOMPILE_" in compiled.string:
        raise TypeError("rows: a list parameter (IN, NOT IN) is expanded per execution; "
                        "write the comparisons out for statements run here")
    named = compiled.positiontup is None  # psycopg: %(name)s; sqlite3: ? in order
    binds = {name: bind for bind, name in compiled.bind_names.items()}  # as rendered
    names = tuple(binds) if named else tuple(compiled.positiontup)
    procs = tuple(_binder(binds[n].type, dialect) for n in names)
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None)
                    for c in columns or ())
    fixed = defaults if defaults is not None else tuple(
        (n, None, v) for n, v in compiled.params.items() if v is not None)
    return _Raw(compiled.string, names, procs, fixed, results, named, returning)


def first(db: Session | Connection, stmt: Select[Any],
          params: dict[str, Any]) -> tuple[Any, ...] | None:
    """The first row of the SELECT ``stmt`` (a statement built once, such as a module
    constant) with ``params``; None when there is none."""
    conn = conn_of(db)
    # (the statement itself in the key: an object compares by identity, and stays alive)
    raw = _compiled(conn, ("select", stmt), lambda: (stmt, list(stmt.selected_columns)))
    found = _driver(conn).execute(raw.sql, _params(raw, params)).fetchone()
    if found is None:
        return None
    return tuple(v if p is None else p(v) for v, p in zip(found, raw.results, strict=True))


def scalar(db: Session | Connection, stmt: Select[Any], params: dict[str, Any]) -> Any:
    """The first column of ``first``'s row (None when there is no row)."""
    row = first(db, stmt, params)
    return None if row is None else row[0]


def _raw_insert(conn: Connection, model: type[Base], values: dict[str, Any], *,
                returning: bool) -> _Raw:
    """The INSERT of ``values``' columns and those others with a Python-side default (with
    ``RETURNING id`` where the driver has no ``lastrowid``, when ``returning``)."""
    returning = returning and conn.dialect.name != "sqlite"
    key = (conn.dialect.name, "insert", model, tuple(values), returning)
    raw = _RAW.get(key)
    if raw is None:
        table = cast(Table, model.__table__)
        defaults = tuple(
            (c.key, arg if callable(arg) else None, None if callable(arg) else arg)
            for c in table.columns
            if c.key not in values and isinstance(c.default, ColumnDefault)
            and not c.default.is_clause_element and not c.default.is_sequence
            for arg in [c.default.arg])
        names = tuple(values) + tuple(d[0] for d in defaults)
        stmt: Any = insert(table).values({n: bindparam(n, type_=table.c[n].type)
                                          for n in names})
        if returning:
            stmt = stmt.returning(table.c.id)
        raw = _RAW[key] = _compile(conn.dialect, stmt, defaults=defaults,
                                   returning=returning)
    return raw


def _binder(type_: Any, dialect: Any) -> Processor:
    """The bind processor of a column type; for JSON, one that lets ``JsonText`` through."""
    impl = type_.dialect_impl(dialect)
    proc: Processor = impl.bind_processor(dialect)
    if proc is None or not isinstance(impl, sqltypes.JSON):
        return proc
    serialize = proc

    def json_value(value: Any) -> Any:
        return value if type(value) is JsonText else serialize(value)

    return json_value


def _params(raw: _Raw, values: dict[str, Any]) -> Any:
    """``values`` with what the statement fills in itself, through the bind processors: a
    dict by name or a tuple in order, as the driver takes them."""
    if raw.defaults:
        values = {**{name: make(None) if make is not None else value
                     for name, make, value in raw.defaults}, **values}
    processed = [values[n] if p is None else p(values[n])
                 for n, p in zip(raw.names, raw.procs, strict=True)]
    return dict(zip(raw.names, processed, strict=True)) if raw.named else tuple(processed)
