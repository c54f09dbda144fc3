"""What operators and finance ask of the store: ``trace``, ``replay`` and the ack report.

``trace(store, key)`` finds a PO, invoice, ASN/BOL or control number (or a file name) and
returns the whole chain for each hit: the raw file (name, SHA-256, archive path), interchange,
group, transaction set, the acks we sent for it, the canonical record, the ERP delivery, and
every event of each of them.

``replay(ctx, item, from_step)`` queues an item again: a file is processed again (its earlier
rows stay as history, no ack goes out again, nothing already delivered is delivered again), a
delivery is attempted again, an outbound file is sent again. ``replay_parked`` does that for
every parked item of a partner, typically after a map or a profile was fixed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.archive import Archive, item_name
from gateway.errors import GatewayError
from gateway.pipeline.context import Context, event
from gateway.pipeline.states import move
from gateway.store.db import Store
from gateway.store.models import (
    Ack,
    BusinessKey,
    Delivery,
    Document,
    Event,
    ExpectedAck,
    File,
    Group,
    Interchange,
    Transaction,
    Work,
)

STEPS = {"file": ("process", "send"), "delivery": ("deliver",), "transaction": ("process",)}


# -- trace ----------------------------------------------------------------------------------

def trace(store: Store, key: str, archive: Archive | None = None) -> dict[str, Any]:
    """The chain of ``key``. A file's ``archive`` is its item's path under the archive root:
    where ``archive`` finds it, when given (an item of the old layout stays where it is)."""
    chain = _trace(store, key)
    if archive is not None:
        for item in chain["items"]:
            if item["kind"] == "file":
                item["archive"] = archive.relative(item["sha256"])
    return chain


def _trace(store: Store, key: str) -> dict[str, Any]:
    with store.session() as s:
        items: list[dict[str, Any]] = []
        seen: set[tuple[str, int]] = set()
        hits = s.scalars(select(BusinessKey).where(BusinessKey.key == key)).all()
        for named in s.scalars(select(File).where(or_(File.name == key, File.sha256 == key))):
            _chain_file(s, named, items, seen)
        for h in hits:
            if h.item_kind == "document":
                _chain_document(s, h.item_id, items, seen)
            elif h.item_kind == "transaction":
                tx = s.get(Transaction, h.item_id)
                if tx is not None:
                    _chain_transaction(s, tx, items, seen)
            elif h.item_kind == "interchange":
                ix = s.get(Interchange, h.item_id)
                if ix is not None:
                    _chain_interchange(s, ix, items, seen, with_sets=True)
            elif h.item_kind == "file":
                f = s.get(File, h.item_id)
                if f is not None:
                    _chain_file(s, f, items, seen)
        return {"key": key, "items": items}


def _events(s: Session, kind: str, item_id: int) -> list[dict[str, Any]]:
    rows = s.scalars(select(Event).where(Event.item_kind == kind, Event.item_id == item_id)
                     .order_by(Event.id))
    return [{"step": e.step, "status": e.status, "at": e.at.isoformat(), "reason": e.reason}
            for e in rows]


def _add(s: Session, items: list[dict[str, Any]], seen: set[tuple[str, int]], kind: str,
         item_id: int, fields: dict[str, Any]) -> bool:
    if (kind, item_id) in seen:
        return False
    seen.add((kind, item_id))
    items.append({"kind": kind, "id": item_id, **fields, "events": _events(s, kind, item_id)})
    return True


def _file_fields(f: File) -> dict[str, Any]:
    return {"status": f.status, "partner": f.partner_id, "direction": f.direction,
            "file_kind": f.kind, "name": f.name, "sha256": f.sha256, "size": f.size,
            "archive": item_name(f.sha256),
            "received_at": f.received_at.isoformat(), "reason": f.reason,
            "settings": f.settings}


def _chain_file(s: Session, f: File, items: list[dict[str, Any]],
                seen: set[tuple[str, int]]) -> None:
    if not _add(s, items, seen, "file", f.id, _file_fields(f)):
        return
    for ix in s.scalars(select(Interchange).where(Interchange.file_id == f.id)
                        .order_by(Interchange.id)):
        _chain_interchange(s, ix, items, seen, with_sets=True)


def _chain_interchange(s: Session, ix: Interchange, items: list[dict[str, Any]],
                       seen: set[tuple[str, int]], *, with_sets: bool) -> None:
    f = s.get(File, ix.file_id)
    if f is not None and ("file", f.id) not in seen:
        _add(s, items, seen, "file", f.id, _file_fields(f))
    if not _add(s, items, seen, "interchange", ix.id, {
            "status": ix.status, "partner": ix.partner_id, "standard": ix.standard,
            "sender": ix.sender, "receiver": ix.receiver, "control_number": ix.control_number,
            "duplicate_of": ix.duplicate_of, "defects": ix.defects}):
        return
    for ack in s.scalars(select(Ack).where(Ack.interchange_id == ix.id, Ack.direction == "out")):
        af = s.get(File, ack.file_id) if ack.file_id else None
        _add(s, items, seen, "ack", ack.id, {
            "status": af.status if af else "recorded", "partner": ack.partner_id,
            "type": ack.type, "control_number": ack.control_number,
            "file": af.name if af else None, "sha256": af.sha256 if af else None})
        if af is not None:
            _add(s, items, seen, "file", af.id, _file_fields(af))
    if with_sets:
        for tx in s.scalars(select(Transaction).where(Transaction.interchange_id == ix.id)
                            .order_by(Transaction.id)):
            _chain_transaction(s, tx, items, seen)


def _chain_transaction(s: Session, tx: Transaction, items: list[dict[str, Any]],
                       seen: set[tuple[str, int]]) -> None:
    ix = s.get(Interchange, tx.interchange_id)
    if ix is not None:
        _chain_interchange(s, ix, items, seen, with_sets=False)
    g = s.get(Group, tx.group_id) if tx.group_id else None
    if not _add(s, items, seen, "transaction", tx.id, {
            "status": tx.status, "partner": ix.partner_id if ix else None, "set": tx.set_id,
            "control_number": tx.control_number,
            "group_control_number": g.control_number if g else None,
            "reason": tx.reason, "defects": tx.defects}):
        return
    for doc in s.scalars(select(Document).where(Document.transaction_id == tx.id)):
        _chain_document(s, doc.id, items, seen)


def _chain_document(s: Session, doc_id: int, items: list[dict[str, Any]],
                    seen: set[tuple[str, int]]) -> None:
    doc = s.get(Document, doc_id)
    if doc is None:
        return
    if doc.transaction_id is not None:
        tx = s.get(Transaction, doc.transaction_id)
        if tx is not None and ("transaction", tx.id) not in seen:
            _chain_transaction(s, tx, items, seen)
            return
    if not _add(s, items, seen, "document", doc.id, {
            "status": doc.status, "partner": doc.partner_id, "direction": doc.direction,
            "type": doc.type, "number": doc.number, "map": doc.map_name,
            "warnings": doc.warnings, "record": doc.record}):
        return
    for d in s.scalars(select(Delivery).where(Delivery.document_id == doc.id)):
        _add(s, items, seen, "delivery", d.id, {
            "status": d.status, "partner": doc.partner_id, "connector": d.connector,
            "idempotency_key": d.idempotency_key, "erp_ref": d.erp_ref,
            "attempts": d.attempts, "message": d.message})
    for e in s.scalars(select(ExpectedAck).where(ExpectedAck.document_id == doc.id)):
        _add(s, items, seen, "expected_ack", e.id, {
            "status": e.status, "partner": e.partner_id, "set": e.set_id,
            "group_control_number": e.group_control_number,
            "transaction_control_number": e.transaction_control_number,
            "due_at": e.due_at.isoformat() if e.due_at else None, "reasons": e.reasons})


# -- replay ---------------------------------------------------------------------------------

def replay(ctx: Context, kind: str, item_id: int, from_step: str | None = None) -> str:
    """Queue ``kind``/``item_id`` again; what was queued, in words."""
    with ctx.store.session(write=True) as s, s.begin():
        if kind == "transaction":  # a set is processed again with its whole file
            tx = s.get(Transaction, item_id)
            ix = s.get(Interchange, tx.interchange_id) if tx else None
            if ix is None:
                raise GatewayError(f"no transaction {item_id}", code="replay.unknown")
            kind, item_id = "file", ix.file_id
        step = from_step or {"file": "process", "delivery": "deliver"}.get(kind)
        if kind not in STEPS or step not in STEPS[kind]:
            raise GatewayError(f"cannot replay {kind} from step {step!r} (steps: "
                               f"{', '.join(STEPS.get(kind, ()))})", code="replay.step")
        if kind == "file":
            f = s.get(File, item_id)
            if f is None:
                raise GatewayError(f"no file {item_id}", code="replay.unknown")
            if step == "process" and f.direction != "in":
                raise GatewayError(f"file {item_id} is outbound: replay it from step send",
                                   code="replay.step")
            move("file", f, "archived")
            if step != "send":
                f.reason = None
            _queue(s, ctx, "file", f.id, "reprocess" if step == "process" else "send",
                   f.partner_id)
            return f"file {f.id} ({f.name}) queued to {step} again"
        d = s.get(Delivery, item_id)
        if d is None:
            raise GatewayError(f"no delivery {item_id}", code="replay.unknown")
        if d.status == "delivered":
            return f"delivery {d.id} is delivered already ({d.erp_ref}); nothing to do"
        doc = s.get(Document, d.document_id)
        move("delivery", d, "pending")
        d.attempts, d.message = 0, None
        if doc is not None and doc.status == "parked":
            move("document", doc, "translated")
        tx = s.get(Transaction, doc.transaction_id) if doc and doc.transaction_id else None
        ix = s.get(Interchange, tx.interchange_id) if tx else None
        # in its file's place among the partner's deliveries (worker.py)
        _queue(s, ctx, "delivery", d.id, "deliver", doc.partner_id if doc else None,
               origin=ix.file_id if ix else None)
        return f"delivery {d.id} queued again"


def _queue(s: Session, ctx: Context, kind: str, item_id: int, step: str,
           partner: str | None, origin: int | None = None) -> None:
    existing = s.scalars(select(Work).where(Work.item_kind == kind, Work.item_id == item_id,
                                            Work.step == step)).first()
    if existing is None:
        s.add(Work(item_kind=kind, item_id=item_id, step=step, partner_id=partner,
                   not_before=ctx.clock(), origin=origin))
    else:
        existing.not_before = ctx.clock()
    event(s, ctx, kind, item_id, "replay", "ok", f"queued to {step} again")


def replay_parked(ctx: Context, partner: str | None) -> list[str]:
    with ctx.store.session() as s:
        qf = select(File.id).where(File.direction == "in", File.status == "parked")
        qs = select(Interchange.file_id).join(
            Transaction, Transaction.interchange_id == Interchange.id).where(
            Transaction.status == "parked", Interchange.status != "replaced")
        qd = select(Delivery.id).join(Document, Document.id == Delivery.document_id).where(
            Delivery.status == "parked")
        if partner:
            qf = qf.where(File.partner_id == partner)
            qs = qs.where(Interchange.partner_id == partner)
            qd = qd.where(Document.partner_id == partner)
        files = s.scalars(qf).all()
        sets = s.scalars(qs).all()
        deliveries = s.scalars(qd).all()
    out = [replay(ctx, "file", fid) for fid in sorted(set(files) | set(sets))]
    out += [replay(ctx, "delivery", did) for did in deliveries]
    return out


# -- acks -----------------------------------------------------------------------------------

def ack_report(store: Store, *, overdue_only: bool) -> list[dict[str, Any]]:
    states = ("overdue", "rejected") if overdue_only else (
        "awaiting", "overdue", "rejected", "accepted")
    with store.session() as s:
        rows = s.scalars(select(ExpectedAck).where(ExpectedAck.status.in_(states))
                         .order_by(ExpectedAck.partner_id, ExpectedAck.sent_at)).all()
        return [{"partner": r.partner_id, "set": r.set_id, "status": r.status,
                 "interchange_control_number": r.interchange_control_number,
                 "group_control_number": r.group_control_number,
                 "transaction_control_number": r.transaction_control_number,
                 "document_id": r.document_id, "sent_at": r.sent_at.isoformat(),
                 "due_at": r.due_at.isoformat() if r.due_at else None,
                 "reasons": r.reasons} for r in rows]
