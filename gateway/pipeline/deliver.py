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

from sqlalchemy.orm import Session

from gateway.canonical import RECORD_TYPES
from gateway.erp import Delivery as ErpDelivery
from gateway.erp import Rejected, Retry
from gateway.faults import crash_point
from gateway.pipeline.context import Context, event
from gateway.pipeline.states import move
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


def deliver(ctx: Context, s: Session, d: Delivery) -> Later | None:
    if d.status in ("delivered", "parked"):
        return None  # already done (a replayed work row)
    doc = s.get(Document, d.document_id)
    assert doc is not None
    profile = ctx.registry.get(doc.partner_id) if doc.partner_id else None
    if profile is None:
        _park(ctx, s, d, doc, f"no partner profile {doc.partner_id!r}")
        return None
    record = RECORD_TYPES[doc.type].model_validate(doc.record)
    context = _context(s, doc)
    connector = ctx.connector_for(profile, doc.type)
    d.connector = connector.name
    d.attempts += 1
    try:
        receipt = connector.deliver(ErpDelivery(d.idempotency_key, profile.id, doc.type, record,
                                                doc.id, context))
    except Retry as exc:
        delay = backoff(ctx, d.attempts - 1)
        d.message = str(exc)
        event(s, ctx, "delivery", d.id, "deliver", "retry",
              f"{exc} (attempt {d.attempts}, next in {int(delay.total_seconds())} s)")
        return Later(str(exc), delay)
    except Rejected as exc:
        _park(ctx, s, d, doc, f"the ERP refused it: {exc}")
        return None
    crash_point("deliver-after-erp")
    move("delivery", d, "delivered")
    d.erp_ref, d.delivered_at = receipt.erp_ref, ctx.clock()
    d.message = receipt.message or (None if receipt.created else "already in the ERP")
    move("document", doc, "delivered")
    if doc.transaction_id is not None:
        tx = s.get(Transaction, doc.transaction_id)
        if tx is not None and tx.status == "translated":
            move("transaction", tx, "delivered")
    event(s, ctx, "delivery", d.id, "delivered", "ok",
          f"{d.connector}: {receipt.erp_ref}" + ("" if receipt.created else
                                                 " (found there already)"))
    return None


def _park(ctx: Context, s: Session, d: Delivery, doc: Document, reason: str) -> None:
    move("delivery", d, "parked")
    d.message = reason
    move("document", doc, "parked")
    event(s, ctx, "delivery", d.id, "deliver", "parked", reason)


def _context(s: Session, doc: Document) -> dict[str, object]:
    out: dict[str, object] = {"document_id": doc.id}
    if doc.transaction_id is not None:
        tx = s.get(Transaction, doc.transaction_id)
        if tx is not None:
            ix = s.get(Interchange, tx.interchange_id)
            out["transaction_control_number"] = tx.control_number
            if ix is not None:
                out["interchange_control_number"] = ix.control_number
                f = s.get(File, ix.file_id)
                if f is not None:
                    out["file"] = f.name
                    out["sha256"] = f.sha256
    return out


def send(ctx: Context, s: Session, f: File) -> Later | None:
    """Write an outbound file's archived bytes into the partner's outbound folder, atomically
    (temp name, fsync, rename): a partner's poller never sees half a file, and writing the
    same bytes again after a crash is harmless."""
    if f.status == "sent":
        return None
    assert f.partner_id is not None
    folder = ctx.partner_dir(f.partner_id, "outbound")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f.name, ctx.archive.get(f.sha256))
    except OSError as exc:
        event(s, ctx, "file", f.id, "send", "retry", f"cannot write {folder}: {exc.strerror}")
        return Later(f"cannot write {folder}: {exc.strerror}", timedelta(seconds=30))
    move("file", f, "sent")
    event(s, ctx, "file", f.id, "sent", "ok", f"partners/{f.partner_id}/outbound/{f.name}")
    return None


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


