"""Walk a message's segments through its grammar: loops and segment groups, usage, max use,
loop repeats, order. The precise path; defects carry the segment position for AK3/IK3/UCS.

A loop is entered only through its trigger (first) segment; a segment that fits nowhere is
reported and skipped, so one stray segment does not cascade into many errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from gateway.grammar.model import LoopNode, MessageGrammar, Node, SegmentNode
from gateway.report import Defect
from gateway.stream import SegmentToken


@dataclass(slots=True)
class _Frame:
    loop: LoopNode | None  # None: the message body
    children: tuple[Node, ...]
    index: int = -1
    counts: list[int] = field(default_factory=list)
    repeat: int = 1


def _tag(n: Node) -> str:
    return n.tag if isinstance(n, SegmentNode) else n.trigger.tag


def walk(grammar: MessageGrammar, tokens: list[SegmentToken]
         ) -> Iterator[tuple[SegmentToken, SegmentNode | None, str | None, list[Defect]]]:
    """Yield (token, the node it matched or None, loop id, structure defects) per segment."""
    root = _Frame(None, grammar.body, counts=[0] * len(grammar.body))
    stack = [root]
    known = set(grammar.segments())
    for tok in tokens:
        defects: list[Defect] = []
        node, loop_id = _place(stack, tok, defects)
        if node is None:
            defects.append(_unplaced(tok, known, stack))
        elif node.usage == "N":
            defects.append(_d("segment.not_used", tok, f"segment {tok.tag} is not used in this "
                              "implementation guide", loop_id))
        yield tok, node, loop_id, defects
    end = tokens[-1] if tokens else SegmentToken("", [], 0, 0)
    tail: list[Defect] = []
    while stack:
        _close(stack.pop(), end, tail)
    if tail:
        yield end, None, None, tail


def _place(stack: list[_Frame], tok: SegmentToken, defects: list[Defect]
           ) -> tuple[SegmentNode | None, str | None]:
    tag = tok.tag
    for depth in range(len(stack) - 1, -1, -1):
        f = stack[depth]
        start = max(f.index, 1 if f.loop is not None else 0)
        for k in range(start, len(f.children)):
            child = f.children[k]
            if _tag(child) != tag:
                continue
            while len(stack) > depth + 1:
                _close(stack.pop(), tok, defects)
            _skip(f, k, tok, defects)
            f.index = k
            f.counts[k] += 1
            loop_id = f.loop.loop_id if f.loop else None
            if isinstance(child, SegmentNode):
                if child.max_use is not None and f.counts[k] > child.max_use:
                    defects.append(_d("segment.max_use", tok, f"segment {tag} occurs "
                                      f"{f.counts[k]} times, at most {child.max_use}", loop_id))
                return child, loop_id
            if child.repeat is not None and f.counts[k] > child.repeat:
                defects.append(_d("segment.loop_repeat", tok, f"loop {child.loop_id} occurs "
                                  f"{f.counts[k]} times, at most {child.repeat}",
                                  child.loop_id))
            inner = _Frame(child, child.children, index=0,
                           counts=[1] + [0] * (len(child.children) - 1), repeat=f.counts[k])
            stack.append(inner)
            return child.trigger, child.loop_id
        if f.loop is not None and f.loop.trigger.tag == tag:
            while len(stack) > depth + 1:
                _close(stack.pop(), tok, defects)
            _close(f, tok, defects)
            parent = stack[depth - 1]
            parent.counts[parent.index] += 1
            n = parent.counts[parent.index]
            if f.loop.repeat is not None and n > f.loop.repeat:
                defects.append(_d("segment.loop_repeat", tok, f"loop {f.loop.loop_id} occurs "
                                  f"{n} times, at most {f.loop.repeat}", f.loop.loop_id))
            f.index, f.counts, f.repeat = 0, [1] + [0] * (len(f.children) - 1), n
            return f.loop.trigger, f.loop.loop_id
    return None, None


def _skip(f: _Frame, k: int, tok: SegmentToken, defects: list[Defect]) -> None:
    """Children passed over between the current one and ``k``: mandatory ones are missing."""
    for j in range(f.index + 1, k):
        _missing(f, j, tok, defects)


def _close(f: _Frame, tok: SegmentToken, defects: list[Defect]) -> None:
    for j in range(f.index + 1, len(f.children)):
        _missing(f, j, tok, defects)


def _missing(f: _Frame, j: int, tok: SegmentToken, defects: list[Defect]) -> None:
    child = f.children[j]
    if child.usage != "R" or f.counts[j]:
        return
    if isinstance(child, SegmentNode):
        what = f"mandatory segment {child.tag} ({child.segment.name}) is missing"
        code_tag, loop_id = child.tag, (f.loop.loop_id if f.loop else None)
    else:
        what = f"mandatory loop {child.loop_id} ({child.name}) is missing"
        code_tag, loop_id = child.trigger.tag, child.loop_id
    d = _d("segment.missing", tok, what + (f" before {tok.tag}" if tok.tag else ""), loop_id)
    d.segment = code_tag
    defects.append(d)
    f.counts[j] = -1  # reported once


def _unplaced(tok: SegmentToken, known: set[str], stack: list[_Frame]) -> Defect:
    tag = tok.tag
    if tag in known:
        earlier = any(_tag(c) == tag for f in stack for c in f.children[: max(f.index, 0) + 1])
        if earlier:
            return _d("segment.sequence", tok, f"segment {tag} is out of sequence", None)
        return _d("segment.unexpected", tok, f"segment {tag} is not expected here", None)
    if 2 <= len(tag) <= 3 and tag.isalnum() and tag.isupper():
        return _d("segment.not_in_set", tok, f"segment {tag} is not defined in this message",
                  None)
    return _d("segment.unrecognized", tok, f"{tag[:10]!r} is not a segment identifier", None)


def _d(code: str, tok: SegmentToken, msg: str, loop_id: str | None) -> Defect:
    return Defect(code, msg, offset=tok.offset, segment=tok.tag,
                  segment_position=tok.position, loop_id=loop_id)
