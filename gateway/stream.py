"""What the envelope readers yield, for X12 and EDIFACT alike.

A reader walks a binary stream once and yields events in file order:

``InterchangeStart`` → (``GroupStart`` → ``Message``… → ``GroupEnd``)… → ``InterchangeEnd``,
and ``FileDefect`` for bytes that belong to no interchange. EDIFACT messages outside UNG/UNE
get a ``GroupStart`` / ``GroupEnd`` for a synthetic group (``GroupReport.synthetic``).

Each event carries the report node it concerns; the reader has already put the envelope defects
(counts, control references, formats) on it. ``Message`` carries the segments of one
transaction set / message, from its header to its trailer, and nothing else stays in memory:
the consumer validates it (adding defects to ``Message.report``) before asking for the next
event. ``InterchangeEnd`` is yielded after the trailer checks, so a consumer renders acks there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.report import Defect, GroupReport, InterchangeReport, TransactionReport

# element -> repetitions -> components; values are decoded, EDIFACT release characters removed
Elements = list[list[list[str]]]


@dataclass(slots=True)
class SegmentToken:
    tag: str
    elements: Elements  # elements[0] is the first data element (tag not included)
    offset: int  # byte offset of the segment's first byte in the file
    position: int  # 1-based position in its message (header = 1) or interchange

    def value(self, seq: int, component: int = 1, repetition: int = 1) -> str:
        """The value at 1-based element ``seq`` (and component / repetition), '' when absent."""
        try:
            return self.elements[seq - 1][repetition - 1][component - 1]
        except IndexError:
            return ""


@dataclass(slots=True)
class Delimiters:
    element: str
    component: str
    segment: str  # the terminator without trailing white space
    repetition: str | None = None
    release: str | None = None  # EDIFACT only
    decimal: str = "."  # EDIFACT UNA decimal mark
    suffix: str = ""  # what follows the terminator in the file ("\r\n", "\n", "")

    def to_json(self) -> dict[str, str]:
        out = {"element": self.element, "component": self.component, "segment": self.segment}
        if self.repetition:
            out["repetition"] = self.repetition
        if self.release:
            out["release"] = self.release
        return out


@dataclass(slots=True)
class InterchangeStart:
    report: InterchangeReport
    delimiters: Delimiters
    header: SegmentToken  # ISA or UNB


@dataclass(slots=True)
class GroupStart:
    report: GroupReport
    interchange: InterchangeReport
    header: SegmentToken | None  # GS / UNG; None for a synthetic EDIFACT group


@dataclass(slots=True)
class Message:
    """One transaction set (ST..SE) or message (UNH..UNT).

    X12 readers fill ``blob`` or ``raw`` (segment bytes without terminator) and tokenize
    lazily; EDIFACT readers fill ``tokens`` directly.
    """

    report: TransactionReport
    group: GroupReport
    interchange: InterchangeReport
    delimiters: Delimiters
    raw: list[bytes] | None = None
    encoding: str = "latin-1"
    _tokens: list[SegmentToken] | None = None
    _offsets: Callable[[], list[int]] | None = field(default=None, repr=False)
    blob: bytes | None = None  # X12: the segments joined by ``blob_sep``, split on demand
    blob_sep: bytes = b""
    # EDIFACT: segments as tokens or as unsplit text (release characters still in), with offsets
    texts: list[SegmentToken | str] | None = None
    text_offsets: list[int] | None = None
    # set by validation: an accepted message then has no control character in any value
    validated: bool = False

    def segments(self) -> list[bytes]:
        """X12 segment bytes without terminators (split from ``blob`` on first use)."""
        if self.raw is None:
            assert self.blob is not None
            self.raw = self.blob.split(self.blob_sep)
        return self.raw

    def tokens(self) -> list[SegmentToken]:
        if self._tokens is None and self.texts is not None:
            from gateway.edifact.tokens import lazy_class

            d = self.delimiters
            lazy = lazy_class(d.element, d.component, d.release, d.repetition)
            assert self.text_offsets is not None
            self._tokens = [lazy(t[:3], t, off, n) if isinstance(t, str) else t
                            for n, (t, off) in enumerate(zip(self.texts, self.text_offsets,
                                                             strict=True), start=1)]
        if self._tokens is None:
            from gateway.x12.tokens import tokenize_segments

            assert self._offsets is not None
            self._tokens = tokenize_segments(self.segments(), self._offsets(),
                                             self.delimiters, self.encoding)
            self._offsets = None  # the offsets are on the tokens now
        return self._tokens

    def offsets(self) -> list[int]:
        if self._offsets is not None:
            return self._offsets()
        return [t.offset for t in self.tokens()]


@dataclass(slots=True)
class GroupEnd:
    report: GroupReport
    interchange: InterchangeReport
    trailer: SegmentToken | None


@dataclass(slots=True)
class InterchangeEnd:
    report: InterchangeReport
    trailer: SegmentToken | None


@dataclass(slots=True)
class FileDefect:
    defect: Defect


Event = InterchangeStart | GroupStart | Message | GroupEnd | InterchangeEnd | FileDefect
