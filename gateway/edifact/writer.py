"""Outbound EDIFACT: messages → one [UNA] UNB … UNZ interchange with counts and references.

``write_interchange(envelope, content, numbers, now)`` writes the UNA when the envelope asks
for it or the service characters differ from the defaults, the UNB, optional UNG/UNE groups,
UNH/UNT around each message and the UNZ, and returns the text. Like the ack renderers it is
pure: references come from the caller's ``ControlNumbers`` (UNB 0020, then per group UNG 0048
and per message UNH 0062, in file order) and the date and time from ``now`` (YYMMDD up to
syntax version 3, CCYYMMDD in version 4).

``content`` is either messages — ``EdifactMessage`` or ``(S009, segments)`` — or groups —
``(EdifactGroupHeader, messages)`` — never both (ISO 9735 does not allow mixing them). UNZ 0036
counts the groups when there are UNGs and the messages otherwise (pydifact counts messages
either way); UNE counts its messages and UNT the segments from UNH to UNT.

A segment is ``(tag, elements)`` as in ``gateway.x12.writer``: an element is a ``str``, a
``tuple`` of components or a ``list`` of repetitions (syntax version 4 only). Trailing empty
elements, components and repetitions are dropped. Every value is release-escaped: the release
character goes before each service character (element, component, terminator, the release
character itself and, in version 4, the repetition separator).

Errors are ``GatewayError`` and never retryable: ``outbound.delimiter_in_value`` for a line
break in a value (the reader takes line breaks as layout) or a service character when there is
no release character, ``outbound.charset`` for a character the syntax identifier's repertoire
does not hold, ``outbound.delimiters``, ``outbound.envelope`` and ``outbound.control_number`` as
for X12. Input is checked whole before the first reference is taken.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, NamedTuple, TypeAlias, cast

from gateway.acks.numbers import MAX_CONTROL_NUMBER, ControlNumbers, Kind
from gateway.edifact.charset import CHARSETS, Charset
from gateway.errors import GatewayError
from gateway.segment_format import Element, SegmentFormatter, where
from gateway.stream import Delimiters

if TYPE_CHECKING:
    from gateway.partners.profile import PartnerProfile

__all__ = [
    "EdifactEnvelope", "EdifactGroupHeader", "EdifactMessage", "Element", "GroupLike",
    "MessageLike", "Segment", "checked_delimiters", "default_delimiters",
    "envelope_from_profile", "format_segment", "message_identifier", "write_interchange",
]

# a list (any sequence but str / tuple) of repetitions; Sequence keeps literals typeable
Segment: TypeAlias = tuple[str, Sequence[Element]]

SERVICE_TAGS = frozenset({"UNA", "UNB", "UNG", "UNH", "UNT", "UNE", "UNZ"})
DEFAULTS = (":", "+", ".", "?", "'")  # component, element, decimal, release, terminator
DEFAULT_REPETITION = "*"  # syntax version 4 without UNA
_TAG = re.compile(r"[A-Z][A-Z0-9]{2}")
# C0 / C1 controls and DEL: not graphic characters in any ISO 8859 part (TAB is layout)
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_NAMES = {"element": "data element separator", "component": "component data element separator",
          "segment": "segment terminator", "release": "release character",
          "repetition": "repetition separator"}


def default_delimiters() -> Delimiters:
    """``:+.? '`` (the syntax level A defaults); version 4 repetition ``*`` when not given."""
    return Delimiters(element="+", component=":", segment="'", release="?", decimal=".")


@dataclass(frozen=True, slots=True)
class EdifactEnvelope:
    """What the UNA and UNB say, and how the text is laid out.

    ``una`` writes a UNA even with the default service characters (other characters always get
    one). ``delimiters.repetition`` is used in syntax version 4 only ("*" when None). After each
    terminator comes ``delimiters.suffix`` and, with ``newline``, a "\\n" unless that already
    ends in one (as ``AckContext.line_end``).
    """

    sender: str  # S002 0004
    recipient: str  # S003 0010
    sender_qualifier: str = ""  # 0007
    recipient_qualifier: str = ""  # 0007
    sender_routing: str = ""  # 0008
    recipient_routing: str = ""  # 0014
    syntax_id: str = "UNOC"  # S001 0001
    syntax_version: int = 3  # S001 0002
    delimiters: Delimiters = field(default_factory=default_delimiters)
    una: bool = True
    newline: bool = False
    test: bool = False  # 0035 = 1
    ack_requested: bool = False  # 0031 = 1
    application_reference: str = ""  # 0026

    @property
    def encoding(self) -> str:
        """The Python codec to encode the text with, from the syntax identifier."""
        cs = CHARSETS.get(self.syntax_id)
        return cs.codec if cs is not None else "latin-1"


