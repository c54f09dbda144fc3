"""The store's engine: SQLite set up for durable, concurrent use; PostgreSQL through psycopg 3."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from gateway.errors import ConfigError
from gateway.store.db import BUSY_TIMEOUT_MS, Store, default_url, open_store
from gateway.store.models import File, Interchange


def a_file(n: int = 0) -> File:
    return File(direction="in", kind="edi", name=f"f{n}.edi", source="folder",
                sha256=f"{n:064x}", size=1, received_at=datetime(2026, 1, 1), status="archived")


def test_default_url_is_the_data_folders_gateway_db(tmp_path: Path) -> None:
    url = default_url(tmp_path / "var")
    assert url == f"sqlite:///{tmp_path.resolve()}/var/gateway.db"
    store = open_store(url)  # creates the folder
    store.migrate()
    assert (tmp_path / "var" / "gateway.db").is_file()
    store.close()


def test_sqlite_connections_are_durable_wal_with_foreign_keys(tmp_path: Path) -> None:
    store = open_store(default_url(tmp_path))
    assert store.dialect == "sqlite"
    conns = [store.engine.connect() for _ in range(3)]  # each a new pooled connection
    try:
        for c in conns:
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        for c in conns:
            c.close()
        store.close()


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(IntegrityError), store.session() as s, s.begin():
        s.add(Interchange(file_id=12345, seq=1, direction="in", standard="x12", sender="A",
                          receiver="B", status="accepted", received_at=datetime(2026, 1, 1)))


def test_a_rolled_back_session_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.session() as s, s.begin():
        s.add(a_file())
        s.flush()
        raise RuntimeError("step failed")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(File)) == 0


def test_objects_stay_readable_after_commit(store: Store) -> None:
    with store.session() as s, s.begin():
        f = a_file()
        s.add(f)
    assert f.id is not None and f.name == "f0.edi"


def test_read_then_write_transactions_queue_instead_of_failing(store: Store) -> None:
    """Each writer reads a count and then inserts: on SQLite ``write=True`` takes the lock at
    BEGIN so none fails with 'database is locked'; on PostgreSQL rows simply interleave."""
    errors: list[BaseException] = []
    gate = threading.Barrier(6)

    def writer(n: int) -> None:
        gate.wait()
        try:
            for k in range(10):
                with store.session(write=True) as s, s.begin():
                    s.scalar(select(func.count()).select_from(File))
                    s.add(a_file(n * 100 + k))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(File)) == 60


def test_sqlite_write_sessions_begin_immediate(tmp_path: Path) -> None:
    store = open_store(default_url(tmp_path))
    store.migrate()
    other = open_store(default_url(tmp_path), connect_args={"timeout": 0.1})
    try:
        with store.session(write=True) as s, s.begin():
            s.execute(text("SELECT 1"))  # no write yet, but the lock is taken
            with other.engine.connect() as c, pytest.raises(OperationalError, match="locked"):
                c.execute(text("DELETE FROM files"))
    finally:
        other.close()
        store.close()


def test_in_memory_sqlite_is_one_database(tmp_path: Path) -> None:
    store = open_store("sqlite://")
    store.migrate()
    with store.session() as s, s.begin():
        s.add(a_file())
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(File)) == 1
    store.close()


def test_postgresql_urls_use_psycopg_3() -> None:
    store = open_store("postgresql://gw@127.0.0.1:1/gw")  # nothing connects yet
    assert store.dialect == "postgresql"
    assert store.engine.url.drivername == "postgresql+psycopg"
    assert "gw@127.0.0.1" in repr(store)


def test_postgresql_store_round_trip(pg_url: str) -> None:
    store = open_store(pg_url)
    store.migrate()
    with store.session() as s, s.begin():
        s.add(a_file())
    with store.session() as s:
        f = s.scalars(select(File)).one()
        assert f.settings == {} and f.purged_at is None
    store.close()


def test_other_databases_are_refused() -> None:
    with pytest.raises(ConfigError) as info:
        open_store("mysql+pymysql://u@localhost/db")
    assert info.value.code == "store.dialect"
