"""Split X12 segments into elements, repetitions and components (the precise path).

The fast validator never calls this on valid data; it is for defects, ``inspect`` and mapping.
"""

from __future__ import annotations

from gateway.stream import Delimiters, Elements, SegmentToken


def split_elements(text: str, d: Delimiters) -> tuple[str, Elements]:
    parts = text.split(d.element)
    rep, comp = d.repetition, d.component
    elements: Elements = []
    for value in parts[1:]:
        reps = value.split(rep) if rep and rep in value else [value]
        elements.append([r.split(comp) if comp and comp in r else [r] for r in reps])
    return parts[0], elements


def tokenize_segments(raw: list[bytes], offsets: list[int], d: Delimiters,
                      encoding: str) -> list[SegmentToken]:
    out: list[SegmentToken] = []
    for pos, (seg, off) in enumerate(zip(raw, offsets, strict=True), start=1):
        tag, elements = split_elements(seg.decode(encoding, "replace"), d)
        out.append(SegmentToken(tag, elements, off, pos))
    return out