@dataclass(frozen=True, slots=True)
class EdifactGroupHeader:
    functional_id: str  # UNG 0038: "INVOIC"
    app_sender: str  # S006 0040
    app_recipient: str  # S007 0044
    version: str = "D"  # S008 0052
    release: str = "96A"  # S008 0054
    agency: str = "UN"  # 0051
    association: str = ""  # S008 0057: "EAN008"
    app_sender_qualifier: str = ""  # S006 0007
    app_recipient_qualifier: str = ""  # S007 0007


class EdifactMessage(NamedTuple):
    """One message: ``identifier`` is UNH S009 (type, version, release, agency[, association]),
    ``segments`` those between UNH and UNT (both excluded)."""

    identifier: tuple[str, ...]
    segments: Sequence[Segment]


MessageLike: TypeAlias = EdifactMessage | tuple[tuple[str, ...], Sequence[Segment]]
GroupLike: TypeAlias = tuple[EdifactGroupHeader, Sequence[MessageLike]]


def message_identifier(message_type: str, directory: str = "D96A",
                       association: str = "") -> tuple[str, ...]:
    """UNH S009 from a directory name: ``("INVOIC", "D96A", "EAN008")`` →
    ``("INVOIC", "D", "96A", "UN", "EAN008")``."""
    out = (message_type, directory[:1], directory[1:], "UN")
    return (*out, association) if association else out


# -- segments ---------------------------------------------------------------------------------
def format_segment(tag: str, elements: Sequence[Element], delimiters: Delimiters) -> str:
    """One segment without its terminator, every value release-escaped. The repetition
    separator is a service character when ``delimiters.repetition`` is set (pass None below
    syntax version 4). No character set check (``write_interchange`` does one)."""
    d = delimiters
    return _formatter(d.element, d.component, d.segment, d.release, d.repetition,
                      None).segment(tag, elements)


class _Formatter(SegmentFormatter):
    tag_pattern = _TAG
    tag_rule = "an EDIFACT tag (3 upper-case letters and digits, starting with a letter)"
    no_repetition = "which need syntax version 4"

    def __init__(self, element: str, component: str, segment: str, release: str | None,
                 repetition: str | None, charset: Charset | None) -> None:
        super().__init__(element, component, repetition)
        named = {"element": element, "component": component, "segment": segment,
                 "release": release, "repetition": repetition}
        self.names = {ch: _NAMES[name] for name, ch in named.items() if ch}
        service = "".join(self.names)
        self.table = str.maketrans({ch: release + ch for ch in service}) if release else None
        # what cannot be written at all: line breaks, service characters without a release
        self.bad = re.compile("[" + re.escape("\r\n" + ("" if release else service)) + "]")
        self.charset = charset
        self.outside: re.Pattern[str] | None = None
        if charset is not None and charset.repertoire is not None:
            allowed = set(charset.repertoire) | set(service) | {"\t"}
            self.outside = re.compile(
                "[^" + "".join(re.escape(c) for c in sorted(allowed)) + "]")
        elif charset is not None and not charset.any_char:
            self.outside = re.compile(f"[{_CONTROLS}]")

    def value(self, v: str, tag: str, n: int, comp: int | None, rep: int | None) -> str:
        m = self.bad.search(v)
        if m is not None:
            ch = m.group()
            why = (f"the {self.names[ch]} {ch!r} and there is no release character"
                   if ch in self.names else
                   "a line break, which readers drop as layout")
            raise GatewayError(f"{where(tag, n, comp, rep)} value {v!r} contains {why}",
                               code="outbound.delimiter_in_value")
        if self.charset is not None:
            self.check_charset(v, tag, n, comp, rep)
        return v.translate(self.table) if self.table is not None else v

    def check_charset(self, v: str, tag: str, n: int, comp: int | None, rep: int | None) -> None:
        cs = self.charset
        assert cs is not None
        m = self.outside.search(v) if self.outside is not None else None
        bad = m.group() if m is not None else None
        if bad is None and not v.isascii():
            try:
                v.encode(cs.codec)
            except UnicodeEncodeError as exc:
                bad = v[exc.start]
        if bad is not None:
            raise GatewayError(f"{where(tag, n, comp, rep)} value {v!r} holds {bad!r}, which "
                               f"{cs.name} cannot carry", code="outbound.charset")


@lru_cache(maxsize=32)
def _formatter(element: str, component: str, segment: str, release: str | None,
               repetition: str | None, charset: Charset | None) -> _Formatter:
    return _Formatter(element, component, segment, release, repetition, charset)


