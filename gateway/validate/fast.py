"""Compile an X12 grammar into one regular expression per transaction set.

Valid data is the common case and per-element Python work is what makes validators slow
(notes/validator-speed.md: per-element checks top out near 10 MB/s). So each transaction set
grammar becomes one bytes pattern: segments with their elements (type, length, codes),
composites, repetitions and syntax notes (as look-aheads), inside the loop structure with
possessive quantifiers (Python 3.11) so a mismatch fails fast instead of backtracking.

Contract: a transaction set that matches is valid for the precise path too (the pattern is
never looser than ``gateway.validate.values`` and ``segments``); one that does not match goes
to the precise path, which finds the defects. Being stricter than needed only costs time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any, AnyStr

from gateway.grammar.model import (
    CompositeDef,
    ElementDef,
    MessageGrammar,
    Node,
    SegmentDef,
    SegmentNode,
    SyntaxRule,
)

_MONTH = rb"(?:0[1-9]|1[0-2])"
_DAY = rb"(?:0[1-9]|[12]\d|3[01])"
# month/day combinations; 29 February only in years divisible by 4 (as values.valid_date)
_MD = (rb"(?:(?:0[13578]|1[02])(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)(?:0[1-9]|[12]\d|30)"
       rb"|02(?:0[1-9]|1\d|2[0-8]))")
_LEAP = rb"(?:[02468][048]|[13579][26])"
_TIME = rb"(?:[01]\d|2[0-3])[0-5]\d(?:[0-5]\d(?:\d\d?)?)?"


@dataclass(frozen=True, slots=True)
class _Extra:
    """What besides the delimiters shapes the patterns while one grammar is compiled."""

    ascii_only: bool = True  # X12 character set (printable ASCII)
    release: bytes = b""  # EDIFACT release character: ``?+`` is a value, not a separator
    decimal: bytes = b"."  # decimal mark of R / n values


_EXTRA: ContextVar[_Extra] = ContextVar("fast_extra", default=_Extra())  # noqa: B039 frozen


class Unsupported(Exception):
    """The element cannot be expressed as a fast pattern: its segment always goes slow."""


def _date(d: ElementDef) -> bytes:
    alts = []
    for n in (6, 8):
        if d.min_len <= n <= d.max_len:
            yy = rb"\d\d" if n == 8 else b""
            alts.append(rb"(?:" + yy + rb"\d\d" + _MD + rb"|" + yy + _LEAP + rb"0229)")
    if not alts:
        raise Unsupported
    return b"(?:" + b"|".join(alts) + b")"


def code_pattern(codes: list[bytes]) -> bytes:
    """An exact-membership pattern for a code list, as a minimised trie: children with the same
    continuation share one character class, so a dense list like 1..999 stays a few classes
    (small patterns compile fast, take little memory and dispatch on the first character)."""
    trie: dict[int | None, Any] = {}
    for code in codes:
        node = trie
        for ch in code:
            node = node.setdefault(ch, {})
        node[None] = True

    @cache
    def char_class(chars: tuple[int, ...]) -> bytes:
        if len(chars) == 1:
            return re.escape(bytes(chars))
        return b"[" + b"".join(re.escape(bytes([c])) for c in chars) + b"]"

    def build(node: dict[int | None, Any]) -> bytes:
        by_rest: dict[bytes, list[int]] = {}
        for ch, child in node.items():
            if ch is not None:
                by_rest.setdefault(build(child), []).append(ch)
        alts = [char_class(tuple(sorted(chars))) + rest for rest, chars in by_rest.items()]
        if not alts:
            return b""
        pat = alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"
        if None in node:  # a code ends here and longer ones go on
            pat = b"(?:" + pat + b")?"
        return pat

    return b"(?:" + build(trie) + b")"


Run = Callable[[int, int], bytes]  # (min, max) -> pattern of that many characters


def _runs(stop: bytes, ctrl: bytes, release: bytes) -> tuple[Run, Run]:
    """Patterns for ``lo``..``hi`` text characters and for as many non-digits (type a).

    With a release character an escaped pair (``?+``) counts as one character. Values hardly
    ever hold one, so a single-class run is tried first and the slower per-character
    alternation only when a release character follows it."""
    def make(extra: bytes) -> Run:
        plain = b"[^" + stop + re.escape(release) + ctrl + extra + b"]"
        if not release:
            return lambda lo, hi: plain + b"{%d,%d}+" % (lo, hi)
        rel = re.escape(release)
        pair = b"(?:" + plain + b"|" + rel + b"[^" + ctrl + extra + b"])"
        return lambda lo, hi: (b"(?:" + plain + b"{%d,%d}+(?!" % (lo, hi) + rel + b")|" + pair
                               + b"{%d,%d}+)" % (lo, hi))
    return make(b""), make(b"0-9")


def _value(d: ElementDef, text: Run, alpha: Run) -> bytes:
    """Pattern of one non-empty value: ``text(lo, hi)`` / ``alpha(lo, hi)`` give runs of
    allowed characters, any or no digits (EDIFACT type a)."""
    t = d.data_type
    if d.regex is not None or t == "B":
        raise Unsupported
    if d.codes is not None:
        codes = [c.encode("latin-1") for c in d.codes if d.min_len <= len(c) <= d.max_len]
        return code_pattern(codes) if codes else rb"(?!)"
    lo, hi = max(d.min_len, 1), d.max_len
    if t == "DT":
        return _date(d)
    if t == "TM":
        if lo > 8 or hi < 4:
            raise Unsupported
        return b"(?=\\d{%d,%d}(?!\\d))" % (max(lo, 4), min(hi, 8)) + _TIME
    if t.startswith("N") and t[1:].isdigit():
        return b"-?\\d{%d,%d}+" % (lo, hi)
    if t in ("R", "n"):
        # digits count, sign and decimal mark do not
        p = re.escape(_EXTRA.get().decimal)
        return (b"-?(?:\\d{%d,%d}(?![\\d" % (lo, hi) + p + b"])|(?=" + p +
                b"?\\d)(?=[\\d" + p + b"]{%d,%d}(?![\\d" % (lo + 1, hi + 1) + p + b"]))\\d*"
                + p + b"\\d*)")
    if t == "a":
        return alpha(lo, hi)
    return text(lo, hi)


def _present(k: int, sep: bytes, stop: bytes) -> bytes:
    """Look-ahead body: the ``k``-th value after ``k`` separators is present (elements are
    looked at from the tag, so element n is k = n; components from the composite's start,
    so component n is k = n - 1)."""
    if k == 0:
        return b"[^" + stop + b"]"
    if k == 1:
        return b"[^" + stop + b"]*" + sep + b"[^" + stop + b"]"
    return b"(?:[^" + stop + b"]*" + sep + b"){%d}[^" % k + stop + b"]"


def _rules(rules: tuple[SyntaxRule, ...], sep: bytes, stop: bytes, shift: int = 0) -> bytes:
    """Look-ahead bodies for syntax notes, seen from position ``shift``. Alternatives that
    look less far run first: ``C0703`` seen from element 3 tries "3 present" before scanning
    to element 7."""
    out = b""
    for r in rules:
        p = [b"(?=" + _present(k - shift, sep, stop) + b")" for k in r.positions]
        a = [b"(?!" + _present(k - shift, sep, stop) + b")" for k in r.positions]
        near = r.positions[0] - shift <= min(r.positions[1:]) - shift  # the trigger is nearest
        if r.kind == "P":
            out += b"(?:" + b"".join(p) + b"|" + b"".join(a) + b")"
        elif r.kind == "R":
            out += b"(?:" + b"|".join(p) + b")"
        elif r.kind == "E":
            for i in range(len(p)):
                for j in range(i + 1, len(p)):
                    out += b"(?!" + p[i] + p[j] + b")"
        elif r.kind == "C":
            rest = b"".join(p[1:])
            out += b"(?:" + (a[0] + b"|" + rest if near else rest + b"|" + a[0]) + b")"
        elif r.kind == "L":
            rest = b"(?:" + b"|".join(p[1:]) + b")"
            out += b"(?:" + (a[0] + b"|" + rest if near else rest + b"|" + a[0]) + b")"
    return out


def _element(d: ElementDef | CompositeDef, delims: tuple[bytes, bytes, bytes, bytes]) -> bytes:
    """Pattern of one element position's content (may be empty when optional)."""
    elem, comp, rep, term = delims
    stop = re.escape(elem + comp + rep + term)[:0] + b"".join(
        re.escape(bytes([c])) for c in set(elem + comp + rep + term))
    extra = _EXTRA.get()
    ctrl = b"\\x00-\\x1f\\x7f-\\xff" if extra.ascii_only else b"\\x00-\\x1f\\x7f"
    if extra.release and isinstance(d, CompositeDef) and d.syntax:
        raise Unsupported  # presence look-aheads do not know the release character
    text, alpha = _runs(stop, ctrl, extra.release)
    if d.usage == "N":
        return b""
    if isinstance(d, ElementDef):
        one = _value(d, text, alpha)
    else:
        parts = []
        for c in d.components:
            if c.usage == "N":
                parts.append(b"")
                continue
            v = _value(c, text, alpha)
            parts.append(v if c.usage == "R" else b"(?:" + v + b"|)")
        # trailing optional components may be left out
        one = parts[-1] if parts else b""
        for i in range(len(parts) - 2, -1, -1):
            need = any(c.usage == "R" for c in d.components[i + 1:])
            tail = re.escape(comp) + one
            one = parts[i] + (tail if need else b"(?:" + tail + b"|)")
        if not any(c.usage == "R" for c in d.components):
            # present means some component has a value
            one = b"(?=" + re.escape(comp) + b"*[^" + stop + b"])" + one
        if d.syntax:
            cstop = b"".join(re.escape(bytes([c])) for c in set(elem + comp + rep + term))
            one = b"(?=" + _rules(d.syntax, re.escape(comp), cstop, shift=1) + b")" + one
    if d.repeat > 1 and rep:
        one = one + b"(?:" + re.escape(rep) + one + b"){0,%d}+" % (d.repeat - 1)
    if d.usage == "R":
        return one
    if isinstance(d, ElementDef) and one == text(max(d.min_len, 1), d.max_len) and \
            d.min_len <= 1:
        return text(0, d.max_len)  # optional free text: one possessive repeat
    return b"(?:" + one + b"|)"


