"""Hierarchical levels: a flat loop whose instances nest by id and parent id (X12 HL).

The 856 guide has one ``HL`` loop that repeats; HL01 numbers an instance, HL02 names its
parent's HL01 and HL03 says its level (S shipment, O order, T tare, P pack, I item). A map
binds levels, not loop instances::

    [[header]]
    loop = "HL"
    hl = "S"                 # the shipment level: the record itself (no ``each``)
      [[header.segments]]    # segments of that level, in guide order, then its child levels:
      loop = "HL"
      hl = "O"               # HL instances whose HL02 is the shipment's HL01 and HL03 is O
      each = "orders"

Sibling level bindings that share an ``each`` are alternatives: inbound each child HL goes
to the binding of its level, in document order; outbound each list item goes to the first
alternative whose ``when`` field is present and not empty (or that has no ``when``): a pack
holding packs is written as a tare (``hl = "T"``, ``when = "packs"``), any other as a pack.

Inbound (:class:`Hierarchy`) nests instances by HL01/HL02 in whatever order they come and
reports, as ``st.business_rule`` defects on the HL segment, an HL02 naming no HL, a repeated
HL01, a cycle, and a level the map has no binding for under its parent (an item HL right
under the shipment). Outbound (:func:`write_levels`) numbers HL01 from 1 in document order,
writes HL02 = the parent's HL01, HL03 = the level and HL04 = 1 when the level has children.
Load time (:func:`check_level`) checks a level binding against the guide's level rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from gateway.errors import GatewayError
from gateway.grammar.model import LoopNode, MessageGrammar, Node
from gateway.report import Defect
from gateway.stream import SegmentToken
from gateway.translate.tree import LoopInstance

if TYPE_CHECKING:
    from gateway.translate.mapfile import Binding

Scope = dict[str, Any]
Outer = tuple[Scope, ...]
Emit = Callable[[list["Binding"], Scope, Outer], None]
Items = Callable[[Scope, "Binding"], list[Any]]
Get = Callable[[Any, str], Any]
Segment = tuple[str, list[str]]


class LevelError(ValueError):
    """A level binding the guide cannot carry; ``loc`` is relative to the binding."""

    def __init__(self, loc: tuple[str | int, ...], what: str) -> None:
        super().__init__(what)
        self.loc = loc


# -- load time ------------------------------------------------------------------------------

def check_level(grammar: MessageGrammar, nodes: tuple[Node, ...], bindings: list[Binding],
                i: int, resolve_field: Callable[[str], object]) -> LoopNode:
    """The guide loop of level binding ``bindings[i]`` (found among ``nodes``, or the loop
    ``nodes`` belong to when the binding is a child level); LevelError when the level is
    unknown, sits where the guide forbids, repeats a sibling's level, binds the HL segment
    itself, or names a ``when`` field the item does not have."""
    b = bindings[i]
    assert b.hl is not None and b.loop is not None
    rules = grammar.hl_levels
    if not rules:
        raise LevelError(("hl",), f"the {grammar.message_id} guide has no hierarchical levels")
    if b.hl not in rules:
        raise LevelError(("hl",), f"a level of the guide ({', '.join(rules)}), not {b.hl!r}")
    enclosing = _loop_of(grammar.body, nodes)
    if enclosing is not None and enclosing.loop_id == b.loop:
        loop = enclosing  # a child level: its parent binding checked where it may sit
    else:
        found = next((n for n in nodes if isinstance(n, LoopNode) and n.loop_id == b.loop),
                     None)
        if found is None:
            raise LevelError(("loop",), f"a loop of the guide here, not {b.loop!r}")
        loop = found
        if "" not in rules[b.hl]:
            raise LevelError(("hl",), f"level {b.hl!r} cannot be at the top of the hierarchy "
                             f"(it sits under {', '.join(sorted(rules[b.hl]))})")
    if loop.trigger.tag != "HL":
        raise LevelError(("loop",), f"loop {loop.loop_id} does not start with an HL segment")
    _siblings(bindings, i)
    if b.when is not None:
        if b.each is None:
            raise LevelError(("when",), "when chooses among alternatives for list items: "
                             "it needs each")
        try:
            resolve_field(b.when)
        except ValueError as exc:
            raise LevelError(("when",), str(exc)) from None
    seen_level = False
    for j, c in enumerate(b.segments):
        if c.segment == loop.trigger.tag:
            raise LevelError(("segments", j, "segment"), "the HL segment is written from the "
                             "hierarchy: bind the level's other segments only")
        if c.hl is not None:
            seen_level = True
            if b.hl not in rules.get(c.hl, frozenset()):
                raise LevelError(("segments", j, "hl"),
                                 f"level {c.hl!r} cannot sit under level {b.hl!r} in the guide")
        elif seen_level:
            raise LevelError(("segments", j), "child levels come after the level's own "
                             "segments (they follow them in the message)")
    return loop


def _siblings(bindings: list[Binding], i: int) -> None:
    b = bindings[i]
    for c in bindings[:i]:
        if c.hl == b.hl and c.loop == b.loop:
            raise LevelError(("hl",), f"level {b.hl!r} is bound twice here: inbound could not "
                             "tell which binding an HL is for")


def _loop_of(nodes: tuple[Node, ...], children: tuple[Node, ...]) -> LoopNode | None:
    for n in nodes:
        if isinstance(n, LoopNode):
            if n.children is children:
                return n
            inner = _loop_of(n.children, children)
            if inner is not None:
                return inner
    return None


def _group(b: Binding, siblings: list[Binding]) -> list[Binding] | None:
    """The alternatives ``b`` leads (the level bindings sharing its ``each``), or None when
    an earlier sibling leads them."""
    group = [s for s in siblings if s.hl is not None and s.loop == b.loop and s.each == b.each]
    return group if group[0] is b else None


# -- inbound --------------------------------------------------------------------------------

def _head(inst: LoopInstance) -> SegmentToken:
    first = inst.items[0]
    assert isinstance(first, SegmentToken)
    return first


class Hierarchy:
    """The HL instances of one message by HL01 and HL02, and which ones the map placed.

    Built once per message by ``translate_message``; :meth:`select` hands each level binding
    its instances, :meth:`defects` then reports every instance no binding took."""

    def __init__(self, root: LoopInstance) -> None:
        self.order: list[LoopInstance] = list(_hl_instances(root))
        self.by_id: dict[str, LoopInstance] = {}
        self.children: dict[str, list[LoopInstance]] = {}
        self.repeated: dict[int, LoopInstance] = {}  # id(instance) -> the first with its HL01
        for inst in self.order:
            tok = _head(inst)
            hl01, hl02 = tok.value(1), tok.value(2)
            if hl01 in self.by_id:
                self.repeated[id(inst)] = self.by_id[hl01]
                continue
            self.by_id[hl01] = inst
            self.children.setdefault(hl02, []).append(inst)
        self.ids = {id(i) for i in self.order}
        self.placed: dict[int, Binding] = {}
        self.top: set[str] = set()
        self.used = False

    def select(self, inst: LoopInstance, b: Binding, siblings: list[Binding]
               ) -> list[tuple[LoopInstance, Binding]]:
        """The child HL instances of ``inst`` (the top ones when ``inst`` is no HL) for the
        level bindings ``b`` leads, each with its binding, in document order."""
        self.used = True
        group = _group(b, siblings)
        if group is None:
            return []
        levels = {g.hl: g for g in group}
        if id(inst) in self.ids:
            candidates = self.children.get(_head(inst).value(1), [])
        else:
            self.top.update(g.hl for g in group if g.hl)
            here = {id(i) for i in inst.items}
            candidates = [c for c in self.children.get("", []) if id(c) in here]
        out = []
        for c in candidates:
            cb = levels.get(_head(c).value(3))
            if cb is not None and id(c) not in self.placed:
                self.placed[id(c)] = cb
                out.append((c, cb))
        return out

    def defects(self) -> list[Defect]:
        """One defect per HL instance the map could not place (not for the descendants of an
        instance already reported)."""
        if not self.used:
            return []
        out: list[Defect] = []
        for inst in self.order:
            if id(inst) in self.placed:
                continue
            tok = _head(inst)
            hl01, hl02, hl03 = tok.value(1), tok.value(2), tok.value(3)
            first = self.repeated.get(id(inst))
            if first is not None:
                out.append(_defect(tok, 1, hl01, f"HL01 {hl01!r} is already the id of the HL "
                                   f"at position {_head(first).position}"))
            elif hl02 == "":
                out.append(_defect(tok, 3, hl03, f"level {hl03!r} at the top of the hierarchy "
                                   f"(no HL02) is not mapped: {_takes(self.top)} there"))
            elif hl02 not in self.by_id:
                out.append(_defect(tok, 2, hl02, f"parent {hl02!r} is not the HL01 of any HL "
                                   "in this transaction set"))
            elif id(self.by_id[hl02]) in self.placed:
                parent = self.by_id[hl02]
                pb = self.placed[id(parent)]
                takes = {c.hl for c in pb.segments if c.hl is not None}
                out.append(_defect(tok, 3, hl03, f"level {hl03!r} under level "
                                   f"{_head(parent).value(3)!r} (HL {hl02}) is not mapped: "
                                   f"{_takes(takes)} there"))
            elif self._in_cycle(inst):
                out.append(_defect(tok, 2, hl02, f"HL02 {hl02!r} makes a cycle: this HL is "
                                   "its own ancestor"))
        return out

    def _in_cycle(self, inst: LoopInstance) -> bool:
        seen: set[int] = set()
        cur = inst
        while True:
            parent = self.by_id.get(_head(cur).value(2))
            if parent is None or _head(cur).value(2) == "":
                return False
            if parent is inst:
                return True
            if id(parent) in seen:
                return False  # leads into a cycle it is not part of
            seen.add(id(parent))
            cur = parent


def _takes(levels: set[str]) -> str:
    if not levels:
        return "this map takes no level"
    return "this map takes " + " or ".join(repr(v) for v in sorted(levels))


def _hl_instances(inst: LoopInstance) -> Iterator[LoopInstance]:
    for it in inst.items:
        if isinstance(it, LoopInstance):
            if it.items and isinstance(it.items[0], SegmentToken) and it.items[0].tag == "HL":
                yield it
            yield from _hl_instances(it)


def _defect(tok: SegmentToken, seq: int, raw: str, what: str) -> Defect:
    ref = f"{tok.tag}{seq:02d}"
    return Defect("st.business_rule", f"segment {tok.tag} at position {tok.position}, "
                  f"element {ref}: {what}", offset=tok.offset, segment=tok.tag,
                  segment_position=tok.position, element=ref, element_seq=seq, value=raw)


# -- outbound -------------------------------------------------------------------------------

def write_levels(b: Binding, siblings: list[Binding], scope: Scope, outer: Outer,
                 out: list[Segment], emit: Emit, items: Items, get: Get) -> None:
    """Write the levels ``b`` leads (nothing when an earlier sibling leads them) as HL
    segments, each followed by its own segments (``emit``) and its child levels."""
    counter = [1 + sum(1 for tag, _ in out if tag == "HL")]
    _write_group(b, siblings, scope, outer, out, emit, items, get, "", counter)


def _write_group(b: Binding, siblings: list[Binding], scope: Scope, outer: Outer,
                 out: list[Segment], emit: Emit, items: Items, get: Get, parent: str,
                 counter: list[int]) -> None:
    group = _group(b, siblings)
    if group is None:
        return
    inner = (*outer, scope) if b.each else outer
    for item in (items(scope, b) if b.each else [scope]):
        cb = next((g for g in group if g.when is None or _present(get(item, g.when))), None)
        if cb is None:
            raise GatewayError(f"no level of {', '.join(str(g.hl) for g in group)} fits an item "
                               f"of {b.each}", code="outbound.no_level")
        n = str(counter[0])
        counter[0] += 1
        at = len(out)
        out.append(("HL", [n, parent, str(cb.hl), "0"]))
        emit([s for s in cb.segments if s.hl is None], item, inner)
        kids = [s for s in cb.segments if s.hl is not None]
        first_child = counter[0]
        for k in kids:
            _write_group(k, kids, item, inner, out, emit, items, get, n, counter)
        if counter[0] > first_child:
            out[at] = ("HL", [n, parent, str(cb.hl), "1"])


def _present(v: Any) -> bool:
    return v is not None and v != "" and v != () and v != []
