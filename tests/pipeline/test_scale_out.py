"""Scale-out on PostgreSQL: two ``edi-gateway serve`` processes on one database share a backlog
of 500 interchanges; every document is delivered exactly once, none is lost, both processes
work, and the control numbers of our acks stay unique."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from gateway.benchpipeline import variant
from gateway.pipeline.ingest import ingest
from gateway.service import Settings, build_context
from gateway.store.models import Delivery, Work
from tests.pipeline.gateway_proc import serve, stop, wait_for

ROOT = Path(__file__).resolve().parents[2]
BACKLOG = 500


def test_two_processes_share_one_backlog_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    data, archive = tmp_path / "var", tmp_path / "archive"
    ctx = build_context(Settings(data_dir=data, archive_dir=archive, database=pg_url,
                                 scheduler=False))
    for n in range(BACKLOG):
        ingest(ctx, variant(n), name=f"po-{n:03d}.edi", source="test", partner_id="bigbox")

    def done() -> bool:
        with ctx.store.session() as s:
            return s.scalar(select(func.count()).select_from(Work)) == 0

    procs = [serve(data, archive, database=pg_url, workers=1) for _ in range(2)]
    try:
        wait_for(done, timeout=600, what="the backlog")
    finally:
        for p in procs:
            stop(p)
    with ctx.store.session() as s:
        delivered = s.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.status == "delivered"))
        keys = s.scalar(select(func.count(func.distinct(Delivery.idempotency_key))))
    ctx.store.close()
    assert delivered == BACKLOG and keys == BACKLOG
    out = list((data / "erp-out").glob("*.json"))
    assert len(out) == BACKLOG  # each document once
    acks = [p.read_text() for p in (data / "partners" / "bigbox" / "outbound").glob("*.edi")]
    assert len(acks) == BACKLOG
    isa13 = [a[90:99] for a in acks]
    assert len(set(isa13)) == BACKLOG  # our control numbers stay unique across processes
    logs = [p.read_text() for p in tmp_path.glob("serve-*.log")]
    ran = [len(re.findall(r"ran (process|send|deliver)", log)) for log in logs]
    assert len(ran) == 2 and all(n > 0 for n in ran), ran  # both processes took work


def test_a_postgresql_claim_takes_one_partners_rows(tmp_path: Path, pg_url: str) -> None:
    """Two workers' batches never hold two partners each (their control-number series would
    deadlock): a claim takes the oldest row's partner's rows, the next worker the other's."""
    import shutil

    from gateway.benchpipeline import OTHER_SENDER, SENDER, second_partner
    from gateway.pipeline.worker import Worker, drain

    partners = tmp_path / "partners"
    shutil.copytree(ROOT / "partners", partners)
    (partners / "bigbox-b.toml").write_text(
        second_partner((partners / "bigbox.toml").read_text(encoding="utf-8")), "utf-8")
    ctx = build_context(Settings(data_dir=tmp_path / "var", archive_dir=tmp_path / "archive",
                                 partners_dir=partners, database=pg_url, scheduler=False))
    try:
        for n in range(6):
            data, partner = (variant(n), "bigbox") if n % 2 == 0 else (
                variant(n).replace(SENDER, OTHER_SENDER), "bigbox-b")
            ingest(ctx, data, name=f"po-{n}.edi", source="test", partner_id=partner)
        first, second = Worker(ctx, "w1").claim(), Worker(ctx, "w2").claim()
        with ctx.store.session() as s:
            def partners_of(ids: list[int]) -> set[str | None]:
                return set(s.scalars(select(Work.partner_id).where(Work.id.in_(ids))))

            assert (len(first), len(second)) == (3, 3)
            assert partners_of(first) == {"bigbox"} and partners_of(second) == {"bigbox-b"}
        Worker(ctx, "w1").run_batch(first)
        Worker(ctx, "w2").run_batch(second)
        drain(ctx)
        with ctx.store.session() as s:
            assert s.scalar(select(func.count()).select_from(Delivery).where(
                Delivery.status == "delivered")) == 6
    finally:
        ctx.store.close()
