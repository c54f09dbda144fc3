"""The audit archive: content-addressed, durable, read-only items that are never rewritten, and
failures that leave nothing behind."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import gateway.archive as archive_module
import gateway.staging as staging_module
from gateway.archive import Archive, ArchiveAltered, ArchiveError, ArchiveMissing
from gateway.errors import GatewayError

DATA = b"ISA*00*          *00*          *ZZ*SENDER~IEA*1*000000001~"
SHA = hashlib.sha256(DATA).hexdigest()


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if not p.is_dir()) if root.exists() else []


def make_writable(root: Path) -> None:
    for p in [root, *root.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IWUSR)


def test_put_writes_content_addressed_read_only_items(tmp_path: Path) -> None:
    a = Archive(tmp_path / "archive")
    item = a.put(DATA)
    assert item.sha256 == SHA and item.size == len(DATA)
    assert item.path == tmp_path / "archive" / SHA[:2] / SHA  # one level of 256 folders
    assert item.path.read_bytes() == DATA
    assert stat.S_IMODE(item.path.stat().st_mode) == 0o444
    assert files_under(tmp_path / "archive") == [item.path]  # no temporary file left
    assert a.get(SHA) == DATA and SHA in a


def test_put_again_verifies_and_never_rewrites(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    first = a.put(DATA)
    inode = first.path.stat().st_ino
    assert a.put(DATA) == first
    assert first.path.stat().st_ino == inode  # the same file, not a new one renamed over it
    assert files_under(tmp_path) == [first.path]


def test_put_refuses_to_replace_an_altered_item(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    item = a.put(DATA)
    item.path.chmod(0o644)
    item.path.write_bytes(b"tampered")
    with pytest.raises(ArchiveAltered) as info:
        a.put(DATA)
    assert info.value.code == "archive.altered"
    assert item.path.read_bytes() == b"tampered"  # kept as evidence


def test_empty_and_large_items(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    big = os.urandom(3 * 1024 * 1024 + 7)
    for data in (b"", big):
        item = a.put(data)
        assert a.get(item.sha256) == data and item.size == len(data)
    assert a.verify([(hashlib.sha256(big).hexdigest(), len(big))]) == []


def test_concurrent_puts_of_the_same_bytes(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    results: list[object] = []
    gate = threading.Barrier(8)

    def put() -> None:
        gate.wait()
        results.append(a.put(DATA))

    threads = [threading.Thread(target=put) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert files_under(tmp_path) == [a.path_for(SHA)]


def test_get_missing_and_altered(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    with pytest.raises(ArchiveMissing) as missing:
        a.get(SHA)
    assert missing.value.code == "archive.missing" and not missing.value.retryable
    item = a.put(DATA)
    item.path.chmod(0o644)
    item.path.write_bytes(DATA.replace(b"SENDER", b"OTHER!"))
    with pytest.raises(ArchiveAltered):
        a.get(SHA)
    with pytest.raises(ValueError):
        a.get("not-a-hash")


def test_verify_reports_altered_and_missing_items(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    same_size = a.put(b"first item")
    longer = a.put(b"second item")
    gone = a.put(b"third item")
    intact = a.put(b"fourth item")
    assert a.verify([(i.sha256, i.size) for i in (same_size, longer, gone, intact)]) == []
    for item, data in ((same_size, b"FIRST item"), (longer, b"second item, longer")):
        item.path.chmod(0o644)
        item.path.write_bytes(data)
    gone.path.unlink()
    problems = a.verify([(i.sha256, i.size) for i in (same_size, longer, gone, intact)]
                        + [(same_size.sha256, same_size.size)])  # listed twice: read once
    assert [(p.sha256, p.kind) for p in problems] == [
        (same_size.sha256, "altered"), (longer.sha256, "altered"), (gone.sha256, "missing")]
    assert "hash" in problems[0].detail and "bytes" in problems[1].detail
    assert str(problems[2]).startswith(f"{gone.sha256} missing")


def test_purge_deletes_an_item(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    item = a.put(DATA)
    assert a.purge(SHA, grace=3600) == "recent"  # just archived: someone is recording it
    assert item.path.exists()
    assert a.purge(SHA) == "deleted"
    assert not item.path.exists() and files_under(tmp_path) == []
    assert a.purge(SHA) == "absent"
    assert a.put(DATA).path.read_bytes() == DATA  # archived again after a purge


def legacy_item(root: Path, data: bytes) -> Path:
    """``data`` archived as the layout before this one did: ``root/ab/cd/<sha256>``."""
    sha = hashlib.sha256(data).hexdigest()
    path = root / sha[:2] / sha[2:4] / sha
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    path.chmod(0o444)
    return path


def test_items_of_the_old_layout_are_found_where_they_are(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    old = legacy_item(tmp_path, DATA)
    assert a.locate(SHA) == old and a.relative(SHA) == f"{SHA[:2]}/{SHA[2:4]}/{SHA}"
    assert SHA in a and a.get(SHA) == DATA
    assert a.verify([(SHA, len(DATA))]) == []
    inode = old.stat().st_ino
    assert a.put(DATA).path == old  # archived already: not written again in the new layout
    assert files_under(tmp_path) == [old] and old.stat().st_ino == inode
    old.chmod(0o644)
    old.write_bytes(b"tampered")
    assert [p.kind for p in a.verify([(SHA, len(DATA))])] == ["altered"]
    with pytest.raises(ArchiveAltered):
        a.put(DATA)
    old.write_bytes(DATA)
    assert a.purge(SHA) == "deleted"
    assert files_under(tmp_path) == [] and not (tmp_path / SHA[:2]).exists()  # ab/cd/, ab/
    assert a.put(DATA).path == tmp_path / SHA[:2] / SHA


def test_a_fan_out_folder_removed_by_hand_is_made_again(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    item = a.put(DATA)
    assert a.purge(SHA) == "deleted" and item.path.parent.is_dir()  # 256 folders stay
    item.path.parent.rmdir()  # (put remembers the folders it made)
    assert a.put(DATA).path.read_bytes() == DATA


def test_sweep_removes_old_temporary_files_of_both_layouts(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    legacy_item(tmp_path, b"old layout")
    item = a.put(DATA)
    stale = [item.path.parent / ".abc.x.tmp",
             next(tmp_path.glob("*/*/*")).parent / ".def.y.tmp"]
    fresh = item.path.parent / ".ghi.z.tmp"
    for t in [*stale, fresh]:
        t.write_bytes(b"partial")
    for t in stale:
        os.utime(t, (1_000_000, 1_000_000))
    assert a.sweep() == 2
    assert fresh.exists() and not any(t.exists() for t in stale)
    assert a.get(SHA) == DATA


def test_a_root_that_is_a_file_is_unwritable(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    root.write_bytes(b"not a folder")
    with pytest.raises(ArchiveError) as info:
        Archive(root).put(DATA)
    assert isinstance(info.value, GatewayError)
    assert info.value.code == "archive.unwritable" and info.value.retryable
    assert root.read_bytes() == b"not a folder"


_PUT = """
import os, sys
from pathlib import Path
from gateway.archive import Archive, ArchiveError
root = Path(sys.argv[1])
assert not os.access(root, os.W_OK), "the folder is writable: the test proves nothing"
try:
    Archive(root).put(b"data")
