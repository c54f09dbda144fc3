"""The audit archive: every byte received or sent, stored once by its SHA-256.

``Archive(root).put(data)`` writes ``root/ab/abcd…`` (the hex digest, in a folder named after
its first two characters, as git keeps its loose objects) so that after it returns the bytes
survive a crash: a temporary file in the same folder, written in full, ``fsync``, made
read-only, renamed into place (atomic), then the folder ``fsync``ed (and the folders it had to
create, with their parents). Readers therefore see a complete item or none.

One level of 256 folders, not two (``ab/cd/``, the layout before): with two, a young archive
made a new folder for nearly every item until it held a few hundred thousand, and creating a
folder is what costs most on a busy file system (0.2 to 0.5 ms here, a third of taking in a
small file); 256 folders hold tens of millions of items before a folder passes 100 000 entries,
which ext4, XFS and btrfs index. Items written under the old layout stay where they are and are
found there (``locate``): an archive is never rewritten.

``put`` also takes a file's path: a file of ``STREAM_FROM`` bytes or more is hashed, then
copied in chunks (hashed again as it is copied: a file that changed meanwhile is refused), and
``open`` gives an item to read as a stream, checked against its hash first; so a big file is
never held in memory whole, and a worker's memory does not grow with the files it takes.

Bytes already archived are hashed again and never rewritten; a put of those bytes refreshes
the item's modification time, which ``purge`` uses to leave alone an item that is being
archived again while it runs.

Failures raise ``ArchiveError`` (``archive.unwritable``, retryable: a full disk or a read-only
folder can be fixed) and leave no temporary file behind; reading a missing or altered item
raises ``ArchiveMissing`` / ``ArchiveAltered``. ``verify`` rehashes items against what the
store recorded and returns the problems instead of raising.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from gateway.errors import GatewayError
from gateway.staging import Staged, discard, fsync_dir, remove_old, sync_dirs, write_all

_HEX = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20
READ_ONLY = 0o444
STREAM_FROM = 4 << 20  # a file to archive this big or bigger is copied in chunks


class ArchiveError(GatewayError):
    """The archive cannot take the bytes (folder not writable, disk full, I/O error).
    Nothing was archived; trying again later can succeed."""

    code = "archive.unwritable"
    retryable = True


class ArchiveMissing(ArchiveError):
    """The item is not in the archive (purged, or lost)."""

    code = "archive.missing"
    retryable = False


class ArchiveAltered(ArchiveError):
    """The item's bytes no longer hash to its name: the archive was tampered with or damaged."""

    code = "archive.altered"
    retryable = False


@dataclass(frozen=True, slots=True)
class ArchivedItem:
    sha256: str
    path: Path
    size: int


@dataclass(frozen=True, slots=True)
class Problem:
    """One item that does not match what was recorded: ``missing``, ``altered`` (its bytes
    hash or measure differently) or ``unreadable`` (an I/O error)."""

    sha256: str
    kind: Literal["missing", "altered", "unreadable"]
    path: Path
    detail: str

    def __str__(self) -> str:
        return f"{self.sha256} {self.kind}: {self.detail} ({self.path})"


def _check_key(sha256: str) -> str:
    if not _HEX.fullmatch(sha256):
        raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")
    return sha256


def _digest_file(path: Path) -> tuple[str, int]:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest(), f.tell()


def _source(path: Path) -> tuple[bytes | None, str, int]:
    """A file to archive: its bytes (None when it is ``STREAM_FROM`` or bigger: it is
    copied in chunks), its sha256 and its size."""
    try:
        with path.open("rb") as f:
            if os.fstat(f.fileno()).st_size < STREAM_FROM:
                data = f.read()
                return data, hashlib.sha256(data).hexdigest(), len(data)
            return None, hashlib.file_digest(f, "sha256").hexdigest(), f.tell()
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot read the file to archive: "
                           f"{exc.strerror or exc}") from exc


class _SourceProblem(Exception):
    """The file being copied into the archive cannot be read, or is not what was hashed."""


