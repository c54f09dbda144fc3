"""Shared by the X12 and EDIFACT renderers: defects of a transaction set grouped by segment.

An ack reports segment errors (AK3 / IK3 / UCS) each followed by its element errors (AK4 / IK4
/ UCD). The report keeps defects as a flat list; this module folds them into that shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from gateway.report import Defect, TransactionReport

_REF = re.compile(r"^([A-Z][A-Z0-9]{1,2}?)(\d{2})(?:-(\d{1,2}))?$")


@dataclass(slots=True)
class SegmentErrors:
    """One segment in error: its segment-level defect (None when only elements are wrong)."""

    tag: str
    position: int
    loop_id: str | None
    defect: Defect | None
    elements: list[Defect] = field(default_factory=list)


def segment_errors(t: TransactionReport) -> list[SegmentErrors]:
    """Segment- and element-level defects of ``t`` grouped by (position, tag), in position order.

    Element defects join the first entry of their segment; each further segment-level defect
    at the same place gets its own entry, so nothing is lost. A defect without a position is
    reported at the trailer (``t.segment_count``), or at 1 when that is unknown too.
    """
    fallback = t.segment_count if t.segment_count > 0 else 1
    out: list[SegmentErrors] = []
    first: dict[tuple[int, str], SegmentErrors] = {}
    for d in t.errors:
        level = d.level
        if level not in ("segment", "element"):
            continue
        tag = d.segment or _tag_from_ref(d.element) or ""
        pos = d.segment_position if d.segment_position is not None else fallback
        key = (pos, tag)
        entry = first.get(key)
        if level == "segment":
            if entry is not None and entry.defect is None:
                entry.defect = d
                entry.loop_id = entry.loop_id or d.loop_id
                continue
            new = SegmentErrors(tag, pos, d.loop_id, d)
            out.append(new)
            first.setdefault(key, new)
        else:
            if entry is None:
                entry = SegmentErrors(tag, pos, d.loop_id, None)
                out.append(entry)
                first[key] = entry
            entry.elements.append(d)
            entry.loop_id = entry.loop_id or d.loop_id
    out.sort(key=lambda e: e.position)
    return out


def element_position(d: Defect) -> tuple[int | None, int | None, int | None]:
    """(element seq, component seq, repetition) of an element defect.

    Taken from ``element_seq`` / ``component_seq`` / ``repetition``, or parsed from the
    reference designator ("BEG03", "SLN05-02") when the validator left the numbers out.
    """
    seq, comp = d.element_seq, d.component_seq
    if seq is None and d.element:
        ref = d.element
        if d.segment and ref.startswith(d.segment) and ref[len(d.segment):][:2].isdigit():
            rest = ref[len(d.segment):]
            seq = int(rest[:2])
            if comp is None and rest[2:3] == "-" and rest[3:].isdigit():
                comp = int(rest[3:])
        else:
            m = _REF.match(ref)
            if m:
                seq = int(m.group(2))
                if comp is None and m.group(3):
                    comp = int(m.group(3))
    return seq, comp, d.repetition


def first_defect(defects: Iterable[Defect], level: str | None = None) -> Defect | None:
    """The first rejecting defect (at ``level`` when given), else the first warning."""
    chosen = [d for d in defects if level is None or d.level == level]
    for d in chosen:
        if not d.warning:
            return d
    return chosen[0] if chosen else None


def unique(codes: Iterable[str | None]) -> list[str]:
    """Codes in first-seen order without repeats and without None."""
    out: list[str] = []
    for c in codes:
        if c is not None and c not in out:
            out.append(c)
    return out


def _tag_from_ref(ref: str | None) -> str | None:
    m = _REF.match(ref or "")
    return m.group(1) if m else None
