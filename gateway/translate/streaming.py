"""Two questions the compiled maps (``gateway.translate.compiled``) ask of a map and a guide.

Where does each segment go? ``Placer`` places segments in loops by the rules of
``gateway.translate.tree.build_tree`` (a loop is entered only through its trigger, the search
runs forward in the innermost loop and then outward, a segment that fits nowhere is left out),
as transitions between states, a state being the stack of (loop, position) frames; the
compiled map remembers each (state, tag), so placing a segment costs one dictionary lookup.

May the bindings be taken in document order? The reference path walks a map's bindings in map
order, each over all its segments; the compiled code handles each segment as it comes.
``order_safe`` refuses a binding list whose writes could then land in another order.
"""

from __future__ import annotations

from typing import Any

from gateway.grammar.model import LoopNode, MessageGrammar, Node, SegmentNode
from gateway.translate.mapfile import Binding, parse_path


class Unsupported(Exception):
    """The map uses something this compiler does not reproduce exactly."""


Frame = tuple[LoopNode | None, tuple[Node, ...], int]
Step = tuple[int, int, str | None]  # new state, frames closed (-1: not placed), loop opened


class Placer:
    """``gateway.translate.tree.build_tree``'s placement as state transitions: a state is the
    stack of (loop, position) frames, interned as a number; the caller remembers each
    (state, tag) it has asked (the compiled map's rows)."""

    def __init__(self, grammar: MessageGrammar) -> None:
        from gateway.translate.tree import _tables

        self.tables = _tables(grammar)
        self.states: list[tuple[Frame, ...]] = []
        self.ids: dict[tuple[tuple[int, int], ...], int] = {}
        self.intern(((None, grammar.body, 0),))

    def intern(self, frames: tuple[Frame, ...]) -> int:
        key = tuple((id(ch), i) for _, ch, i in frames)
        got = self.ids.get(key)
        if got is None:
            got = self.ids[key] = len(self.states)
            self.states.append(frames)
        return got

    def step(self, state: int, tag: str) -> Step:
        frames = self.states[state]
        out: Step = (state, -1, None)
        for depth in range(len(frames) - 1, -1, -1):
            loop, children, index = frames[depth]
            k = self.tables[id(children)][index if index or loop is None else 1].get(tag)
            if k is None:
                continue
            new = frames[:depth] + ((loop, children, k),)
            child = children[k]
            opened = None
            if isinstance(child, LoopNode):
                new += ((child, child.children, 0),)
                opened = child.loop_id
            out = (self.intern(new), len(frames) - 1 - depth, opened)
            break
        return out


def find_node(children: tuple[Node, ...], key: str, *, loop: bool) -> Node | None:
    found = [c for c in children
             if (isinstance(c, LoopNode) and loop and c.loop_id == key)
             or (isinstance(c, SegmentNode) and not loop and c.tag == key)]
    if len(found) > 1:
        raise Unsupported(f"{key} at {len(found)} places of one loop")
    return found[0] if found else None


def writes(b: Binding) -> set[str]:
    """The fields of its scope a binding writes (first part of each path)."""
    def first(path: str) -> str:
        return parse_path(path)[0][0]

    if b.loop is not None:
        if b.each is not None:
            return {first(b.each)}
        return set().union(*(writes(c) for c in b.segments)) if b.segments else set()
    if b.each is not None and b.groups is None:
        return {first(b.each)}
    out = {first(eb.field) for eb in b.elements.values()
           if eb.direction != "out" and eb.constant is None}
    if b.groups is not None and b.each is not None:
        out.add(first(b.each))
    if b.pairs is not None:
        out |= {first(f) for f in b.pairs.fields.values()}
        if b.pairs.other:
            out.add(first(b.pairs.other))
    return out


def order_safe(bindings: list[Binding], children: tuple[Node, ...], model: Any) -> None:
    """Refuse a binding list whose writes could land in another order when the segments are
    taken in document order than when the bindings are walked in map order. Within one loop
    instance the placement only moves forward through the guide, so two bindings writing the
    same field agree when the earlier binding's segment (or loop) comes no later in the guide,
    and, on the same segment, when that segment occurs at most once."""
    placed: list[tuple[int, SegmentNode | LoopNode, set[str], Binding]] = []
    for b in bindings:
        node = find_node(children, b.loop or b.segment or "", loop=b.loop is not None)
        if node is None:
            continue
        assert isinstance(node, (SegmentNode, LoopNode))
        placed.append((children.index(node), node, writes(b), b))
    for i, (pos_a, node_a, w_a, b_a) in enumerate(placed):
        for pos_b, _node_b, w_b, b_b in placed[i + 1:]:
            if not w_a & w_b or pos_a < pos_b:
                continue
            if pos_a == pos_b and isinstance(node_a, SegmentNode) and (
                    node_a.max_use == 1 or _same_values(b_a, b_b)):
                continue
            raise Unsupported(f"bindings writing {sorted(w_a & w_b)} out of guide order")


def _scalars(b: Binding) -> dict[str, tuple[str, str | None, Any]] | None:
    """What a segment binding sets, path -> (position, code set, format); None when it also
    appends to lists (``each``, pairs, groups, ``name[...]`` paths)."""
    if b.each is not None or b.pairs is not None or b.groups is not None:
        return None
    out = {eb.field: (pos, eb.codes, eb.format) for pos, eb in b.elements.items()
           if eb.direction != "out" and eb.constant is None}
    return None if any("[" in f for f in out) else out


def _same_values(first: Binding, later: Binding) -> bool:
    """Two bindings of one repeating segment agree in either order when they only set values
    and every value both set, the later one (in map order) sets from every such segment, from
    the same element the same way: the last segment with a value wins either way (the 850's
    two TD5 bindings)."""
    a, b = _scalars(first), _scalars(later)
    if a is None or b is None:
        return False
    common = a.keys() & b.keys()
    return all(a[f] == b[f] for f in common) and (not common or not later.where)
