"""Nested EDIFACT segment groups: instances of one group that nest by an id and a parent id
in their trigger segment (DESADV CPS: 7164 hierarchical id, 7166 parent id).

The message has one repeating group (DESADV SG10) whose instances follow each other; the
canonical record keeps their hierarchy as nesting (a pallet's cartons are the pallet's
``packs``). A map binds levels, not instances::

    [[header]]
    loop = "SG10"
    nest = {}                      # the top level: instances without a parent id (CPS+1)
      [[header.segments]]          # the level's segments, trigger first ...
      segment = "CPS"
      [[header.segments]]          # ... then its child levels: the same group again,
      loop = "SG10"                # instances whose parent id is this one's id
      each = "orders[0].packs"
      nest = { recurse = "packs" } # a pack's children: its packs, by this binding again

``nest.id`` and ``nest.parent`` are the positions of the two ids (default "01" and "02").
The X12 HL hierarchy (:mod:`gateway.translate.hierarchy`) is told apart by a level code
(HL03) and a guide's level rules; EDIFACT CPS levels carry no such code, so levels here are
positions in the tree: the top, the children of the top, and (``recurse``) deeper.

Inbound (:class:`Nesting`) nests instances in whatever order they come and reports, as
``st.business_rule`` defects on the trigger segment, a repeated id, a parent id naming no
instance, a cycle, and an instance at a place the map binds no level. Outbound
(``gateway.translate.edifact_out``) numbers ids from 1 in document order, depth first, and
writes the parent's id. Load time (:func:`check_nest`) checks a level binding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from gateway.grammar.model import LoopNode
from gateway.report import Defect
from gateway.stream import SegmentToken
from gateway.translate.tree import LoopInstance

if TYPE_CHECKING:
    from gateway.translate.mapfile import Binding, Nest


class NestError(ValueError):
    """A level binding that cannot work; ``loc`` is relative to the binding."""

    def __init__(self, loc: tuple[str | int, ...], what: str) -> None:
        super().__init__(what)
        self.loc = loc


def check_nest(b: Binding, found: LoopNode | None, enclosing: LoopNode | None) -> LoopNode:
    """The guide group of level binding ``b``: ``found`` among the groups where it sits (a
    top level) or ``enclosing``, the group of the level binding it sits in (a child level).
    Positions are checked by the caller against the trigger segment."""
    assert b.nest is not None and b.loop is not None
    if found is None and enclosing is not None and enclosing.loop_id == b.loop:
        loop = enclosing
    elif found is not None:
        if b.nest.recurse is not None:
            raise NestError(("nest", "recurse"), "recurse is for a child level (a binding of "
                            f"{b.loop} inside the level binding of {b.loop})")
        loop = found
    else:
        raise NestError(("loop",), f"a segment group of the message here, or the group of the "
                        f"enclosing level, not {b.loop!r}")
    seen_level = False
    for j, c in enumerate(b.segments):
        if c.nest is not None:
            seen_level = True
        elif seen_level:
            raise NestError(("segments", j), "child levels come after the level's own "
                            "segments (they follow them in the message)")
    return loop


def head(inst: LoopInstance) -> SegmentToken:
    first = inst.items[0]
    assert isinstance(first, SegmentToken)
    return first


def _value(tok: SegmentToken, pos: str) -> str:
    from gateway.translate.edifact_map import split_position

    seq, comp = split_position(pos)
    return tok.value(seq, comp or 1)


class Nesting:
    """The instances of one nested group in one message by id and parent id, and which ones
    a level binding took. Made by ``apply_edifact`` at the top level binding."""

    def __init__(self, instances: list[LoopInstance], nest: Nest) -> None:
        self.nest = nest
        self.order = instances
        self.by_id: dict[str, LoopInstance] = {}
        self.children: dict[str, list[LoopInstance]] = {}
        self.repeated: dict[int, LoopInstance] = {}  # id(instance) -> the first with its id
        for inst in instances:
            ident, parent = self.ids(inst)
            if ident in self.by_id:
                self.repeated[id(inst)] = self.by_id[ident]
                continue
            self.by_id[ident] = inst
            self.children.setdefault(parent, []).append(inst)
        self.placed: set[int] = set()
        self.levels: set[int] = set()  # instances whose children some binding looked for

    def ids(self, inst: LoopInstance) -> tuple[str, str]:
        tok = head(inst)
        return _value(tok, self.nest.id), _value(tok, self.nest.parent)

    def select(self, inst: LoopInstance | None,
               keep: Callable[[LoopInstance], bool]) -> list[LoopInstance]:
        """The instances not yet placed under ``inst`` (None: the top ones) that ``keep``
        accepts (the binding's ``where``), marked placed."""
        if inst is None:
            found = self.children.get("", [])
        else:
            self.levels.add(id(inst))
            found = self.children.get(self.ids(inst)[0], [])
        out = [c for c in found if id(c) not in self.placed and id(c) not in self.repeated
               and keep(c)]
        self.placed.update(id(c) for c in out)
        return out

    def defects(self) -> list[Defect]:
        """One defect per instance no level took (not for those under one already reported)."""
        out: list[Defect] = []
        for inst in self.order:
            if id(inst) in self.placed:
                continue
            tok = head(inst)
            ident, parent = self.ids(inst)
            first = self.repeated.get(id(inst))
            pid, ppar = self.nest.id, self.nest.parent
            if first is not None:
                out.append(_defect(tok, pid, ident, f"id {ident!r} is already the id of the "
                                   f"{tok.tag} at position {head(first).position}"))
            elif parent == "":
                out.append(_defect(tok, pid, ident, f"{tok.tag} {ident!r} without a parent is "
                                   "not mapped: no top level of the map takes it"))
            elif parent not in self.by_id:
                out.append(_defect(tok, ppar, parent, f"parent {parent!r} is not the id of any "
                                   f"{tok.tag} in this message"))
            elif id(self.by_id[parent]) in self.placed:
                where = ("the map binds no level there" if id(self.by_id[parent]) not in
                         self.levels else "it is not mapped")
                out.append(_defect(tok, ppar, parent, f"{tok.tag} {ident!r} under {parent!r}: "
                                   f"{where}"))
            elif self._in_cycle(inst):
                out.append(_defect(tok, ppar, parent, f"parent {parent!r} makes a cycle: this "
                                   f"{tok.tag} is its own ancestor"))
        return out

    def _in_cycle(self, inst: LoopInstance) -> bool:
        seen: set[int] = set()
        cur = inst
        while True:
            parent = self.ids(cur)[1]
            up = self.by_id.get(parent)
            if up is None or parent == "":
                return False
            if up is inst:
                return True
            if id(up) in seen:
                return False  # leads into a cycle it is not part of
            seen.add(id(up))
            cur = up


def _defect(tok: SegmentToken, pos: str, raw: str, what: str) -> Defect:
    from gateway.translate.edifact_map import split_position

    seq, comp = split_position(pos)
    ref = f"{tok.tag}{seq:02d}" + (f"-{comp}" if comp else "")
    return Defect("st.business_rule", f"segment {tok.tag} at position {tok.position}, "
                  f"element {ref}: {what}", offset=tok.offset, segment=tok.tag,
                  segment_position=tok.position, element=ref, element_seq=seq,
                  component_seq=comp or None, value=raw)
