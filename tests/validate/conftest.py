"""A small hand-built 850 grammar, independent of the shipped maps, for engine unit tests."""

from __future__ import annotations

import pytest

from gateway.grammar.model import (
    CompositeDef,
    ElementDef,
    LoopNode,
    MessageGrammar,
    SegmentDef,
    SegmentNode,
    SyntaxRule,
)


def el(tag: str, seq: int, num: str, usage: str, t: str, lo: int, hi: int,
       codes: tuple[str, ...] | None = None, repeat: int = 1) -> ElementDef:
    return ElementDef(f"{tag}{seq:02d}", num, f"element {num}", usage, seq, t, lo, hi,  # type: ignore[arg-type]
                      frozenset(codes) if codes else None, repeat)


def seg(tag: str, *els: ElementDef | CompositeDef, syntax: tuple[SyntaxRule, ...] = ()
        ) -> SegmentDef:
    return SegmentDef(tag, f"segment {tag}", tuple(els), syntax)


ST = seg("ST", el("ST", 1, "143", "R", "ID", 3, 3, ("850",)), el("ST", 2, "329", "R", "AN", 4, 9))
SE = seg("SE", el("SE", 1, "96", "R", "N0", 1, 10), el("SE", 2, "329", "R", "AN", 4, 9))
BEG = seg("BEG", el("BEG", 1, "353", "R", "ID", 2, 2, ("00", "05")),
          el("BEG", 2, "92", "R", "ID", 2, 2, ("SA", "DS", "NE")),
          el("BEG", 3, "324", "R", "AN", 1, 22), el("BEG", 4, "328", "S", "AN", 1, 30),
          el("BEG", 5, "373", "R", "DT", 8, 8))
REF = seg("REF", el("REF", 1, "128", "R", "ID", 2, 3), el("REF", 2, "127", "S", "AN", 1, 30),
          el("REF", 3, "352", "S", "AN", 1, 80), syntax=(SyntaxRule("R", (2, 3)),))
DTM = seg("DTM", el("DTM", 1, "374", "R", "ID", 3, 3), el("DTM", 2, "373", "S", "DT", 8, 8),
          el("DTM", 3, "337", "S", "TM", 4, 8))
N1 = seg("N1", el("N1", 1, "98", "R", "ID", 2, 3), el("N1", 2, "93", "S", "AN", 1, 60),
         el("N1", 3, "66", "S", "ID", 1, 2, ("1", "9", "92", "UL")),
         el("N1", 4, "67", "S", "AN", 2, 80), syntax=(SyntaxRule("P", (3, 4)),))
N3 = seg("N3", el("N3", 1, "166", "R", "AN", 1, 55), el("N3", 2, "166", "S", "AN", 1, 55))
PO1 = seg("PO1", el("PO1", 1, "350", "S", "AN", 1, 20), el("PO1", 2, "330", "R", "R", 1, 15),
          el("PO1", 3, "355", "R", "ID", 2, 2, ("EA", "CA", "BX")),
          el("PO1", 4, "212", "S", "R", 1, 17), el("PO1", 5, "639", "S", "ID", 2, 2),
          el("PO1", 6, "235", "S", "ID", 2, 2), el("PO1", 7, "234", "S", "AN", 1, 48),
          syntax=(SyntaxRule("C", (4, 5)), SyntaxRule("P", (6, 7))))
C001 = CompositeDef("SLN05", "C001", "unit", "S", 5, (
    ElementDef("SLN05-01", "355", "unit", "R", 1, "ID", 2, 2),
    ElementDef("SLN05-02", "1018", "exponent", "S", 2, "R", 1, 15)))
SLN = seg("SLN", el("SLN", 1, "350", "R", "AN", 1, 20), el("SLN", 2, "350", "S", "AN", 1, 20),
          el("SLN", 3, "662", "R", "ID", 1, 1, ("I", "S")), el("SLN", 4, "380", "S", "R", 1, 15),
          C001)
CTT = seg("CTT", el("CTT", 1, "354", "R", "N0", 1, 6))

GRAMMAR = MessageGrammar(
    "x12", "850", "004010", "test purchase order", (
        SegmentNode(ST, "R", 1), SegmentNode(BEG, "R", 1), SegmentNode(REF, "S", None),
        SegmentNode(DTM, "S", 10),
        LoopNode("N1", "name", "S", 200, (SegmentNode(N1, "R", 1), SegmentNode(N3, "S", 2))),
        LoopNode("PO1", "line", "R", 100000, (
            SegmentNode(PO1, "R", 1), LoopNode("SLN", "subline", "S", 1000, (
                SegmentNode(SLN, "R", 1),)))),
        LoopNode("CTT", "totals", "S", 1, (SegmentNode(CTT, "R", 1),)),
        SegmentNode(SE, "R", 1)),
    functional_id="PO")


@pytest.fixture
def grammar() -> MessageGrammar:
    return GRAMMAR
