"""Properties of the EDIFACT reader: it never crashes, chunking does not matter, and what a
small escaping serializer writes is read back value for value."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.edifact import read_edifact
from gateway.edifact.scanner import Batch, _Scanner, scan
from gateway.errors import ReadError
from gateway.stream import (
    Event,
    FileDefect,
    GroupEnd,
    GroupStart,
    InterchangeEnd,
    InterchangeStart,
    Message,
)

from .util import CORPUS, check_nesting

SEEDS = [p.read_bytes() for p in sorted(CORPUS.rglob("*.edi"))] + [
    b"UNA:+.? 'UNB+UNOC:3+S+R+240101:1200+X'UNG+ORDERS+A+B+240101:1200+G1+UN+D:96A'"
    b"UNH+1+ORDERS:D:96A:UN'FTX+AAA+++O?'K ?+ ??'UNT+3+1'UNE+1+G1'UNZ+1+X'",
    b"UNA|~,#^!UNB~UNOY|4~S~R~20240101|1200~X!UNH~1~ORDERS|D|01B|UN!FTX~A~~~a^b#^!"
    b"UNT~3~1!UNZ~1~X!\r\nUNB+UNOA:3+S+R+240101:1200+Y'UNH+2+INVOIC:D:96A:UN'UNT+2+2'UNZ+1+Y'",
]


def outcome(data: bytes, **kw: Any) -> list[Any] | str:
    """The events as comparable values, or the ReadError code. Anything else fails the test."""
    try:
        evs = list(read_edifact(io.BytesIO(data), **kw))
    except ReadError as exc:
        assert exc.code in ("file.empty", "file.not_edi", "file.unreadable")
        assert exc.message
        return exc.code
    check_nesting(evs)
    return [_event(e) for e in evs]


def _defects(ds: list[Any]) -> list[tuple[str, str, int | None]]:
    return [(d.code, d.message, d.offset) for d in ds]


def _event(e: Event) -> Any:
    if isinstance(e, InterchangeStart):
        return ("IS", e.report.control_number, e.report.delimiters, e.header.offset)
    if isinstance(e, GroupStart):
        return ("GS", e.report.control_number, e.report.version)
    if isinstance(e, Message):
        return ("M", e.report.set_id, e.report.control_number, _defects(e.report.errors),
                [(t.tag, t.elements, t.offset, t.position) for t in e.tokens()])
    if isinstance(e, GroupEnd):
        return ("GE", _defects(e.report.errors))
    if isinstance(e, InterchangeEnd):
        return ("IE", _defects(e.report.errors))
    assert isinstance(e, FileDefect)
    return ("FD", _defects([e.defect]))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_yield_events_or_read_error(data: bytes) -> None:
    outcome(data)


_PIECES = [b"UNA:+.? '", b"UNA;*,#_~", b"UNB+UNOC:3+S+R+240101:1200+X'", b"UNH+1+ORDERS:D:96A:UN'",
           b"UNT+2+1'", b"UNZ+1+X'", b"UNG+O+A+B+240101:1200+G+UN+D:96A'", b"UNE+1+G'", b"'",
           b"?", b"+", b":", b"*", b"\r\n", b"\t", b"\xef\xbb\xbf", b"\x1d", b"\x1c", b"\xc3\xa4",
           b"\xff", b"UNB\x1dUNOB\x1f3\x1dS\x1dR\x1d240101\x1f1200\x1dX\x1c"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES) | st.binary(max_size=6), max_size=30))
def test_envelope_fragments_yield_events_or_read_error(parts: list[bytes]) -> None:
    outcome(b"".join(parts))


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        at = draw(st.integers(0, len(data)))
        if kind == "delete":
            del data[at:at + draw(st.integers(1, 20))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8) | st.sampled_from(_PIECES))
        elif kind == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        else:
            end = min(len(data), at + draw(st.integers(1, 40)))
            data[at:at] = data[at:end]
    return bytes(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from([1, 3, 16, 1 << 20]), st.booleans())
def test_mutated_files_yield_events_or_read_error_whatever_the_chunks(
        data: bytes, chunk: int, tolerant: bool) -> None:
    whole = outcome(data, tolerant_charset=tolerant)
    assert outcome(data, chunk_size=chunk, tolerant_charset=tolerant) == whole


def _cut(data: bytes, chunk: int, fast: bool) -> list[Any]:
    scanner = _Scanner()
    if not fast:
        scanner._fast_cut = lambda work, wbase: None  # type: ignore[method-assign]
    out: list[Any] = []
    for item in scanner.run(io.BytesIO(data).read, chunk):
        if isinstance(item, Batch):
            out.extend(zip(item.offsets, item.segments, [item.chars] * len(item.offsets),
                           strict=True))
        else:
            out.append(item)
    return out


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mutated() | st.lists(st.sampled_from(_PIECES + [b"\n", b" ", b"??", b"?'"]),
                            max_size=40).map(b"".join),
       st.sampled_from([2, 7, 64, 1 << 20]))
def test_fast_and_careful_cutting_agree(data: bytes, chunk: int) -> None:
    assert _cut(data, chunk, True) == _cut(data, chunk, False)
    assert list(scan(io.BytesIO(data).read, chunk)) is not None


# -- generate -> parse ------------------------------------------------------------------------

_PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_VALUE_CHARS = st.characters(codec="utf-8", exclude_characters="\r\n")  # CR / LF are layout


@st.composite
def interchange(draw: st.DrawFn) -> tuple[bytes, list[tuple[str, list[list[list[str]]]]],
                                          dict[str, str]]:
    """An interchange written by a tiny serializer that escapes with the release character."""
    comp, elem, rel, rep, term = draw(st.permutations(_PUNCT))[:5]
    version = draw(st.sampled_from(["3", "4"]))
    rep_char = " " if version == "3" else rep
    layout = draw(st.sampled_from(["", "\n", "\r\n"]))

    special = {rel, elem, comp, term} | ({rep} if version == "4" else set())

    def esc(v: str) -> str:
        return "".join(rel + ch if ch in special else ch for ch in v)

    def seg(tag: str, elements: list[list[list[str]]]) -> str:
        out = tag
        for reps in elements:
            out += elem + (rep if version == "4" else "").join(
                comp.join(esc(c) for c in comps) for comps in reps)
        return out + term + layout

    tags = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3).filter(
        lambda t: not t.startswith("UN"))
    comps = st.lists(st.text(_VALUE_CHARS, max_size=6), min_size=1, max_size=3)
    reps = st.lists(comps, min_size=1, max_size=3 if version == "4" else 1)
    body = draw(st.lists(st.tuples(tags, st.lists(reps, max_size=4)), max_size=6))
    text = f"UNA{comp}{elem}.{rel}{rep_char}{term}" + layout
    text += seg("UNB", [[["UNOY", version]], [["S"]], [["R"]], [["240101" if version == "3" else "20240101", "1200"]], [["X"]]])
    text += seg("UNH", [[["1"]], [["ORDERS", "D", "96A", "UN"]]])
    for tag, elements in body:
        text += seg(tag, elements)
    text += seg("UNT", [[[str(len(body) + 2)]], [["1"]]])
    text += seg("UNZ", [[["1"]], [["X"]]])
    chars = {"element": elem, "component": comp, "segment": term, "release": rel}
    if version == "4":
        chars["repetition"] = rep
    return text.encode("utf-8"), body, chars


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(interchange(), st.sampled_from([1, 5, 64, 1 << 20]))
def test_generated_values_are_read_back(case: tuple[bytes, list[Any], dict[str, str]],
                                        chunk: int) -> None:
    data, body, chars = case
    evs = list(read_edifact(io.BytesIO(data), chunk_size=chunk))
    check_nesting(evs)
    (msg,) = [e for e in evs if isinstance(e, Message)]
    toks = msg.tokens()
    assert [(t.tag, t.elements) for t in toks[1:-1]] == [(t, e) for t, e in body]
    assert msg.report.errors == []
    (end,) = [e for e in evs if isinstance(e, InterchangeEnd)]
    assert end.report.errors == []
    assert end.report.delimiters == chars
