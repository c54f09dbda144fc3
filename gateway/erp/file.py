"""File export connector: each canonical document as a file in a folder the ERP imports from.

Formats (``FileErp.format``):

- ``json``: one file per document, ``record.model_dump(mode="json")``, named from the
  idempotency key: ``<partner>_<type>_<number>_<hash8>.json`` (``hash8``: the first eight hex
  digits of the key's SHA-256, so two deliveries of the same document number under different
  control numbers get two names, and the same key always the same name).
- ``xml``: the same, in the XML form of :mod:`gateway.canonical.xml`, validated with
  ``xmlschema`` against the committed XSD (``maps/canonical/<record_type>.xsd``) before anything
  is written. A record the XSD refuses raises :class:`Rejected`: the document cannot be exported
  as it is, trying again will not change that.
- ``jsonl``: one line per document, the envelope of :func:`gateway.erp.payload.envelope` (key,
  partner, type, document id, context, record), appended to a daily file
  ``documents-YYYY-MM-DD.jsonl`` (UTC date of the delivery).

Writing is atomic: ``json``/``xml`` go to a temporary ``.<random>.tmp`` in the same folder
(importers must skip names starting with a dot), are fsynced, then hard-linked to their final
name, which fails if the name exists (so two workers racing on one key create one file), and
the folder is fsynced (or, for a delivery that names ``unsynced`` folders, the folder and the
marker's are added there: the pipeline's worker fsyncs them with the rest of its batch before
it records any delivery of it; a temporary file that a killed batch never named is removed
by the nightly ``sweep`` once a day old). A jsonl line is written with one ``write`` under an
exclusive ``flock`` and fsynced; a line cut short by a crash is truncated away by the next
append.

Exactly once, across restarts: besides the file itself, every delivered key leaves a marker in
``.keys/<sha[:2]>/<sha>`` (the key's full SHA-256). A second delivery of the key finds the
marker, or the file, and returns ``Receipt(created=False)`` without writing, even after the
ERP has imported and removed the file. For jsonl the marker is written, fsynced, *before* the
line and records the file and offset the line goes to; a redelivery reads that offset and
only appends when the line is not there (the crash came between marker and line). So jsonl is
exactly-once too, at the cost of two extra fsyncs per line. A json/xml marker is the temporary
file the export was written to, renamed once the export has its name: a second link to the
export (creating a file is the dear part of writing one), so it holds the document's bytes
after the ERP removed the export. The nightly ``sweep`` removes markers older than
``keep_markers`` (400 days unless the profile's ``[erp]`` says otherwise): by then the delivery
ledger has long recorded the key, and a marker only guards a crash between the export and
that record.

Errors: any ``OSError`` while writing (folder missing and not creatable, no permission, disk
full, a network share gone) raises :class:`Retry`, not :class:`Rejected`. None of them is the
document's fault and each is fixed by an operator (a ``chmod``, freeing space, remounting);
the document waits in the delivery queue and goes out when the folder is writable again,
instead of being parked and needing a manual replay one by one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

import xmlschema

from gateway.canonical.xml import root_name, to_xml
from gateway.erp import Delivery, Receipt, Rejected, Retry
from gateway.erp.payload import document_number, dumps, envelope
from gateway.staging import Staged, fsync_dir, remove_old, write_all

Format = Literal["json", "jsonl", "xml"]

CANONICAL_SCHEMAS = Path(__file__).resolve().parents[2] / "maps" / "canonical"
KEYS = ".keys"
_HEX64 = re.compile(r"[0-9a-f]{64}")  # a marker's name
_FAN = re.compile(r"[0-9a-f]{2}")  # the folder of a marker (``.keys/ab/``)
_TEMP = re.compile(r"\.[0-9a-f]{16}\.tmp")  # ``_temp_file``'s names
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _utc_today() -> date:
    return datetime.now(UTC).date()


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _safe(part: str, limit: int = 40) -> str:
    """``part`` with every run of characters outside ``[A-Za-z0-9._-]`` made one ``-``."""
    return _UNSAFE.sub("-", part).strip(".-")[:limit].strip(".-") or "none"


def file_name(delivery: Delivery, ext: str) -> str:
    """The export file name of a delivery: ``<partner>_<type>_<number>_<hash8>.<ext>``,
    safe on any file system (no separators, no leading dot, at most ~140 characters)."""
    number = document_number(delivery.record) or str(delivery.document_id)
    return (f"{_safe(delivery.partner_id)}_{_safe(delivery.document_type)}_{_safe(number)}"
            f"_{key_hash(delivery.idempotency_key)[:8]}.{ext}")


@cache
def _schema(path: Path) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(path))


def _temp_file(folder: Path, data: bytes, *, durable: bool) -> Path:
    """``data`` in a new ``.<random>.tmp`` in ``folder`` (mode from the umask), fsynced when
    ``durable``."""
    tmp = folder / f".{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        write_all(fd, data)
        if durable:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    return tmp


def _publish(tmp: Path, final: Path) -> bool:
    """Give ``tmp`` the name ``final`` unless that exists; False when it did. ``tmp`` stays
    (a second name of ``final``) unless the file system has no hard links."""
    try:
        os.link(tmp, final)  # atomic and refuses to overwrite: the race between workers
    except FileExistsError:
        return False
    except OSError:
        # no hard links on this file system (some network shares): check, then rename
        if final.exists():
            return False
        os.replace(tmp, final)
        return True
    return True


class FileConnector:
    """Writes each delivery into ``directory`` (created when missing) as ``format``."""

    name = "file"

    def __init__(self, directory: Path, format: Format = "json", *,
                 schemas_dir: Path = CANONICAL_SCHEMAS,
                 today: Callable[[], date] = _utc_today,
                 keep_markers: timedelta = timedelta(days=400)) -> None:
        self.directory = directory
        self.format: Format = format
        self.keep_markers = keep_markers
        self._schemas_dir = schemas_dir
        self._today = today
        self._folders: set[Path] = set()  # marker folders made (or found) already

    # -- the Connector interface ---------------------------------------------------------------

    def deliver(self, delivery: Delivery) -> Receipt:
        data = self._render(delivery) if self.format != "jsonl" else b""
        try:
            marker = self._marker(delivery.idempotency_key)
            if marker.parent not in self._folders:
                marker.parent.mkdir(parents=True, exist_ok=True)
                self._folders.add(marker.parent)
            if self.format == "jsonl":
                return self._append(delivery, marker)
            return self._write(delivery, data, marker)
        except OSError as exc:
            self._folders.clear()  # (one may have been removed: make them again next time)
            raise Retry(f"cannot write into {self.directory}: "
                        f"{exc.strerror or exc}") from exc

    def close(self) -> None:
        pass

    def sweep(self, older_than: float = 86_400.0) -> int:
        """The nightly clean-up; how many files were removed. Temporary files
        (``.<random>.tmp``) older than ``older_than`` seconds: what a process killed
        mid-batch left before it named them (the pipeline's batches name theirs only after
        one flush of all their files); nothing names them later. And markers older than
        ``keep_markers``: a marker holds the export's bytes (a second link) after the ERP
        took the file, and by then the delivery ledger has long known the key."""
        now = time.time()
        return remove_old(self.directory, _TEMP.fullmatch, now - older_than) + remove_old(
            self.directory / KEYS, _HEX64.fullmatch, now - self.keep_markers.total_seconds(),
            into=_FAN.fullmatch)

    # -- rendering -----------------------------------------------------------------------------

    def _render(self, delivery: Delivery) -> bytes:
        if self.format == "json":
            # pydantic's own JSON writer: the same text as json.dumps(record_json(record),
            # ensure_ascii=False, indent=2), without the pure-Python indenting encoder
            return (delivery.record.model_dump_json(indent=2) + "\n").encode("utf-8")
        record_type = root_name(type(delivery.record))
        xsd = self._schemas_dir / f"{record_type}.xsd"
        if not xsd.is_file():
            raise Rejected(f"no XSD for record type {record_type!r} in {self._schemas_dir}")
        data = to_xml(delivery.record)
        errors = list(_schema(xsd).iter_errors(io.BytesIO(data)))
        if errors:
            first = errors[0]
            raise Rejected(f"{record_type} XML does not conform to {xsd.name} "
                           f"({len(errors)} error(s)): {first.reason} at {first.path}")
        return data

    # -- markers -------------------------------------------------------------------------------

    def _marker(self, key: str) -> Path:
        h = key_hash(key)
        return self.directory / KEYS / h[:2] / h

    def _delivered(self, marker: Path, key: str) -> str | None:
        """The erp_ref of the earlier delivery of ``key``, None when there was none."""
        try:
            raw = marker.read_bytes()
        except FileNotFoundError:
            return None
        try:
            info = json.loads(raw)
            name, offset = str(info["file"]), info.get("offset")
        except (ValueError, KeyError, TypeError):
            # json/xml markers are written after their file: any marker means delivered
            return marker.name
        if offset is None:
            return name
        if self._key_at(self.directory / name, int(offset)) == key:
            return f"{name}@{offset}"
        return None  # a jsonl append that did not happen (crash between marker and line)

    def _key_at(self, path: Path, offset: int) -> str | None:
        try:
            with path.open("rb") as f:
                f.seek(offset)
                line = f.readline()
        except FileNotFoundError:
            return None
        if not line.endswith(b"\n"):
            return None
        try:
            key = json.loads(line)["idempotency_key"]
        except (ValueError, KeyError, TypeError):
            return None
        return key if isinstance(key, str) else None

    def _set_marker(self, marker: Path, info: dict[str, object], *, durable: bool) -> None:
        tmp = _temp_file(marker.parent, dumps(info), durable=durable)
        os.replace(tmp, marker)
        if durable:
            fsync_dir(marker.parent)

    # -- json / xml ----------------------------------------------------------------------------

    def _write(self, delivery: Delivery, data: bytes, marker: Path) -> Receipt:
        name = file_name(delivery, self.format)
        final = self.directory / name
        if self._delivered(marker, delivery.idempotency_key) is not None:
            return Receipt(name, created=False, message="already exported")
        created = False
        exists = final.exists()
        if not exists and isinstance(delivery.unsynced, Staged):
            return self._stage(delivery.unsynced, data, final, marker)
        if not exists:
            tmp = _temp_file(self.directory, data, durable=True)
            try:
                created = _publish(tmp, final)
                fsync_dir(self.directory, delivery.unsynced)
                if created and tmp.exists():
                    # after the file: a marker without its file would hide a lost export. The
                    # temporary name, now a second link to the export, becomes the marker: no
                    # new file to create (whatever a marker holds, it means "delivered")
                    os.replace(tmp, marker)
                    if delivery.unsynced is not None:  # (durable with the export: free)
                        delivery.unsynced.add(marker.parent)
                    return Receipt(name)
            finally:
                tmp.unlink(missing_ok=True)
        self._set_marker(marker, {"file": name}, durable=False)
        return Receipt(name, created=created, message="" if created else "already exported")

    def _stage(self, staged: Staged, data: bytes, final: Path, marker: Path) -> Receipt:
        """``_write`` in a pipeline batch: the export is written now without an fsync of its
        own, and gets its name and its marker once the batch has flushed the bytes of all its
        files (``staging.sync_dirs``), before the batch commits. Its delivery is one claimed
        row, so no other worker names the same file meanwhile."""
        tmp = _temp_file(self.directory, data, durable=False)

        def name() -> None:
            try:
                if _publish(tmp, final) and tmp.exists():
                    os.replace(tmp, marker)  # (as in ``_write``: the marker is the 2nd link)
                else:
                    self._set_marker(marker, {"file": final.name}, durable=False)
            finally:
                tmp.unlink(missing_ok=True)

        staged.stage(tmp, name)
        staged.add(self.directory)
        staged.add(marker.parent)
        return Receipt(final.name)

    # -- jsonl ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.directory / KEYS / ".lock", os.O_WRONLY | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _append(self, delivery: Delivery, marker: Path) -> Receipt:
        line = dumps(envelope(delivery)) + b"\n"
        with self._locked():
            earlier = self._delivered(marker, delivery.idempotency_key)
            if earlier is not None:
                return Receipt(earlier, created=False, message="already exported")
            name = f"documents-{self._today().isoformat()}.jsonl"
            path = self.directory / name
            new = not path.exists()
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666)
            try:
                offset = _cut_partial_line(fd)
                if new:
                    fsync_dir(self.directory)
                self._set_marker(marker, {"file": name, "offset": offset}, durable=True)
                write_all(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        return Receipt(f"{name}@{offset}")


def _cut_partial_line(fd: int, chunk: int = 65536) -> int:
    """Truncate the file after its last newline (dropping a line a crash cut short); the new
    size, where the next line goes."""
    size = os.fstat(fd).st_size
    end = size
    while end > 0:
        start = max(0, end - chunk)
        block = os.pread(fd, end - start, start)
        if end == size and block.endswith(b"\n"):
            return size
        i = block.rfind(b"\n")
        if i >= 0:
            end = start + i + 1
            break
        end = start
    os.ftruncate(fd, end)
    return end
