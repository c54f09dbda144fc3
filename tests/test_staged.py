"""``archive.Staged``: a batch's files written without an fsync each, named only once one flush
has made all their bytes durable (the archive's items, their links in an outbound folder, the
file connector's exports), or removed when the batch does not commit."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from pathlib import Path

import pytest

import gateway.archive as archive_module
import gateway.staging as staging_module
from gateway.archive import Archive
from gateway.erp.file import KEYS, FileConnector, key_hash
from gateway.pipeline.deliver import place
from gateway.staging import Staged, sync_dirs
from tests.erp.deliveries import PURCHASE_ORDER, delivery


def temps(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.name.endswith(".tmp"))


def test_staged_items_are_named_after_one_flush_and_linked_after_that(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_replace, real_link = os.replace, os.link
    monkeypatch.setattr(staging_module, "_sync_file_systems",
                        lambda folders: calls.append("flush"))
    monkeypatch.setattr(staging_module, "_syncfs", lambda fd: 0)
    monkeypatch.setattr(archive_module.os, "replace",
                        lambda a, b: (calls.append("name"), real_replace(a, b))[1])
    monkeypatch.setattr(os, "link", lambda a, b: (calls.append("link"), real_link(a, b))[1])
    monkeypatch.setattr(archive_module.os, "fsync", lambda fd: calls.append("fsync"))
    monkeypatch.setattr(staging_module, "_fsync_path", lambda p: calls.append("fsync"))
    archive, outbound = Archive(tmp_path / "archive"), tmp_path / "outbound"
    outbound.mkdir()
    staged = Staged()
    one = archive.put(b"the 997", defer=staged)
    assert archive.put(b"the 997", defer=staged) == one  # once per batch
    two = archive.put(b"another", defer=staged)
    place(one.path, b"the 997", outbound / "ack.edi", defer=staged)
    assert not one.path.exists() and not (outbound / "ack.edi").exists()  # nothing named yet
    assert len(temps(tmp_path)) == 2 and calls == []  # and no fsync of its own
    sync_dirs(staged)
    first = calls.index("name")  # (two files: an fsync each; from four on, one syncfs)
    assert calls[:first] == ["fsync", "fsync"]  # the bytes, then their names, then the link
    assert calls[first:first + 3] == ["name", "name", "link"]
    assert calls[first + 3:] and set(calls[first + 3:]) <= {"flush", "fsync"}  # the names
    assert one.path.read_bytes() == b"the 997" and two.path.read_bytes() == b"another"
    assert (outbound / "ack.edi").stat().st_ino == one.path.stat().st_ino
    assert stat.S_IMODE(one.path.stat().st_mode) == 0o444
    assert temps(tmp_path) == [] and not staged and not staged.naming


@pytest.mark.parametrize(("files", "syncfs", "expected"), [
    (5, True, ["flush"] + ["name"] * 5 + ["flush"]),  # four files or more: one syncfs
    (3, True, ["fsync"] * 3 + ["name"] * 3 + ["flush"]),  # fewer: an fsync each
    (5, False, ["fsync"] * 5 + ["name"] * 5 + ["fsync-dir"]),  # no syncfs (not Linux)
])
def test_how_a_batch_flushes_its_files_before_naming_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: int, syncfs: bool,
        expected: list[str]) -> None:
    calls: list[str] = []
    real_replace = os.replace
    monkeypatch.setattr(staging_module, "_sync_file_systems",
                        lambda folders: calls.append("flush"))
    monkeypatch.setattr(staging_module, "_syncfs", (lambda fd: 0) if syncfs else None)
    monkeypatch.setattr(staging_module, "_fsync_path", lambda p: calls.append("fsync"))
    real_fsync_dir = staging_module.fsync_dir
    monkeypatch.setattr(staging_module, "fsync_dir", lambda p, defer=None: (
        real_fsync_dir(p, defer) if defer is not None else calls.append("fsync-dir")))
    monkeypatch.setattr(archive_module.os, "replace",
                        lambda a, b: (calls.append("name"), real_replace(a, b))[1])
    staged = Staged()
    for k in range(files):
        Archive(tmp_path).put(b"item %d" % k, defer=staged)
    sync_dirs(staged)
    assert calls[:2 * files + 1] == expected  # (then the other folders' fsyncs, if any)


def test_an_abandoned_batch_leaves_no_file_and_no_name(tmp_path: Path) -> None:
    archive, out = Archive(tmp_path / "archive"), tmp_path / "erp-out"
    staged = Staged()
    item = archive.put(b"the 997", defer=staged)
    FileConnector(out).deliver(dataclasses.replace(delivery(), unsynced=staged))
    assert len(temps(tmp_path)) == 2
    staged.abandon()
    assert temps(tmp_path) == [] and not item.path.exists()
    assert [p for p in out.iterdir() if p.name != KEYS] == []
    assert archive.put(b"the 997") == item and item.path.read_bytes() == b"the 997"


def test_a_staged_export_gets_its_name_and_marker_at_the_flush(tmp_path: Path) -> None:
    conn, staged = FileConnector(tmp_path), Staged()
    receipt = conn.deliver(dataclasses.replace(delivery(), unsynced=staged))
    final = tmp_path / receipt.erp_ref
    assert receipt.created and not final.exists()
    sync_dirs(staged)
    assert json.loads(final.read_text(encoding="utf-8")) == PURCHASE_ORDER.model_dump(
        mode="json")
    h = key_hash(delivery().idempotency_key)
    assert (tmp_path / KEYS / h[:2] / h).stat().st_ino == final.stat().st_ino
    assert temps(tmp_path) == []
    again = conn.deliver(dataclasses.replace(delivery(), unsynced=Staged()))
    assert (again.erp_ref, again.created) == (receipt.erp_ref, False)  # exactly once
    final.unlink()  # the ERP took it: the marker still says it was delivered
    assert conn.deliver(dataclasses.replace(delivery(), unsynced=Staged())).created is False


def test_sweep_removes_what_a_killed_batch_left_once_it_is_old(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    kept = archive.put(b"named")
    Archive(tmp_path).put(b"staged, never named", defer=Staged())  # the process died here
    Archive(tmp_path).put(b"staged just now", defer=Staged())
    [old] = [p for p in temps(tmp_path) if p.read_bytes() == b"staged, never named"]
    [new] = [p for p in temps(tmp_path) if p != old]
    os.utime(old, (1_000_000_000, 1_000_000_000))
    assert archive.sweep(older_than=3600) == 1
    assert temps(tmp_path) == [new] and kept.path.read_bytes() == b"named"
    assert archive.sweep(older_than=0) == 1 and temps(tmp_path) == []


def test_the_nightly_sweep_also_clears_a_killed_batchs_exports(tmp_path: Path) -> None:
    from gateway.pipeline.context import Context
    from gateway.scheduler import sweep_exports

    out = tmp_path / "erp-out"
    conn = FileConnector(out)
    done = conn.deliver(delivery())  # an export of before, named and marked
    killed = delivery("bigbox:000000906:906:0001", document_id=2)
    FileConnector(out).deliver(dataclasses.replace(killed, unsynced=Staged()))  # never named
    [old] = temps(out)
    os.utime(old, (1_000_000_000, 1_000_000_000))
    (out / ".0123456789abcdef.tmp").write_bytes(b"a batch that is writing now")
    (out / ".importer-owned.tmp").write_bytes(b"not ours")  # not one of the connector's names
    os.utime(out / ".importer-owned.tmp", (1_000_000_000, 1_000_000_000))
    ctx = Context(store=None, archive=None, registry=None,  # type: ignore[arg-type]
                  data_dir=tmp_path, connector_for=None,  # type: ignore[arg-type]
                  connectors=lambda: [conn, FileConnector(out)])
    assert sweep_exports(ctx) == 1  # each folder once
    assert not old.exists() and (out / ".0123456789abcdef.tmp").exists()
    assert (out / ".importer-owned.tmp").exists() and (out / done.erp_ref).is_file()
    assert conn.deliver(delivery()).created is False  # its marker kept: still exactly once
    assert conn.deliver(killed).created  # the killed one goes out when it runs again
    assert FileConnector(tmp_path / "no such folder").sweep() == 0


def test_the_nightly_sweep_removes_markers_past_their_keeping(tmp_path: Path) -> None:
    from datetime import timedelta

    conn = FileConnector(tmp_path, keep_markers=timedelta(days=30))
    old, new = (conn.deliver(delivery(f"bigbox:00000090{n}:90{n}:0001", document_id=n))
                for n in (1, 2))
    markers = sorted((tmp_path / KEYS).glob("*/*"), key=lambda p: p.stat().st_ino)
    h = key_hash("bigbox:000000901:901:0001")
    aged = tmp_path / KEYS / h[:2] / h
    os.utime(aged, (1_000_000_000, 1_000_000_000))
    (tmp_path / KEYS / ".lock").write_bytes(b"")  # not a marker: stays
    assert len(markers) == 2 and conn.sweep() == 1
    assert not aged.exists() and (tmp_path / KEYS / ".lock").exists()
    assert [p for p in markers if p.exists()] != []  # the younger one stays
    assert (tmp_path / old.erp_ref).exists() and (tmp_path / new.erp_ref).exists()
    assert FileConnector(tmp_path).sweep() == 0  # 400 days by default

