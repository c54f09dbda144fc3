"""The worker's group commit: the rows of one claim run in one transaction, and a step that
fails takes only its own item down (the batch runs again item by item)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

import gateway.pipeline.worker as worker
from gateway.benchpipeline import variant
from gateway.pipeline.context import Context
from gateway.pipeline.ingest import ingest
from gateway.pipeline.ops import trace
from gateway.service import Settings, build_context
from gateway.store.models import Delivery, Event, File, Work

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    partners = tmp_path / "partners-profiles"
    shutil.copytree(ROOT / "partners", partners)
    c = build_context(Settings(data_dir=tmp_path / "var", archive_dir=tmp_path / "archive",
                               partners_dir=partners, scheduler=False))
    yield c
    c.store.close()


def _ingest(ctx: Context, n: int) -> list[int]:
    return [ingest(ctx, variant(k), name=f"po-{k}.edi", source="test", partner_id="bigbox")
            for k in range(n)]


def test_a_claim_of_small_files_commits_once(ctx: Context,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "BATCH_SECONDS", 600.0)  # (a slow machine would split it)
    _ingest(ctx, 10)
    commits: list[object] = []
    sa_event.listen(ctx.store.engine, "commit", lambda conn: commits.append(conn))
    assert worker.drain(ctx) == 10
    # one claim, one transaction for the ten files with their acks and deliveries, and the
    # claim that finds nothing left
    assert len(commits) == 3
    with ctx.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.status == "delivered")) == 10
        assert s.scalar(select(func.count()).select_from(Work)) == 0


def test_a_failing_step_parks_its_item_and_the_batch_goes_on(
        ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _ingest(ctx, 5)
    bad = ids[2]
    real = worker.process_file

    def process_file(c: Context, s: Any, file_id: int, *, replay: bool = False) -> None:
        real(c, s, file_id, replay=replay)
        if file_id == bad:  # after it wrote its rows: those must all go
            raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr(worker, "process_file", process_file)
    worker.drain(ctx)
    with ctx.store.session() as s:
        f = s.get(File, bad)
        assert f is not None and f.status == "parked"
        assert f.reason == "RuntimeError: a bug nobody foresaw"
        assert s.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.status == "delivered")) == 4
        assert s.scalar(select(func.count()).select_from(Delivery)) == 4  # none of the bad one
        assert s.scalar(select(func.count()).select_from(Work)) == 0
        steps = [(e.step, e.status) for e in s.scalars(select(Event).where(
            Event.item_kind == "file", Event.item_id == bad).order_by(Event.id))]
    assert steps == [("received", "ok"), ("archived", "ok"), ("process", "parked")]
    acks = list((ctx.data_dir / "partners" / "bigbox" / "outbound").glob("*.edi"))
    assert len(acks) == 4  # (the bad file's 997 was queued by the step that failed)
    good = trace(ctx.store, f"BB{5000000 + 3}")["items"]
    assert [i["kind"] for i in good][:2] == ["file", "interchange"]
    assert any(i["kind"] == "delivery" and i["status"] == "delivered" for i in good)
    # the rolled-back batch had written its 997s and exports without naming them: gone, and
    # everything the runs one by one recorded is named and complete
    for root in (ctx.archive.root, ctx.data_dir / "partners", ctx.data_dir / "erp-out"):
        assert [p for p in root.rglob("*.tmp")] == []
    with ctx.store.session() as s:
        for sha in s.scalars(select(File.sha256)):
            ctx.archive.get(sha)
    assert len(list((ctx.data_dir / "erp-out").glob("*.json"))) == 4


def test_the_handed_over_delivery_row_has_the_query_columns() -> None:
    """The process step hands the deliver step a ``DeliveryRow`` instead of its reading the
    row back: both must carry the same columns, in the same order."""
    from gateway.pipeline.deliver import _DELIVERY, DeliveryRow

    assert DeliveryRow._fields == tuple(c.name for c in _DELIVERY.selected_columns)


def test_steps_that_read_their_rows_back_work_in_a_batch(
        ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big file hands over at most ``HANDOVER_MAX`` rows to the steps that follow; the
    others read theirs back, including the 997 that the batch archived but has not named."""
    import gateway.pipeline.context as context

    monkeypatch.setattr(context, "HANDOVER_MAX", 0)
    _ingest(ctx, 3)
    worker.drain(ctx)
    with ctx.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.status == "delivered")) == 3
        assert s.scalar(select(func.count()).select_from(File).where(
            File.status == "parked")) == 0
        sent = s.scalars(select(File).where(File.kind == "ack")).all()
        assert [f.status for f in sent] == ["sent"] * 3
        for f in sent:
            out = ctx.data_dir / "partners" / "bigbox" / "outbound" / f.name
            assert out.read_bytes() == ctx.archive.get(f.sha256)
    assert [json.loads(p.read_text())["number"] for p in
            sorted((ctx.data_dir / "erp-out").glob("*.json"))] == [
        f"BB{5000000 + k}" for k in range(3)]