def segment_pattern(sd: SegmentDef, delims: tuple[bytes, bytes, bytes, bytes]) -> bytes:
    """One segment without its terminator. Syntax notes are look-aheads placed at the first
    element they name, so each looks only as far as the elements it needs. An R note (at
    least one present) is only met when the segment reaches its first element, so that
    element's separator is made mandatory and the note is checked there."""
    elem, comp, rep, term = delims
    stop = b"".join(re.escape(bytes([c])) for c in set(elem + term))
    sep = re.escape(elem)
    anchored: dict[int, list[SyntaxRule]] = {}
    reach: set[int] = set()  # elements whose separator must be there (an R note needs them)
    for rule in sd.syntax:
        first = min(rule.positions)
        anchored.setdefault(first, []).append(rule)
        if rule.kind == "R":
            reach.add(first)
    if sd.syntax and _EXTRA.get().release:
        raise Unsupported  # presence look-aheads do not know the release character
    body = b""
    els = list(sd.elements)
    # build from the end: trailing optional elements (and their separators) may be left out
    for i in range(len(els) - 1, -1, -1):
        need = any(e.usage == "R" or e.seq in reach for e in els[i + 1:])
        seq = els[i].seq
        rules = anchored.get(seq)
        look = b"(?=" + _rules(tuple(rules), sep, stop, shift=seq) + b")" if rules else b""
        inner = sep + look + _element(els[i], delims) + body
        body = inner if (need or els[i].usage == "R" or seq in reach) else \
            b"(?:" + inner + b"|)"
    return re.escape(sd.tag.encode("latin-1")) + body


