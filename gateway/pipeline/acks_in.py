"""Acknowledgement reconciliation: the partner's 997, 999 and CONTRL matched to what we sent.

Every outbound set that expects an ack has an ``expected_acks`` row (group and set control
numbers, due time from the profile's ``expect_ack_within``). An inbound ack marks each row it
answers accepted or rejected, with the partner's reasons (AK3/AK4 or IK3/IK4 segment and
element errors, UCS/UCD for CONTRL); a 997/999 without AK2 loops answers the whole group with
AK9. Rows still awaiting after their due time turn overdue (``mark_overdue``, run by the
scheduler); ``edi-gateway acks --overdue`` lists the overdue and rejected ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.pipeline.states import move
from gateway.store.models import ExpectedAck
from gateway.stream import Message

ACK_SETS = ("997", "999", "CONTRL")
X12_ACCEPTED = {"A", "E"}  # E: accepted with errors noted


@dataclass
class AckResult:
    group: str | None  # the answered group's control number (X12 AK102 / UNG)
    transaction: str | None  # the answered set's control number; None: the whole group
    accepted: bool
    reasons: list[dict[str, object]] = field(default_factory=list)
    interchange: str | None = None  # CONTRL: the answered interchange (UCI 0020)


def parse(msg: Message) -> list[AckResult]:
    """What an inbound ack message says about each group and set it answers."""
    if msg.report.set_id == "CONTRL":
        return _contrl(msg)
    out: list[AckResult] = []
    group: str | None = None
    current: AckResult | None = None
    answered_sets = False
    for tok in msg.tokens():
        tag = tok.tag
        if tag == "AK1":
            group, answered_sets = tok.value(2), False
        elif tag == "AK2":
            current = AckResult(group, tok.value(2), True)
            out.append(current)
            answered_sets = True
        elif tag in ("AK3", "IK3") and current is not None:
            current.reasons.append({"segment": tok.value(1), "position": tok.value(2),
                                    "loop": tok.value(3), "code": tok.value(4)})
        elif tag in ("AK4", "IK4") and current is not None:
            current.reasons.append({"element": tok.value(1), "data_element": tok.value(2),
                                    "code": tok.value(3), "value": tok.value(4)})
        elif tag in ("AK5", "IK5") and current is not None:
            current.accepted = tok.value(1) in X12_ACCEPTED
            codes = [tok.value(n) for n in range(2, 7) if tok.value(n)]
            if codes:
                current.reasons.append({"set_codes": codes})
        elif tag == "AK9" and not answered_sets:
            out.append(AckResult(group, None, tok.value(1) in X12_ACCEPTED | {"P"},
                                 [{"group_status": tok.value(1)}]))
    return out


def _contrl(msg: Message) -> list[AckResult]:
    out: list[AckResult] = []
    interchange: str | None = None
    current: AckResult | None = None
    whole: AckResult | None = None
    for tok in msg.tokens():
        if tok.tag == "UCI":
            interchange = tok.value(1)
            whole = AckResult(None, None, tok.value(4) in ("7", "8"), [],
                              interchange=interchange)
        elif tok.tag == "UCM":
            current = AckResult(None, tok.value(1), tok.value(3) in ("7", "8"), [],
                                interchange=interchange)
            out.append(current)
        elif tok.tag in ("UCS", "UCD") and (current or whole) is not None:
            target = current or whole
            assert target is not None
            target.reasons.append({"segment" if tok.tag == "UCS" else "element":
                                   tok.value(1), "code": tok.value(2)})
    if not out and whole is not None:
        out.append(whole)
    return out


def reconcile(s: Session, partner_id: str, results: list[AckResult], ack_id: int | None,
              now: datetime) -> int:
    """Mark the expected acks these results answer; how many rows changed."""
    changed = 0
    for r in results:
        q = select(ExpectedAck).where(ExpectedAck.partner_id == partner_id,
                                      ExpectedAck.status.in_(("awaiting", "overdue")))
        if r.interchange is not None:
            q = q.where(ExpectedAck.interchange_control_number == r.interchange)
        if r.group is not None:
            q = q.where(ExpectedAck.group_control_number == r.group)
        if r.transaction is not None:
            q = q.where(ExpectedAck.transaction_control_number == r.transaction)
        for row in s.scalars(q):
            move("expected_ack", row, "accepted" if r.accepted else "rejected")
            row.reasons = r.reasons
            row.ack_id = ack_id
            changed += 1
    return changed


def mark_overdue(s: Session, now: datetime) -> int:
    result = s.execute(update(ExpectedAck).where(
        ExpectedAck.status == "awaiting", ExpectedAck.due_at.is_not(None),
        ExpectedAck.due_at < now).values(status="overdue"))
    return int(result.rowcount)  # type: ignore[attr-defined]
