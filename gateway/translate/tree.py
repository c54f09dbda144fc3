"""A message as a tree: loop instances holding their segments and nested loop instances.

Built from ``Message.tokens()`` and the guide by the same placement as the structure walk
(:func:`gateway.validate.structure.walk`): a loop is entered only through its trigger, the
search for a segment's place runs forward from the current position in the innermost loop
and then outward, and a segment that fits nowhere is left out (validation reports it). The
walk also counts and reports defects; the tree needs the placement alone, so it is done here
with per-guide tables (tag → next child that carries it), which keeps translation a small
cost beside validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.grammar.model import LoopNode, MessageGrammar, Node, SegmentNode
from gateway.stream import SegmentToken


@dataclass
class LoopInstance:
    loop: LoopNode | None  # None: the message body
    items: list[SegmentToken | LoopInstance] = field(default_factory=list)
    # items by tag / loop id, made on the first question (items are complete by then)
    _by_key: dict[str, list[SegmentToken | LoopInstance]] | None = field(
        default=None, init=False, repr=False, compare=False)

    @property
    def loop_id(self) -> str | None:
        return self.loop.loop_id if self.loop else None

    def _index(self) -> dict[str, list[SegmentToken | LoopInstance]]:
        # segment tags and loop ids may coincide (loop N1 starts with segment N1): loops are
        # filed under a key no tag can have
        by: dict[str, list[SegmentToken | LoopInstance]] = {}
        for t in self.items:
            key = t.tag if isinstance(t, SegmentToken) else "\0" + (t.loop_id or "")
            got = by.get(key)
            if got is None:
                by[key] = [t]
            else:
                got.append(t)
        self._by_key = by
        return by

    def segments(self, tag: str) -> list[SegmentToken]:
        by = self._by_key if self._by_key is not None else self._index()
        return by.get(tag, [])  # type: ignore[return-value]  # filed by type above

    def loops(self, loop_id: str) -> list[LoopInstance]:
        by = self._by_key if self._by_key is not None else self._index()
        return by.get("\0" + loop_id, [])  # type: ignore[return-value]


# per children tuple: for each start position, tag -> the first child at or after it
_Nexts = list[dict[str, int]]
_TABLES: dict[int, tuple[MessageGrammar, dict[int, _Nexts]]] = {}


def _tag(n: Node) -> str:
    return n.tag if isinstance(n, SegmentNode) else n.trigger.tag


def _nexts(children: tuple[Node, ...]) -> _Nexts:
    out: _Nexts = [{} for _ in range(len(children) + 1)]
    for k in range(len(children) - 1, -1, -1):
        out[k] = {**out[k + 1], _tag(children[k]): k}
    return out


def _tables(grammar: MessageGrammar) -> dict[int, _Nexts]:
    hit = _TABLES.get(id(grammar))
    if hit is not None and hit[0] is grammar:
        return hit[1]
    tables: dict[int, _Nexts] = {}

    def add(children: tuple[Node, ...]) -> None:
        tables[id(children)] = _nexts(children)
        for n in children:
            if isinstance(n, LoopNode):
                add(n.children)

    add(grammar.body)
    if len(_TABLES) > 256:
        _TABLES.clear()
    _TABLES[id(grammar)] = (grammar, tables)
    return tables


class _Frame:
    __slots__ = ("loop", "children", "nexts", "index", "inst")

    def __init__(self, loop: LoopNode | None, children: tuple[Node, ...], nexts: _Nexts,
                 index: int, inst: LoopInstance) -> None:
        self.loop, self.children, self.nexts, self.index, self.inst = \
            loop, children, nexts, index, inst


def build_tree(grammar: MessageGrammar, tokens: list[SegmentToken]) -> LoopInstance:
    tables = _tables(grammar)
    root = LoopInstance(None)
    stack = [_Frame(None, grammar.body, tables[id(grammar.body)], 0, root)]
    for tok in tokens:
        tag = tok.tag
        for depth in range(len(stack) - 1, -1, -1):
            f = stack[depth]
            # inside a loop the search starts after its trigger
            k = f.nexts[f.index if f.index or f.loop is None else 1].get(tag)
            if k is not None:
                del stack[depth + 1:]
                f.index = k
                child = f.children[k]
                if isinstance(child, SegmentNode):
                    f.inst.items.append(tok)
                else:
                    inst = LoopInstance(child, [tok])
                    f.inst.items.append(inst)
                    stack.append(_Frame(child, child.children, tables[id(child.children)], 0,
                                        inst))
                break
            # not inside f: outward. A repeat of f's own loop is found one level up, where the
            # search starts at that loop (the walk reopens the frame, with the same placement)
    return root
