"""What the caller gives the ack renderers: control numbers, the time, the outbound syntax.

The renderers are pure: they never read the clock and never keep a counter. The pipeline passes
an ``AckContext`` holding a ``ControlNumbers`` source (in production a database sequence per
partner, in tests the in-memory ``Sequence``) and the ``now`` it took from its clock, so the
same report and the same context always render byte-identical acks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from gateway.errors import GatewayError
from gateway.stream import Delimiters

Kind = Literal["interchange", "group", "transaction"]
KINDS: tuple[Kind, ...] = ("interchange", "group", "transaction")

# The largest control number each envelope can carry (ISA13 / GS06 / ST02: 9 digits;
# UNB0020 / UNH0062 are an..14 but we keep to the same range so one sequence fits both).
MAX_CONTROL_NUMBER = 999_999_999


class ControlNumbers(Protocol):
    """A source of outbound control numbers, one independent series per ``kind``.

    ``next`` returns a number in 1..999999999 that the source never hands out again for the
    same kind (within the partner relation it serves). Wrapping around is the source's
    business; the renderers reject numbers outside the range.
    """

    def next(self, kind: Kind) -> int: ...


class Sequence:
    """In-memory ``ControlNumbers``: one counter per kind, each starting at ``start``.

    Wraps to 1 after 999999999. Not thread-safe; for tests and one-shot command-line use.
    """

    def __init__(self, start: int = 1) -> None:
        if not 1 <= start <= MAX_CONTROL_NUMBER:
            raise ValueError(f"start must be within 1..{MAX_CONTROL_NUMBER}, not {start}")
        self._next: dict[Kind, int] = {k: start for k in KINDS}

    def next(self, kind: Kind) -> int:
        n = self._next[kind]
        self._next[kind] = n + 1 if n < MAX_CONTROL_NUMBER else 1
        return n

    def peek(self, kind: Kind) -> int:
        """The number ``next(kind)`` will return, without taking it."""
        return self._next[kind]


@dataclass(frozen=True, slots=True)
class AckContext:
    """Everything an ack needs that is not in the validation report.

    ``delimiters``: the outbound syntax; ``None`` echoes the inbound interchange's delimiters.
    ``newline``: write "\\n" after every segment terminator, after the ``suffix`` of
    ``delimiters`` (which is "" for echoed delimiters); see ``line_end``.
    ``test_indicator``: ``None`` echoes the inbound ISA15 / UNB0035; True/False forces it.
    ``sender`` / ``receiver``: our own interchange ids as (qualifier, id) when they differ from
    the inbound receiver / sender (the default swaps them): ISA05-08, UNB S002 / S003.
    ``app_sender`` / ``app_receiver`` do the same for GS02 / GS03 (X12 only).
    """

    numbers: ControlNumbers
    now: datetime
    delimiters: Delimiters | None = None
    newline: bool = False
    test_indicator: bool | None = None
    sender: tuple[str, str] | None = None
    receiver: tuple[str, str] | None = None
    app_sender: str | None = None
    app_receiver: str | None = None

    def line_end(self, d: Delimiters) -> str:
        """What follows each segment: the terminator, ``d.suffix``, and "\\n" for ``newline``
        unless that already ends in a line feed (a "\\n" terminator is not doubled)."""
        end = d.segment + d.suffix
        return end + "\n" if self.newline and not end.endswith("\n") else end

    def take(self, kind: Kind) -> int:
        """The next control number of ``kind``, checked to be in range."""
        n = self.numbers.next(kind)
        if not 1 <= n <= MAX_CONTROL_NUMBER:
            raise GatewayError(f"control number source returned {n} for {kind}, outside "
                               f"1..{MAX_CONTROL_NUMBER}", code="ack.control_number")
        return n
