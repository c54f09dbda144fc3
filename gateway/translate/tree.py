"""A message as a tree: loop instances holding their segments and nested loop instances.

Built from ``Message.tokens()`` and the guide with :func:`gateway.validate.structure.walk`;
segments the walk could not place are left out (validation reports them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.grammar.model import LoopNode, MessageGrammar, Node, SegmentNode
from gateway.stream import SegmentToken
from gateway.validate.structure import walk


@dataclass
class LoopInstance:
    loop: LoopNode | None  # None: the message body
    items: list[SegmentToken | LoopInstance] = field(default_factory=list)

    @property
    def loop_id(self) -> str | None:
        return self.loop.loop_id if self.loop else None

    def segments(self, tag: str) -> list[SegmentToken]:
        return [t for t in self.items if isinstance(t, SegmentToken) and t.tag == tag]

    def loops(self, loop_id: str) -> list[LoopInstance]:
        return [t for t in self.items if isinstance(t, LoopInstance) and t.loop_id == loop_id]


def build_tree(grammar: MessageGrammar, tokens: list[SegmentToken]) -> LoopInstance:
    owner: dict[int, LoopNode | None] = {}  # id(segment node) -> loop it sits in
    parent: dict[int, LoopNode | None] = {}  # id(loop) -> enclosing loop

    def index(nodes: tuple[Node, ...], loop: LoopNode | None) -> None:
        for n in nodes:
            if isinstance(n, SegmentNode):
                owner[id(n)] = loop
            else:
                parent[id(n)] = loop
                index(n.children, n)

    index(grammar.body, None)
    triggers = {id(n.trigger): n for n in _loops(grammar.body)}
    root = LoopInstance(None)
    stack = [root]
    for tok, node, _loop_id, _defects in walk(grammar, tokens):
        if node is None:
            continue
        loop = triggers.get(id(node))
        if loop is not None:
            _pop_to(stack, parent[id(loop)])
            inst = LoopInstance(loop, [tok])
            stack[-1].items.append(inst)
            stack.append(inst)
            continue
        _pop_to(stack, owner.get(id(node)))
        stack[-1].items.append(tok)
    return root


def _pop_to(stack: list[LoopInstance], loop: LoopNode | None) -> None:
    while len(stack) > 1 and stack[-1].loop is not loop:
        stack.pop()


def _loops(nodes: tuple[Node, ...]) -> list[LoopNode]:
    out: list[LoopNode] = []
    for n in nodes:
        if isinstance(n, LoopNode):
            out.append(n)
            out.extend(_loops(n.children))
    return out