# -- the interchange --------------------------------------------------------------------------
def write_interchange(envelope: EdifactEnvelope,
                      content: Sequence[MessageLike] | Sequence[GroupLike],
                      numbers: ControlNumbers, now: datetime) -> str:
    """The interchange text: [UNA] UNB, the messages (inside UNG … UNE when ``content`` holds
    groups), UNZ. See the module docstring for the shapes and the errors."""
    d = checked_delimiters(envelope)
    cs = CHARSETS.get(envelope.syntax_id)
    if cs is None:
        raise GatewayError(f"{envelope.syntax_id!r} is not a syntax identifier "
                           f"({', '.join(sorted(CHARSETS))})", code="outbound.envelope")
    if envelope.syntax_version not in (1, 2, 3, 4):
        raise GatewayError(f"syntax version {envelope.syntax_version} is not 1 to 4",
                           code="outbound.envelope")
    f = _formatter(d.element, d.component, d.segment, d.release, d.repetition, cs)
    v4 = envelope.syntax_version == 4
    date = now.strftime("%Y%m%d" if v4 else "%y%m%d")
    hhmm = now.strftime("%H%M")
    groups = _groups(content)
    # everything but the references is formatted (and checked) before the first is taken
    unb = _unb(envelope, date, hhmm)
    f.segment("UNB", unb)
    bodies: list[list[tuple[tuple[str, ...], list[str]]]] = []
    for header, messages in groups:
        if header is not None:
            _check_ung(header)
            f.segment("UNG", _ung(header, date, hhmm, "1"))
        bodies.append([(_identifier(f, m[0]), [_body_segment(f, tag, els) for tag, els in m[1]])
                       for m in messages])
    parts: list[str] = []
    if envelope.una or _needs_una(d, v4):
        parts.append("UNA" + d.component + d.element + d.decimal + (d.release or " ")
                     + ((d.repetition or " ") if v4 else " "))
    ref = str(_take(numbers, "interchange"))
    unb[4] = ref
    parts.append(f.segment("UNB", unb))
    for (header, _), msgs in zip(groups, bodies, strict=True):
        group_ref = str(_take(numbers, "group")) if header is not None else ""
        if header is not None:
            parts.append(f.segment("UNG", _ung(header, date, hhmm, group_ref)))
        for s009, body in msgs:
            msg_ref = str(_take(numbers, "transaction"))
            parts.append(f.segment("UNH", [msg_ref, s009]))
            parts.extend(body)
            parts.append(f.segment("UNT", [str(len(body) + 2), msg_ref]))
        if header is not None:
            parts.append(f.segment("UNE", [str(len(msgs)), group_ref]))
    real = [g for g, _ in groups if g is not None]
    count = len(real) if real else sum(len(m) for m in bodies)
    parts.append(f.segment("UNZ", [str(count), ref]))
    end = d.segment + d.suffix
    if envelope.newline and not end.endswith("\n"):
        end += "\n"
    # a UNA part is "UNA" + five characters: the joining terminator is its sixth
    return end.join(parts) + end


def _groups(content: Sequence[MessageLike] | Sequence[GroupLike]
            ) -> list[tuple[EdifactGroupHeader | None, Sequence[MessageLike]]]:
    """Groups as (header, messages); loose messages as one group with header None."""
    heads = [isinstance(item[0], EdifactGroupHeader) for item in content]
    if all(heads) and heads:
        return [(cast(GroupLike, g)[0], cast(GroupLike, g)[1]) for g in content]
    if any(heads):
        raise GatewayError("an interchange holds either messages or UNG groups, not both",
                           code="outbound.envelope")
    return [(None, cast(Sequence[MessageLike], content))]


def _identifier(f: _Formatter, s009: tuple[str, ...]) -> tuple[str, ...]:
    if len(s009) < 4 or not all(s009[:4]):
        raise GatewayError(f"UNH S009 {s009!r} needs message type, version, release and "
                           "agency", code="outbound.envelope")
    f.composite(s009, "UNH", 2, None)
    return s009


def _body_segment(f: _Formatter, tag: str, elements: Sequence[Element]) -> str:
    if tag in SERVICE_TAGS:
        raise GatewayError(f"a message holds the service segment {tag}: the writer adds "
                           "UNH/UNT, UNG/UNE and UNA/UNB/UNZ itself", code="outbound.envelope")
    return f.segment(tag, elements)


def _unb(e: EdifactEnvelope, date: str, hhmm: str) -> list[Element]:
    if not e.sender or not e.recipient:
        raise GatewayError("UNB sender and recipient identifications are required",
                           code="outbound.envelope")
    out: list[Element] = [(e.syntax_id, str(e.syntax_version)),
                          (e.sender, e.sender_qualifier, e.sender_routing),
                          (e.recipient, e.recipient_qualifier, e.recipient_routing),
                          (date, hhmm), "", "", e.application_reference, "",
                          "1" if e.ack_requested else "", "", "1" if e.test else ""]
    return out


