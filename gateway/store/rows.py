"""Rows written and read without the ORM's unit of work: the pipeline's hot path.

A small file becomes about thirty rows (file, envelope tree, document, delivery, ack, business
keys, events). Through ORM objects each costs an object, a flush and identity-map upkeep,
about four times a Core statement; so the pipeline's steps write with these helpers, on the
connection of the session whose transaction they run in (``session.connection()``), and keep
the ORM for the places that are not hot (trace, replay, parking, ack reconciliation).

Statements are built once per table and set of columns and reused, so SQLAlchemy finds them in
its compiled cache. Core statements do not autoflush the session: code that changes ORM objects
in the same transaction flushes before rows it changed are written here again.

On SQLite even a cached Core statement costs about five times what the driver takes to run it
(parameters constructed and processed, a result object, events): a small file's seventeen
statements spent more time in SQLAlchemy than in SQLite. So on SQLite ``add``, ``add_all``,
``change`` and ``get`` hand the driver (``sqlite3``) the SQL that SQLAlchemy compiled for the
statement, once per table and set of columns, with the parameters run through the same bind
processors SQLAlchemy would use (dates to text, JSON serialized) and the columns' Python
defaults filled in; ``get`` runs the columns' result processors. They run on the DBAPI
connection of the same transaction (savepoints included). PostgreSQL keeps the Core path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Delete,
    Insert,
    Select,
    Table,
    Update,
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
_INSERT: dict[type[Base], Insert] = {}
_INSERT_ID: dict[type[Base], Insert] = {}
_UPDATE: dict[tuple[type[Base], tuple[str, ...]], Update] = {}
_GET: dict[tuple[type[Base], tuple[str, ...]], Select[Any]] = {}
_DELETE: dict[type[Base], Delete] = {}
_RAW: dict[tuple[object, ...], _Raw] = {}
_KEEP: dict[int, object] = {}  # statements cached by id: kept alive, so no other gets the id

Processor = Callable[[Any], Any] | None


class JsonText(str):
    """A value for a JSON column that is JSON text already (``model_dump_json``): written as
    it is instead of being turned into objects and serialized again."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class _Raw:
    """A statement as SQLite's driver takes it: its SQL, the value names in parameter order
    with their bind processors, and for an INSERT the defaults of the columns not given."""

    sql: str
    names: tuple[str, ...]
    procs: tuple[Processor, ...]
    # an INSERT's column defaults; a SELECT's values held in the statement (``make`` None)
    defaults: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...] = ()
    results: tuple[Processor, ...] = ()


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
    if conn.dialect.name == "sqlite":
        raw = _raw_insert(conn, model, values)
        cur = _driver(conn).execute(raw.sql, _params(raw, _with_defaults(raw, values)))
        return int(cur.lastrowid)
    stmt = _INSERT_ID.get(model)
    if stmt is None:
        stmt = _INSERT_ID[model] = insert(model).returning(model.__table__.c.id)
    return int(conn.execute(stmt, _core(values)).scalar_one())


