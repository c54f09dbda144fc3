"""The message tree places every segment where the structure walk of validation places it.

``build_tree`` does the walk's placement with lookup tables; the oracle here builds the tree
from ``walk`` itself. Both run on real and generated sets and on sets broken on purpose
(segments dropped, repeated, swapped, unknown ones inserted), where the placement rules
matter most.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.benchgen import X12Gen
from gateway.edifact.reader import read_edifact
from gateway.grammar.model import LoopNode, MessageGrammar, Node, SegmentNode
from gateway.stream import Message, SegmentToken
from gateway.translate.tree import LoopInstance, build_tree
from gateway.validate.guides import lookup
from gateway.validate.structure import walk
from gateway.x12.reader import read_x12

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted(p for p in (ROOT / "fixtures").glob("*/*/*/*.edi")
                  if ".acks" not in p.name and p.read_bytes().lstrip()[:3] in (b"ISA", b"UNA",
                                                                              b"UNB"))


def oracle(grammar: MessageGrammar, tokens: list[SegmentToken]) -> LoopInstance:
    """The tree from ``gateway.validate.structure.walk``'s placement."""
    owner: dict[int, LoopNode | None] = {}
    parent: dict[int, LoopNode | None] = {}

    def index(nodes: tuple[Node, ...], loop: LoopNode | None) -> None:
        for n in nodes:
            if isinstance(n, SegmentNode):
                owner[id(n)] = loop
            else:
                parent[id(n)] = loop
                index(n.children, n)

    def loops(nodes: tuple[Node, ...]) -> list[LoopNode]:
        out: list[LoopNode] = []
        for n in nodes:
            if isinstance(n, LoopNode):
                out += [n, *loops(n.children)]
        return out

    def pop_to(stack: list[LoopInstance], loop: LoopNode | None) -> None:
        while len(stack) > 1 and stack[-1].loop is not loop:
            stack.pop()

    index(grammar.body, None)
    triggers = {id(n.trigger): n for n in loops(grammar.body)}
    root = LoopInstance(None)
    stack = [root]
    for tok, node, _loop_id, _defects in walk(grammar, tokens):
        if node is None:
            continue
        loop = triggers.get(id(node))
        if loop is not None:
            pop_to(stack, parent[id(loop)])
            inst = LoopInstance(loop, [tok])
            stack[-1].items.append(inst)
            stack.append(inst)
            continue
        pop_to(stack, owner.get(id(node)))
        stack[-1].items.append(tok)
    return root


def shape(inst: LoopInstance) -> list[object]:
    return [(t.loop_id, shape(t)) if isinstance(t, LoopInstance) else (t.tag, t.position)
            for t in inst.items]


def messages(data: bytes) -> list[Message]:
    read = read_x12 if data.lstrip()[:3] == b"ISA" else read_edifact
    return [ev for ev in read(io.BytesIO(data)) if isinstance(ev, Message)]


def generated_sets(seed: int) -> list[list[str]]:
    g = X12Gen(seed)
    return [g.t850("0001"), g.t810("0002", 3), g.t856("0003"), g.t850("0004", 1)]


def interchange(sets: list[list[str]], set_id: str) -> bytes:
    fid = {"850": "PO", "810": "IN", "856": "SH"}[set_id]
    head = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240102*0304"
            f"*U*00401*000000001*0*P*>~GS*{fid}*SENDER*RECEIVER*20240102*0304*1*X*004010~")
    body = "".join("".join(s) for s in sets)
    return (head + body + f"GE*{len(sets)}*1~IEA*1*000000001~").encode("ascii")


def check(msg: Message) -> LoopInstance | None:
    grammar = lookup(msg)
    if grammar is None:  # a set the guides do not cover: nothing to place
        return None
    tokens = msg.tokens()
    tree = build_tree(grammar, tokens)
    assert shape(tree) == shape(oracle(grammar, tokens))
    return tree


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: "/".join(p.parts[-4:-1] + (p.stem,)))
def test_fixtures_place_as_the_walk_does(path: Path) -> None:
    for msg in messages(path.read_bytes()):
        check(msg)


def test_generated_sets_and_the_index() -> None:
    for s in generated_sets(1):
        set_id = s[0].split("*")[1]
        (msg,) = messages(interchange([s], set_id))
        tree = check(msg)
        assert tree is not None
        # segments() / loops() answer what a scan of the items answers
        for inst in [tree, *[i for i in tree.items if isinstance(i, LoopInstance)]]:
            for tag in {t.tag for t in inst.items if isinstance(t, SegmentToken)} | {"N1"}:
                assert inst.segments(tag) == [t for t in inst.items
                                              if isinstance(t, SegmentToken) and t.tag == tag]
            for lid in {t.loop_id for t in inst.items if isinstance(t, LoopInstance)} | {"N1"}:
                assert lid is not None
                assert inst.loops(lid) == [t for t in inst.items
                                           if isinstance(t, LoopInstance) and t.loop_id == lid]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), kind=st.sampled_from([0, 1, 2]),
       edits=st.lists(st.tuples(st.sampled_from(["drop", "repeat", "swap", "insert"]),
                                st.integers(0, 10_000)), min_size=1, max_size=6))
def test_broken_sets_place_as_the_walk_does(seed: int, kind: int,
                                            edits: list[tuple[str, int]]) -> None:
    seg = generated_sets(seed)[kind]
    body = seg[1:-1]  # ST and SE stay, so the reader still sees one set
    r = random.Random(seed)
    for what, at in edits:
        if not body:
            break
        i = at % len(body)
        if what == "drop":
            del body[i]
        elif what == "repeat":
            body.insert(i, body[i])
        elif what == "swap":
            j = r.randrange(len(body))
            body[i], body[j] = body[j], body[i]
        else:
            body.insert(i, r.choice(["ZZZ*1~", "N1*ST*X~", "PO1*9*1*EA~", "CTT*1~", "HL*1**S~",
                                     "PID*F****X~", "BEG*00*SA*1**20240101~"]))
    s = [seg[0], *body, f"SE*{len(body) + 2}*{seg[0].split('*')[2].rstrip('~')}~"]
    for msg in messages(interchange([s], seg[0].split("*")[1])):
        check(msg)
