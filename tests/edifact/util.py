"""Helpers for the EDIFACT reader tests: run the reader, check the event grammar, summarise."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from gateway.edifact import read_edifact
from gateway.report import Defect
from gateway.stream import (
    Event,
    FileDefect,
    GroupEnd,
    GroupStart,
    InterchangeEnd,
    InterchangeStart,
    Message,
    SegmentToken,
)

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "edifact" / "corpus"


def read(data: bytes | str, **kw: object) -> list[Event]:
    """All events of ``data`` (str is encoded as latin-1), checked for proper nesting."""
    raw = data.encode("latin-1") if isinstance(data, str) else data
    evs = list(read_edifact(io.BytesIO(raw), **kw))  # type: ignore[arg-type]  # kw: options
    check_nesting(evs)
    return evs


def check_nesting(evs: list[Event]) -> None:
    """InterchangeStart (GroupStart Message* GroupEnd)* InterchangeEnd, FileDefects between."""
    state = "out"
    for ev in evs:
        if isinstance(ev, InterchangeStart):
            assert state == "out", ev
            state = "ic"
        elif isinstance(ev, GroupStart):
            assert state == "ic", ev
            assert ev.report in ev.interchange.groups
            state = "grp"
        elif isinstance(ev, Message):
            assert state == "grp", ev
            toks = ev.tokens()
            assert toks and toks[0].tag == "UNH"
            assert [t.position for t in toks] == list(range(1, len(toks) + 1))
            assert ev.report in ev.group.transactions
            assert ev.report.segment_count == len(toks)
        elif isinstance(ev, GroupEnd):
            assert state == "grp", ev
            state = "ic"
        elif isinstance(ev, InterchangeEnd):
            assert state == "ic", ev
            state = "out"
        else:
            assert isinstance(ev, FileDefect)
            assert state == "out", ev
    assert state == "out"


def messages(evs: list[Event]) -> list[Message]:
    return [e for e in evs if isinstance(e, Message)]


def interchanges(evs: list[Event]) -> list[InterchangeEnd]:
    return [e for e in evs if isinstance(e, InterchangeEnd)]


def file_defects(evs: list[Event]) -> list[Defect]:
    return [e.defect for e in evs if isinstance(e, FileDefect)]


def codes(defects: list[Defect]) -> list[str]:
    return [d.code for d in defects]


@dataclass
class Summary:
    """What a file gave, compactly: per interchange its defects and messages."""

    file: list[str] = field(default_factory=list)
    interchanges: list[tuple[str | None, list[str], list[tuple[str, str, int, list[str]]]]] = \
        field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)


def summarise(evs: list[Event]) -> Summary:
    s = Summary(file=codes(file_defects(evs)))
    for e in evs:
        if isinstance(e, InterchangeEnd):
            msgs = [(t.set_id, t.control_number, t.segment_count, codes(t.errors))
                    for g in e.report.groups for t in g.transactions]
            s.interchanges.append((e.report.control_number, codes(e.report.errors), msgs))
        elif isinstance(e, GroupEnd):
            s.groups.append(codes(e.report.errors))
    return s


def all_tokens(evs: list[Event]) -> list[SegmentToken]:
    """Every segment the reader handed out, in file order (UNB..UNZ, UNG/UNE, messages)."""
    out: list[SegmentToken] = []
    for e in evs:
        if isinstance(e, InterchangeStart) and e.header.position:
            out.append(e.header)
        elif isinstance(e, GroupStart) and e.header is not None:
            out.append(e.header)
        elif isinstance(e, Message):
            out.extend(e.tokens())
        elif isinstance(e, GroupEnd) and e.trailer is not None:
            out.append(e.trailer)
        elif isinstance(e, InterchangeEnd) and e.trailer is not None:
            out.append(e.trailer)
    return out