def add_all(db: Session | Connection, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """INSERT rows whose ids nobody needs (one executemany; every dict has the same keys)."""
    if not rows:
        return
    conn = conn_of(db)
    if conn.dialect.name == "sqlite":
        raw = _raw_insert(conn, model, rows[0])
        _driver(conn).executemany(raw.sql, [_params(raw, _with_defaults(raw, r)) for r in rows])
        return
    stmt = _INSERT.get(model)
    if stmt is None:
        stmt = _INSERT[model] = insert(model)
    conn.execute(stmt, [_core(r) for r in rows])


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
    key = (model, tuple(sorted(values)))
    stmt = _UPDATE.get(key)
    if stmt is None:
        table = cast(Table, model.__table__)
        stmt = _UPDATE[key] = update(table).where(table.c.id == bindparam("row_id")).values(
            {name: bindparam(f"v_{name}") for name in key[1]})
    params = {"row_id": row_id, **{f"v_{k}": v for k, v in values.items()}}
    conn = conn_of(db)
    if conn.dialect.name == "sqlite":
        raw = _compiled(conn, ("update", key), stmt)
        _driver(conn).execute(raw.sql, _params(raw, params))
        return
    conn.execute(stmt, _core(params))


def get(db: Session | Connection, model: type[Base], row_id: int,
        *columns: str) -> dict[str, Any] | None:
    """The named columns of the row with this ``id`` (None: no such row)."""
    key = (model, columns)
    stmt = _GET.get(key)
    if stmt is None:
        table = cast(Table, model.__table__)
        stmt = _GET[key] = select(*(table.c[name] for name in columns)).where(
            table.c.id == bindparam("row_id"))
    conn = conn_of(db)
    if conn.dialect.name == "sqlite":
        raw = _compiled(conn, ("get", key), stmt, [model.__table__.c[n] for n in columns])
        found = _driver(conn).execute(raw.sql, _params(raw, {"row_id": row_id})).fetchone()
        if found is None:
            return None
        return {name: value if proc is None else proc(value)
                for name, value, proc in zip(columns, found, raw.results, strict=True)}
    row = conn.execute(stmt, {"row_id": row_id}).first()
    return None if row is None else dict(row._mapping)


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


# -- SQLite: the driver directly --------------------------------------------------------------


def _driver(conn: Connection) -> Any:
    """The ``sqlite3`` connection under ``conn``, in ``conn``'s transaction (begun here when
    there is none yet, as SQLAlchemy begins one on a first statement: the driver itself runs
    in autocommit mode, ``isolation_level=None``)."""
    if not conn.in_transaction():
        conn.begin()
    return conn.connection.driver_connection


def _compiled(conn: Connection, key: tuple[object, ...], stmt: Any,
              columns: list[Any] | None = None) -> _Raw:
    raw = _RAW.get(key)
    if raw is None:
        dialect = conn.dialect
        compiled = stmt.compile(dialect=dialect)
        if "__[POSTCOMPILE_" in compiled.string:
            raise TypeError("rows: a list parameter (IN, NOT IN) is expanded per execution; "
                            "write the comparisons out for statements run here")
        names = tuple(compiled.positiontup or ())
        procs = tuple(_binder(compiled.binds[n].type, dialect) for n in names)
        results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None)
                        for c in columns or ())
        fixed = tuple((n, None, v) for n, v in compiled.params.items() if v is not None)
        raw = _RAW[key] = _Raw(compiled.string, names, procs, fixed, results)
    return raw


def first(db: Session | Connection, stmt: Select[Any],
          params: dict[str, Any]) -> tuple[Any, ...] | None:
    """The first row of the SELECT ``stmt`` (a statement built once, such as a module
    constant) with ``params``; None when there is none."""
    conn = conn_of(db)
    if conn.dialect.name != "sqlite":
        row = conn.execute(stmt, params).first()
        return None if row is None else tuple(row)
    raw = _compiled(conn, ("select", id(stmt)), stmt, list(stmt.selected_columns))
    _KEEP[id(stmt)] = stmt  # (its id stays its own)
    found = _driver(conn).execute(raw.sql, _params(raw, _fixed(raw, params))).fetchone()
    if found is None:
        return None
    return tuple(v if p is None else p(v) for v, p in zip(found, raw.results, strict=True))


def scalar(db: Session | Connection, stmt: Select[Any], params: dict[str, Any]) -> Any:
    """The first column of ``first``'s row (None when there is no row)."""
    row = first(db, stmt, params)
    return None if row is None else row[0]


def _raw_insert(conn: Connection, model: type[Base], values: dict[str, Any]) -> _Raw:
    """The INSERT of ``values``' columns and those others with a Python-side default."""
    key = ("insert", model, tuple(values))
    raw = _RAW.get(key)
    if raw is None:
        table = cast(Table, model.__table__)
        dialect = conn.dialect
        defaults = tuple(
            (c.key, arg if callable(arg) else None, None if callable(arg) else arg)
            for c in table.columns
            if c.key not in values and isinstance(c.default, ColumnDefault)
            and not c.default.is_clause_element and not c.default.is_sequence
            for arg in [c.default.arg])
        names = tuple(values) + tuple(d[0] for d in defaults)
        sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} (" +
               ", ".join(dialect.identifier_preparer.format_column(table.c[n]) for n in names)
               + ") VALUES (" + ", ".join("?" * len(names)) + ")")
        procs = tuple(_binder(table.c[n].type, dialect) for n in names)
        raw = _RAW[key] = _Raw(sql, names, procs, defaults)
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


def _core(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` for a Core statement: ``JsonText`` read back into objects."""
    if not any(type(v) is JsonText for v in values.values()):
        return values
    return {k: json.loads(v) if type(v) is JsonText else v for k, v in values.items()}


def _fixed(raw: _Raw, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` and the values the statement itself holds (``_compiled``'s ``defaults``)."""
    if not raw.defaults:
        return params
    return {**{name: value for name, _, value in raw.defaults}, **params}


def _with_defaults(raw: _Raw, values: dict[str, Any]) -> dict[str, Any]:
    if not raw.defaults:
        return values
    out = dict(values)
    for name, make, value in raw.defaults:
        out[name] = make(None) if make is not None else value
    return out


def _params(raw: _Raw, values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values[n] if p is None else p(values[n])
                 for n, p in zip(raw.names, raw.procs, strict=True))
