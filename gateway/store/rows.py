"""Rows written and read without the ORM's unit of work: the pipeline's hot path.

A small file becomes about thirty rows (file, envelope tree, document, delivery, ack, business
keys, events). Through ORM objects each costs an object, a flush and identity-map upkeep,
about four times a Core statement; so the pipeline's steps write with these helpers, on the
connection of the session whose transaction they run in (``session.connection()``), and keep
the ORM for the places that are not hot (trace, replay, parking, ack reconciliation).

Statements are built once per table and set of columns and reused, so SQLAlchemy finds them in
its compiled cache. Core statements do not autoflush the session: code that changes ORM objects
in the same transaction flushes before rows it changed are written here again.
"""

from __future__ import annotations

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

from gateway.store.models import Base

LATER_MAX = 1000  # ``later`` rows of one table kept back at most
_INSERT: dict[type[Base], Insert] = {}
_INSERT_ID: dict[type[Base], Insert] = {}
_UPDATE: dict[tuple[type[Base], tuple[str, ...]], Update] = {}
_GET: dict[tuple[type[Base], tuple[str, ...]], Select[Any]] = {}
_DELETE: dict[type[Base], Delete] = {}


def conn_of(db: Session | Connection) -> Connection:
    """The connection of ``db``'s transaction (a session's, begun if need be)."""
    return db.connection() if isinstance(db, Session) else db


def add(db: Session | Connection, model: type[Base], values: dict[str, Any]) -> int:
    """INSERT one row; its new ``id``."""
    stmt = _INSERT_ID.get(model)
    if stmt is None:
        stmt = _INSERT_ID[model] = insert(model).returning(model.__table__.c.id)
    return int(conn_of(db).execute(stmt, values).scalar_one())


def add_all(db: Session | Connection, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """INSERT rows whose ids nobody needs (one executemany; every dict has the same keys)."""
    if not rows:
        return
    stmt = _INSERT.get(model)
    if stmt is None:
        stmt = _INSERT[model] = insert(model)
    conn_of(db).execute(stmt, rows)


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
    conn_of(db).execute(stmt, {"row_id": row_id, **{f"v_{k}": v for k, v in values.items()}})


def get(db: Session | Connection, model: type[Base], row_id: int,
        *columns: str) -> dict[str, Any] | None:
    """The named columns of the row with this ``id`` (None: no such row)."""
    key = (model, columns)
    stmt = _GET.get(key)
    if stmt is None:
        table = cast(Table, model.__table__)
        stmt = _GET[key] = select(*(table.c[name] for name in columns)).where(
            table.c.id == bindparam("row_id"))
    row = conn_of(db).execute(stmt, {"row_id": row_id}).first()
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
