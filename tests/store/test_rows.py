"""``gateway.store.rows``: what its helpers write and read (handing SQLAlchemy's compiled SQL to
the driver directly) is what the ORM writes and reads, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import bindparam, select, text

from gateway.store import rows
from gateway.store.db import Store
from gateway.store.models import Event, File, Interchange

WHEN = datetime(2026, 3, 4, 5, 6, 7, 891011)


def file_values(n: int, **extra: object) -> dict[str, object]:
    return {"direction": "in", "kind": "edi", "partner_id": None if n % 2 else "acme",
            "name": f"f{n}.edi", "source": "folder", "sha256": f"{n:064x}", "size": n,
            "received_at": WHEN, "status": "archived", "reason": None, **extra}


def test_rows_write_what_the_orm_reads_back(store: Store) -> None:
    with store.session(write=True) as s, s.begin():
        # settings omitted: the column's Python default ({}) is filled in, as by the ORM
        a = rows.add(s, File, file_values(1, keep_until=None))
        b = rows.add(s, File, file_values(2, settings={"maps": {"850": "ab"}, "n": [1, 2]},
                                          keep_until=WHEN, purged_at=None))
        ix = rows.add(s, Interchange, {
            "file_id": b, "seq": 1, "direction": "in", "partner_id": "acme",
            "standard": "x12", "sender": "S", "receiver": "R", "control_number": "000000001",
            "status": "received", "duplicate_of": None, "received_at": WHEN})
        rows.change(s, Interchange, ix, status="accepted",
                    defects=[{"code": "x", "message": "café"}])
        rows.change(s, File, a, purged_at=WHEN, reason="gone")
        rows.add_all(s, Event, [{"item_kind": "file", "item_id": k, "step": "received",
                                 "status": "ok", "at": WHEN, "reason": f"é {k}"}
                                for k in (a, b)])
        assert rows.get(s, File, b, "settings", "keep_until", "size") == {
            "settings": {"maps": {"850": "ab"}, "n": [1, 2]}, "keep_until": WHEN, "size": 2}
        assert rows.get(s, File, 999_999, "name") is None
    assert b == a + 1
    with store.session() as s:
        fa, fb = s.get(File, a), s.get(File, b)
        assert fa is not None and fb is not None
        assert (fa.settings, fa.keep_until, fa.purged_at, fa.reason) == ({}, None, WHEN, "gone")
        assert (fb.settings, fb.keep_until, fb.received_at) == (
            {"maps": {"850": "ab"}, "n": [1, 2]}, WHEN, WHEN)
        i = s.get(Interchange, ix)
        assert i is not None and (i.status, i.defects, i.file_id) == (
            "accepted", [{"code": "x", "message": "café"}], b)
        events = s.scalars(select(Event).order_by(Event.id)).all()
        assert [(e.item_id, e.reason, e.at) for e in events] == [(a, "é 1", WHEN),
                                                                  (b, "é 2", WHEN)]
        # stored as SQLAlchemy stores them: the same text a Core INSERT would have written
        raw = s.execute(text("SELECT received_at, settings FROM files WHERE id = :i"),
                        {"i": b}).one()
        if store.dialect == "sqlite":
            assert raw[0] == "2026-03-04 05:06:07.891011"
            assert raw[1] == '{"maps": {"850": "ab"}, "n": [1, 2]}'


def test_rows_of_a_rolled_back_savepoint_are_gone(store: Store) -> None:
    with store.session(write=True) as s, s.begin():
        kept = rows.add(s, File, file_values(1))
        with s.begin_nested() as sp:
            rows.add(s, File, file_values(2))
            rows.change(s, File, kept, status="parked")
            sp.rollback()
    with store.session() as s:
        assert s.scalars(select(File.status)).all() == ["archived"]


_LATEST = select(File.id, File.received_at, File.settings).where(
    File.partner_id == bindparam("partner"), File.status != "parked",
    File.received_at >= bindparam("since")).order_by(File.id.desc()).limit(1)


def test_first_and_scalar_read_what_core_reads(store: Store) -> None:
    with store.session(write=True) as s, s.begin():
        ids = [rows.add(s, File, file_values(n, settings={"n": n}, status=status))
               for n, status in [(2, "archived"), (4, "processed"), (6, "parked")]]
    with store.session() as s:
        params = {"partner": "acme", "since": WHEN}
        core = s.connection().execute(_LATEST, params).first()
        assert core is not None
        assert rows.first(s, _LATEST, params) == tuple(core) == (ids[1], WHEN, {"n": 4})
        assert rows.scalar(s, _LATEST, params) == ids[1]
        assert rows.first(s, _LATEST, {"partner": "acme", "since": datetime(2027, 1, 1)}) \
            is None
        assert rows.scalar(s, _LATEST, {"partner": "nobody", "since": WHEN}) is None


def test_list_parameters_are_refused_not_misread(store: Store) -> None:
    listed = select(File.id).where(File.status.in_(("parked", "rejected")))
    with store.session() as s, pytest.raises(TypeError, match="list parameter"):
        rows.first(s, listed, {})


def test_json_text_is_stored_as_the_json_it_is(store: Store) -> None:
    text_value = rows.JsonText('{"maps":{"850":"é"},"n":[1,2.5,null]}')
    with store.session(write=True) as s, s.begin():
        rows.add(s, File, file_values(1, settings=text_value))
        b = rows.add(s, File, file_values(2))
        rows.change(s, File, b, settings=rows.JsonText('{"changed":true}'))
        rows.add_all(s, File, [file_values(3, settings=text_value)])
    with store.session() as s:
        got = [f.settings for f in s.scalars(select(File).order_by(File.id))]
    assert got[0] == got[2] == {"maps": {"850": "é"}, "n": [1, 2.5, None]}
    assert got[1] == {"changed": True} and got[0] is not text_value


def test_rows_on_a_connection_not_begun_begin_a_transaction(store: Store) -> None:
    with store.connect(write=True) as c:
        rows.add(c, File, file_values(1))
        assert c.in_transaction()
        c.rollback()  # as with any first statement: nothing is kept without a commit
    with store.connect() as c:
        assert c.execute(select(File.id)).all() == []
