"""Durable batches of files: what the archive, the file connector and the pipeline's worker
write and make durable together before a commit.

``Staged`` is a batch's set of folders whose new entries must be made durable, plus the files
written without an fsync of their own and the actions that name them; ``sync_dirs`` flushes
their bytes (one ``syncfs`` for many), names them, and makes the names durable. The archive
uses the small helpers (``fsync_dir``, ``discard``) for its own, unbatched writes too.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Callable, Iterable
from pathlib import Path


def fsync_dir(path: Path, defer: set[Path] | None = None) -> None:
    """Make the entries of folder ``path`` durable now, or add it to ``defer`` (a set that
    ``sync_dirs`` makes durable later)."""
    if defer is not None:
        defer.add(path)
        return
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (``os.write`` may take less than it is given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


_SYNCFS_FROM = 4  # folders: from this many on, one syncfs is cheaper than an fsync each


class Staged(set[Path]):
    """What a batch of work leaves until just before its commit (the pipeline's worker): the
    folders whose new entries must be made durable (the set itself), and files written
    without an fsync of their own whose names wait until their bytes are durable.

    ``stage(tmp, name)`` records such a file (its temporary path) and the action that gives
    it its name (a rename, a link); ``sync_dirs`` then flushes all their bytes at once (one
    ``syncfs``), runs the namings in order, and makes the names durable with the folders (a
    second ``syncfs``). So, as with a file fsynced on its own, no name ever shows bytes that
    a crash could lose, at two flushes per batch instead of one per file. ``abandon`` removes
    the temporary files of a batch that will not commit."""

    def __init__(self) -> None:
        super().__init__()
        self.files: list[Path] = []  # written, not yet flushed
        self.naming: list[Callable[[], None]] = []
        self.pending: dict[Path, Path] = {}  # a final path -> its temporary file, until named
        self.made: list[Path] = []  # folders made for them, outermost first

    def stage(self, tmp: Path, naming: Callable[[], None], final: Path | None = None) -> None:
        self.files.append(tmp)
        self.naming.append(naming)
        self.add(tmp.parent)
        if final is not None:
            self.pending[final] = tmp

    def after(self, naming: Callable[[], None]) -> None:
        """Run ``naming`` (a link to a staged file, say) after the staged files are named."""
        self.naming.append(naming)

    def abandon(self) -> None:
        """Remove the staged files and the folders made for them (those left empty)."""
        discard(self.files, self.made)
        self._named()
        self.clear()

    def _named(self) -> None:
        self.files.clear()
        self.naming.clear()
        self.pending.clear()
        self.made.clear()


def discard(files: Iterable[str | Path], folders: list[Path]) -> None:
    """Remove ``files`` and then ``folders`` (deepest first; one that is not empty stays)."""
    for tmp in files:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    for d in reversed(folders):
        with contextlib.suppress(OSError):
            d.rmdir()


def sync_dirs(folders: set[Path]) -> None:
    """Make the entries of ``folders`` durable (what a ``put(..., defer=folders)`` left to the
    caller): an fsync each, or for many of them one ``syncfs`` per file system (Linux), which
    commits the file system's journal once instead of once per folder. Empties the set. For
    a ``Staged`` set, first the staged files' bytes are flushed and their names given."""
    if isinstance(folders, Staged) and folders.naming:
        if len(folders.files) >= _SYNCFS_FROM and _syncfs is not None:
            _sync_file_systems(folders)
        else:
            for tmp in folders.files:
                _fsync_path(tmp)
        try:
            for naming in folders.naming:
                naming()
        except OSError:
            folders.abandon()
            raise
        folders._named()
    if len(folders) >= _SYNCFS_FROM and _syncfs is not None:
        _sync_file_systems(folders)
    else:
        for folder in folders:
            fsync_dir(folder)
    folders.clear()


def _sync_file_systems(folders: Iterable[Path]) -> None:
    """One ``syncfs`` for each file system that holds one of ``folders``."""
    assert _syncfs is not None
    devices: dict[int, Path] = {}
    for folder in folders:
        devices.setdefault(os.stat(folder).st_dev, folder)
    for folder in devices.values():
        fd = os.open(folder, os.O_RDONLY)
        try:
            if _syncfs(fd) != 0:
                raise OSError(ctypes.get_errno(), f"syncfs {folder} failed")
        finally:
            os.close(fd)


def _fsync_path(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _find_syncfs() -> Callable[[int], int] | None:
    try:  # the os module has sync() but not syncfs(); glibc and musl have it
        fn: Callable[[int], int] = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    return fn


_syncfs = _find_syncfs()


def remove_old(folder: Path | str, named: Callable[[str], object], cutoff: float, *,
               into: Callable[[str], object] | None = None) -> int:
    """Remove the files of ``folder`` whose names ``named`` accepts and that were last
    modified before ``cutoff`` (what the nightly sweeps clear: temporary files a killed batch
    never named, old markers); with ``into``, also in the subfolders it accepts (one level).
    One pass over the folder's entries; how many files were removed."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for e in entries:
        with contextlib.suppress(OSError):
            if named(e.name) and e.is_file(follow_symlinks=False):
                if e.stat().st_mtime < cutoff:
                    os.unlink(e.path)
                    removed += 1
            elif into is not None and into(e.name) and e.is_dir(follow_symlinks=False):
                removed += remove_old(e.path, named, cutoff)
    return removed

