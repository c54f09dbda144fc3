"""Outbound: a canonical record from the ERP → the partner's EDI → its outbound folder, with
the partner's acknowledgement awaited.

``queue_record`` (what ``edi-gateway send`` and the ``DIR/partners/<id>/send/`` folder call)
generates the interchange with the partner's map, envelope and syntax, with control numbers
from its sequences in the store, archives the bytes, and in one transaction records the
outbound file, interchange, document, the expected acknowledgements (one per set, due after
the profile's ``expect_ack_within``) and the ``send`` work that writes it into
``DIR/partners/<id>/outbound/``.
"""

from __future__ import annotations

import io
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.pipeline.context import Context, event
from gateway.pipeline.envelope_rows import business_key
from gateway.pipeline.ingest import settings_of
from gateway.pipeline.process import _business_keys
from gateway.report import InterchangeReport
from gateway.store.models import Document, ExpectedAck, File, Interchange, Work
from gateway.store.sequences import DbControlNumbers
from gateway.translate.generate import generate_record
from gateway.validate.run import Options, validate_file


def queue_record(ctx: Context, record: BaseModel, partner_id: str, *, name: str | None = None,
                 source: str = "api") -> int:
    """Generate, archive and queue ``record`` for ``partner_id``; the outbound ``files.id``."""
    if partner_id not in ctx.registry:
        raise GatewayError(f"no partner profile {partner_id!r}", code="partner.unknown")
    profile = ctx.registry.get(partner_id)
    numbers = DbControlNumbers(ctx.store, profile.id, profile.control_numbers)
    now = ctx.clock()
    text = generate_record(record, profile, numbers, now)
    data = text.encode("latin-1" if "x12" in profile.standards and profile.syntax.x12
                       else "utf-8", "replace")
    report = validate_file(io.BytesIO(data), Options(acks=False), name=name or "outbound")
    item = ctx.archive.put(data)
    rtype = str(record.model_dump(include={"record_type"})["record_type"])
    number = str(getattr(record, "number", "") or "")
    with ctx.store.session(write=True) as s, s.begin():
        ix_report = report.interchanges[0] if report.interchanges else None
        ctl = (ix_report.control_number if ix_report else None) or f"{now:%Y%m%d%H%M%S}"
        fname = name or f"{rtype}-{number or 'record'}-{ctl}.edi"
        f = File(direction="out", kind="edi", partner_id=profile.id, name=fname,
                 source=source, sha256=item.sha256, size=item.size, received_at=now,
                 status="archived", settings=settings_of(ctx, profile.id))
        s.add(f)
        s.flush()
        doc = Document(direction="out", transaction_id=None, file_id=f.id,
                       partner_id=profile.id, type=rtype, number=number or None,
                       record=record.model_dump(mode="json"), map_name=None,
                       status="generated", warnings=[], created_at=now)
        s.add(doc)
        s.flush()
        for key, kind in _business_keys(record):
            business_key(s, key, kind, profile.id, "document", doc.id)
        if ix_report is not None:
            _expect(ctx, s, profile.acks.expect_ack_within, f, doc, ix_report)
        event(s, ctx, "file", f.id, "generated", "ok" if report.all_accepted else "error",
              f"{rtype} {number} for {profile.id}" + (
                  "" if report.all_accepted else "; it does not validate"))
        s.add(Work(item_kind="file", item_id=f.id, step="send", partner_id=profile.id,
                   not_before=now))
        return f.id


def _expect(ctx: Context, s: Session, within: timedelta | None, f: File, doc: Document,
            ix: InterchangeReport) -> None:
    row = Interchange(file_id=f.id, seq=1, direction="out", partner_id=f.partner_id,
                      standard=ix.standard, sender=ix.sender or "",
                      receiver=ix.receiver or "", control_number=ix.control_number,
                      status="sent", defects=[], received_at=ctx.clock())
    s.add(row)
    s.flush()
    business_key(s, ix.control_number, "control", f.partner_id, "interchange", row.id)
    due = ctx.clock() + within if within is not None else None
    for g in ix.groups:
        for t in g.transactions:
            s.add(ExpectedAck(partner_id=f.partner_id or "", document_id=doc.id,
                              interchange_control_number=ix.control_number or "",
                              group_control_number=None if g.synthetic else g.control_number,
                              transaction_control_number=t.control_number,
                              set_id=t.set_id, sent_at=ctx.clock(), due_at=due,
                              status="awaiting", reasons=[]))
