"""The ``deliver`` step (a document into the ERP) and the ``send`` step (bytes into a partner's
outbound folder).

Delivery is exactly once: the ledger row's idempotency key is unique, the connector checks the
ERP (or its own target) for that key before it creates anything, and only a receipt marks the
row delivered. While the ERP is down or slow (``Retry``) the work row waits with exponential
backoff and jitter, and the partner's later deliveries wait behind it (in order per partner);
the queue is a table, so it is as long as it needs to be and survives restarts. A permanent
refusal (``Rejected``) parks the document with the ERP's message.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from gateway.canonical import RECORD_TYPES
from gateway.erp import Delivery as ErpDelivery
from gateway.erp import Rejected, Retry
from gateway.faults import crash_point
from gateway.pipeline.context import Context, event, take_over, unsynced
from gateway.pipeline.states import Item, move
from gateway.staging import Staged
from gateway.store import rows
from gateway.store.models import Delivery, Document, File, Interchange, Transaction


@dataclass(frozen=True)
class Later:
    """What a step returns when it must run again later (its work row waits until then)."""

    reason: str
    delay: timedelta


def backoff(ctx: Context, attempts: int) -> timedelta:
    """Exponential backoff with full jitter, capped."""
    ceiling = min(ctx.retry_max.total_seconds(), ctx.retry_base.total_seconds() * 2 ** attempts)
    return timedelta(seconds=max(ctx.retry_base.total_seconds() / 2,
                                 random.uniform(0, ceiling)))


class DeliveryRow(NamedTuple):
    """What the deliver step reads of a delivery (``_DELIVERY``'s columns, in its order): the
    process step that wrote the rows hands it over in the same transaction (``hand_over``)."""

    status: str
    attempts: int
    idempotency_key: str
    document_id: int
    partner_id: str | None
    type: str
    doc_status: str
    tx_id: int | None
    tx_status: str | None
    tx_control: str | None
    ix_id: int | None
    ix_control: str | None
    file_id: int | None
    file_name: str | None
    sha256: str | None


def deliver(ctx: Context, s: Session, delivery_id: int) -> Later | None:
    row: DeliveryRow | None = take_over(s, ("delivery", delivery_id))  # same transaction
    if row is None:
        found = s.connection().execute(_DELIVERY, {"id": delivery_id}).first()
        assert found is not None
        row = DeliveryRow(*found)
    d = Item(delivery_id, row.status)
    if d.status in ("delivered", "parked"):
        return None  # already done (a replayed work row)
    doc = Item(row.document_id, row.doc_status)
    profile = ctx.registry.get(row.partner_id) if row.partner_id else None
    if profile is None:
        _park(ctx, s, d, doc, f"no partner profile {row.partner_id!r}", {})
        return None
    record = take_over(s, ("record", doc.id))
    if record is None:
        data = rows.get(s, Document, doc.id, "record")
        assert data is not None
        record = RECORD_TYPES[row.type].model_validate(data["record"])
    connector = ctx.connector_for(profile, row.type)
    done: dict[str, object] = {"connector": connector.name, "attempts": row.attempts + 1}
    try:
        receipt = connector.deliver(ErpDelivery(row.idempotency_key, profile.id, row.type,
                                                record, doc.id, _context(row),
                                                unsynced=unsynced(s)))
    except Retry as exc:
        delay = backoff(ctx, row.attempts)
        rows.change(s, Delivery, d.id, message=str(exc), **done)
        event(s, ctx, "delivery", d.id, "deliver", "retry",
              f"{exc} (attempt {row.attempts + 1}, next in {int(delay.total_seconds())} s)")
        return Later(str(exc), delay)
    except Rejected as exc:
        _park(ctx, s, d, doc, f"the ERP refused it: {exc}", done)
        return None
    crash_point("deliver-after-erp")
    move("delivery", d, "delivered")
    rows.change(s, Delivery, d.id, status=d.status, erp_ref=receipt.erp_ref,
                delivered_at=ctx.clock(), message=receipt.message or (
                    None if receipt.created else "already in the ERP"), **done)
    move("document", doc, "delivered")
    rows.change(s, Document, doc.id, status=doc.status)
    if row.tx_id is not None and row.tx_status == "translated":
        tx = Item(row.tx_id, row.tx_status)
        move("transaction", tx, "delivered")
        rows.change(s, Transaction, tx.id, status=tx.status)
    event(s, ctx, "delivery", d.id, "delivered", "ok",
          f"{connector.name}: {receipt.erp_ref}" + ("" if receipt.created else
                                                    " (found there already)"))
    return None


# the delivery with its document and where the document came from, in one query
_DELIVERY = (
    select(Delivery.status, Delivery.attempts, Delivery.idempotency_key, Delivery.document_id,
           Document.partner_id, Document.type, Document.status.label("doc_status"),
           Transaction.id.label("tx_id"), Transaction.status.label("tx_status"),
           Transaction.control_number.label("tx_control"), Interchange.id.label("ix_id"),
           Interchange.control_number.label("ix_control"), File.id.label("file_id"),
           File.name.label("file_name"), File.sha256)
    .join(Document, Document.id == Delivery.document_id)
    .outerjoin(Transaction, Transaction.id == Document.transaction_id)
    .outerjoin(Interchange, Interchange.id == Transaction.interchange_id)
    .outerjoin(File, File.id == Interchange.file_id)
    .where(Delivery.id == bindparam("id")))


def _park(ctx: Context, s: Session, d: Item, doc: Item, reason: str,
          done: dict[str, object]) -> None:
    move("delivery", d, "parked")
    rows.change(s, Delivery, d.id, status=d.status, message=reason, **done)
    move("document", doc, "parked")
    rows.change(s, Document, doc.id, status=doc.status)
    event(s, ctx, "delivery", d.id, "deliver", "parked", reason)


def _context(row: Any) -> dict[str, object]:
    out: dict[str, object] = {"document_id": row.document_id}
    if row.tx_id is not None:
        out["transaction_control_number"] = row.tx_control
        if row.ix_id is not None:
            out["interchange_control_number"] = row.ix_control
            if row.file_id is not None:
                out["file"] = row.file_name
                out["sha256"] = row.sha256
    return out


def send(ctx: Context, s: Session, file_id: int) -> Later | None:
    """Put an outbound file's archived bytes into the partner's outbound folder, atomically: a
    partner's poller never sees half a file, and doing it again after a crash is harmless.
    The bytes are checked against their hash first; the file is a second name (a hard link)
    of the archived item, which is complete and fsynced already, so nothing is written but
    the name (a copy where the folder is on another file system: ``place``)."""
    row = take_over(s, ("sent", file_id)) or rows.get(s, File, file_id, "status", "partner_id",
                                                    "name", "sha256")
    assert row is not None
    f = Item(file_id, row["status"])
    if f.status == "sent":
        return None
    partner, name = row["partner_id"], row["name"]
    assert partner is not None
    folder = ctx.partner_dir(partner, "outbound")
    try:
        if folder not in ctx.folders:
            folder.mkdir(parents=True, exist_ok=True)
            ctx.folders.add(folder)
        # the bytes the step before archived in this transaction, else the archive's (checked)
        data = row.get("data") or ctx.archive.get(row["sha256"], staged=unsynced(s))
        place(ctx.archive.locate(row["sha256"], staged=unsynced(s)), data, folder / name,
              defer=unsynced(s))
    except OSError as exc:
        ctx.folders.discard(folder)  # (removed meanwhile? made again next time)
        event(s, ctx, "file", f.id, "send", "retry", f"cannot write {folder}: {exc.strerror}")
        return Later(f"cannot write {folder}: {exc.strerror}", timedelta(seconds=30))
    move("file", f, "sent")
    rows.change(s, File, f.id, status=f.status)
    event(s, ctx, "file", f.id, "sent", "ok", f"partners/{partner}/outbound/{name}")
    return None


def place(item: Path, data: bytes, path: Path, *, defer: set[Path] | None = None) -> None:
    """Give the archived ``item`` (whose bytes are ``data``) the name ``path`` as well: a hard
    link, or where the file system refuses one (another device, no hard links) a copy written
    with ``write_atomic``. The link shares the item's inode, read-only like every archived
    item: a partner's poller reads it and removes its name, the archive keeps its own.
    ``defer``: as for ``Archive.put``, the folder's fsync is left to ``sync_dirs`` (on a
    journaling file system that also commits the item's new link count). An item a
    ``Staged`` batch has not named yet gets its second name right after it gets its first."""
    if isinstance(defer, Staged) and item in defer.pending:
        defer.after(lambda: _place(item, data, path, defer))
        return
    _place(item, data, path, defer)


def _place(item: Path, data: bytes, path: Path, defer: set[Path] | None) -> None:
    try:
        _link(item, path)
    except OSError:
        write_atomic(path, data, defer=defer)
        return
    _sync_folder(path.parent, defer)


def _link(item: Path, path: Path) -> None:
    try:
        os.link(item, path)
    except FileExistsError:  # put there before (a replay, or a crash before the commit)
        if os.path.samefile(item, path):
            return
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.unlink(missing_ok=True)
        os.link(item, tmp)
        try:
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise


def _sync_folder(folder: Path, defer: set[Path] | None) -> None:
    if defer is not None:
        defer.add(folder)
        return
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_atomic(path: Path, data: bytes, *, defer: set[Path] | None = None) -> None:
    """``defer``: as for ``Archive.put``, the folder's fsync is left to ``sync_dirs``."""
    tmp = path.with_name(f".{path.name}.tmp")
    # a new file: a name left by a crash may be a link to an archived item (``place``)
    tmp.unlink(missing_ok=True)
    with open(tmp, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _sync_folder(path.parent, defer)


