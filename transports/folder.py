"""The drop folder: ``DIR/partners/<partner-id>/inbound/``, watched by rescanning.

A file is picked up only when it is complete: names that start with "." or end in ``.tmp``,
``.part`` or ``.partial`` are ignored (producers write under such a name and rename, which is
atomic on one filesystem), and any other file must keep the same size and modification time
for ``stable_for`` seconds across scans (producers that write in place, copies over NFS/SMB
where no inotify event comes). Once the bytes are ingested (archived, fsynced, recorded) the
file is removed; if ingesting fails the file stays where it is and the next scan tries again,
so the partner's file is never lost. ``DIR/partners/<id>/send/`` takes canonical records (JSON)
from the ERP to send to the partner the same way; one that can never be sent (not a record,
or one the partner's map or checks refuse) is moved to ``send/failed/`` with the reason. Scanning instead of inotify also covers files present at
start-up and overflowing event queues, which an inotify watcher needs a rescan for anyway.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("transports.folder")

IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".filepart")

# (the file, name, partner id) -> file id; inbound files are passed as their paths (the
# archive copies a big one in chunks), records to send as their bytes
Ingest = Callable[[bytes | Path, str, str], int]
Send = Callable[[bytes, str, str], int]
# several inbound files in one go (one group commit): [(path, name, partner id)] -> file ids
IngestMany = Callable[[list[tuple[bytes | Path, str, str]]], list[int]]
BATCH_FILES = 64  # inbound files taken together at most (``ingest_many``)
BATCH_BYTES = 16 << 20  # and their size at most, unless one file alone is larger


class FolderWatcher:
    def __init__(self, root: Path, ingest: Ingest, *, stable_for: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, send: Send | None = None,
                 ingest_many: IngestMany | None = None) -> None:
        self.root = root  # DIR/partners
        self.ingest = ingest
        self.ingest_many = ingest_many  # when set, the inbound files of a scan go in batches
        self.send = send  # canonical records to send, from DIR/partners/<id>/send/
        self.stable_for = stable_for
        self.clock = clock
        self._seen: dict[Path, tuple[int, int, float]] = {}  # path -> size, mtime_ns, since

    def scan(self) -> list[int]:
        """One pass over every partner's inbound folder; the ids of the files ingested."""
        done: list[int] = []
        ready: list[tuple[Path, str, int]] = []  # inbound files (and sizes) for ingest_many
        now = self.clock()
        present: set[Path] = set()
        boxes: list[tuple[Path, Ingest | Send]] = [
            (p, self.ingest) for p in sorted(self.root.glob("*/inbound"))]
        if self.send is not None:
            boxes += [(p, self.send) for p in sorted(self.root.glob("*/send"))]
        for inbound, take in boxes:
            partner = inbound.parent.name
            for entry in sorted(os.scandir(inbound), key=lambda e: e.name):
                if not entry.is_file(follow_symlinks=False) or _ignored(entry.name):
                    continue
                path = Path(entry.path)
                present.add(path)
                st = entry.stat(follow_symlinks=False)
                key = (st.st_size, st.st_mtime_ns)
                seen = self._seen.get(path)
                if seen is None or seen[:2] != key:
                    self._seen[path] = (*key, now)
                    if self.stable_for > 0:
                        continue
                elif now - seen[2] < self.stable_for:
                    continue
                if take is self.ingest and self.ingest_many is not None:
                    ready.append((path, partner, st.st_size))
                    continue
                fid = self._take(path, partner, take)
                if fid is not None:
                    done.append(fid)
        for batch in _batches(ready):
            done += self._take_many(batch)
        for gone in set(self._seen) - present:
            del self._seen[gone]
        return done

    def _take(self, path: Path, partner: str, take: Ingest | Send) -> int | None:
        try:
            if take is self.ingest:
                fid = self.ingest(path, path.name, partner)
            else:
                fid = take(path.read_bytes(), path.name, partner)
        except ValueError as exc:  # a record that can never be sent: set it aside
            failed = path.parent / "failed"
            failed.mkdir(exist_ok=True)
            path.replace(failed / path.name)
            (failed / f"{path.name}.error.txt").write_text(f"{exc}\n", encoding="utf-8")
            log.error("%s: %s (moved to %s)", path, exc, failed)
            return None
        except Exception:  # noqa: BLE001 - keep the file, say why, try again next scan
            log.exception("could not take %s; it stays for the next scan", path)
            return None
        self._taken(path, fid)
        return fid

    def _taken(self, path: Path, fid: int) -> None:
        """``path`` is stored safely as file ``fid``: it leaves the drop folder."""
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        self._seen.pop(path, None)
        log.info("took %s (file %d)", path, fid)

    def _take_many(self, batch: list[tuple[Path, str]]) -> list[int]:
        """Ingest ``batch`` in one go; when that fails, each file on its own (so the reason
        is logged per file, and the files that can be taken are)."""
        assert self.ingest_many is not None
        try:
            ids = self.ingest_many([(path, path.name, partner) for path, partner in batch])
        except Exception:  # noqa: BLE001 - one by one: each file keeps or gets its own fate
            log.warning("taking %d files together failed; taking them one by one", len(batch),
                        exc_info=True)
            return [fid for path, partner in batch
                    if (fid := self._take(path, partner, self.ingest)) is not None]
        for (path, _), fid in zip(batch, ids, strict=True):
            self._taken(path, fid)
        return ids

    def run_until(self, stop: threading.Event, interval: float = 0.5) -> None:
        while not stop.is_set():
            try:
                self.scan()
            except Exception:  # noqa: BLE001 - a folder vanished mid-scan: next time
                log.exception("scan of %s", self.root)
            stop.wait(interval)


def _batches(ready: list[tuple[Path, str, int]]) -> list[list[tuple[Path, str]]]:
    """``ready`` (path, partner, size as scanned) in batches of at most ``BATCH_FILES`` files
    and ``BATCH_BYTES`` bytes (a file larger than that alone)."""
    out: list[list[tuple[Path, str]]] = []
    size = 0
    for path, partner, n in ready:
        if not out or len(out[-1]) >= BATCH_FILES or size + n > BATCH_BYTES:
            out.append([])
            size = 0
        out[-1].append((path, partner))
        size += n
    return out


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.lower().endswith(IGNORED_SUFFIXES)