def test_a_file_the_batch_cannot_name_sends_its_rows_one_by_one(
        ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """Naming a batch's staged files fails at the end (a full disk): the batch rolls back and
    its rows run again one by one, writing their files at once; nothing is lost or doubled."""
    import errno

    import gateway.erp.file as file_connector

    real = file_connector._publish
    calls: list[str] = []

    def publish(tmp: Path, final: Path) -> bool:
        calls.append(final.name)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(tmp, final)

    monkeypatch.setattr(file_connector, "_publish", publish)
    _ingest(ctx, 4)
    worker.drain(ctx)
    assert len(calls) > 4  # the batch's four, then again one by one
    exported = sorted((ctx.data_dir / "erp-out").glob("*.json"))
    assert [json.loads(p.read_text())["number"] for p in exported] == [
        f"BB{5000000 + k}" for k in range(4)]
    with ctx.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.status == "delivered")) == 4
        assert s.scalar(select(func.count()).select_from(Work)) == 0
        assert s.scalar(select(func.count()).select_from(File).where(
            File.status == "parked")) == 0
    for root in (ctx.archive.root, ctx.data_dir / "partners", ctx.data_dir / "erp-out"):
        assert list(root.rglob("*.tmp")) == []
    assert len(list((ctx.data_dir / "partners" / "bigbox" / "outbound").glob("*.edi"))) == 4


