"""The SQL staging-table connector on a real SQLite file database (and PostgreSQL when the
suite has a ``pg_url`` fixture): one row per idempotency key, ever."""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gateway.erp import Receipt, Rejected, Retry
from gateway.erp.factory import connector_for
from gateway.erp.payload import record_json
from gateway.erp.sql import SqlConnector
from gateway.errors import ConfigError
from gateway.partners.endpoints import SqlErp
from tests.erp.deliveries import EXAMPLES, PURCHASE_ORDER, delivery

NOW = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


def rows(url: str, table: str = "erp_inbox") -> list[dict[str, Any]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            result = conn.execute(text(f"SELECT * FROM {table} ORDER BY idempotency_key"))
            return [dict(r._mapping) for r in result]
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'erp.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """A fresh database: an SQLite file, and a database on the suite's private PostgreSQL
    server (``pg_url``, skipped with the reason where there is none)."""
    if request.param == "sqlite":
        return sqlite_url
    pg: str = request.getfixturevalue("pg_url")
    return pg


@pytest.fixture
def conn(url: str) -> Iterator[SqlConnector]:
    c = SqlConnector(url, "erp_inbox", now=lambda: NOW)
    yield c
    c.close()


def test_row_in_a_table_created_when_missing(url: str, conn: SqlConnector) -> None:
    d = delivery()
    assert conn.deliver(d) == Receipt(d.idempotency_key)
    [row] = rows(url)
    assert {k: v for k, v in row.items() if k not in ("record", "created_at")} == {
        "idempotency_key": d.idempotency_key, "partner_id": "bigbox",
        "document_type": "purchase_order", "document_number": PURCHASE_ORDER.number,
        "status": "new"}
    assert json.loads(row["record"]) == record_json(PURCHASE_ORDER)
    assert str(row["created_at"]).startswith("2026-03-14 09:26:53")


def test_duplicate_key_is_one_row_even_after_a_restart(url: str, conn: SqlConnector) -> None:
    first = conn.deliver(delivery())
    again = conn.deliver(delivery())
    restarted = SqlConnector(url, "erp_inbox")
    try:
        after_restart = restarted.deliver(delivery())
    finally:
        restarted.close()
    assert (first.created, again.created, after_restart.created) == (True, False, False)
    assert len(rows(url)) == 1


def test_each_record_type(url: str, conn: SqlConnector) -> None:
    for i, (name, record) in enumerate(EXAMPLES.items()):
        assert conn.deliver(delivery(f"bigbox:1:1:{i}", record=record)).created, name
    found = {r["idempotency_key"]: r for r in rows(url)}
    assert len(found) == len(EXAMPLES)
    assert found["bigbox:1:1:1"]["document_type"] == "order_acknowledgement"
    assert found["bigbox:1:1:1"]["document_number"] == EXAMPLES["order_acknowledgement"].number


def test_an_existing_table_is_used_as_it_is(sqlite_url: str) -> None:
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as db:
        db.execute("CREATE TABLE erp_inbox (idempotency_key TEXT PRIMARY KEY, partner_id TEXT,"
                   " document_type TEXT, document_number TEXT, record TEXT, created_at TEXT,"
                   " status TEXT DEFAULT 'new', imported_at TEXT)")
    assert SqlConnector(sqlite_url, "erp_inbox").deliver(delivery()).created
    assert rows(sqlite_url)[0]["imported_at"] is None


def test_racing_workers_insert_one_row(url: str) -> None:
    """Workers starting together on a database without the table: each one creates it (or
    finds it created), one row in the end."""

    def one(_: int) -> bool:
        c = SqlConnector(url, "erp_inbox")
        try:
            return c.deliver(delivery()).created
        finally:
            c.close()

    with ThreadPoolExecutor(6) as pool:
        created = list(pool.map(one, range(18)))
    assert created.count(True) == 1
    assert len(rows(url)) == 1


class PlainInsert(SqlConnector):
    """The path other dialects take: a plain INSERT and the IntegrityError caught."""

    def _insert(self) -> Any:
        from sqlalchemy import insert

        return insert(self.table)


def test_without_on_conflict_the_duplicate_is_caught(url: str) -> None:
    c = PlainInsert(url, "erp_inbox")
    try:
        assert c.deliver(delivery()).created
        assert c.deliver(delivery()) == Receipt(delivery().idempotency_key, created=False,
                                                message="the staging table has this key already")
    finally:
        c.close()
    assert len(rows(url)) == 1


def test_a_row_the_table_refuses_is_rejected(sqlite_url: str) -> None:
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as db:
        db.execute("CREATE TABLE erp_inbox (idempotency_key TEXT PRIMARY KEY, partner_id TEXT,"
                   " document_type TEXT, document_number TEXT, record TEXT, created_at TEXT,"
                   " status TEXT, warehouse TEXT NOT NULL)")
    with pytest.raises(Rejected, match="NOT NULL constraint failed: erp_inbox.warehouse"):
        SqlConnector(sqlite_url, "erp_inbox").deliver(delivery())


def test_locked_database_is_retry(tmp_path: Path) -> None:
    path = tmp_path / "erp.db"
    c = SqlConnector(f"sqlite:///{path}?timeout=0.1", "erp_inbox")
    c.deliver(delivery("bigbox:0:0:0"))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # the ERP's importer holds the database
    try:
        with pytest.raises(Retry, match="database is locked"):
            c.deliver(delivery())
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert c.deliver(delivery()).created
    c.close()


def test_unreachable_database_is_retry_until_fixed(tmp_path: Path) -> None:
    where = tmp_path / "not-mounted"
    c = SqlConnector(f"sqlite:///{where / 'erp.db'}", "erp_inbox")
    with pytest.raises(Retry, match="unable to open database file"):
        c.deliver(delivery())
    where.mkdir()  # the operator mounts it
    assert c.deliver(delivery()).created
    c.close()


def test_factory_reads_the_url_from_the_environment(url: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    settings = SqlErp(connector="sql", dsn_env="ERP_DSN", table="edi_staging")
    monkeypatch.delenv("ERP_DSN", raising=False)
    with pytest.raises(ConfigError, match="ERP_DSN is not set"):
        connector_for(settings, tmp_path)
    monkeypatch.setenv("ERP_DSN", url)
    c = connector_for(settings, tmp_path)
    try:
        assert c.name == "sql" and c.deliver(delivery()).created
    finally:
        c.close()
    assert len(rows(url, "edi_staging")) == 1


def test_bad_url_is_a_config_error_without_the_password() -> None:
    with pytest.raises(ConfigError, match="not a SQLAlchemy URL") as info:
        SqlConnector("edi:hunter2@db:5432/erp", "t")
    assert "hunter2" not in str(info.value)
    with pytest.raises(ConfigError, match="driver is not installed") as info:
        SqlConnector("nosuchdb://edi:hunter2@x/y", "t")
    assert "hunter2" not in str(info.value)


# -- PostgreSQL only ---------------------------------------------------------------------------

def test_pg_schema_qualified_table(pg_url: str) -> None:
    engine = create_engine(pg_url)
    with engine.begin() as db:
        db.execute(text("CREATE SCHEMA edi"))
    engine.dispose()
    c = SqlConnector(pg_url, "edi.staging")
    try:
        assert c.deliver(delivery()).created
        assert c.deliver(delivery()).created is False
    finally:
        c.close()
    assert [r["partner_id"] for r in rows(pg_url, "edi.staging")] == ["bigbox"]


def test_pg_value_the_column_refuses_is_rejected(pg_url: str) -> None:
    engine = create_engine(pg_url)
    with engine.begin() as db:  # the ERP's own, narrower table
        db.execute(text("CREATE TABLE erp_inbox (idempotency_key varchar(200) PRIMARY KEY,"
                        " partner_id varchar(64), document_type varchar(32),"
                        " document_number varchar(5), record text, created_at timestamptz,"
                        " status varchar(16) DEFAULT 'new')"))
    engine.dispose()
    c = SqlConnector(pg_url, "erp_inbox")
    try:
        with pytest.raises(Rejected, match="value too long"):
            c.deliver(delivery())
    finally:
        c.close()


def test_pg_server_down_is_retry(pg_url: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = make_url(pg_url).set(host="127.0.0.1", port=port, query={"connect_timeout": "2"})
    c = SqlConnector(down.render_as_string(hide_password=False), "erp_inbox")
    try:
        with pytest.raises(Retry, match="OperationalError"):
            c.deliver(delivery())
    finally:
        c.close()