def _nodes(nodes: tuple[Node, ...], delims: tuple[bytes, bytes, bytes, bytes], joint: bytes,
           seen: dict[str, bytes]) -> bytes:
    out = b""
    for n in nodes:
        if isinstance(n, SegmentNode):
            if n.usage == "N":
                continue
            if n.tag not in seen:
                seen[n.tag] = segment_pattern(n.segment, delims)
            pat = b"(?:" + seen[n.tag] + joint + b")"
            lo = 1 if n.usage == "R" else 0
            out += pat + _quant(lo, n.max_use)
        else:
            if n.usage == "N":
                continue
            trig = n.trigger
            if trig.tag not in seen:
                seen[trig.tag] = segment_pattern(trig.segment, delims)
            inner = b"(?:" + seen[trig.tag] + joint + b")" + _nodes(n.children[1:], delims,
                                                                   joint, seen)
            lo = 1 if n.usage == "R" else 0
            out += b"(?:" + inner + b")" + _quant(lo, n.repeat)
    return out


def _quant(lo: int, hi: int | None) -> bytes:
    if hi is None:
        return b"{%d,}+" % lo
    if lo == hi == 1:
        return b""
    return b"{%d,%d}+" % (lo, hi)


_CACHE: dict[tuple[object, ...], tuple[MessageGrammar, re.Pattern[bytes] | None]] = {}
_TEXT_CACHE: dict[tuple[object, ...], tuple[MessageGrammar, re.Pattern[str] | None]] = {}


