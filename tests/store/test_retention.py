"""Archive retention: bytes past their keep_until and no longer needed are purged, everything
open is kept; and the archive verify / purge commands."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.archive import Archive
from gateway.cli import main
from gateway.partners import PartnerProfile
from gateway.partners.profile import Archive as ArchiveSettings
from gateway.store.db import Store, default_url, open_store
from gateway.store.models import (
    Delivery,
    Document,
    File,
    Interchange,
    Transaction,
    Work,
)
from gateway.store.retention import keep_until, purge, verify_archive

NOW = datetime(2026, 6, 1, 12, 0)
PAST = NOW - timedelta(days=1)


def age(archive: Archive, sha: str, seconds: float = 7200) -> None:
    """Make an item look archived ``seconds`` ago (outside purge's grace)."""
    then = time.time() - seconds
    os.utime(archive.path_for(sha), (then, then))


class Files:
    def __init__(self, store: Store, archive: Archive) -> None:
        self.store, self.archive = store, archive

    def add(self, data: bytes, *, status: str = "delivered", keep: datetime | None = PAST,
            fresh: bool = False) -> File:
        item = self.archive.put(data)
        if not fresh:
            age(self.archive, item.sha256)
        with self.store.session() as s, s.begin():
            f = File(direction="in", kind="edi", partner_id="tp", name=data.decode(),
                     source="folder", sha256=item.sha256, size=item.size, received_at=NOW,
                     status=status, keep_until=keep)
            s.add(f)
        return f

    def transaction(self, f: File, status: str) -> Transaction:
        with self.store.session() as s, s.begin():
            ix = Interchange(file_id=f.id, seq=1, direction="in", partner_id="tp",
                             standard="x12", sender="A", receiver="B", status="accepted",
                             received_at=NOW)
            s.add(ix)
            s.flush()
            t = Transaction(interchange_id=ix.id, set_id="850", status=status)
            s.add(t)
        return t

    def work(self, kind: str, item_id: int) -> None:
        with self.store.session() as s, s.begin():
            s.add(Work(item_kind=kind, item_id=item_id, step="x", not_before=NOW))

    def delivery(self, t: Transaction | None = None, f: File | None = None) -> Delivery:
        with self.store.session() as s, s.begin():
            doc = Document(direction="in", transaction_id=t.id if t else None,
                           file_id=f.id if f else None, type="purchase_order", record={},
                           status="translated", created_at=NOW)
            s.add(doc)
            s.flush()
            d = Delivery(document_id=doc.id, connector="file",
                         idempotency_key=f"k{doc.id}", status="pending")
            s.add(d)
        return d

    def purged(self) -> dict[str, datetime | None]:
        with self.store.session() as s:
            return {f.name: f.purged_at for f in s.scalars(select(File))}


@pytest.fixture
def files(store: Store, tmp_path: Path) -> Files:
    return Files(store, Archive(tmp_path / "archive"))


def test_keep_until_from_the_partner_settings() -> None:
    assert keep_until(ArchiveSettings(), NOW) is None
    assert keep_until(None, NOW) is None
    assert keep_until(ArchiveSettings(retention_days=30), NOW) == NOW + timedelta(days=30)


def test_retention_days_in_the_partner_profile() -> None:
    base: dict[str, Any] = {
        "id": "tp", "name": "TP", "environment": "production",
        "identities": {"x12": [{"isa_qualifier": "ZZ", "isa_id": "TP"}]},
        "us": {"x12": {"isa_qualifier": "ZZ", "isa_id": "US"}}}
    assert PartnerProfile.model_validate(base).archive.retention_days is None  # keep forever
    p = PartnerProfile.model_validate({**base, "archive": {"retention_days": 2555}})
    assert p.archive.retention_days == 2555
    for bad in ({"retention_days": 0}, {"retention": 30}):
        with pytest.raises(ValueError):
            PartnerProfile.model_validate({**base, "archive": bad})


def test_purge_deletes_only_what_nothing_needs(files: Files) -> None:
    a = files.archive
    done = files.add(b"done: delivered, expired")
    rejected = files.add(b"rejected file", status="rejected")
    open_file = files.add(b"still processing", status="processing")
    forever = files.add(b"no keep_until", keep=None)
    future = files.add(b"keep_until ahead", keep=NOW + timedelta(days=1))
    parked = files.add(b"a set is parked")
    files.transaction(parked, "parked")
    finished = files.add(b"its sets are final")
    files.transaction(finished, "delivered")
    queued = files.add(b"work queued for it")
    files.work("file", queued.id)
    sending = files.add(b"being sent", status="duplicate")
    files.work("send", sending.id)
    set_work = files.add(b"work for its set")
    files.work("transaction", files.transaction(set_work, "rejected").id)
    delivering = files.add(b"a delivery queued")
    files.work("delivery", files.delivery(t=files.transaction(delivering, "delivered")).id)
    doc_work = files.add(b"a delivery of a doc")
    files.work("delivery", files.delivery(f=doc_work).id)

    result = purge(files.store, a, NOW)

    gone = {"done: delivered, expired", "rejected file", "its sets are final"}
    assert {n for n, at in files.purged().items() if at is not None} == gone
    assert all(at == NOW for n, at in files.purged().items() if n in gone)
    for f in (done, rejected, finished):
        assert f.sha256 not in a
    for f in (open_file, forever, future, parked, queued, sending, set_work, delivering,
              doc_work):
        assert a.get(f.sha256)
    assert (result.items, result.rows) == (3, 3)
    assert result.bytes == sum(f.size for f in (done, rejected, finished))
    assert result.kept == 7  # the expired ones something still needs
    assert verify_archive(files.store, a).problems == []  # purged rows are not expected
    assert purge(files.store, a, NOW) == type(result)(0, 0, 0, 7)  # nothing more to do


def test_shared_bytes_go_only_when_every_row_lets_them(files: Files) -> None:
    a = files.archive
    files.add(b"same bytes")
    kept = files.add(b"same bytes", keep=NOW + timedelta(days=10))
    assert purge(files.store, a, NOW).items == 0
    assert kept.sha256 in a and set(files.purged().values()) == {None}
    later = NOW + timedelta(days=11)
    result = purge(files.store, a, later)
    assert (result.items, result.rows) == (1, 2) and kept.sha256 not in a


def test_bytes_archived_again_during_the_purge_are_kept(files: Files) -> None:
    f = files.add(b"arriving again", fresh=True)  # its mtime is now: a put just touched it
    result = purge(files.store, files.archive, NOW)
    assert (result.items, result.rows, result.kept) == (0, 0, 1)
    assert f.sha256 in files.archive
    age(files.archive, f.sha256)
    assert purge(files.store, files.archive, NOW).items == 1


def test_rows_whose_bytes_are_already_gone_are_marked(files: Files) -> None:
    """A purge that died after deleting bytes but before its commit: the next one marks."""
    f = files.add(b"deleted before a crash")
    files.archive.purge(f.sha256)
    result = purge(files.store, files.archive, NOW)
    assert (result.items, result.rows) == (0, 1)
    assert files.purged()[f.name] == NOW


def test_purge_works_in_batches(files: Files) -> None:
    for n in range(7):
        files.add(f"item {n}".encode())
    result = purge(files.store, files.archive, NOW, batch=2)
    assert (result.items, result.rows, result.kept) == (7, 7, 0)


# -- the command line -------------------------------------------------------------------------

@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    store = open_store(default_url(tmp_path / "var"))
    store.migrate()
    Files(store, Archive(tmp_path / "archive")).add(b"one")
    Files(store, Archive(tmp_path / "archive")).add(b"two", keep=None)
    store.close()
    return tmp_path / "var"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_archive_verify_command(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = data_dir.parent / "archive"
    opts = ("--data-dir", str(data_dir), "--archive", str(root))
    code, out, _ = run(capsys, "archive", "verify", *opts)
    assert code == 0 and out.startswith("archive OK: 2 archived item(s) (6 bytes) of 2 file")
    a = Archive(root)
    one, two = (a.path_for(a.put(d).sha256) for d in (b"one", b"two"))
    one.chmod(0o644)
    one.write_bytes(b"One")
    two.unlink()
    code, out, err = run(capsys, "archive", "verify", *opts)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2 and "altered" in out and "missing" in out and "[files.id " in out
    assert "2 problem(s)" in err


def test_archive_purge_command(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = data_dir.parent / "archive"
    opts = ("--data-dir", str(data_dir), "--archive", str(root))
    code, out, _ = run(capsys, "archive", "purge", *opts)
    assert code == 0 and out.startswith("purged 1 archived item(s) (3 bytes) of 1 file row(s)")
    code, out, _ = run(capsys, "archive", "verify", *opts)
    assert code == 0 and "1 archived item(s) (3 bytes) of 1 file row(s)" in out


def test_archive_commands_without_a_store(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "archive", "verify", "--data-dir", str(tmp_path / "none"))
    assert code == 2 and "no store" in err
    assert not (tmp_path / "none").exists()


def test_archive_verify_on_postgresql(pg_url: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    store = open_store(pg_url)
    store.migrate()
    Files(store, Archive(tmp_path / "archive")).add(b"on postgresql")
    store.close()
    code, out, _ = run(capsys, "archive", "verify", "--database", pg_url,
                       "--archive", str(tmp_path / "archive"))
    assert code == 0 and "1 archived item(s)" in out
