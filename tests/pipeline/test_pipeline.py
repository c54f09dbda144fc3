"""The pipeline on the embedded defaults (SQLite file, local archive, file connector) with the
example partners: what a dropped file becomes, duplicates, bad input, business checks, replay,
outbound with ack reconciliation, and trace."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.canonical import Invoice
from gateway.pipeline.context import Context
from gateway.pipeline.ingest import Incoming, ingest, ingest_many
from gateway.pipeline.ops import ack_report, replay, replay_parked, trace
from gateway.pipeline.outbound import queue_record
from gateway.pipeline.worker import drain
from gateway.scheduler import check_overdue
from gateway.service import Settings, build_context
from gateway.store.models import Delivery, Document, Event, File, Interchange, Transaction

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "fixtures" / "partners"
BIGBOX_850 = CASES / "bigbox" / "inbound" / "850-store-distribution.edi"
CHECKS_850 = CASES / "bigbox" / "inbound" / "850-business-checks.edi"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 10, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(tmp_path: Path, clock: Clock) -> Context:
    partners = tmp_path / "partners-profiles"
    shutil.copytree(ROOT / "partners", partners)
    c = build_context(Settings(data_dir=tmp_path / "var", archive_dir=tmp_path / "archive",
                               partners_dir=partners, scheduler=False))
    c.clock = clock
    yield c
    c.store.close()


def drop(ctx: Context, path: Path, partner: str) -> int:
    return ingest(ctx, path.read_bytes(), name=path.name, source="folder", partner_id=partner)


def erp_out(ctx: Context) -> list[dict[str, object]]:
    return [json.loads(p.read_text()) for p in sorted((ctx.data_dir / "erp-out").glob("*.json"))]


def count(ctx: Context, model: type, **where: object) -> int:
    with ctx.store.session() as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return int(s.scalar(q) or 0)


def test_a_dropped_file_is_acknowledged_translated_and_delivered(ctx: Context) -> None:
    fid = drop(ctx, BIGBOX_850, "bigbox")
    assert drain(ctx) >= 1  # process, then the 997 and the delivery it queued, in one go
    with ctx.store.session() as s:
        f = s.get(File, fid)
        assert f is not None and f.status == "processed" and f.partner_id == "bigbox"
        assert ctx.archive.get(f.sha256) == BIGBOX_850.read_bytes()
        assert f.settings["maps"]["850"] != "missing"  # type: ignore[index]
    acks = sorted((ctx.data_dir / "partners" / "bigbox" / "outbound").glob("*.edi"))
    assert len(acks) == 1 and "AK5*A" in acks[0].read_text()
    [doc] = erp_out(ctx)
    assert doc["record_type"] == "purchase_order" and doc["number"] == "BB4410023"
    assert [line["sku"] for line in doc["lines"]][:1] == ["AHG-TUMBLER-20-BLK"]  # type: ignore
    assert count(ctx, Delivery, status="delivered") == 1
    with ctx.store.session() as s:
        d = s.scalars(select(Delivery)).one()
        assert d.idempotency_key == "bigbox:000104522:104522:0001"


def test_a_backlog_ingested_together_is_recorded_and_delivered_like_single_files(
        ctx: Context) -> None:
    from gateway.benchpipeline import variant
    from gateway.store.models import Work

    datas = [variant(n) for n in range(5)] + [BIGBOX_850.read_bytes(), b"not EDI at all"]
    ids = ingest_many(ctx, [Incoming(d, f"f{k}.edi", "folder", "bigbox")
                            for k, d in enumerate(datas)])
    assert ids == sorted(ids) and len(set(ids)) == 7
    with ctx.store.session() as s:
        files = [s.get(File, fid) for fid in ids]
        assert [(f.name, f.status) for f in files if f] == [(f"f{k}.edi", "archived")
                                                            for k in range(7)]
        for f, data in zip(files, datas, strict=True):
            assert f is not None and ctx.archive.get(f.sha256) == data
            steps = s.scalars(select(Event.step).where(Event.item_kind == "file",
                                                       Event.item_id == f.id)).all()
            assert list(steps) == ["received", "archived"]
        assert s.scalar(select(func.count()).select_from(Work)) == 7
    drain(ctx)
    assert count(ctx, Delivery, status="delivered") == 6
    assert count(ctx, File, direction="in", status="parked") == 1  # the one that is not EDI
    assert len(list((ctx.data_dir / "partners" / "bigbox" / "outbound").glob("*.edi"))) == 6


def test_a_backlog_the_archive_refuses_is_not_accepted_at_all(ctx: Context) -> None:
    from gateway.archive import Archive, ArchiveError

    (ctx.data_dir / "blocked").write_text("a file where the archive should be")
    ctx.archive = Archive(ctx.data_dir / "blocked" / "archive")
    with pytest.raises(ArchiveError):
        ingest_many(ctx, [Incoming(BIGBOX_850.read_bytes(), "a.edi", "folder", "bigbox"),
                          Incoming(CHECKS_850.read_bytes(), "b.edi", "folder", "bigbox")])
    assert count(ctx, File) == 0


def test_the_watcher_takes_a_backlog_in_batches_and_one_by_one_when_that_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import transports.folder as folder
    from gateway.benchpipeline import variant
    from gateway.service import Gateway

    gw = Gateway(Settings(data_dir=tmp_path / "var", archive_dir=tmp_path / "archive",
                          scheduler=False, stable_for=0))
    inbound = tmp_path / "var" / "partners" / "bigbox" / "inbound"
    for n in range(7):
        (inbound / f"po-{n}.edi").write_bytes(variant(n))
    batches: list[int] = []

    def take_many(files: list[tuple[bytes, str, str]]) -> list[int]:
        batches.append(len(files))
        return gw.take_many(files)

    monkeypatch.setattr(folder, "BATCH_FILES", 3)
    watcher = folder.FolderWatcher(tmp_path / "var" / "partners", gw.take, stable_for=0,
                                   ingest_many=take_many)
    assert len(watcher.scan()) == 7 and batches == [3, 3, 1]
    assert list(inbound.iterdir()) == []
    with gw.ctx.store.session() as s:
        names = s.scalars(select(File.name).order_by(File.id)).all()
        assert list(names) == [f"po-{n}.edi" for n in range(7)]

    def failing(files: list[tuple[bytes, str, str]]) -> list[int]:
        raise RuntimeError("the database is away")

    singles: list[str] = []

    def take(data: bytes, name: str, partner: str) -> int:
        singles.append(name)
        if name == "po-8.edi":
            raise RuntimeError("this one cannot be taken now")
        return gw.take(data, name, partner)

    for n in (7, 8, 9):
        (inbound / f"po-{n}.edi").write_bytes(variant(n))
    watcher = folder.FolderWatcher(tmp_path / "var" / "partners", take, stable_for=0,
                                   ingest_many=failing)
    assert len(watcher.scan()) == 2 and singles == ["po-7.edi", "po-8.edi", "po-9.edi"]
    assert [p.name for p in inbound.iterdir()] == ["po-8.edi"]  # stays for the next scan
    gw.ctx.store.close()


def test_trace_leads_from_the_po_number_to_the_raw_file(ctx: Context) -> None:
    drop(ctx, BIGBOX_850, "bigbox")
    drain(ctx)
    chain = trace(ctx.store, "BB4410023")
    kinds = [i["kind"] for i in chain["items"]]
    assert kinds[:2] == ["file", "interchange"]
    assert {"ack", "transaction", "document", "delivery"} <= set(kinds)
    f = chain["items"][0]
    assert f["name"] == BIGBOX_850.name and (ctx.archive.root / f["archive"]).is_file()
    steps = [e["step"] for e in f["events"]]
    assert steps[:2] == ["received", "archived"] and "processed" in steps
    delivery = next(i for i in chain["items"] if i["kind"] == "delivery")
    assert delivery["status"] == "delivered" and delivery["erp_ref"]
    assert trace(ctx.store, "000104522")["items"][0]["kind"] == "file"  # by control number
    assert trace(ctx.store, "nothing-like-this")["items"] == []
    # an item archived under the old layout (ab/cd/): the trace names where it is
    item = ctx.archive.path_for(f["sha256"])
    old = item.parent / f["sha256"][2:4] / item.name
    old.parent.mkdir()
    os.replace(item, old)
    again = trace(ctx.store, "BB4410023", ctx.archive)["items"][0]
    assert (ctx.archive.root / again["archive"]) == old


def test_a_duplicate_interchange_is_acknowledged_but_not_delivered_again(ctx: Context) -> None:
    drop(ctx, BIGBOX_850, "bigbox")
    drain(ctx)
    drop(ctx, BIGBOX_850, "bigbox")
    drain(ctx)
    assert count(ctx, Interchange, status="duplicate") == 1
    assert len(erp_out(ctx)) == 1 and count(ctx, Delivery) == 1
    acks = list((ctx.data_dir / "partners" / "bigbox" / "outbound").glob("*.edi"))
    assert len(acks) == 2  # the partner still gets its 997


def test_business_checks_park_one_set_and_its_sibling_goes_on(ctx: Context) -> None:
    drop(ctx, CHECKS_850, "bigbox")
    drain(ctx)
    with ctx.store.session() as s:
        sets = {t.control_number: t for t in s.scalars(select(Transaction))}
    assert sets["0001"].status == "delivered"
    assert sets["0002"].status == "parked"
    assert "check line_count" in (sets["0002"].reason or "")
    [doc] = erp_out(ctx)
    assert doc["number"] == "BB4410031"
    [ack] = (ctx.data_dir / "partners" / "bigbox" / "outbound").glob("*.edi")
    assert "AK2*850*0002~AK5*A" in ack.read_text()  # the guide accepts it: the business parks it


def test_replay_after_fixing_the_profile_delivers_only_what_was_parked(ctx: Context) -> None:
    drop(ctx, CHECKS_850, "bigbox")
    drain(ctx)
    profile = ctx.registry.get("bigbox")
    relaxed = profile.model_copy(update={"checks": {"line_count": "off",
                                                    "destination_quantities": "off"}})
    ctx.registry = type(ctx.registry)([p if p.id != "bigbox" else relaxed
                                       for p in ctx.registry])
    # the item cross-reference still refuses 100200399: add it to the table, as onboarding would
    lines = replay_parked(ctx, "bigbox")
    assert len(lines) == 1 and "queued" in lines[0]
    drain(ctx)
    with ctx.store.session() as s:
        parked = s.scalars(select(Transaction).where(Transaction.status == "parked",
                                                     Transaction.control_number == "0002")).all()
    assert parked  # still parked: the unknown item is a reason of its own
    assert len(erp_out(ctx)) == 1  # BB4410031 was not delivered a second time
    assert count(ctx, Delivery, status="delivered") == 1
    assert len(list((ctx.data_dir / "partners" / "bigbox" / "outbound").glob("*"))) == 1


def test_not_edi_and_truncated_files_are_archived_and_parked(ctx: Context) -> None:
    fid = ingest(ctx, b"hello, this is not EDI\n", name="note.txt", source="folder",
                 partner_id="bigbox")
    cut = BIGBOX_850.read_bytes()[:-40]
    tid = ingest(ctx, cut, name="cut.edi", source="folder", partner_id="bigbox")
    drain(ctx)
    with ctx.store.session() as s:
        bad = s.get(File, fid)
        assert bad is not None and bad.status == "parked" and "ISA" in (bad.reason or "")
        assert ctx.archive.get(bad.sha256) == b"hello, this is not EDI\n"
        truncated = s.get(File, tid)
        assert truncated is not None
        ix = s.scalars(select(Interchange).where(Interchange.file_id == tid)).one()
        assert ix.status == "rejected"
    out = [p.read_text() for p in (ctx.data_dir / "partners" / "bigbox" / "outbound").iterdir()]
    assert any(t.startswith("ISA") and "TA1" in t for t in out)  # the negative answer
    assert erp_out(ctx) == []
    drop(ctx, BIGBOX_850, "bigbox")  # and the gateway carries on
    drain(ctx)
    assert len(erp_out(ctx)) == 1


def test_a_file_through_another_partners_folder_is_parked(ctx: Context) -> None:
    drop(ctx, BIGBOX_850, "acme-supply")
    drain(ctx)
    with ctx.store.session() as s:
        ix = s.scalars(select(Interchange)).one()
        assert ix.status == "parked"
        reasons = [e.reason for e in s.scalars(select(Event).where(
            Event.item_kind == "interchange", Event.item_id == ix.id))]
    assert any("not acme-supply" in (r or "") for r in reasons)
    assert erp_out(ctx) == []


def test_outbound_invoice_is_sent_and_its_997_reconciled(ctx: Context, clock: Clock) -> None:
    record = Invoice.model_validate_json(
        (CASES / "bigbox" / "outbound" / "810-invoice.json").read_bytes())
    fid = queue_record(ctx, record, "bigbox")
    drain(ctx)
    [sent] = (ctx.data_dir / "partners" / "bigbox" / "outbound").glob("*.edi")
    text = sent.read_text()
    assert "ST*810*0001" in text and "*08*6141410000" in text
    [row] = ack_report(ctx.store, overdue_only=False)
    assert row["status"] == "awaiting" and row["set"] == "810"
    isa13, gs06 = text[90:99], text.split("GS*")[1].split("*")[5]
    # BigBox's 997 for it arrives through their folder
    ack = (f"ISA*00*          *00*          *08*6141410000     *ZZ*ACMEHOMEGOODS  *260118*1200*U"
           f"*00401*000104900*0*P*>~GS*FA*6141410000*ACMEHOMEGOODS*20260118*1200*104900*X*"
           f"004010VICS~ST*997*0001~AK1*IN*{gs06}~AK2*810*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~"
           f"GE*1*104900~IEA*1*000104900~")
    ingest(ctx, ack.encode(), name="997.edi", source="folder", partner_id="bigbox")
    drain(ctx)
    [row] = ack_report(ctx.store, overdue_only=False)
    assert row["status"] == "accepted" and row["interchange_control_number"] == isa13
    assert trace(ctx.store, "AHG-INV-260118-0042")["items"][0]["id"] == fid


def test_an_unanswered_invoice_becomes_overdue(ctx: Context, clock: Clock) -> None:
    import gateway.scheduler as scheduler

    record = Invoice.model_validate_json(
        (CASES / "bigbox" / "outbound" / "810-invoice.json").read_bytes())
    queue_record(ctx, record, "bigbox")
    drain(ctx)
    assert ack_report(ctx.store, overdue_only=True) == []
    clock.now += timedelta(hours=5)  # BigBox's profile: expect_ack_within = "4h"
    scheduler._CTX = ctx
    assert check_overdue() == 1
    [row] = ack_report(ctx.store, overdue_only=True)
    assert row["status"] == "overdue"


def test_replay_of_a_delivered_file_delivers_nothing_again(ctx: Context) -> None:
    fid = drop(ctx, BIGBOX_850, "bigbox")
    drain(ctx)
    replay(ctx, "file", fid)
    drain(ctx)
    assert len(erp_out(ctx)) == 1 and count(ctx, Delivery) == 1
    assert count(ctx, Document) == 2  # the replay's record is kept as history
    assert len(list((ctx.data_dir / "partners" / "bigbox" / "outbound").glob("*"))) == 1


def test_a_group_its_trailer_rejects_takes_back_its_sets(ctx: Context) -> None:
    bad = BIGBOX_850.read_bytes().replace(b"GE*1*104522", b"GE*2*104522")
    ingest(ctx, bad, name="bad-count.edi", source="folder", partner_id="bigbox")
    drain(ctx)
    with ctx.store.session() as s:
        tx = s.scalars(select(Transaction)).one()
        assert tx.status == "rejected" and tx.reason == "its group was rejected"
        assert s.scalar(select(func.count()).select_from(Delivery)) == 0
    assert erp_out(ctx) == []
    [ack] = (ctx.data_dir / "partners" / "bigbox" / "outbound").glob("*.edi")
    assert "AK9*R" in ack.read_text()


def test_edifact_invoice_and_a_rejecting_contrl(ctx: Context) -> None:
    from gateway.canonical import Invoice as InvoiceRecord

    record = InvoiceRecord.model_validate_json(
        (CASES / "eurofresh" / "outbound" / "invoice-after-delivery.json").read_bytes())
    queue_record(ctx, record, "eurofresh")
    drain(ctx)
    [sent] = (ctx.data_dir / "partners" / "eurofresh" / "outbound").glob("*.edi")
    text = sent.read_text()
    ref = text.split("UNB+")[1].split("'")[0].split("+")[4]
    contrl = ("UNA:+.? 'UNB+UNOC:3+5400001000019:14+8712345000011:14+260110:0800+77'"
              "UNH+1+CONTRL:D:3:UN'"
              f"UCI+{ref}+8712345000011:14+5400001000019:14+4'"
              "UCM+1+INVOIC:D:96A:UN:EAN008+4'UCS+12+13'UNT+5+1'UNZ+1+77'")
    ingest(ctx, contrl.encode(), name="contrl.edi", source="folder", partner_id="eurofresh")
    drain(ctx)
    [row] = ack_report(ctx.store, overdue_only=True)
    assert row["status"] == "rejected" and row["set"] == "INVOIC"
    assert row["reasons"] == [{"segment": "12", "code": "13"}]


def test_a_999_rejection_carries_the_partners_reasons(ctx: Context) -> None:
    record = Invoice.model_validate_json(
        (CASES / "northwind-5010" / "outbound" / "810-invoice.json").read_bytes())
    queue_record(ctx, record, "northwind-5010")
    drain(ctx)
    [sent] = (ctx.data_dir / "partners" / "northwind-5010" / "outbound").glob("*.edi")
    gs06 = sent.read_text().split("GS*")[1].split("*")[5]
    ack = ("ISA*00*          *00*          *ZZ*NORTHWINDRET   *ZZ*LITTLEFEET     *241120*0900*^"
           "*00501*000001500*0*T*>~GS*FA*NORTHWINDRET*LITTLEFEET*20241120*0900*1500*X*"
           f"005010X231A1~ST*999*0001*005010X231A1~AK1*IN*{gs06}*005010~AK2*810*0001~"
           "IK3*IT1*12**8~IK4*2*358*5*ZZ~IK5*R*5~AK9*R*1*1*0~SE*8*0001~GE*1*1500~"
           "IEA*1*000001500~")
    ingest(ctx, ack.encode(), name="999.edi", source="folder", partner_id="northwind-5010")
    drain(ctx)
    [row] = ack_report(ctx.store, overdue_only=True)
    assert row["status"] == "rejected"
    assert {"segment": "IT1", "position": "12", "loop": "", "code": "8"} in row["reasons"]
    assert {"set_codes": ["5"]} in row["reasons"]


def test_a_profile_can_reject_refused_sets_in_the_ack(ctx: Context) -> None:
    profile = ctx.registry.get("bigbox")
    strict = profile.model_copy(update={"acks": profile.acks.model_copy(
        update={"reject_refused": True})})
    ctx.registry = type(ctx.registry)([p if p.id != "bigbox" else strict
                                       for p in ctx.registry])
    drop(ctx, CHECKS_850, "bigbox")
    drain(ctx)
    [ack] = (ctx.data_dir / "partners" / "bigbox" / "outbound").glob("*.edi")
    text = ack.read_text()
    assert "AK2*850*0001~AK5*A~" in text and "AK2*850*0002~AK5*R*5~" in text
    with ctx.store.session() as s:
        sets = {t.control_number: t.status for t in s.scalars(select(Transaction))}
    assert sets == {"0001": "delivered", "0002": "rejected"}
    kept = trace(ctx.store, "BB4410032")["items"]
    assert any(i["kind"] == "document" and i["status"] == "rejected" for i in kept)
    assert len(erp_out(ctx)) == 1


def test_a_file_taken_by_its_path_is_processed_from_a_stream(
        ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The drop folder hands over paths; the archive copies a big file in chunks and the
    process step reads it back as a stream: a worker never holds a big file whole."""
    import gateway.archive as archive_module

    monkeypatch.setattr(archive_module, "STREAM_FROM", 1)  # every file counts as big here
    dropped = tmp_path / BIGBOX_850.name
    shutil.copy(BIGBOX_850, dropped)
    fid = ingest(ctx, dropped, name=dropped.name, source="folder", partner_id="bigbox")

    def whole(*_: object, **__: object) -> bytes:
        raise AssertionError("the process step read the file whole")

    monkeypatch.setattr(type(ctx.archive), "get", whole)
    drain(ctx)
    with ctx.store.session() as s:
        f = s.get(File, fid)
        assert f is not None and f.status == "processed" and f.size == dropped.stat().st_size
    assert [d["number"] for d in erp_out(ctx)] == ["BB4410023"]


def test_an_archived_file_altered_before_processing_is_parked(ctx: Context) -> None:
    fid = drop(ctx, BIGBOX_850, "bigbox")
    with ctx.store.session() as s:
        f = s.get(File, fid)
        assert f is not None
        item = ctx.archive.locate(f.sha256)
    item.chmod(0o644)
    item.write_bytes(BIGBOX_850.read_bytes().replace(b"BB4410023", b"BB4410024"))
    drain(ctx)
    with ctx.store.session() as s:
        f = s.get(File, fid)
        assert f is not None and f.status == "parked" and "no longer match" in (f.reason or "")
    assert erp_out(ctx) == [] and count(ctx, Document) == 0
