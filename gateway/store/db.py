"""The store: one SQLAlchemy engine and its sessions, SQLite (embedded) or PostgreSQL.

``open_store(url)`` takes ``sqlite:///<data-dir>/gateway.db`` (``default_url``) or
``postgresql+psycopg://user@host/db`` (a plain ``postgresql://`` URL gets psycopg 3 too).
Callers set the commit boundary themselves::

    with store.session() as s, s.begin():
        s.add(row)

SQLite connections are set up for a gateway that must not lose what it said it received: WAL
(readers never block the writer), ``synchronous=FULL`` (a commit is on disk when it returns),
``busy_timeout`` (a writer waits for another instead of failing) and foreign keys on. pysqlite's
own transaction handling is replaced by a plain ``BEGIN`` so that reads inside a transaction see
one snapshot and DDL is transactional; ``session(write=True)`` begins with ``BEGIN IMMEDIATE``,
taking the write lock up front, for transactions that read and then write.

``Store.migrate()`` brings the schema to the newest Alembic revision (``migrations/``); it is
safe to call from several processes at once.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from gateway.errors import ConfigError

Dialect = Literal["sqlite", "postgresql"]

DB_FILE = "gateway.db"
BUSY_TIMEOUT_MS = 30_000
# any constant: the PostgreSQL advisory lock that serialises concurrent ``migrate`` calls
_MIGRATE_LOCK = 0x6564_6967_7731  # "edigw1"
_BEGIN = "gateway_begin"  # execution option: the BEGIN statement of a SQLite transaction


def default_url(data_dir: Path) -> str:
    """The embedded store of a data folder: ``sqlite:///<data-dir>/gateway.db``."""
    return f"sqlite:///{(data_dir / DB_FILE).resolve()}"


class Store:
    """The engine and its sessions. Thread-safe; one per process (``close`` at the end)."""

    def __init__(self, engine: Engine) -> None:
        name = engine.dialect.name
        if name not in ("sqlite", "postgresql"):
            raise ConfigError(f"unsupported database {name!r}: use SQLite or PostgreSQL",
                              code="store.dialect")
        self.engine = engine
        self.dialect: Dialect = "sqlite" if name == "sqlite" else "postgresql"
        self._writer = engine.execution_options(**{_BEGIN: "BEGIN IMMEDIATE"}) \
            if self.dialect == "sqlite" else engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self._writer, expire_on_commit=False)

    def session(self, *, write: bool = False) -> Session:
        """A new session (use it in ``with``; begin with ``s.begin()``). Objects stay readable
        after commit. ``write=True``: on SQLite the transaction takes the write lock when it
        begins, so two read-then-write transactions queue instead of one failing with
        "database is locked" when it upgrades; on PostgreSQL it changes nothing."""
        return (self._write_sessions if write else self._sessions)()

    def connect(self, *, write: bool = False) -> Connection:
        """A Core connection (``with store.connect() as c, c.begin(): ...``)."""
        return (self._writer if write else self.engine).connect()

    def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema to ``revision`` (Alembic ``upgrade``), in one transaction.
        Concurrent callers wait for each other: the second finds nothing left to do."""
        from alembic import command

        from gateway.store.migrations import alembic_config

        with self.connect(write=True) as conn, conn.begin():
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATE_LOCK})
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    def revision(self) -> str | None:
        """The schema's current Alembic revision (None: not migrated)."""
        from alembic.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"


def open_store(url: str, **engine_args: Any) -> Store:
    """A store on ``url`` (the schema is not touched: call ``migrate``). For SQLite the
    database's folder is created when missing. ``engine_args`` go to ``create_engine``;
    SQLite's ``connect_args={"timeout": seconds}`` sets the busy timeout (default 30 s)."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    backend = u.get_backend_name()
    if backend == "sqlite":
        return Store(_sqlite_engine(u, engine_args))
    if backend == "postgresql":
        engine_args.setdefault("pool_pre_ping", True)
        return Store(create_engine(u, **engine_args))
    raise ConfigError(f"unsupported database URL {u.render_as_string(hide_password=True)!r}: "
                      "use sqlite:///PATH or postgresql+psycopg://...", code="store.dialect")


def _journal_wal(cur: Any) -> str:
    """Switch to WAL. Several processes opening a new database at once may find it locked:
    the switch takes an exclusive lock and SQLite's busy handler does not wait for it."""
    for attempt in range(100):
        try:
            return str(cur.execute("PRAGMA journal_mode=WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def _sqlite_engine(u: URL, engine_args: dict[str, Any]) -> Engine:
    memory = u.database in (None, "", ":memory:")
    if memory:
        # one shared connection, or every session would see its own empty database
        engine_args.setdefault("poolclass", StaticPool)
    else:
        Path(u.database or "").parent.mkdir(parents=True, exist_ok=True)
    connect_args = engine_args.setdefault("connect_args", {})
    connect_args.setdefault("timeout", BUSY_TIMEOUT_MS / 1000)  # seconds; the busy_timeout
    connect_args.setdefault("check_same_thread", False)
    busy_ms = int(connect_args["timeout"] * 1000)
    engine = create_engine(u, **engine_args)

    @event.listens_for(engine, "connect")
    def _setup(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite would BEGIN only before DML and COMMIT before DDL: we BEGIN ourselves
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            if not memory:
                mode = _journal_wal(cur)
                if str(mode).lower() != "wal":
                    raise ConfigError(f"{u.database}: SQLite refused WAL mode ({mode})",
                                      code="store.sqlite")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.execute("PRAGMA foreign_keys=ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get(_BEGIN, "BEGIN"))

    return engine