def _copy(fd: int, source: Path, item: ArchivedItem) -> None:
    """``source`` written to ``fd`` in chunks and hashed again on the way: it must still be
    ``item``'s bytes (raises ``_SourceProblem``; an OSError is the archive's file's)."""
    h, size = hashlib.sha256(), 0
    try:
        f = source.open("rb")
    except OSError as exc:
        raise _SourceProblem(f"cannot read it: {exc.strerror or exc}") from exc
    with f:
        while True:
            try:
                chunk = f.read(_CHUNK)
            except OSError as exc:
                raise _SourceProblem(f"cannot read it: {exc.strerror or exc}") from exc
            if not chunk:
                break
            h.update(chunk)
            size += len(chunk)
            write_all(fd, chunk)
    if (h.hexdigest(), size) != (item.sha256, item.size):
        raise _SourceProblem("it changed while it was being archived")


def _temporary(name: str) -> bool:
    return name.startswith(".") and name.endswith(".tmp")


def _legacy_fan(name: str) -> bool:
    return len(name) == 2  # ``cd`` of the old layout's ``ab/cd/``


def item_name(sha256: str) -> str:
    """Where an item is put under the archive's root: ``ab/<sha256>``."""
    return f"{_check_key(sha256)[:2]}/{sha256}"


class Archive:
    """A content-addressed archive under ``root`` (created on the first ``put``).
    Safe for concurrent writers in threads and processes: an item is only ever created by an
    atomic rename, and two writers of the same bytes write the same content."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._folders: set[Path] = set()  # fan-out folders known to exist (put skips a stat)

    def path_for(self, sha256: str) -> Path:
        """Where ``put`` writes the item (``root/ab/<sha256>``)."""
        return self.root / item_name(sha256)

    def _legacy(self, sha256: str) -> Path:
        """Where the layout before this one put it (``root/ab/cd/<sha256>``)."""
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def locate(self, sha256: str, *, staged: set[Path] | None = None) -> Path:
        """The item's path: ``path_for``, or the old layout's path when it is only there.
        ``staged``: a batch's ``Staged`` set, whose items not named yet are at ``path_for``."""
        path = self.path_for(sha256)
        if isinstance(staged, Staged) and path in staged.pending or path.exists():
            return path
        old = self._legacy(sha256)
        return old if old.exists() else path

    def relative(self, sha256: str) -> str:
        """``locate(sha256)`` relative to the root, with forward slashes."""
        return self.locate(sha256).relative_to(self.root).as_posix()

    def __contains__(self, sha256: str) -> bool:
        return self.locate(sha256).is_file()

    def put(self, data: bytes | Path, *, defer: set[Path] | None = None) -> ArchivedItem:
        """Archive ``data`` (bytes, or a file's path) durably; its item. Raises
        ``ArchiveError`` (nothing written: the file could not be read, or it changed while
        it was copied, or the archive cannot take it) or ``ArchiveAltered`` (an item of the
        same name is there with other bytes: it is kept as evidence, not replaced).

        ``defer``: the folders whose entries must still be made durable are added to this set
        instead of being fsynced one by one; the caller passes it to ``sync_dirs`` before it
        records the item anywhere (the worker, once per batch). The bytes are fsynced before
        the item gets its name either way, so an item under its name is always complete. A
        ``Staged`` set takes the bytes too: the item is named by ``sync_dirs``, after the
        batch's one flush of all its files' bytes (until then it is not readable here)."""
        payload: bytes | Path
        if isinstance(data, Path):
            read, sha, size = _source(data)
            payload = data if read is None else read
        else:
            payload, sha, size = data, hashlib.sha256(data).hexdigest(), len(data)
        path = self.path_for(sha)
        item = ArchivedItem(sha, path, size)
        if isinstance(defer, Staged) and path in defer.pending:
            return item  # put in this batch already
        if self._present(item):
            return item
        old = self._legacy(sha)
        if old.parent.is_dir() and self._present(ArchivedItem(sha, old, item.size)):
            return ArchivedItem(sha, old, item.size)  # archived under the old layout
        created = self._make_dirs(path.parent, defer)
        if isinstance(defer, Staged):
            tmp = self._temp(item, payload, created, durable=False)
            defer.made += created
            defer.stage(Path(tmp), lambda: os.replace(tmp, path), path)
            return item
        tmp = self._temp(item, payload, created, durable=True)
        try:
            os.replace(tmp, path)
            fsync_dir(path.parent, defer)
        except OSError as exc:
            discard([tmp], created)  # (the temporary name is gone once renamed)
            raise self._unwritable(path, exc) from exc
        return item

    def _temp(self, item: ArchivedItem, data: bytes | Path, created: list[Path], *,
              durable: bool) -> str:
        """``data`` (or the file there) in a new read-only temporary file beside ``item``
        (fsynced when ``durable``); on an error nothing is left of it, nor of the
        ``created`` folders."""
        tmp: str | None = None
        try:
            try:
                fd, tmp = self._mkstemp(item)
            except FileNotFoundError:
                if item.path.parent not in self._folders:
                    raise
                # its folder was removed since (by hand): make it again
                self._folders.discard(item.path.parent)
                created += self._make_dirs(item.path.parent)
                fd, tmp = self._mkstemp(item)
            try:
                if isinstance(data, Path):
                    _copy(fd, data, item)
                else:
                    write_all(fd, data)
                if durable:
                    os.fsync(fd)
                os.fchmod(fd, READ_ONLY)
            finally:
                os.close(fd)
        except OSError as exc:
            discard([tmp] if tmp is not None else [], created)
            raise self._unwritable(item.path, exc) from exc
        except _SourceProblem as exc:  # (only a path is copied)
            discard([tmp] if tmp is not None else [], created)
            raise ArchiveError(f"{data!s}: not archived: {exc}") from exc
        return tmp

    @staticmethod
    def _mkstemp(item: ArchivedItem) -> tuple[int, str]:
        return tempfile.mkstemp(prefix=f".{item.sha256[:16]}.", suffix=".tmp",
                                dir=item.path.parent)

    def put_many(self, datas: Sequence[bytes | Path]) -> list[ArchivedItem]:
        """Archive several byte strings (or files) durably (a group commit); their items, in
        order.

        Each is written to a temporary file without an fsync of its own; then one ``syncfs``
        makes all of their bytes durable, the temporary files get their names (renames), and a
        second ``syncfs`` makes the names durable: two flushes for the lot instead of about
        three fsyncs a file, and still never a name before its bytes (so an item under its
        name is always complete, as with ``put``). Where ``syncfs`` is missing, or for fewer
        than four new items, each file and folder is fsynced instead. On an error
        ``ArchiveError`` is raised: the caller records none of them (an item that got its name
        before the error is complete, and is simply archived again later)."""
        staged = Staged()
        try:
            items = [self.put(data, defer=staged) for data in datas]
            sync_dirs(staged)
        except ArchiveError:
            staged.abandon()
            raise
        except OSError as exc:
            staged.abandon()
            raise self._unwritable(self.root, exc) from exc
        return items

    def _present(self, item: ArchivedItem) -> bool:
        """True when ``item`` is archived intact (its mtime refreshed); False when absent."""
        try:
            sha, size = _digest_file(item.path)
            # best effort (another user's item, a read-only archive): only purge's grace uses it
            with contextlib.suppress(OSError):
                os.utime(item.path)
        except FileNotFoundError:
            return False  # absent, or purged between the two calls: write it (again)
        except OSError as exc:
            raise ArchiveError(f"{item.path}: cannot read the archived item: {exc}") from exc
        if (sha, size) != (item.sha256, item.size):
            raise ArchiveAltered(f"{item.path}: archived item is altered (now {size} bytes, "
                                 f"sha256 {sha}); it is kept as it is for inspection")
        return True

    def _make_dirs(self, folder: Path, defer: set[Path] | None = None) -> list[Path]:
        """Create ``folder`` and missing parents, each made durable in its parent; the ones
        created, outermost first. A folder made or found before is taken as there: a purge
        leaves the fan-out folders (it removes the old layout's when empty), and ``_temp``
        makes again one that was removed by hand."""
        if folder in self._folders:
            return []
        missing = []
        p = folder
        while not p.is_dir():
            missing.append(p)
            if p.parent == p:
                break
            p = p.parent
        created: list[Path] = []
        try:
            for d in reversed(missing):
                try:
                    d.mkdir()
                except FileExistsError:
                    if not d.is_dir():
                        raise
                    continue
                created.append(d)
                fsync_dir(d.parent, defer)
        except OSError as exc:
            for d in reversed(created):
                with contextlib.suppress(OSError):
                    d.rmdir()
            raise self._unwritable(folder, exc) from exc
        self._folders.add(folder)
        return created

    def _unwritable(self, where: Path, exc: OSError) -> ArchiveError:
        why = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
               errno.EROFS: "the file system is read-only",
               errno.EACCES: "permission denied", errno.EPERM: "permission denied"}
        reason = why.get(exc.errno or 0, exc.strerror or str(exc))
        return ArchiveError(f"cannot archive into {where}: {reason}")

    def get(self, sha256: str, *, staged: set[Path] | None = None) -> bytes:
        """The archived bytes, checked against their hash. ``staged``: a batch's ``Staged``
        set, whose items not named yet are read from their temporary files."""
        path = self.path_for(sha256)
        if isinstance(staged, Staged) and path in staged.pending:
            path = staged.pending[path]
        try:
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                data = self._legacy(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise ArchiveMissing(f"{sha256}: not in the archive ({path})") from exc
        except OSError as exc:
            raise ArchiveError(f"{path}: cannot read the archived item: {exc}",
                               code="archive.unreadable") from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ArchiveAltered(f"{path}: archived bytes no longer match their sha256")
        return data

    def open(self, sha256: str) -> BinaryIO:
        """The archived item opened for reading at its start, its bytes checked against
        their hash first (read in chunks: a big item is never in memory whole). Raises as
        ``get`` does; the caller closes it."""
        path = self.locate(sha256)
        try:
            f = path.open("rb")
        except FileNotFoundError as exc:
            raise ArchiveMissing(f"{sha256}: not in the archive ({path})") from exc
        except OSError as exc:
            raise ArchiveError(f"{path}: cannot read the archived item: {exc}",
                               code="archive.unreadable") from exc
        try:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
            f.seek(0)
        except OSError as exc:
            f.close()
            raise ArchiveError(f"{path}: cannot read the archived item: {exc}",
                               code="archive.unreadable") from exc
        if digest != sha256:
            f.close()
            raise ArchiveAltered(f"{path}: archived bytes no longer match their sha256")
        return f

    def verify(self, expected: Iterable[tuple[str, int]]) -> list[Problem]:
        """Rehash each ``(sha256, size)``; the items missing, altered or unreadable. Each
        distinct item is read once."""
        problems: list[Problem] = []
        seen: set[tuple[str, int]] = set()
        for sha256, size in expected:
            if (sha256, size) in seen:
                continue
            seen.add((sha256, size))
            path = self.locate(sha256)
            try:
                sha, actual = _digest_file(path)
            except FileNotFoundError:
                problems.append(Problem(sha256, "missing", path, "not in the archive"))
                continue
            except OSError as exc:
                problems.append(Problem(sha256, "unreadable", path, str(exc)))
                continue
            if actual != size:
                problems.append(Problem(sha256, "altered", path,
                                        f"{actual} bytes, recorded {size}"))
            elif sha != sha256:
                problems.append(Problem(sha256, "altered", path,
                                        f"the bytes now hash to {sha}"))
        return problems

    def sweep(self, older_than: float = 86_400.0) -> int:
        """Remove temporary files (``.<sha>.<random>.tmp``) older than ``older_than`` seconds:
        what a process killed mid-batch left before it named them (``Staged``); nothing ever
        names them later. How many were removed."""
        cutoff = time.time() - older_than
        try:
            fans = [e.path for e in os.scandir(self.root) if e.is_dir(follow_symlinks=False)]
        except FileNotFoundError:
            return 0
        return sum(remove_old(f, _temporary, cutoff, into=_legacy_fan) for f in fans)

    def purge(self, sha256: str, *, grace: float = 0.0) -> Literal["deleted", "absent",
                                                                    "recent"]:
        """Delete an item (retention): ``deleted``, or ``absent`` when it was not there. With
        ``grace``, an item put again within that many seconds is kept (``recent``): someone is
        archiving the same bytes right now and will record them."""
        path = self.locate(sha256)
        try:
            if grace and time.time() - path.stat().st_mtime < grace:
                return "recent"
            path.unlink()
        except FileNotFoundError:
            return "absent"
        except OSError as exc:
            raise ArchiveError(f"cannot delete {path}: {exc}", code="archive.purge") from exc
        with contextlib.suppress(OSError):
            fsync_dir(path.parent)
            if path.parent.parent != self.root:  # the old layout's ab/cd/, when empty
                path.parent.rmdir()
                path.parent.parent.rmdir()
        return "deleted"
