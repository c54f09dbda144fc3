"""The ``process`` step of an inbound file: envelope → partner → duplicates → validation → acks
→ translation, recorded in one database transaction.

The file's bytes come from the archive. Validation and the acks follow the partner's profile
(its ack policy, control numbers from its sequences, its tolerance for UTF-8). Each accepted
transaction set is translated through the partner's map as soon as it is validated (nothing of
the file is kept but the records); the acks say what the implementation guide says, while a set
that the map or a business check refuses is parked for a person to look at (the partner's
syntax was right; the business content needs review), its siblings go on. An interchange whose
sender is not the partner whose folder it came through, or that repeats one already received
(same partner and control number within the duplicate window, or the same bytes), is recorded
and acknowledged but not delivered again. A file that is not EDI at all is parked with the
reason, the gateway carries on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.partners import PartnerProfile
from gateway.pipeline.acks_in import ACK_SETS, AckResult, reconcile
from gateway.pipeline.acks_in import parse as parse_ack
from gateway.pipeline.context import Context, Job, event, follow, hand_over, unsynced
from gateway.pipeline.deliver import DeliveryRow
from gateway.pipeline.envelope_rows import (
    EnvelopeRows,
    FileRow,
    GroupRow,
    IxRow,
    business_key,
)
from gateway.pipeline.states import Item, move
from gateway.report import Defect, FileReport, TransactionReport
from gateway.store import rows
from gateway.store.models import (
    Ack,
    Delivery,
    Document,
    File,
    Interchange,
    Transaction,
)
from gateway.store.sequences import DbControlNumbers
from gateway.stream import Message
from gateway.translate.compiled import translate_record
from gateway.translate.inbound import translate_message
from gateway.translate.mapfile import MAPS, MapError, TranslationMap, load_map
from gateway.translate.run import inbound_map_path
from gateway.validate.run import Options, validate_file

KEY_FIELDS = {"purchase_order": "po", "order_acknowledgement": "po_ack", "ship_notice": "asn",
              "invoice": "invoice"}


@dataclass
class _Outcome:
    """What translation made of one set (kept until the rows are written)."""

    partner: str | None
    record: Any = None
    map_name: str | None = None
    problems: list[Defect] = field(default_factory=list)  # rejections by the map or checks
    warnings: list[Defect] = field(default_factory=list)
    acks: list[AckResult] | None = None  # an inbound 997/999/CONTRL: what it answers
    refused: list[Any] = field(default_factory=list)  # a record a business check refused


def process_file(ctx: Context, s: Session, file_id: int, *, replay: bool = False) -> None:
    """``replay``: the file was processed before (a person asked to run it again, say after
    fixing a map): its earlier rows are kept as history, no ack is sent again, and a document
    whose delivery is already done is not delivered again."""
    found = rows.get(s, File, file_id, "id", "status", "partner_id", "name", "sha256",
                     "settings", "reason")
    assert found is not None
    f = FileRow(**found)
    # read as a stream from the archive (hash checked first): a big file is never in memory
    # whole, so a worker's memory does not grow with the size of the files it takes
    with ctx.archive.open(f.sha256) as stream:
        _process(ctx, s, f, stream, replay)


def _process(ctx: Context, s: Session, f: FileRow, stream: BinaryIO, replay: bool) -> None:
    profile = _file_partner(ctx, f, stream)
    if isinstance(profile, str):  # the reason nobody can take this file
        move("file", f, "parked")
        f.reason = profile
        f.save(s)
        event(s, ctx, "file", f.id, "envelope", "parked", profile)
        return
    f.partner_id = profile.id
    if replay:
        s.execute(update(Interchange).where(Interchange.file_id == f.id)
                  .values(status="replaced"))
    maps: dict[str, TranslationMap] = {}
    tree = EnvelopeRows(ctx, s, f, profile)

    def on_message(msg: Message) -> None:
        row = tree.interchange(msg.interchange)
        grow = tree.group(row, msg.group)
        out = _Outcome(tree.senders[msg.interchange.offset])
        if msg.report.status == "accepted" and row.status not in ("parked", "duplicate"):
            if msg.report.set_id in ACK_SETS:
                out.acks = parse_ack(msg)
            else:
                _translate(ctx, profile, msg, out, maps)
        _record_set(ctx, s, f, profile, row, grow, False, msg.report, out)
        tree.sets += 1
        if tree.sets % 200 == 0:  # a file of many sets: write and let go as it goes
            tree.release()

    opts = Options(policy=profile.acks.policy, tolerant_charset=profile.acks.tolerant_charset,
                   numbers=DbControlNumbers(ctx.store, profile.id,
                                            profile.control_numbers).within(s),
                   now=ctx.clock(), on_message=on_message)
    stream.seek(0)
    report = validate_file(stream, opts, name=f.name)
    event(s, ctx, "file", f.id, "validated", "ok" if report.all_accepted else "error",
          _summary(report))
    if report.unreadable or not report.interchanges:
        reason = "; ".join(d.message for d in report.errors) or "no interchange in the file"
        move("file", f, "parked")
        f.reason = reason
        f.save(s)
        event(s, ctx, "file", f.id, "envelope", "parked", reason)
        _queue_acks(ctx, s, f, profile, report, {})
        return
    ix_rows = tree.finish(report)
    if replay:
        event(s, ctx, "file", f.id, "acknowledged", "ok", "replayed: acks not sent again")
    else:
        _queue_acks(ctx, s, f, profile, report, ix_rows)
    move("file", f, "processed")
    f.save(s)
    event(s, ctx, "file", f.id, "processed", "ok")


def _file_partner(ctx: Context, f: FileRow, stream: BinaryIO) -> PartnerProfile | str:
    if f.partner_id is not None:
        if f.partner_id not in ctx.registry:
            return f"no partner profile {f.partner_id!r}"
        return ctx.registry.get(f.partner_id)
    env = validate_file(stream, Options(envelope_only=True, acks=False), name=f.name)
    if not env.interchanges:
        return "; ".join(d.message for d in env.errors) or "not an EDI file"
    try:
        return ctx.registry.resolve(env.interchanges[0], source=f.name)
    except GatewayError as exc:
        return exc.message


def _translate(ctx: Context, profile: PartnerProfile, msg: Message, out: _Outcome,
               maps: dict[str, TranslationMap]) -> None:
    set_id = msg.report.set_id
    try:
        where = inbound_map_path(msg, profile)
    except GatewayError as exc:
        out.problems.append(Defect(exc.code, exc.message))
        return
    out.map_name = where.relative_to(MAPS.parent).with_suffix("").as_posix() \
        if where.is_relative_to(MAPS.parent) else str(where)
    if not where.is_file():
        out.problems.append(Defect("translate.no_map", f"no map for {set_id} ({where.name})"))
        return
    try:
        tmap = maps.get(str(where)) or maps.setdefault(str(where), cached_map(where))
    except MapError as exc:
        out.problems.append(Defect(exc.code, exc.message))
        return
    before = len(msg.report.errors)
    orders = _orders(ctx)
    # the compiled map when it vouches for the set; else (and for what a check refuses, which
    # is kept for review) the reference path, which gives the same record or the defects
    record = translate_record(msg, tmap, checks=profile.checks, orders=orders)
    if record is None:
        record = translate_message(msg, tmap, checks=profile.checks, orders=orders,
                                   refused=out.refused)
    added = msg.report.errors[before:]
    out.problems = [d for d in added if not d.warning]
    # the ack says what the guide says (see the docstring), unless the profile rejects
    # refused sets in the ack too; warnings never reach the ack
    msg.report.errors[before:] = out.problems if profile.acks.reject_refused else []
    out.warnings = [d for d in added if d.warning]
    out.record = record


_MAPS: dict[str, tuple[tuple[int, ...], TranslationMap, float]] = {}
RECHECK = 2.0  # seconds between looks at the map files' modification times


def cached_map(where: Path) -> TranslationMap:
    """``load_map`` once per map and version: a map (or a table or map it builds on) changed
    on disk is loaded again (looked at every couple of seconds), so a replay after a fix uses
    the fix."""
    hit = _MAPS.get(str(where))
    now = time.monotonic()
    if hit is not None and now - hit[2] < RECHECK:
        return hit[1]
    stamp = _stamp(where)
    if hit is not None and hit[0] == stamp:
        _MAPS[str(where)] = (stamp, hit[1], now)
        return hit[1]
    tmap = load_map(where)
    _MAPS[str(where)] = (stamp, tmap, now)
    return tmap


def _stamp(where: Path) -> tuple[int, ...]:
    """Modification times of the map's folder tree and the generic maps (cheap, and catches an
    edited partner map, its CSV tables or the generic map it extends)."""
    out = []
    for folder in (where.parent, MAPS):
        for p in sorted(folder.rglob("*")):
            if p.suffix in (".toml", ".csv"):
                out.append(p.stat().st_mtime_ns)
    return tuple(out)


def _orders(ctx: Context) -> Any:
    """Purchase orders by number, for the checks against the PO: ours that we sent."""
    from gateway.canonical import PurchaseOrder

    def find(number: str) -> PurchaseOrder | None:
        with ctx.store.session() as s:
            row = s.scalars(select(Document).where(
                Document.type == "purchase_order", Document.number == number,
                Document.direction == "out").order_by(Document.id.desc())).first()
            return PurchaseOrder.model_validate(row.record) if row is not None else None

    return find


def _summary(report: FileReport) -> str:
    t = report.totals
    return (f"{t.get('interchanges', 0)} interchange(s), {t.get('sets', 0)} set(s), "
            f"{t.get('sets_rejected', 0)} rejected")


def _record_set(ctx: Context, s: Session, f: FileRow, profile: PartnerProfile, ix: IxRow,
                g: GroupRow, group_rejected: bool, t: TransactionReport,
                out: _Outcome | None) -> None:
    status = "rejected" if group_rejected or t.status != "accepted" else "accepted"
    tx = Item(0, status)
    reason: str | None = None
    defects = [d.to_json() for d in t.errors]
    events: list[tuple[str, str, str | None]] = []  # written once the set has its id
    record = out.record if out is not None else None
    keep_refused = status == "rejected"  # (profiles that reject refused sets in the ack)
    if status == "rejected":
        reason = "; ".join(d.message for d in t.errors if not d.warning) or \
            "its group was rejected"
        events.append(("validated", "parked", reason))
    else:
        events.append(("validated", "ok", None))
        if ix.status == "duplicate":
            move("transaction", tx, "duplicate")
        elif ix.status == "parked":
            move("transaction", tx, "parked")
            reason = "its interchange is parked (see the interchange)"
        elif out is not None and out.acks is not None:
            ack_id = rows.add(s, Ack, {
                "direction": "in", "type": t.set_id, "partner_id": profile.id,
                "file_id": f.id, "interchange_id": ix.id, "control_number": t.control_number,
                "created_at": ctx.clock()})
            n = reconcile(s, profile.id, out.acks, ack_id, ctx.clock())
            s.flush()
            move("transaction", tx, "reconciled")
            events.append(("reconciled", "ok", f"{t.set_id} answers {n} set(s) we sent"))
        elif record is None:
            problems = out.problems if out else [Defect("translate.missing", "not translated")]
            move("transaction", tx, "parked")
            reason = "; ".join(d.message for d in problems)
            defects = defects + [d.to_json() for d in problems]
            events.append(("translated", "parked", reason))
            keep_refused = True
        else:
            assert out is not None
            move("transaction", tx, "translated")
            events.append(("translated", "ok", f"{record.record_type} {_number(record)}" + (
                f"; {len(out.warnings)} warning(s): " + "; ".join(
                    d.message for d in out.warnings) if out.warnings else "")))
    tx.id = rows.add(s, Transaction, {
        "interchange_id": ix.id, "group_id": g.id, "set_id": t.set_id,
        "control_number": t.control_number, "status": tx.status, "reason": reason,
        "defects": defects, "offset": t.offset})
    business_key(s, t.control_number, "control", profile.id, "transaction", tx.id)
    for step, result, why in events:
        event(s, ctx, "transaction", tx.id, step, result, why)
    if keep_refused:
        _keep_refused(ctx, s, f, profile, tx.id, out, tx.status)
    if tx.status != "translated" or out is None or record is None:
        return
    key = f"{profile.id}:{ix.control_number}:{g.control_number}:{t.control_number}"
    found = rows.first(s, _DELIVERY, {"key": key})  # (id, status, erp_ref)
    d = Item(found[0], found[1]) if found is not None else None
    doc = Item(0, "translated")
    if d is not None and d.status == "delivered":  # a replay: the ERP has it already
        move("document", doc, "delivered")
    doc.id = rows.add(s, Document, {
        "direction": "in", "transaction_id": tx.id, "file_id": f.id, "partner_id": profile.id,
        "type": record.record_type, "number": _number(record),
        "record": rows.JsonText(record.model_dump_json()), "map_name": out.map_name,
        "status": doc.status, "warnings": [w.to_json() for w in out.warnings],
        "created_at": ctx.clock()})
    for bkey, kind in _business_keys(record):
        business_key(s, bkey, kind, profile.id, "document", doc.id)
    if d is not None and found is not None and d.status == "delivered":
        event(s, ctx, "transaction", tx.id, "deliver", "ok",
              f"delivered before as delivery {d.id} ({found[2]}); not again")
        return
    if d is None:
        d = Item(rows.add(s, Delivery, {
            "document_id": doc.id, "idempotency_key": key, "status": "pending",
            "connector": _connector_name(ctx, profile, record.record_type), "attempts": 0,
            "erp_ref": None, "message": None, "delivered_at": None}), "pending")
        # what the deliver step that follows would read back (``deliver._DELIVERY``)
        hand_over(s, ("delivery", d.id), DeliveryRow(
            status=d.status, attempts=0, idempotency_key=key, document_id=doc.id,
            partner_id=profile.id, type=record.record_type, doc_status=doc.status,
            tx_id=tx.id, tx_status=tx.status, tx_control=t.control_number, ix_id=ix.id,
            ix_control=ix.control_number, file_id=f.id, file_name=f.name, sha256=f.sha256))
    else:  # a replay of a parked or pending delivery: it carries the new document now
        move("delivery", d, "pending")
        rows.change(s, Delivery, d.id, status=d.status, document_id=doc.id, message=None)
    hand_over(s, ("record", doc.id), record)
    follow(s, Job("delivery", d.id, "deliver", profile.id, ctx.clock(), origin=f.id))


_DELIVERY = select(Delivery.id, Delivery.status, Delivery.erp_ref).where(
    Delivery.idempotency_key == bindparam("key"))


def _keep_refused(ctx: Context, s: Session, f: FileRow, profile: PartnerProfile, tx_id: int,
                  out: _Outcome | None, status: str) -> None:
    """A record a business check refused: kept with its set for review, findable by its
    numbers (``trace``), never delivered."""
    for refused in out.refused if out else ():
        doc_id = rows.add(s, Document, {
            "direction": "in", "transaction_id": tx_id, "file_id": f.id,
            "partner_id": profile.id, "type": refused.record_type, "number": _number(refused),
            "record": refused.model_dump(mode="json"),
            "map_name": out.map_name if out else None, "status": status, "warnings": [],
            "created_at": ctx.clock()})
        for key, kind in _business_keys(refused):
            business_key(s, key, kind, profile.id, "document", doc_id)


def _number(record: Any) -> str | None:
    return getattr(record, "number", None)


def _business_keys(record: Any) -> list[tuple[str, str]]:
    keys = []
    if getattr(record, "number", None):
        keys.append((record.number, KEY_FIELDS.get(record.record_type, "document")))
    order = getattr(record, "order_number", None)
    if order:
        keys.append((order, "po"))
    for o in getattr(record, "orders", ()) or ():
        keys.append((o.order_number, "po"))
    bol = getattr(record, "bill_of_lading", None)
    if bol:
        keys.append((bol, "bol"))
    return keys


def _connector_name(ctx: Context, profile: PartnerProfile, doc_type: str) -> str:
    """The connector the document will go to (known for sure when it is delivered)."""
    try:
        return ctx.connector_for(profile, doc_type).name
    except GatewayError as exc:  # a connector that cannot be built: the delivery will say
        return f"({exc.code})"[:32]


def _queue_acks(ctx: Context, s: Session, f: FileRow, profile: PartnerProfile,
                report: FileReport, ix_rows: dict[int, IxRow]) -> None:
    """Archive every ack the validation rendered and queue it for the partner's outbound
    folder (written after this transaction commits: the ``send`` step)."""
    for n, ack in enumerate(report.acks, start=1):
        data = ack.text.encode("latin-1", "replace")
        item = ctx.archive.put(data, defer=unsynced(s))
        answered = next((r for off, r in ix_rows.items()
                         if r.control_number == ack.interchange_control_number), None)
        name = f"{f.id:08d}-{n}-{ack.type}-{ack.interchange_control_number or 'file'}.edi"
        out = rows.add(s, File, {
            "direction": "out", "kind": "ack", "partner_id": profile.id, "name": name,
            "source": "pipeline", "sha256": item.sha256, "size": item.size,
            "received_at": ctx.clock(), "status": "archived", "reason": None,
            "settings": dict(f.settings), "keep_until": None, "purged_at": None})
        control = _ack_control(ack.text)
        rows.later(s, Ack, {
            "direction": "out", "type": ack.type, "partner_id": profile.id, "file_id": out,
            "interchange_id": answered.id if answered else None, "control_number": control,
            "created_at": ctx.clock()})
        event(s, ctx, "file", f.id, "acknowledged", "ok", f"{ack.type} {name}")
        business_key(s, control, "ack", profile.id, "file", out)
        hand_over(s, ("sent", out), {"status": "archived", "partner_id": profile.id,
                                     "name": name, "sha256": item.sha256, "data": data})
        follow(s, Job("file", out, "send", profile.id, ctx.clock()))


def _ack_control(text: str) -> str | None:
    if text.startswith("ISA") and len(text) > 105:
        return text[90:99]
    if text.startswith(("UNA", "UNB")):
        body = text[9:] if text.startswith("UNA") else text
        parts = body.split("'")[0].split("+")
        return parts[5] if len(parts) > 5 else None
    return None
