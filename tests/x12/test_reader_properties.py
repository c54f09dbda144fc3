"""Readers never crash: on any bytes they yield events or raise the project's ReadError."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.errors import ReadError
from gateway.stream import Message
from gateway.x12.reader import read_x12

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "x12" / "corpus"
SEEDS = [p.read_bytes() for p in sorted(CORPUS.glob("*.edi"))]


def consume(data: bytes, chunk: int) -> int:
    n = 0
    try:
        for ev in read_x12(io.BytesIO(data), chunk_size=chunk):
            if isinstance(ev, Message):
                ev.tokens()
                ev.offsets()
            n += 1
    except ReadError:
        pass
    return n


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.sampled_from([3, 64, 1 << 20]))
def test_arbitrary_bytes(data: bytes, chunk: int) -> None:
    consume(data, chunk)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.sampled_from([3, 64, 1 << 20]))
def test_bytes_after_an_isa(tail: bytes, chunk: int) -> None:
    consume(SEEDS[0][:106] + tail, chunk)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["delete", "insert", "replace", "cut"]))
        b = draw(st.sampled_from([b"~", b"*", b">", b"^", b"\n", b"\r", b"\x00", b"ISA",
                                  b"IEA*1*1~", b"GS*", b"ST*850*1~", b"SE*", b"\xff", b"\xe2\x80"]))
        if op == "delete":
            del data[i:i + draw(st.integers(1, 20))]
        elif op == "insert":
            data[i:i] = b
        elif op == "replace":
            data[i:i + len(b)] = b
        else:
            del data[i:]
    return bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from([5, 97, 1 << 20]))
def test_mutated_real_files(data: bytes, chunk: int) -> None:
    consume(data, chunk)
