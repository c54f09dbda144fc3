"""Service wiring: ERP connectors per partner and per document type, and scheduler
leadership on PostgreSQL (one leader; another takes over when it dies)."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from gateway.pipeline.ingest import ingest
from gateway.pipeline.worker import drain
from gateway.scheduler import Leader
from gateway.service import Settings, build_context

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "fixtures" / "partners"


def test_a_document_type_can_go_to_its_own_erp(tmp_path: Path) -> None:
    partners = tmp_path / "partners"
    shutil.copytree(ROOT / "partners", partners)
    profile = partners / "acme-supply.toml"
    text = re.sub(r"\[erp\]\n(.+\n)+", '[erp]\nconnector = "file"\ndirectory = "erp-main"\n',
                  profile.read_text())
    text = text.replace('map = "acme-supply/855"\n', 'map = "acme-supply/855"\n'
                        'erp = { connector = "file", directory = "erp-acks" }\n')
    profile.write_text(text)
    for other in ("bigbox", "eurofresh", "northwind-5010"):
        (partners / f"{other}.toml").unlink()
    ctx = build_context(Settings(data_dir=tmp_path / "var", archive_dir=tmp_path / "archive",
                                 partners_dir=partners, erp="profile", scheduler=False))
    for name in ("855-acknowledgement.edi", "856-standard-pack.edi"):
        data = (CASES / "acme-supply" / "inbound" / name).read_bytes()
        ingest(ctx, data, name=name, source="folder", partner_id="acme-supply")
    drain(ctx)
    ctx.store.close()
    acks = list((tmp_path / "var" / "erp-acks").glob("*.json"))
    main = list((tmp_path / "var" / "erp-main").glob("*.json"))
    assert [p.name.split("_")[1:3] for p in acks] == [["order", "acknowledgement"]]
    assert [p.name.split("_")[1:3] for p in main] == [["ship", "notice"]]


def test_one_scheduler_leader_and_a_takeover(tmp_path: Path, pg_url: str) -> None:
    one = build_context(Settings(data_dir=tmp_path / "a", archive_dir=tmp_path / "arc",
                                 database=pg_url, scheduler=False))
    two = build_context(Settings(data_dir=tmp_path / "b", archive_dir=tmp_path / "arc",
                                 database=pg_url, scheduler=False))
    first, second = Leader(one, pg_url), Leader(two, pg_url)
    try:
        assert first._try_lead()
        assert not second._try_lead()  # the lock is held: no second scheduler
        first.shutdown()  # the leader's process dies: its connection and lock go with it
        deadline = time.monotonic() + 10
        while not second._try_lead():
            assert time.monotonic() < deadline, "nobody took over"
            time.sleep(0.1)
    finally:
        first.shutdown()
        second.shutdown()
        one.store.close()
        two.store.close()
    # and the pipeline on that database still works
    ctx = build_context(Settings(data_dir=tmp_path / "c", archive_dir=tmp_path / "arc",
                                 database=pg_url, scheduler=False))
    data = (CASES / "bigbox" / "inbound" / "850-store-distribution.edi").read_bytes()
    ingest(ctx, data, name="po.edi", source="folder", partner_id="bigbox")
    drain(ctx)
    ctx.store.close()
    assert len(list((tmp_path / "c" / "erp-out").glob("*.json"))) == 1
