"""The validation report tree: file → interchange → group → transaction set → defects.

Readers and validators fill it; acknowledgements (``gateway.acks``), the command line and later
the pipeline read it. Defects are data, with positions (``offset`` is the byte offset in the
file, ``segment_position`` counts from the transaction set header = 1, or within the
interchange for envelope segments).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from gateway.errors import spec

Status = Literal["accepted", "partially_accepted", "rejected"]


@dataclass(slots=True)
class Defect:
    code: str
    message: str
    offset: int | None = None
    segment: str | None = None  # segment tag: "BEG"
    segment_position: int | None = None
    element: str | None = None  # reference designator: "BEG03", "SLN05-02"
    # for acknowledgements
    element_seq: int | None = None  # 1-based position of the element in its segment
    component_seq: int | None = None
    repetition: int | None = None
    data_ele: str | None = None  # data element reference number (AK404 / IK404)
    value: str | None = None  # copy of the bad value (AK404 / IK404 / UCD)
    loop_id: str | None = None  # loop the segment sits in (999 IK303)
    warning: bool = False  # reported, does not reject

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "offset": self.offset,
            "segment": self.segment,
            "segment_position": self.segment_position,
            "element": self.element,
        }

    @property
    def level(self) -> str:
        return spec(self.code).level


@dataclass(slots=True)
class TransactionReport:
    set_id: str  # "850", "ORDERS"
    control_number: str
    offset: int = 0
    segment_count: int = 0  # segments counted from header to trailer
    version: str | None = None  # message version (EDIFACT UNH S009) or ST03 (X12 5010)
    errors: list[Defect] = field(default_factory=list)
    # EDIFACT UNH S009 parts for CONTRL UCM: type, version, release, agency, association code
    message_identifier: tuple[str, ...] = ()

    @property
    def status(self) -> Literal["accepted", "rejected"]:
        if not self.errors:
            return "accepted"
        return "rejected" if any(not d.warning for d in self.errors) else "accepted"

    def to_json(self) -> dict[str, Any]:
        return {
            "set": self.set_id,
            "control_number": self.control_number,
            "status": self.status,
            "errors": [d.to_json() for d in self.errors],
        }


@dataclass(slots=True)
class GroupReport:
    functional_id: str | None  # GS01; None for EDIFACT messages without UNG
    version: str | None  # GS08 / UNG S008 / message version
    control_number: str | None
    sender: str | None = None
    receiver: str | None = None
    date: str | None = None
    time: str | None = None
    offset: int = 0
    declared_count: int | None = None  # GE01 / UNE01
    transactions: list[TransactionReport] = field(default_factory=list)
    errors: list[Defect] = field(default_factory=list)
    synthetic: bool = False  # EDIFACT messages without UNG

    @property
    def rejected_itself(self) -> bool:
        return bool(self.errors) and any(not d.warning for d in self.errors)

    @property
    def accepted_count(self) -> int:
        if self.rejected_itself:
            return 0
        return sum(1 for t in self.transactions if t.status == "accepted")

    @property
    def status(self) -> Status:
        return rollup([t.status for t in self.transactions], self.rejected_itself)

    def to_json(self) -> dict[str, Any]:
        return {
            "functional_id": self.functional_id,
            "version": self.version,
            "control_number": self.control_number,
            "status": self.status,
            "errors": [d.to_json() for d in self.errors],
            "transactions": [t.to_json() for t in self.transactions],
        }


@dataclass(slots=True)
class InterchangeReport:
    standard: Literal["x12", "edifact"]
    sender: str | None
    receiver: str | None
    control_number: str | None
    version: str | None  # ISA12 / UNB syntax identifier:version ("UNOC:3")
    offset: int = 0
    sender_qualifier: str | None = None
    receiver_qualifier: str | None = None
    date: str | None = None
    time: str | None = None
    ack_requested: bool = False  # ISA14 = 1 / UNB0031 = 1
    test: bool = False  # ISA15 = T / UNB0035 = 1
    delimiters: dict[str, str] = field(default_factory=dict)
    groups: list[GroupReport] = field(default_factory=list)
    errors: list[Defect] = field(default_factory=list)
    envelope: dict[str, Any] = field(default_factory=dict)  # raw header fields by reference

    @property
    def rejected_itself(self) -> bool:
        return any(not d.warning for d in self.errors)

    @property
    def status(self) -> Status:
        leaves: list[str] = []
        for g in self.groups:
            if g.rejected_itself:
                leaves.extend(["rejected"] * max(1, len(g.transactions)))
            else:
                leaves.extend(t.status for t in g.transactions)
        return rollup(leaves, self.rejected_itself)

    def to_json(self) -> dict[str, Any]:
        return {
            "standard": self.standard,
            "sender": self.sender,
            "receiver": self.receiver,
            "control_number": self.control_number,
            "version": self.version,
            "status": self.status,
            "errors": [d.to_json() for d in self.errors],
            "groups": [g.to_json() for g in self.groups],
        }


@dataclass(slots=True)
class Ack:
    type: Literal["TA1", "997", "999", "CONTRL"]
    text: str
    interchange_control_number: str | None = None  # the inbound interchange it answers

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "text": self.text}


@dataclass(slots=True)
class FileReport:
    file: str
    interchanges: list[InterchangeReport] = field(default_factory=list)
    errors: list[Defect] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    unreadable: bool = False  # nothing could be read (exit 2)
    # running totals, kept even when the interchange reports are not (streaming mode)
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("interchanges", "interchanges_rejected", "groups", "sets", "sets_accepted",
         "sets_rejected", "segments", "envelope_errors", "acks", "ack_bytes"), 0))

    def count(self, ix: InterchangeReport) -> None:
        t = self.totals
        t["interchanges"] += 1
        t["interchanges_rejected"] += ix.status != "accepted"
        t["segments"] += 2  # header and trailer
        t["envelope_errors"] += sum(1 for d in ix.errors if not d.warning)
        for g in ix.groups:
            t["envelope_errors"] += sum(1 for d in g.errors if not d.warning)
            if not g.synthetic:
                t["groups"] += 1
                t["segments"] += 2
            for tx in g.transactions:
                t["sets"] += 1
                t["segments"] += tx.segment_count
                ok = tx.status == "accepted" and not g.rejected_itself
                t["sets_accepted" if ok else "sets_rejected"] += 1

    @property
    def all_accepted(self) -> bool:
        return (not self.unreadable and not any(not d.warning for d in self.errors)
                and self.totals["interchanges_rejected"] == 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "errors": [d.to_json() for d in self.errors],
            "interchanges": [i.to_json() for i in self.interchanges],
            "acks": [a.to_json() for a in self.acks],
        }


def rollup(statuses: list[str], rejected_itself: bool) -> Status:
    """accepted when every part is, rejected when none is, partially_accepted otherwise."""
    if rejected_itself:
        return "rejected"
    if not statuses:
        return "accepted"
    ok = sum(1 for s in statuses if s == "accepted")
    if ok == len(statuses):
        return "accepted"
    if ok == 0:
        return "rejected"
    return "partially_accepted"