def _ung(h: EdifactGroupHeader, date: str, hhmm: str, ref: str) -> list[Element]:
    return [h.functional_id, (h.app_sender, h.app_sender_qualifier),
            (h.app_recipient, h.app_recipient_qualifier), (date, hhmm), ref, h.agency,
            (h.version, h.release, h.association)]


def _check_ung(h: EdifactGroupHeader) -> None:
    missing = [name for name, v in (("0038 functional group identification", h.functional_id),
                                    ("0040 application sender", h.app_sender),
                                    ("0044 application recipient", h.app_recipient),
                                    ("0051 controlling agency", h.agency),
                                    ("0052 message version", h.version),
                                    ("0054 message release", h.release)) if not v]
    if missing:  # mandatory up to syntax version 3; we write them in version 4 too
        raise GatewayError(f"UNG needs {', '.join(missing)}", code="outbound.envelope")


def _needs_una(d: Delimiters, v4: bool) -> bool:
    if (d.component, d.element, d.decimal, d.release, d.segment) != DEFAULTS:
        return True
    return v4 and d.repetition != DEFAULT_REPETITION


def checked_delimiters(envelope: EdifactEnvelope) -> Delimiters:
    """The service characters the interchange is written with: ``envelope.delimiters`` checked
    to be single, distinct characters that are not letters, digits, white space or non-ASCII
    (what a UNA can declare); the repetition separator dropped below syntax version 4 and "*"
    there when not given. Raises ``GatewayError`` (``outbound.delimiters``)."""
    d = envelope.delimiters
    if envelope.syntax_version < 4:
        d = replace(d, repetition=None)
    elif d.repetition is None:
        d = replace(d, repetition=DEFAULT_REPETITION)
    named = {"element": d.element, "component": d.component, "segment": d.segment,
             "release": d.release, "repetition": d.repetition}
    seen: dict[str, str] = {}
    for name, ch in named.items():
        if ch is None:
            continue
        if len(ch) != 1 or ch.isalnum() or ch.isspace() or not ch.isascii():
            raise GatewayError(f"the {_NAMES[name]} {ch!r} must be one ASCII character that "
                               "is not a letter, digit or space", code="outbound.delimiters")
        if ch in seen:
            raise GatewayError(f"{ch!r} is both the {_NAMES[seen[ch]]} and the {_NAMES[name]}",
                               code="outbound.delimiters")
        seen[ch] = name
    if d.decimal not in (".", ","):
        raise GatewayError(f"the decimal mark {d.decimal!r} must be '.' or ','",
                           code="outbound.delimiters")
    if d.suffix.strip(" \r\n"):
        raise GatewayError(f"what follows the terminator ({d.suffix!r}) must be white space",
                           code="outbound.delimiters")
    return d


def _take(numbers: ControlNumbers, kind: Kind) -> int:
    n = numbers.next(kind)
    if not 1 <= n <= MAX_CONTROL_NUMBER:
        raise GatewayError(f"control number source returned {n} for {kind}, outside "
                           f"1..{MAX_CONTROL_NUMBER}", code="outbound.control_number")
    return n


# -- from a partner profile -------------------------------------------------------------------
def envelope_from_profile(profile: PartnerProfile, direction: Literal["outbound", "inbound"]
                          = "outbound") -> EdifactEnvelope:
    """The envelope for what we send to ``profile`` (``[us.edifact]`` → its first EDIFACT
    identity), in its ``[syntax.edifact]``; UNB 0035 = 1 for a partner in test.
    ``direction="inbound"`` swaps sender and recipient (an interchange as the partner would
    send it). Raises ``GatewayError`` (``outbound.envelope``) for a partner without EDIFACT."""
    own = profile.us.edifact
    if not profile.identities.edifact or own is None:
        raise GatewayError(f"partner {profile.id} has no EDIFACT identity",
                           code="outbound.envelope")
    them = profile.identities.edifact[0]
    sender, recipient = (own, them) if direction == "outbound" else (them, own)
    syntax = profile.syntax.edifact
    s = syntax.separators
    return EdifactEnvelope(
        sender=sender.id, sender_qualifier=sender.qualifier or "",
        sender_routing=sender.routing or "", recipient=recipient.id,
        recipient_qualifier=recipient.qualifier or "", recipient_routing=recipient.routing or "",
        syntax_id=syntax.syntax_id, syntax_version=syntax.syntax_version,
        delimiters=Delimiters(element=s.element, component=s.component, segment=s.segment,
                              release=s.release, repetition=s.repetition, decimal=s.decimal),
        una=syntax.una, newline=syntax.newline, test=profile.test)
