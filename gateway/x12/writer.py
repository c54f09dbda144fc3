"""Outbound X12: transaction sets → one ISA/GS/ST interchange with counts and control numbers.

``write_interchange(envelope, groups, numbers, now)`` writes the ISA (fixed widths), one GS/GE
per group, ST/SE around each transaction set and the IEA, and returns the text. The writer is
pure, like the ack renderers: control numbers come from the caller's ``ControlNumbers`` (ISA13,
then per group GS06 and per set ST02, in file order) and the time from ``now``, so the same
input and the same sequence give the same bytes.

A segment is ``(tag, elements)``; an element is a ``str`` (simple), a ``tuple`` of components
(composite) or a ``list`` of repetitions, each a ``str`` or a ``tuple`` (ISA12 00402 and later).
Trailing empty elements, components and repetitions are dropped.

X12 has no release character, so a value holding a delimiter or a line break cannot be written:
``GatewayError`` with code ``outbound.delimiter_in_value`` names the segment, the position and
the value, and nothing is stripped silently (the ack renderers strip, because they echo what a
partner sent; an outbound document is ours and must arrive as the map made it). Other
``GatewayError`` codes: ``outbound.delimiters`` (the delimiters cannot be used),
``outbound.envelope`` (an envelope value the ISA/GS cannot carry, a bad tag, an envelope segment
inside a set, a set in another GS01's group, repetitions before 00402) and ``outbound.control_number`` (the number source
handed out a number outside 1..999999999). None of them is retryable: the input must change.

Who calls: the outbound pipeline, with the envelope from ``envelope_from_profile`` and the
partner's control-number sequence; it encodes the text (ASCII / latin-1) and sends it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, NamedTuple, TypeAlias

from gateway.acks.numbers import MAX_CONTROL_NUMBER, ControlNumbers, Kind
from gateway.errors import GatewayError
from gateway.segment_format import Element, SegmentFormatter, where
from gateway.stream import Delimiters
from gateway.x12.checks import FUNCTIONAL_IDS

if TYPE_CHECKING:
    from gateway.partners.profile import PartnerProfile

__all__ = [
    "Element", "Group", "GroupHeader", "Segment", "Transaction", "TransactionLike",
    "X12Envelope", "checked_delimiters", "default_delimiters", "envelope_from_profile",
    "format_segment", "group_from_profile", "write_interchange",
]

# a list (any sequence but str / tuple) of repetitions; Sequence keeps literals typeable
Segment: TypeAlias = tuple[str, Sequence[Element]]

ENVELOPE_TAGS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"})
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
_TAG = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_NAMES = {"element": "element separator", "component": "component separator",
          "repetition": "repetition separator", "segment": "segment terminator"}


def default_delimiters() -> Delimiters:
    """``* > ^ ~`` (the profile defaults); the repetition separator is used from 00402 on."""
    return Delimiters(element="*", component=">", segment="~", repetition="^")


@dataclass(frozen=True, slots=True)
class X12Envelope:
    """Everything the ISA says, and how the text is laid out.

    ``delimiters.repetition`` is ISA11 from ISA12 00402 on (required there) and ignored before.
    After each segment terminator comes ``delimiters.suffix`` ("", "\\n" or "\\r\\n": use
    "\\r\\n" for CRLF) and, with ``newline``, a "\\n" unless that already ends in one, the same
    rule as ``AckContext.line_end``.
    """

    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06, padded to 15
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08, padded to 15
    isa12: str = "00401"
    usage: Literal["P", "T", "I"] = "P"  # ISA15
    ack_requested: bool = False  # ISA14: ask for a TA1
    delimiters: Delimiters = field(default_factory=default_delimiters)
    newline: bool = False
    authorization: tuple[str, str] = ("00", "")  # ISA01, ISA02
    security: tuple[str, str] = ("00", "")  # ISA03, ISA04

    @property
    def repetitions(self) -> bool:
        """ISA11 is a repetition separator (00402 and later)."""
        return self.isa12 >= "00402"


@dataclass(frozen=True, slots=True)
class GroupHeader:
    functional_id: str  # GS01: "PO", "IN", "SH"…
    app_sender: str  # GS02
    app_receiver: str  # GS03
    version: str  # GS08: "004010", "004010VICS", "005010X222A1"
    agency: str = "X"  # GS07


class Transaction(NamedTuple):
    """One transaction set: ``segments`` are those between ST and SE (both excluded)."""

    set_id: str  # ST01
    segments: Sequence[Segment]
    implementation_reference: str = ""  # ST03 (005010 implementation guides)


TransactionLike: TypeAlias = Transaction | tuple[str, Sequence[Segment]]
Group: TypeAlias = tuple[GroupHeader, Sequence[TransactionLike]]


# -- segments ---------------------------------------------------------------------------------
def format_segment(tag: str, elements: Sequence[Element], delimiters: Delimiters) -> str:
    """One segment without its terminator; trailing empty elements / components / repetitions
    are dropped. Raises ``GatewayError`` (``outbound.delimiter_in_value``) when a value holds a
    delimiter or a line break, ``outbound.envelope`` for a bad tag or repetitions without a
    repetition separator."""
    d = delimiters
    return _formatter(d.element, d.component, d.segment, d.repetition).segment(tag, elements)


class _Formatter(SegmentFormatter):
    tag_pattern = _TAG
    tag_rule = "an X12 tag (2 or 3 upper-case letters and digits, starting with a letter)"
    no_repetition = ("but the interchange has no repetition separator (ISA12 before "
                     "00402)")

    def __init__(self, element: str, component: str, segment: str,
                 repetition: str | None) -> None:
        super().__init__(element, component, repetition)
        named = {"element": element, "component": component, "segment": segment,
                 "repetition": repetition}
        self.names = {ch: _NAMES[name] for name, ch in named.items() if ch}
        self.bad = re.compile("[" + re.escape("".join(self.names) + "\r\n") + "]")

    def value(self, v: str, tag: str, n: int, comp: int | None, rep: int | None) -> str:
        m = self.bad.search(v)
        if m is not None:
            ch = m.group()
            what = self.names.get(ch, "line break")
            raise GatewayError(f"{where(tag, n, comp, rep)} value {v!r} contains the {what} "
                               f"{ch!r}: X12 has no "
                               "release character, so the value must change before it can be "
                               "sent", code="outbound.delimiter_in_value")
        return v


@lru_cache(maxsize=32)
def _formatter(element: str, component: str, segment: str, repetition: str | None) -> _Formatter:
    return _Formatter(element, component, segment, repetition)


# -- the interchange --------------------------------------------------------------------------
def write_interchange(envelope: X12Envelope, groups: Sequence[Group], numbers: ControlNumbers,
                      now: datetime) -> str:
    """The interchange text: ISA, then per group GS, its sets (ST … SE) and GE, then IEA.

    ``groups`` holds ``(GroupHeader, transactions)``; a transaction is a ``Transaction`` or a
    plain ``(set_id, segments)``. Every segment is formatted and checked before the first
    control number is taken, so refused input uses up no numbers.
    """
    d = checked_delimiters(envelope)
    f = _formatter(d.element, d.component, d.segment, d.repetition)
    isa_values = _isa_values(envelope, d, now)
    bodies: list[list[tuple[str, str, list[str]]]] = []  # per group: (set id, ST03, segments)
    for header, transactions in groups:
        _check_group(f, header)
        sets = []
        for t in transactions:
            set_id, segments = t[0], t[1]
            ref = t.implementation_reference if isinstance(t, Transaction) else ""
            _check_set(set_id, header)
            f.value(ref, "ST", 3, None, None)
            sets.append((set_id, ref, [_body_segment(f, set_id, tag, elements)
                                       for tag, elements in segments]))
        bodies.append(sets)
    end = d.segment + d.suffix
    if envelope.newline and not end.endswith("\n"):
        end += "\n"
    isa13 = f"{_take(numbers, 'interchange'):09d}"
    isa_values[12] = isa13
    parts = ["ISA" + d.element + d.element.join(isa_values)]
    date, hhmm = now.strftime("%Y%m%d"), now.strftime("%H%M")
    for (header, _), sets in zip(groups, bodies, strict=True):
        gs06 = str(_take(numbers, "group"))
        parts.append(f.segment("GS", [header.functional_id, header.app_sender,
                                      header.app_receiver, date, hhmm, gs06, header.agency,
                                      header.version]))
        for set_id, ref, body in sets:
            st02 = f"{_take(numbers, 'transaction'):04d}"
            parts.append(f.segment("ST", [set_id, st02, ref]))
            parts.extend(body)
            parts.append(f.segment("SE", [str(len(body) + 2), st02]))
        parts.append(f.segment("GE", [str(len(sets)), gs06]))
    parts.append(f.segment("IEA", [str(len(groups)), isa13]))
    return end.join(parts) + end


def _body_segment(f: _Formatter, set_id: str, tag: str, elements: Sequence[Element]) -> str:
    if tag in ENVELOPE_TAGS:
        raise GatewayError(f"transaction set {set_id} holds an envelope segment {tag}: the "
                           "writer adds ST/SE, GS/GE and ISA/IEA itself",
                           code="outbound.envelope")
    return f.segment(tag, elements)


def checked_delimiters(envelope: X12Envelope) -> Delimiters:
    """The delimiters the interchange is written with: ``envelope.delimiters`` checked to be
    single, distinct, non-alphanumeric characters, the repetition separator dropped before
    ISA12 00402 and required from it on. Raises ``GatewayError`` (``outbound.delimiters``)."""
    d = envelope.delimiters
    if not re.fullmatch(r"\d{5}", envelope.isa12) or not "00200" <= envelope.isa12 <= "00801":
        raise GatewayError(f"ISA12 {envelope.isa12!r} is not a version from 00200 to 00801",
                           code="outbound.envelope")
    if not envelope.repetitions:
        d = replace(d, repetition=None)
    elif d.repetition is None:
        raise GatewayError(f"ISA12 {envelope.isa12} needs a repetition separator (ISA11)",
                           code="outbound.delimiters")
    named = {"element": d.element, "component": d.component, "segment": d.segment,
             "repetition": d.repetition}
    seen: dict[str, str] = {}
    for name, ch in named.items():
        if ch is None:
            continue
        line_break = name == "segment" and ch in "\r\n"
        if len(ch) != 1 or ch.isalnum() or (ch.isspace() and not line_break):
            raise GatewayError(f"the {_NAMES[name]} {ch!r} must be one character that is not "
                               "a letter, digit or space", code="outbound.delimiters")
        if ch in seen:
            raise GatewayError(f"{ch!r} is both the {_NAMES[seen[ch]]} and the {_NAMES[name]}",
                               code="outbound.delimiters")
        seen[ch] = name
    if d.suffix.strip(" \r\n"):
        raise GatewayError(f"what follows the terminator ({d.suffix!r}) must be white space",
                           code="outbound.delimiters")
    return d


def _isa_values(e: X12Envelope, d: Delimiters, now: datetime) -> list[str]:
    """ISA01..ISA16 at their fixed widths; ISA13 is a placeholder the caller fills in."""
    values = [e.authorization[0], e.authorization[1], e.security[0], e.security[1],
              e.sender_qualifier, e.sender_id, e.receiver_qualifier, e.receiver_id,
              now.strftime("%y%m%d"), now.strftime("%H%M"),
              d.repetition if e.repetitions and d.repetition else "U", e.isa12, "0" * 9,
              "1" if e.ack_requested else "0", e.usage, d.component]
    f = _formatter(d.element, d.component, d.segment, d.repetition)
    fixed: list[str] = []
    for n, (v, width) in enumerate(zip(values, ISA_WIDTHS, strict=True), start=1):
        if n not in (11, 16):  # those two are delimiters themselves
            f.value(v, "ISA", n, None, None)
        if len(v) > width or (not v.strip() and n in (1, 3, 5, 6, 7, 8)):
            what = "empty" if len(v) <= width else f"longer than {width} characters"
            raise GatewayError(f"ISA{n:02d} {v!r} is {what}", code="outbound.envelope")
        fixed.append(v.ljust(width))
    return fixed


def _check_group(f: _Formatter, h: GroupHeader) -> None:
    for n, v in ((2, h.app_sender), (3, h.app_receiver), (7, h.agency), (8, h.version)):
        f.value(v, "GS", n, None, None)
    if not re.fullmatch(r"[A-Z0-9]{2}", h.functional_id):
        raise GatewayError(f"GS01 {h.functional_id!r} is not a functional identifier code",
                           code="outbound.envelope")
    for name, v in (("GS02", h.app_sender), ("GS03", h.app_receiver), ("GS08", h.version),
                    ("GS07", h.agency)):
        if not v.strip():
            raise GatewayError(f"{name} is empty", code="outbound.envelope")


def _check_set(set_id: str, h: GroupHeader) -> None:
    if not re.fullmatch(r"\d{3}", set_id):
        raise GatewayError(f"ST01 {set_id!r} is not a transaction set identifier (3 digits)",
                           code="outbound.envelope")
    expected = FUNCTIONAL_IDS.get(set_id, h.functional_id)
    if expected != h.functional_id:
        raise GatewayError(f"transaction set {set_id} belongs in a {expected} group, not in "
                           f"GS01 {h.functional_id}", code="outbound.envelope")


def _take(numbers: ControlNumbers, kind: Kind) -> int:
    n = numbers.next(kind)
    if not 1 <= n <= MAX_CONTROL_NUMBER:
        raise GatewayError(f"control number source returned {n} for {kind}, outside "
                           f"1..{MAX_CONTROL_NUMBER}", code="outbound.control_number")
    return n


# -- from a partner profile -------------------------------------------------------------------
def envelope_from_profile(profile: PartnerProfile,
                          direction: Literal["outbound", "inbound"] = "outbound") -> X12Envelope:
    """The envelope for what we send to ``profile`` (``[us.x12]`` → its first X12 identity),
    in its ``[syntax.x12]``; ISA15 T for a partner in test. ``direction="inbound"`` swaps
    sender and receiver: an interchange as the partner would send it (tests, simulations).
    Raises ``GatewayError`` (``outbound.envelope``) when the partner does not trade X12."""
    us, them = _x12_parties(profile)
    syntax = profile.syntax.x12
    sd = syntax.delimiters
    sender, receiver = (us, them) if direction == "outbound" else (them, us)
    return X12Envelope(
        sender_qualifier=sender[0], sender_id=sender[1], receiver_qualifier=receiver[0],
        receiver_id=receiver[1], isa12=syntax.isa12, usage="T" if profile.test else "P",
        delimiters=Delimiters(element=sd.element, component=sd.component, segment=sd.segment,
                              repetition=sd.repetition),
        newline=syntax.newline)


def group_from_profile(profile: PartnerProfile, functional_id: str,
                       direction: Literal["outbound", "inbound"] = "outbound") -> GroupHeader:
    """The GS header for a ``functional_id`` group to ``profile``: GS02 our ``gs_code``, GS03
    the partner's first GS code, GS08 ``[syntax.x12] gs_version`` or the version."""
    _x12_parties(profile)
    own, partner = profile.us.x12, profile.identities.x12[0]
    assert own is not None  # the profile guarantees it once the partner has an X12 identity
    ours, theirs = own.group_code, partner.group_codes[0]
    sender, receiver = (ours, theirs) if direction == "outbound" else (theirs, ours)
    return GroupHeader(functional_id, sender, receiver, profile.syntax.x12.group_version)


def _x12_parties(profile: PartnerProfile) -> tuple[tuple[str, str], tuple[str, str]]:
    own = profile.us.x12
    if not profile.identities.x12 or own is None:
        raise GatewayError(f"partner {profile.id} has no X12 identity", code="outbound.envelope")
    them = profile.identities.x12[0]
    return (own.isa_qualifier, own.isa_id), (them.isa_qualifier, them.isa_id)
