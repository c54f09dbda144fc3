"""The compiled fast path never accepts what the precise path rejects (and agrees on
generated valid data): the fast path may only save time."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.grammar.model import MessageGrammar
from gateway.stream import Message
from gateway.validate.engine import precise_check, validate_message
from gateway.x12.reader import read_x12

from .conftest import GRAMMAR

ISA = ("ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *261122*1200*U*"
       "00401*000000001*0*P*>~GS*PO*BUYER*SELLER*20261122*1200*1*X*004010~")
GOOD = ["BEG*00*SA*PO123**20261122", "REF*DP*042", "DTM*002*20261201*1230",
        "N1*ST*STORE 12*92*0012", "N3*1 MAIN ST", "PO1*1*12*EA*3.5*PE*UP*012345678905",
        "SLN*1**I*2*EA>1.5", "PO1*2*1.25*CA", "CTT*2"]
ATOMS = ["", "0", "1", "12", "-1", "1.5", ".5", "5.", "1.2.3", "X", "XX", "SA", "EA", "ZZZ",
         "20260229", "20240229", "20261301", "2359", "2460", "123456", "A>B", "EA>1", ">",
         "P" * 23, "9" * 16, "92", "UP", "DS", "05", "00", "ÉCOLE", "A\x7fB"]


def messages(segs: list[str]) -> list[Message]:
    body = "ST*850*0001~" + "".join(s + "~" for s in segs) + f"SE*{len(segs) + 2}*0001~"
    data = (ISA + body + "GE*1*1~IEA*1*000000001~").encode()
    return [ev for ev in read_x12(io.BytesIO(data)) if isinstance(ev, Message)]


def verdicts(segs: list[str], grammar: MessageGrammar) -> tuple[bool, bool]:
    (fast_msg,) = messages(segs)
    fast_ok = validate_message(fast_msg, grammar)
    (slow_msg,) = messages(segs)
    precise_check(slow_msg, grammar)
    return fast_ok, not slow_msg.report.errors


def test_valid_data_takes_the_fast_path() -> None:
    assert verdicts(GOOD, GRAMMAR) == (True, True)


@st.composite
def variants(draw: st.DrawFn) -> list[str]:
    segs = list(GOOD)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(segs) - 1))
        op = draw(st.sampled_from(["element", "drop", "dup", "swap"]))
        if op == "element":
            parts = segs[i].split("*")
            j = draw(st.integers(1, len(parts)))
            atom = draw(st.sampled_from(ATOMS))
            if j == len(parts):
                parts.append(atom)
            else:
                parts[j] = atom
            segs[i] = "*".join(parts)
        elif op == "drop" and len(segs) > 1:
            del segs[i]
        elif op == "dup":
            segs.insert(i, segs[i])
        else:
            k = draw(st.integers(0, len(segs) - 1))
            segs[i], segs[k] = segs[k], segs[i]
    return segs


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variants())
def test_fast_accepts_only_what_precise_accepts(segs: list[str]) -> None:
    fast_ok, precise_ok = verdicts(segs, GRAMMAR)
    if fast_ok:
        assert precise_ok, segs


@settings(max_examples=300, deadline=None)
@given(st.sets(st.text(alphabet="0129AZ?+*", min_size=1, max_size=4), min_size=1, max_size=40),
       st.lists(st.text(alphabet="0129AZ?+*", min_size=0, max_size=5), max_size=30))
def test_code_lists_compile_to_exact_membership(codes: set[str], probes: list[str]) -> None:
    import re

    from gateway.validate.fast import code_pattern

    pat = re.compile(code_pattern(sorted(c.encode() for c in codes)))
    for word in list(codes) + probes:
        assert (pat.fullmatch(word.encode()) is not None) == (word in codes), word