except ArchiveError as exc:
    print(exc.code, exc.message)
"""


def test_a_read_only_folder_is_unwritable(tmp_path: Path) -> None:
    """chmod 0o555. Root writes there regardless, so as root the put runs in a child
    process without the capability that overrides file permissions (CAP_DAC_OVERRIDE)."""
    root = tmp_path / "archive"
    root.mkdir()
    root.chmod(0o555)
    cmd = [sys.executable, "-c", _PUT, str(root)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("as root a 0o555 folder is writable, and setpriv (util-linux) is "
                        "missing to drop CAP_DAC_OVERRIDE")
        caps = "-dac_override,-dac_read_search"
        cmd = [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", *cmd]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith("archive.unwritable") and "permission denied" in p.stdout
        assert list(root.iterdir()) == []
    finally:
        root.chmod(0o755)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[object]:
    """``mount(size, read_only)``: a small tmpfs under tmp_path (root only; skips when the
    sandbox does not allow mounting)."""
    mounted: list[Path] = []

    def mount(size: str = "64k", read_only: bool = False) -> Path:
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("mounting a tmpfs needs root")
        where = tmp_path / f"fs{len(mounted)}"
        where.mkdir()
        opts = f"size={size}" + (",ro" if read_only else "")
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {p.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_read_only_file_system_is_unwritable(tmpfs: object) -> None:
    root = tmpfs(read_only=True)  # type: ignore[operator]
    with pytest.raises(ArchiveError, match="read-only"):
        Archive(root / "archive").put(DATA)
    assert files_under(root) == []


def test_a_really_full_disk_leaves_nothing_behind(tmpfs: object) -> None:
    root = tmpfs(size="64k")  # type: ignore[operator]
    a = Archive(root)
    small = a.put(b"fits")
    with pytest.raises(ArchiveError, match="disk is full") as info:
        a.put(os.urandom(256 * 1024))
    assert info.value.code == "archive.unwritable" and info.value.retryable
    assert files_under(root) == [small.path]


@pytest.mark.parametrize("fail", ["write", "fsync"])
def test_a_full_disk_leaves_nothing_behind(tmp_path: Path, fail: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    calls = {"n": 0}

    def write(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] > 1:  # the first chunk goes through, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, bytes(data)[:1000])

    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):  # the item's data never reaches the disk
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(fd)

    if fail == "write":
        monkeypatch.setattr(archive_module.os, "write", write)
    else:
        monkeypatch.setattr(archive_module.os, "fsync", fsync)
    root = tmp_path / "archive"
    with pytest.raises(ArchiveError) as info:
        Archive(root).put(DATA * 100)
    assert info.value.code == "archive.unwritable"
    assert ("disk is full" in info.value.message) == (fail == "write")
    assert files_under(tmp_path) == []  # no temporary file, no partial item
    assert not root.exists()  # nor the folders made for it
    monkeypatch.undo()
    assert Archive(root).put(DATA).path.read_bytes() == DATA  # and it works once there is room


@pytest.mark.parametrize("n", [2, 6])  # under four new items: fsyncs; from four: syncfs
def test_put_many_writes_every_item_once(tmp_path: Path, n: int) -> None:
    a = Archive(tmp_path / "archive")
    before = a.put(b"already here")
    datas = [b"item %d" % k for k in range(n)] + [b"item 0", b"already here"]
    items = a.put_many(datas)
    assert [i.sha256 for i in items] == [hashlib.sha256(d).hexdigest() for d in datas]
    assert items[-1] == before and items[0] == items[n]  # a repeat is one item
    for item, data in zip(items, datas, strict=True):
        assert item.path.read_bytes() == data and item.size == len(data)
        assert stat.S_IMODE(item.path.stat().st_mode) == 0o444
    assert files_under(tmp_path / "archive") == sorted({i.path for i in items})
    assert a.put_many([]) == []


@pytest.mark.parametrize("n", [2, 6])
def test_put_many_makes_the_bytes_durable_before_any_name(
        tmp_path: Path, n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    real_sync = staging_module._sync_file_systems

    def fsync(fd: int) -> None:
        calls.append("fsync-file" if stat.S_ISREG(os.fstat(fd).st_mode) else "fsync-dir")
        real_fsync(fd)

    def sync(folders: object) -> None:
        calls.append("syncfs")
        real_sync(folders)  # type: ignore[arg-type]

    def replace(src: str, dst: str) -> None:
        calls.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(archive_module.os, "fsync", fsync)
    monkeypatch.setattr(archive_module.os, "replace", replace)
    monkeypatch.setattr(staging_module, "_sync_file_systems", sync)
    Archive(tmp_path).put_many([b"data %d" % k for k in range(n)])
    first_name = calls.index("rename")
    if n >= 4 and staging_module._syncfs is not None:
        assert calls == ["syncfs"] + ["rename"] * n + ["syncfs"]  # two flushes for the lot
    else:
        assert calls[:first_name] == ["fsync-file"] * n  # each file's bytes, then names
        assert calls[first_name:first_name + n] == ["rename"] * n
        after = calls[first_name + n:]  # then their folders: an fsync each, or one syncfs
        assert after and set(after) <= {"fsync-dir", "syncfs"}


def test_put_many_that_fails_names_nothing_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    calls = {"n": 0}

    def write(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 4:  # the fourth file: the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(archive_module.os, "write", write)
    root = tmp_path / "archive"
    kept = Archive(root).put(b"from before")
    with pytest.raises(ArchiveError, match="disk is full") as info:
        Archive(root).put_many([b"batch %d" % k for k in range(6)])
    assert info.value.retryable
    assert files_under(tmp_path) == [kept.path]  # no temporary file, no item named
    assert sorted(p for p in root.rglob("*") if p.is_dir()) == [kept.path.parent]
    monkeypatch.undo()
    assert len(Archive(root).put_many([b"batch %d" % k for k in range(6)])) == 6


# --- files archived from their path, items read as streams -----------------------------------
@pytest.mark.parametrize("streamed", [False, True])
def test_put_takes_a_files_path(tmp_path: Path, streamed: bool,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    if streamed:  # copied in chunks, as a file of STREAM_FROM bytes or more is
        monkeypatch.setattr(archive_module, "STREAM_FROM", 1)
        monkeypatch.setattr(archive_module, "_CHUNK", 7)
    source = tmp_path / "dropped.edi"
    source.write_bytes(DATA)
    a = Archive(tmp_path / "archive")
    item = a.put(source)
    assert (item.sha256, item.size) == (SHA, len(DATA)) and a.get(SHA) == DATA
    assert files_under(tmp_path / "archive") == [item.path]
    assert a.put(source) == item and a.put(DATA) == item  # the same item, never rewritten
    assert source.read_bytes() == DATA  # the source is left for the transport to remove


def test_a_file_that_changes_while_it_is_archived_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_module, "STREAM_FROM", 1)
    source = tmp_path / "growing.edi"
    source.write_bytes(DATA)
    real = archive_module._source

    def hashed_then_appended(path: Path) -> tuple[bytes | None, str, int]:
        got = real(path)
        with path.open("ab") as f:  # the producer writes on after the hash was taken
            f.write(b"GS*PO~")
        return got

    monkeypatch.setattr(archive_module, "_source", hashed_then_appended)
    a = Archive(tmp_path / "archive")
    with pytest.raises(ArchiveError, match="growing.edi: not archived: it changed") as info:
        a.put(source)
    assert info.value.retryable  # the transport keeps the file and takes it again later
    assert files_under(tmp_path / "archive") == []


def test_a_file_that_cannot_be_read_is_not_archived(tmp_path: Path) -> None:
    a = Archive(tmp_path / "archive")
    with pytest.raises(ArchiveError, match="gone.edi: cannot read the file to archive"):
        a.put(tmp_path / "gone.edi")
    assert files_under(tmp_path / "archive") == []


def test_a_big_file_is_archived_without_being_read_whole(tmp_path: Path) -> None:
    import tracemalloc

    source = tmp_path / "big.edi"
    size = 48 << 20
    with source.open("wb") as f:
        for n in range(size >> 20):
            f.write(bytes([65 + n % 26]) * (1 << 20))
    a = Archive(tmp_path / "archive")
    tracemalloc.start()
    try:
        item = a.put(source)
        with a.open(item.sha256) as stream:
            assert stream.read(3) == b"AAA"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert item.size == size and peak < 8 << 20  # a few chunks, not the 48 MB
    assert _digest(item.path) == _digest(source)


def _digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def test_open_checks_the_hash_before_anything_is_read(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    with pytest.raises(ArchiveMissing):
        a.open(SHA)
    item = a.put(DATA)
    with a.open(SHA) as stream:
        assert stream.read() == DATA
    item.path.chmod(0o644)
    item.path.write_bytes(DATA.replace(b"SENDER", b"OTHER!"))
    with pytest.raises(ArchiveAltered):
        a.open(SHA)
