"""The rows of an inbound file's envelope tree, as the ``process`` step writes them.

``EnvelopeRows`` writes an interchange or group row when its first set arrives (or at the end,
for one without sets) and its final status once the whole file is read; it decides, per
interchange, whether it came from the partner whose folder the file came through and whether
it repeats one already received (same partner and control number within the duplicate window,
or the same bytes). A group or interchange that its trailer rejects takes back what its sets
had queued (``take_back``). Row records (``FileRow``, ``IxRow``, ``GroupRow``) stand for rows
the step writes with SQLAlchemy Core, not ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.partners import PartnerProfile
from gateway.pipeline.context import Context, event, followups
from gateway.pipeline.states import move
from gateway.report import FileReport, GroupReport, InterchangeReport
from gateway.store import rows
from gateway.store.models import (
    BusinessKey,
    Delivery,
    Document,
    File,
    Group,
    Interchange,
    Transaction,
    Work,
)


@dataclass
class FileRow:
    """The inbound file being processed (its row is written once, at the end of the step)."""

    id: int
    status: str
    partner_id: str | None
    name: str
    sha256: str
    settings: dict[str, object]
    reason: str | None = None

    def save(self, s: Session) -> None:
        rows.change(s, File, self.id, status=self.status, partner_id=self.partner_id,
                    reason=self.reason)


def sender_partner(ctx: Context, ix: InterchangeReport) -> str | None:
    try:
        return ctx.registry.resolve(ix).id
    except GatewayError:
        return None


@dataclass
class GroupRow:
    """A group row of the file."""

    id: int
    control_number: str | None


@dataclass
class IxRow:
    """An interchange row of the file (written when its first set arrives)."""

    id: int
    status: str
    control_number: str | None
    seq: int
    partner_id: str
    file_id: int


class EnvelopeRows:
    """The rows of a file's envelope tree, written as its sets are validated: an interchange
    or group row when its first set arrives (or at the end, for one without sets), its final
    status once the whole file is read. A group or interchange that its trailer rejects (a
    count that does not add up) takes back what its sets had queued."""

    def __init__(self, ctx: Context, s: Session, f: FileRow, profile: PartnerProfile) -> None:
        self.ctx, self.s, self.f, self.profile = ctx, s, f, profile
        self.rows: dict[int, IxRow] = {}  # by the interchange's offset
        self.groups: dict[tuple[int, int], GroupRow] = {}
        self.senders: dict[int, str | None] = {}
        self.sets = 0
        self.same_bytes = rows.scalar(s, _SAME_BYTES, {"sha": f.sha256, "fid": f.id})

    def interchange(self, ix: InterchangeReport) -> IxRow:
        row = self.rows.get(ix.offset)
        if row is not None:
            return row
        ctx, s, profile = self.ctx, self.s, self.profile
        sender = self.senders[ix.offset] = sender_partner(ctx, ix)
        row = IxRow(0, "receiving", ix.control_number, len(self.rows) + 1, profile.id, self.f.id)
        why, dup = None, None
        if sender != profile.id:
            move("interchange", row, "parked")
            why = (f"sender {ix.sender} is {'partner ' + sender if sender else 'unknown'}, "
                   f"not {profile.id} whose folder the file came through")
        else:
            dup = _duplicate(ctx, s, row, self.same_bytes)
            if dup is not None:
                move("interchange", row, "duplicate")
        row.id = rows.add(s, Interchange, {
            "file_id": self.f.id, "seq": row.seq, "direction": "in", "partner_id": profile.id,
            "standard": ix.standard, "sender": ix.sender or "", "receiver": ix.receiver or "",
            "control_number": ix.control_number, "status": row.status, "duplicate_of": dup,
            "defects": [], "received_at": ctx.clock()})
        self.rows[ix.offset] = row
        business_key(s, ix.control_number, "control", profile.id, "interchange", row.id)
        if why is not None:
            event(s, ctx, "interchange", row.id, "partner", "parked", why)
        elif dup is not None:
            event(s, ctx, "interchange", row.id, "duplicate", "duplicate",
                  f"same as interchange {dup}: acknowledged again, not delivered again")
        return row

    def group(self, row: IxRow, g: GroupReport) -> GroupRow:
        key = (row.id, g.offset)
        grow = self.groups.get(key)
        if grow is None:
            grow = GroupRow(rows.add(self.s, Group, {
                "interchange_id": row.id, "functional_id": g.functional_id,
                "control_number": g.control_number, "version": g.version,
                "status": "receiving"}), g.control_number)
            self.groups[key] = grow
        return grow

    def release(self) -> None:
        """Let go of the ORM objects the step loaded (the rows are written as they come)."""
        self.s.flush()
        self.s.expunge_all()

    def finish(self, report: FileReport) -> dict[int, IxRow]:
        ctx, s = self.ctx, self.s
        for ix in report.interchanges:
            row = self.interchange(ix)
            defects = [d.to_json() for d in ix.errors]
            if row.status not in ("parked", "duplicate"):
                move("interchange", row, ix.status)
                rows.change(s, Interchange, row.id, status=row.status, defects=defects)
                event(s, ctx, "interchange", row.id, "envelope",
                      "ok" if not ix.rejected_itself else "error",
                      "; ".join(d.message for d in ix.errors) or None)
            elif defects:
                rows.change(s, Interchange, row.id, defects=defects)
            for g in ix.groups:
                grow = self.group(row, g)
                rows.change(s, Group, grow.id, status=g.status)
                if ix.rejected_itself or g.rejected_itself:
                    take_back(ctx, s, grow.id, "its interchange was rejected" if
                               ix.rejected_itself else "its group was rejected")
        self.release()
        return self.rows


_SAME_BYTES = select(File.id).where(
    File.sha256 == bindparam("sha"), File.direction == "in", File.id != bindparam("fid"),
    File.status == "processed").limit(1)


def take_back(ctx: Context, s: Session, group_id: int, why: str) -> None:
    """The sets of a rejected group: rejected, their documents and deliveries withdrawn."""
    for tx in s.scalars(select(Transaction).where(Transaction.group_id == group_id)):
        if tx.status in ("rejected", "duplicate", "reconciled"):
            continue
        move("transaction", tx, "rejected")
        tx.reason = why
        event(s, ctx, "transaction", tx.id, "validated", "parked", why)
        for doc in s.scalars(select(Document).where(Document.transaction_id == tx.id)):
            move("document", doc, "rejected")
            for d in s.scalars(select(Delivery).where(Delivery.document_id == doc.id,
                                                      Delivery.status == "pending")):
                for w in s.scalars(select(Work).where(Work.item_kind == "delivery",
                                                      Work.item_id == d.id)):
                    s.delete(w)
                for job in followups(s):  # queued by this step, not written yet
                    if job.item_kind == "delivery" and job.item_id == d.id:
                        job.cancelled = True
                s.delete(d)
    s.flush()  # before the Core statements that follow change these rows again


def _duplicate(ctx: Context, s: Session, row: IxRow, same_bytes: int | None) -> int | None:
    since = ctx.clock() - ctx.duplicate_window
    if row.control_number is not None:
        found = rows.scalar(s, _SAME_CONTROL, {"partner": row.partner_id, "fid": row.file_id,
                                               "since": since, "control": row.control_number})
    else:
        found = rows.scalar(s, _SAME_NO_CONTROL, {"partner": row.partner_id,
                                                  "fid": row.file_id, "since": since})
    if found is not None:
        return int(found)
    if same_bytes is not None:
        again = rows.scalar(s, _SAME_SEQ, {"fid": same_bytes, "seq": row.seq})
        return None if again is None else int(again)
    return None


_SAME = select(Interchange.id).where(
    Interchange.partner_id == bindparam("partner"), Interchange.direction == "in",
    Interchange.file_id != bindparam("fid"),
    # a resend of a rejected or parked interchange is the partner's correction (each
    # written out, not NOT IN: ``rows.scalar`` runs it as it is compiled)
    *(Interchange.status != status for status in ("duplicate", "parked", "rejected",
                                                  "replaced")),
    Interchange.received_at >= bindparam("since")).order_by(Interchange.id).limit(1)
_SAME_CONTROL = _SAME.where(Interchange.control_number == bindparam("control"))
_SAME_NO_CONTROL = _SAME.where(Interchange.control_number.is_(None))
_SAME_SEQ = select(Interchange.id).where(
    Interchange.file_id == bindparam("fid"), Interchange.seq == bindparam("seq")).limit(1)


def business_key(s: Session, key: str | None, kind: str, partner: str | None, item_kind: str,
         item_id: int) -> None:
    if key:
        rows.later(s, BusinessKey, {"key": key, "kind": kind, "partner_id": partner,
                                    "item_kind": item_kind, "item_id": item_id})
