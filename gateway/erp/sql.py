"""SQL staging-table connector: one row per document in a table the ERP reads from, in any
database SQLAlchemy reaches (the URL, credentials included, comes from the environment
variable the profile names in ``dsn_env``).

The table (``SqlErp.table``, optionally ``schema.table``)::

    idempotency_key  varchar(200) primary key   -- the delivery's key: one row per key, ever
    partner_id       varchar(64)
    document_type    varchar(32)
    document_number  varchar(64) null           -- PO / ASN / invoice number
    record           text                       -- the canonical record as JSON
    created_at       timestamp with time zone   -- UTC
    status           varchar(16) = 'new'        -- the ERP's importer moves it on

The connector creates the table when it is missing (``CREATE TABLE`` on the first delivery,
``checkfirst``); a table that already exists is used as it is and must have these columns.

Exactly once: the key is the primary key, so the database itself refuses a second row, across
processes and restarts. The INSERT uses ``ON CONFLICT DO NOTHING RETURNING`` on SQLite
(3.35+) and PostgreSQL and catches the ``IntegrityError`` elsewhere; either way a repeat
returns ``Receipt(created=False)``.

Errors: the database down, unreachable, locked or read-only, a missing permission or a table
of the wrong shape raise :class:`Retry` (an operator fixes those and the queue drains);
a value the column refuses (``DataError``) or an integrity error other than the duplicate key
raise :class:`Rejected` (this document cannot go in as it is).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Insert,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    IntegrityError,
    NoSuchModuleError,
    SQLAlchemyError,
)

from gateway.erp import Delivery, Receipt, Rejected, Retry
from gateway.erp.payload import document_number, dumps, record_json
from gateway.errors import ConfigError


def _utc_now() -> datetime:
    return datetime.now(UTC)


def staging_table(name: str, metadata: MetaData | None = None) -> Table:
    """The staging table ``name`` (``table`` or ``schema.table``)."""
    schema, _, table = name.rpartition(".")
    return Table(
        table, metadata or MetaData(),
        Column("idempotency_key", String(200), primary_key=True),
        Column("partner_id", String(64), nullable=False),
        Column("document_type", String(32), nullable=False),
        Column("document_number", String(64)),
        Column("record", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("status", String(16), nullable=False, server_default="new"),
        schema=schema or None,
    )


def dsn_from_env(name: str) -> str:
    """The SQLAlchemy URL in environment variable ``name``."""
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"the SQL connector's dsn_env {name} is not set in the environment")
    return value


class SqlConnector:
    """Inserts each delivery as a ``status='new'`` row of the staging table."""

    name = "sql"

    def __init__(self, url: str, table: str, *,
                 now: Callable[[], datetime] = _utc_now) -> None:
        try:
            self._engine: Engine = create_engine(make_url(url), pool_pre_ping=True)
        except (NoSuchModuleError, ImportError) as exc:
            raise ConfigError(f"the SQL connector's database driver is not installed: {exc} "
                              "(name it in the URL: postgresql+psycopg://…)") from None
        except ArgumentError:
            # no details: the URL holds the password
            raise ConfigError("the SQL connector's database URL is not a SQLAlchemy URL "
                              "(dialect+driver://user:password@host/database)") from None
        self.table = staging_table(table)
        self._now = now
        self._ready = False

    def deliver(self, delivery: Delivery) -> Receipt:
        row = {
            "idempotency_key": delivery.idempotency_key,
            "partner_id": delivery.partner_id,
            "document_type": delivery.document_type,
            "document_number": document_number(delivery.record),
            "record": dumps(record_json(delivery.record)).decode("utf-8"),
            "created_at": self._now(),
            "status": "new",
        }
        key = delivery.idempotency_key
        if not self._ready:
            self._create_table()
        try:
            with self._engine.begin() as conn:
                result = conn.execute(self._insert(), row)
                # ON CONFLICT DO NOTHING returns the key only when it inserted (rowcount is
                # -1 there on psycopg); a plain INSERT that did not raise inserted
                created = result.first() is not None if result.returns_rows else True
        except IntegrityError as exc:
            if not self._exists(key):
                raise Rejected(f"the staging table refused the row: {exc.orig}") from exc
            created = False
        except DataError as exc:
            raise Rejected(f"the staging table refused a value: {exc.orig}") from exc
        except SQLAlchemyError as exc:
            detail = getattr(exc, "orig", None) or exc
            raise Retry(f"staging table {self.table.fullname} not reachable: "
                        f"{type(exc).__name__}: {detail}") from exc
        return Receipt(key, created=created,
                       message="" if created else "the staging table has this key already")

    def _create_table(self) -> None:
        try:
            self.table.metadata.create_all(self._engine, checkfirst=True)
        except SQLAlchemyError as exc:
            # another worker may have created it between the check and the CREATE
            try:
                exists = inspect(self._engine).has_table(self.table.name, self.table.schema)
            except SQLAlchemyError:
                exists = False
            if not exists:
                detail = getattr(exc, "orig", None) or exc
                raise Retry(f"cannot create staging table {self.table.fullname}: "
                            f"{type(exc).__name__}: {detail}") from exc
        self._ready = True

    def _insert(self) -> Insert:
        dialect = self._engine.dialect.name
        key = self.table.c.idempotency_key
        if dialect == "sqlite":
            return sqlite.insert(self.table).on_conflict_do_nothing(
                index_elements=[key]).returning(key)
        if dialect == "postgresql":
            return postgresql.insert(self.table).on_conflict_do_nothing(
                index_elements=[key]).returning(key)
        return insert(self.table)

    def _exists(self, key: str) -> bool:
        try:
            with self._engine.connect() as conn:
                found = conn.execute(select(self.table.c.idempotency_key).where(
                    self.table.c.idempotency_key == key)).first()
        except SQLAlchemyError as exc:
            raise Retry(f"staging table {self.table.fullname} not reachable: {exc}") from exc
        return found is not None

    def close(self) -> None:
        self._engine.dispose()
