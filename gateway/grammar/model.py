"""The grammar model every validator and tool works on.

Loaded from pyx12 XML maps (X12, see ``gateway.grammar.x12_maps``) or from our EDIFACT message
specs (``gateway.grammar.edifact_specs``); compiled by ``gateway.validate``. Frozen values only:
a grammar is built once per process and shared.

Data types: X12 ``AN ID R DT TM B`` and ``N0``..``N9`` (implied decimals); EDIFACT ``a n an``.
Usage: ``R`` mandatory (required), ``S`` optional (situational / conditional), ``N`` not used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

Usage = Literal["R", "S", "N"]
Standard = Literal["x12", "edifact"]


@dataclass(frozen=True, slots=True)
class SyntaxRule:
    """An X12 syntax note (P, R, E, C, L) over 1-based element (or component) positions."""

    kind: Literal["P", "R", "E", "C", "L"]
    positions: tuple[int, ...]

    @property
    def text(self) -> str:
        return self.kind + "".join(f"{p:02d}" for p in self.positions)


@dataclass(frozen=True, slots=True)
class ElementDef:
    """A simple data element at one position of a segment or composite."""

    ref: str  # reference designator as shown to people: "BEG03", "SLN05-01", "NAD02-1"
    data_ele: str  # data element number: "324", "3035"
    name: str
    usage: Usage
    seq: int  # 1-based position in its segment or composite
    data_type: str  # AN ID R DT TM B N0..N9 | a n an
    min_len: int
    max_len: int
    codes: frozenset[str] | None = None  # None: any value of the type
    repeat: int = 1  # X12 5010 / EDIFACT v4 repetitions allowed
    regex: str | None = None  # extra implementation-guide pattern


@dataclass(frozen=True, slots=True)
class CompositeDef:
    """A composite data element: components are ``ElementDef`` with ``seq`` 1.."""

    ref: str  # "SLN05", "NAD02"
    data_ele: str  # "C001", "C082"
    name: str
    usage: Usage
    seq: int
    components: tuple[ElementDef, ...]
    syntax: tuple[SyntaxRule, ...] = ()
    repeat: int = 1


ElementOrComposite: TypeAlias = ElementDef | CompositeDef


@dataclass(frozen=True, slots=True)
class SegmentDef:
    tag: str
    name: str
    elements: tuple[ElementOrComposite, ...]
    syntax: tuple[SyntaxRule, ...] = ()


@dataclass(frozen=True, slots=True)
class SegmentNode:
    """One place where a segment may occur in a message structure."""

    segment: SegmentDef
    usage: Usage
    max_use: int | None  # None: unbounded
    pos: str = ""  # position in the standard's table ("010", "0100")

    @property
    def tag(self) -> str:
        return self.segment.tag


@dataclass(frozen=True, slots=True)
class LoopNode:
    """A loop (X12) or segment group (EDIFACT). Entered only through its first child,
    which must be a ``SegmentNode`` (the trigger segment)."""

    loop_id: str  # "PO1", "N1", "HL", "SG2"
    name: str
    usage: Usage
    repeat: int | None  # None: unbounded
    children: tuple[SegmentNode | LoopNode, ...]
    pos: str = ""

    @property
    def trigger(self) -> SegmentNode:
        first = self.children[0]
        assert isinstance(first, SegmentNode), f"loop {self.loop_id} must start with a segment"
        return first


Node: TypeAlias = SegmentNode | LoopNode


@dataclass(frozen=True, slots=True)
class MessageGrammar:
    """One transaction set (X12) or message (EDIFACT) of one version.

    ``body`` runs from the header segment (ST / UNH) to the trailer (SE / UNT), both included.
    """

    standard: Standard
    message_id: str  # "850", "ORDERS"
    version: str  # "004010", "005010", "D96A", "D01B"
    name: str
    body: tuple[Node, ...]
    functional_id: str | None = None  # X12 GS01 ("PO"); None for EDIFACT
    source: str = ""  # file it was loaded from, for error messages
    hl_levels: dict[str, frozenset[str]] = field(default_factory=dict)
    # 856-style HL rules: level code (HL03) -> level codes allowed as its parent ("" = top)

    def segments(self) -> dict[str, SegmentDef]:
        """Every segment definition by tag (the first definition wins for a repeated tag)."""
        out: dict[str, SegmentDef] = {}

        def walk(nodes: tuple[Node, ...]) -> None:
            for n in nodes:
                if isinstance(n, SegmentNode):
                    out.setdefault(n.tag, n.segment)
                else:
                    walk(n.children)

        walk(self.body)
        return out