def test_a_partners_documents_reach_the_erp_in_the_order_their_files_came(
        ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers (two processes on PostgreSQL) each claim one of a partner's files, and the
    one holding the later file finishes first: its document waits for the earlier file's,
    so the ERP gets an order before the change that follows it, whoever processed which."""
    _in_file_order(ctx, monkeypatch)


def test_the_order_holds_between_workers_on_postgresql(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    partners = tmp_path / "partners-profiles"
    shutil.copytree(ROOT / "partners", partners)
    c = build_context(Settings(data_dir=tmp_path / "var", archive_dir=tmp_path / "archive",
                               partners_dir=partners, database=pg_url, scheduler=False))
    try:
        _in_file_order(c, monkeypatch)
    finally:
        c.store.close()


def _in_file_order(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.erp.file import FileConnector

    delivered: list[str] = []
    real = FileConnector.deliver

    def deliver(self: FileConnector, delivery: Any) -> Any:
        delivered.append(delivery.record.number)
        return real(self, delivery)

    monkeypatch.setattr(FileConnector, "deliver", deliver)
    _ingest(ctx, 3)  # BB5000000, BB5000001, BB5000002
    early, late = worker.Worker(ctx, "early"), worker.Worker(ctx, "late")
    mine = early.claim(limit=1)
    theirs = late.claim(limit=2)
    assert len(mine) == 1 and len(theirs) == 2 and not set(mine) & set(theirs)
    late.run_batch(theirs)
    assert delivered == []  # the later files are processed; their documents wait
    early.run_batch(mine)
    assert delivered == ["BB5000000"]  # the first file's document did not wait
    assert worker.drain(ctx) == 2
    assert delivered == ["BB5000000", "BB5000001", "BB5000002"]
    with ctx.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Work)) == 0
        assert s.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.status == "delivered")) == 3


def test_a_replayed_delivery_takes_its_files_place(ctx: Context,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.erp import Rejected
    from gateway.erp.file import FileConnector
    from gateway.pipeline.ops import replay
    from gateway.store.models import Document, Interchange, Transaction

    real = FileConnector.deliver
    refuse = [True]

    def deliver(self: FileConnector, delivery: Any) -> Any:
        if refuse[0]:
            raise Rejected("customer on credit hold")
        return real(self, delivery)

    monkeypatch.setattr(FileConnector, "deliver", deliver)
    [fid] = _ingest(ctx, 1)
    worker.drain(ctx)
    with ctx.store.session() as s:
        d = s.scalars(select(Delivery)).one()
        assert d.status == "parked"
    refuse[0] = False
    replay(ctx, "delivery", d.id)
    with ctx.store.session() as s:
        row = s.scalars(select(Work)).one()
        assert (row.step, row.item_id, row.origin) == ("deliver", d.id, fid)
        doc = s.get(Document, d.document_id)
        tx = s.get(Transaction, doc.transaction_id) if doc else None
        ix = s.get(Interchange, tx.interchange_id) if tx else None
        assert ix is not None and ix.file_id == fid
    assert worker.drain(ctx) == 1
    with ctx.store.session() as s:
        assert s.scalars(select(Delivery)).one().status == "delivered"


def test_deliveries_queued_while_the_erp_was_away_go_together_in_order(
        ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """A partner's queued deliveries are claimed as a run behind its oldest one (one claim,
    one transaction, not one claim each), and run in the order of their files; a delivery
    still waiting for its retry stops the run."""
    from datetime import timedelta

    from gateway.erp import Retry
    from gateway.erp.file import FileConnector

    delivered: list[str] = []
    real = FileConnector.deliver
    away = [True]

    def deliver(self: FileConnector, delivery: Any) -> Any:
        if away[0]:
            raise Retry("the ERP is down")
        delivered.append(delivery.record.number)
        return real(self, delivery)

    monkeypatch.setattr(FileConnector, "deliver", deliver)
    start = ctx.clock()
    ctx.clock = lambda: start
    _ingest(ctx, 3)
    worker.drain(ctx)
    with ctx.store.session() as s:
        queued = s.scalars(select(Work).where(Work.step == "deliver")
                           .order_by(Work.origin)).all()
        assert len(queued) == 3 and queued[0].not_before > start  # the first waits to retry
    away[0] = False
    ctx.clock = lambda: start + timedelta(hours=1)
    w = worker.Worker(ctx, "w")
    ids = w.claim()
    assert ids == [q.id for q in queued]  # all three in one claim, in file order
    w.run_batch(ids)
    assert delivered == ["BB5000000", "BB5000001", "BB5000002"]


def test_a_run_of_deliveries_stops_at_one_waiting_for_its_retry(ctx: Context) -> None:
    from datetime import timedelta

    _ingest(ctx, 1)
    now = ctx.clock()
    with ctx.store.session(write=True) as s, s.begin():
        s.execute(Work.__table__.delete())
        for origin, wait in ((1, 0), (2, 3600), (3, 0)):
            s.add(Work(item_kind="delivery", item_id=10 + origin, step="deliver",
                       partner_id="bigbox", not_before=now + timedelta(seconds=wait),
                       attempts=0, origin=origin))
    with ctx.store.session() as s:
        first = s.scalar(select(Work.id).where(Work.origin == 1))
    assert worker.Worker(ctx, "w").claim() == [first]  # origin 3 must not pass origin 2