def compile_set(grammar: MessageGrammar, element: bytes, component: bytes, repetition: bytes,
                joint: bytes, *, tolerant: bool = False) -> re.Pattern[bytes] | None:
    """The pattern of an X12 ``grammar`` for these delimiters, to be ``fullmatch``ed against
    the transaction set's segments joined by ``joint`` plus a final ``joint``; None when some
    part of the grammar cannot be expressed (every set then takes the precise path). Values
    are printable ASCII (the X12 character set) unless ``tolerant``."""
    key = (id(grammar), element, component, repetition, joint, tolerant)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is grammar:
        return hit[1]
    source = _source(grammar, (element, component, repetition, joint.strip() or joint),
                     joint, _Extra(ascii_only=not tolerant))
    pattern = _compile(source, bytes)
    _CACHE[key] = (grammar, pattern)
    return pattern


def compile_edifact(grammar: MessageGrammar, element: str, component: str,
                    repetition: str | None, terminator: str, release: str | None,
                    decimal: str) -> re.Pattern[str] | None:
    """The pattern of an EDIFACT ``grammar`` without its UNH and UNT, to be ``fullmatch``ed
    against the texts of the segments between them (decoded, release characters still in),
    joined and ended by ``terminator``. The reader has split UNH and UNT already and checked
    the character set, so any character but a control one is text."""
    key = (id(grammar), element, component, repetition, terminator, release, decimal)
    hit = _TEXT_CACHE.get(key)
    if hit is not None and hit[0] is grammar:
        return hit[1]
    enc = "latin-1"
    try:
        delims = (element.encode(enc), component.encode(enc), (repetition or "").encode(enc),
                  terminator.encode(enc))
        extra = _Extra(ascii_only=False, release=(release or "").encode(enc),
                       decimal=decimal.encode(enc))
    except UnicodeEncodeError:
        _TEXT_CACHE[key] = (grammar, None)
        return None
    source = _source(grammar, delims, delims[3], extra, inner=True)
    pattern = _compile(source.decode(enc) if source is not None else None, str)
    _TEXT_CACHE[key] = (grammar, pattern)
    return pattern


def _source(grammar: MessageGrammar, delims: tuple[bytes, bytes, bytes, bytes], joint: bytes,
            extra: _Extra, *, inner: bool = False) -> bytes | None:
    token = _EXTRA.set(extra)
    try:
        return _nodes(grammar.body[1:-1] if inner else grammar.body, delims, re.escape(joint), {})
    except (Unsupported, RecursionError):
        return None
    finally:
        _EXTRA.reset(token)


def _compile(source: AnyStr | None, kind: type[AnyStr]) -> re.Pattern[AnyStr] | None:
    if source is None:
        return None
    try:
        return re.compile(source, re.DOTALL)
    except (re.error, OverflowError, RecursionError):
        return None
