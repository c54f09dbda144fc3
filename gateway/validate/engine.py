"""Validate one message against its implementation guide and put the defects on its report.

Who calls: ``gateway.validate.run`` for every ``Message`` event a reader yields.
X12 sets first try the compiled fast pattern (``fast.compile_set``); a set that does not match,
every EDIFACT message, and callers that ask for it go through the precise path: the structure
walk plus element checks, which produce defects with exact positions for the acks.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gateway.grammar.model import MessageGrammar, SegmentNode
from gateway.report import Defect
from gateway.stream import Delimiters, Message, SegmentToken
from gateway.validate.fast import compile_edifact, compile_set
from gateway.validate.segments import check_segment
from gateway.validate.structure import walk

GuideLookup = Callable[[Message], MessageGrammar | None]
_SET_PATTERNS: dict[tuple[int, int, bytes, bool],
                    tuple[MessageGrammar, Delimiters, re.Pattern[bytes] | None]] = {}
_HL_CACHE: dict[tuple[bytes, bytes], re.Pattern[bytes]] = {}


def validate_message(msg: Message, grammar: MessageGrammar, *, precise: bool = False,
                     tolerant_charset: bool = False) -> bool:
    """Validate ``msg``; defects go to ``msg.report.errors``. Returns True when the fast path
    alone decided (the set is valid)."""
    msg.validated = True
    if not precise and grammar.standard == "edifact" and msg.texts:
        if _edifact_fast(msg, grammar):
            return True
    elif not precise and msg.blob is not None and msg.raw is None:
        joint = msg.blob_sep
        # one interchange shares one Delimiters object: remember its pattern by identity
        key = (id(grammar), id(msg.delimiters), joint, tolerant_charset)
        hit = _SET_PATTERNS.get(key)
        if hit is None or hit[0] is not grammar or hit[1] is not msg.delimiters:
            d = msg.delimiters
            pat = compile_set(grammar, d.element.encode("latin-1"),
                              d.component.encode("latin-1"),
                              (d.repetition or "").encode("latin-1"), joint,
                              tolerant=tolerant_charset)
            if len(_SET_PATTERNS) > 1024:
                _SET_PATTERNS.clear()
            hit = _SET_PATTERNS[key] = (grammar, msg.delimiters, pat)
        pat = hit[2]
        if pat is not None and pat.fullmatch(msg.blob + joint) is not None:
            if not grammar.hl_levels or _hl_ok_fast(msg, grammar):
                return True
    precise_check(msg, grammar, tolerant_charset=tolerant_charset)
    return False


def _edifact_fast(msg: Message, grammar: MessageGrammar) -> bool:
    items = msg.texts
    first, last = grammar.body[0], grammar.body[-1]
    if (items is None or len(items) < 2 or not isinstance(first, SegmentNode)
            or not isinstance(last, SegmentNode)):
        return False
    head, tail = items[0], items[-1]
    if isinstance(head, str) or isinstance(tail, str) or head.tag != first.tag or \
            tail.tag != last.tag:
        return False
    d = msg.delimiters
    pat = compile_edifact(grammar, d.element, d.component, d.repetition, d.segment, d.release,
                          d.decimal)
    if pat is None:
        return False
    try:
        text = d.segment.join(items[1:-1]) + d.segment  # type: ignore[arg-type]
    except TypeError:  # a segment the reader had to split (charset trouble): go precise
        return False
    if pat.fullmatch(text) is None:
        return False
    # the envelope segments of the message, element by element
    return not check_segment(first.segment, head, decimal=d.decimal) and \
        not check_segment(last.segment, tail, decimal=d.decimal)


def precise_check(msg: Message, grammar: MessageGrammar, *, tolerant_charset: bool = False
                  ) -> None:
    tokens = msg.tokens()
    errors = msg.report.errors
    decimal = msg.delimiters.decimal
    # EDIFACT character sets are checked by the reader against the declared syntax identifier
    ascii_only = grammar.standard == "x12" and not tolerant_charset
    for tok, node, loop_id, defects in walk(grammar, tokens):
        errors.extend(defects)
        if node is not None and node.usage != "N":
            errors.extend(check_segment(node.segment, tok, decimal=decimal, loop_id=loop_id,
                                        ascii_only=ascii_only))
    if grammar.hl_levels:
        errors.extend(check_hierarchy(tokens, grammar.hl_levels))


_NUMBERS = [str(n).encode() for n in range(1, 100_001)]
_HL_RULES: dict[int, tuple[MessageGrammar, dict[bytes, frozenset[bytes]]]] = {}


def _hl_ok_fast(msg: Message, grammar: MessageGrammar) -> bool:
    """The HL hierarchy on the unsplit set: True when it is certainly right (else the precise
    check reports what is wrong)."""
    d = msg.delimiters
    key = (d.element.encode("latin-1"), msg.blob_sep)
    pat = _HL_CACHE.get(key)
    if pat is None:
        e, j = key
        cls = b"([^" + re.escape(e) + re.escape(j[:1]) + b"]*)"
        # a set starts with ST, so every HL follows a terminator: a literal prefix, searched fast
        pat = re.compile(re.escape(j) + b"HL" + re.escape(e) + cls + re.escape(e)
                         + cls + re.escape(e) + cls)
        _HL_CACHE[key] = pat
    hit = _HL_RULES.get(id(grammar))
    if hit is None or hit[0] is not grammar:
        hit = (grammar, {k.encode(): frozenset(p.encode() for p in v)
                         for k, v in grammar.hl_levels.items()})
        _HL_RULES[id(grammar)] = hit
    rules = hit[1]
    assert msg.blob is not None
    found = pat.findall(msg.blob)
    if [h[0] for h in found] != _NUMBERS[: len(found)]:
        return False  # HL01 must count 1, 2, 3...
    levels: dict[bytes, bytes] = {}
    for hl01, hl02, hl03 in found:
        allowed = rules.get(hl03)
        if allowed is None or (levels.get(hl02) if hl02 else b"") not in allowed:
            return False  # unknown level, unknown parent, or a level under the wrong parent
        levels[hl01] = hl03
    return True


def check_hierarchy(tokens: list[SegmentToken], rules: dict[str, frozenset[str]]
                    ) -> list[Defect]:
    """HL01 counts 1, 2, 3…; HL02 names an earlier HL; HL03's level may sit under its parent's
    level (``rules``: level → allowed parent levels, "" for the top)."""
    out: list[Defect] = []
    levels: dict[str, str] = {}
    expected = 1
    for t in tokens:
        if t.tag != "HL":
            continue
        hl01, hl02, hl03 = t.value(1), t.value(2), t.value(3)

        def bad(code: str, seq: int, msg: str, value: str, t: SegmentToken = t) -> None:
            out.append(Defect(code, f"HL at position {t.position}: {msg}", offset=t.offset,
                              segment="HL", segment_position=t.position, element=f"HL{seq:02d}",
                              element_seq=seq, data_ele={1: "628", 2: "734", 3: "735"}[seq],
                              value=value))

        if hl01 != str(expected):
            bad("segment.hierarchy", 1, f"HL01 {hl01!r} should be {expected}: HL numbers count "
                "up by one from 1", hl01)
        expected = (int(hl01) if hl01.isdigit() else expected) + 1
        parent = ""
        if hl02:
            if hl02 not in levels:
                bad("element.hl_parent", 2, f"HL02 {hl02!r} does not name an earlier HL", hl02)
                levels[hl01] = hl03
                continue
            parent = levels[hl02]
        allowed = rules.get(hl03)
        if allowed is None:
            bad("element.invalid_code", 3, f"HL03 {hl03!r} is not a hierarchical level of this "
                "guide", hl03)
        elif parent not in allowed:
            where = f"under level {parent!r}" if parent else "at the top"
            bad("element.hl_parent", 2, f"level {hl03!r} cannot sit {where}", hl02)
        levels[hl01] = hl03
    return out
