"""Find the delimiters of an X12 interchange by tokenizing its ISA segment, and check the ISA.

Real partners send ISA segments that are not 106 bytes wide (short ISA08, no padding), files
hard-wrapped at 80 columns (a line break inside the ISA), pretty-printed files, terminators that
are a line break, and multi-byte terminators (U+2026 in a UTF-8 file). So the element separator
is the byte after ``ISA``, ISA16 is the first character after the 16th element separator (line
breaks skipped), and the segment terminator is what follows ISA16, with any white space after
it taken as the terminator's suffix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from gateway.report import Defect
from gateway.stream import Delimiters

WRAP = b"\r\n"
WHITESPACE = b" \t\r\n\x00\x0b\x0c"
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
# longest plausible ISA: 106 bytes plus line breaks of a hard-wrapped file and a BOM
ISA_SCAN_LIMIT = 1024
ID_QUALIFIERS = frozenset(
    "01 02 03 04 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 "
    "32 33 34 35 36 37 38 AM NR SA SN ZZ".split())
AUTH_QUALIFIERS = frozenset("00 01 02 03 04 05 06".split())
SECURITY_QUALIFIERS = frozenset(("00", "01"))
_DIGITS = re.compile(r"\d+")


@dataclass(slots=True)
class IsaHeader:
    elements: list[str]  # ISA01..ISA16, as in the file (not stripped)
    delimiters: Delimiters
    term: bytes  # segment terminator bytes
    end: int  # index in the buffer just after the terminator and its suffix
    defects: list[Defect]
    encoding: str


class IsaIncomplete(Exception):
    """The buffer ends inside the ISA: read more and try again."""


def _utf8_len(lead: int) -> int:
    if lead >= 0xF0:
        return 4
    if lead >= 0xE0:
        return 3
    if lead >= 0xC0:
        return 2
    return 1


def parse_isa(buf: bytes, start: int, offset: int, *, eof: bool) -> IsaHeader:
    """Tokenize the ISA that starts at ``buf[start:]`` (``offset`` is its offset in the file).

    Raises ``IsaIncomplete`` when the buffer ends too early and ``eof`` is false, and
    ``ValueError`` with a person's message when no delimiters can be found.
    """
    n = len(buf)
    if start + 4 > n:
        if eof:
            raise ValueError("file ends inside the ISA segment")
        raise IsaIncomplete
    sep = buf[start + 3]
    if chr(sep).isalnum() or sep in WHITESPACE:
        raise ValueError(f"ISA is followed by {chr(sep)!r}, which cannot be an element separator")
    elements: list[bytearray] = [bytearray()]
    i = start + 4
    limit = min(n, start + ISA_SCAN_LIMIT)
    while len(elements) < 16:
        if i >= limit:
            if eof or limit < n:
                raise ValueError("could not find 16 elements in the ISA segment")
            raise IsaIncomplete
        b = buf[i]
        if b == sep:
            elements.append(bytearray())
        elif b not in WRAP:
            elements[-1].append(b)
        i += 1
    # ISA16: first byte after the 16th separator that is not a line break (hard-wrapped files)
    while i < limit and buf[i] in WRAP:
        i += 1
    if i >= limit:
        if eof or limit < n:
            raise ValueError("the ISA segment has no component separator (ISA16)")
        raise IsaIncomplete
    defects: list[Defect] = []
    comp = buf[i: i + 1]
    i += 1
    encoding = "latin-1"
    # the segment terminator
    if i >= n:
        if not eof:
            raise IsaIncomplete
        raise ValueError("file ends after ISA16: no segment terminator")
    b = buf[i]
    if b in WRAP:
        # terminator is a line break, unless ISA16 is missing and the next line ends with it
        j = i + 2 if buf[i: i + 2] == b"\r\n" else i + 1
        nl = buf.find(b"\n", j, j + 4096)
        if nl < 0 and not eof and n - j < 4096:
            raise IsaIncomplete
        line = buf[j: nl if nl >= 0 else n].rstrip(b"\r")
        if line.endswith(comp) and line[:2] == b"GS":
            term = comp
            suffix = buf[i:j]
            comp = b""
            defects.append(Defect(
                "isa.component_separator",
                "ISA16 (component separator) is missing: the ISA ends with the segment terminator"
                f" {term.decode('latin-1')!r}", offset=offset, segment="ISA", segment_position=1,
                element="ISA16"))
        else:
            term = buf[i:j]
            suffix = b""
        i = j
    else:
        width = _utf8_len(b)
        term = buf[i: i + width]
        if width > 1:
            try:
                term.decode("utf-8")
                encoding = "utf-8"
            except UnicodeDecodeError:
                term = buf[i: i + 1]
        i += len(term)
        k = i
        while k < n and buf[k] in WHITESPACE:
            k += 1
        suffix = buf[i:k]
        i = k
    values = [bytes(e).decode("latin-1") for e in elements]
    isa12 = values[11].strip()
    rep: str | None = None
    if isa12 >= "00402" and values[10] and not values[10].isalnum():
        rep = values[10]
    delims = Delimiters(
        element=chr(sep), component=comp.decode("latin-1"),
        segment=term.decode(encoding), repetition=rep, suffix=suffix.decode("latin-1"))
    defects.extend(check_isa(values, delims, offset))
    return IsaHeader(values, delims, term, i, defects, encoding)


def _valid_date(yymmdd: str) -> bool:
    if len(yymmdd) != 6 or not yymmdd.isdigit():
        return False
    try:
        date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return False
    return True


def valid_time(hhmm: str) -> bool:
    if len(hhmm) < 4 or not hhmm.isdigit() or len(hhmm) not in (4, 6, 7, 8):
        return False
    return int(hhmm[:2]) < 24 and int(hhmm[2:4]) < 60 and (len(hhmm) < 6 or int(hhmm[4:6]) < 60)


def check_isa(v: list[str], d: Delimiters, offset: int) -> list[Defect]:
    """Field formats of ISA01..ISA16. Widths that differ from the standard are warnings:
    real partners send them and the values are still unambiguous."""
    out: list[Defect] = []

    def bad(code: str, n: int, msg: str, warning: bool = False) -> None:
        out.append(Defect(code, msg, offset=offset, segment="ISA", segment_position=1,
                          element=f"ISA{n:02d}", element_seq=n, value=v[n - 1],
                          warning=warning))

    for n, (val, width) in enumerate(zip(v, ISA_WIDTHS, strict=True), start=1):
        if n == 16:
            break
        if len(val) != width:
            bad("isa.format", n, f"ISA{n:02d} is {len(val)} characters wide, the standard says"
                f" {width} (accepted)", warning=True)
    if v[0].strip() not in AUTH_QUALIFIERS:
        bad("isa.auth_qualifier", 1, f"ISA01 {v[0]!r} is not an authorization qualifier")
    if v[2].strip() not in SECURITY_QUALIFIERS:
        bad("isa.security_qualifier", 3, f"ISA03 {v[2]!r} is not a security qualifier")
    if v[4].strip() not in ID_QUALIFIERS:
        bad("isa.sender_qualifier", 5, f"ISA05 {v[4]!r} is not an interchange id qualifier")
    if not v[5].strip():
        bad("isa.sender_id", 6, "ISA06 interchange sender id is empty")
    if v[6].strip() not in ID_QUALIFIERS:
        bad("isa.receiver_qualifier", 7, f"ISA07 {v[6]!r} is not an interchange id qualifier")
    if not v[7].strip():
        bad("isa.receiver_id", 8, "ISA08 interchange receiver id is empty")
    if not _valid_date(v[8].strip()):
        bad("isa.date", 9, f"ISA09 {v[8]!r} is not a date YYMMDD")
    if not valid_time(v[9].strip()):
        bad("isa.time", 10, f"ISA10 {v[9]!r} is not a time HHMM")
    version = v[11].strip()
    if not (len(version) == 5 and version.isdigit() and "00200" <= version <= "00801"):
        bad("isa.version", 12, f"ISA12 {v[11]!r} is not a version from 00200 to 00801")
    elif version < "00402" and v[10].strip() != "U":
        bad("isa.standard", 11, f"ISA11 {v[10]!r} must be 'U' before version 00402")
    elif version >= "00402" and d.repetition is None and v[10] != "U":
        bad("isa.repetition_separator", 11,
            f"ISA11 {v[10]!r} cannot be a repetition separator")
    if not _DIGITS.fullmatch(v[12].strip()) or len(v[12].strip()) > 9:
        bad("isa.control_number", 13, f"ISA13 {v[12]!r} is not a 9-digit control number")
    if v[13].strip() not in ("0", "1"):
        bad("isa.ack_requested", 14, f"ISA14 {v[13]!r} must be 0 or 1")
    if v[14].strip() not in ("P", "T", "I"):
        bad("isa.usage", 15, f"ISA15 {v[14]!r} must be P, T or I")
    seps = [d.element, d.segment] + ([d.component] if d.component else [])
    if d.repetition:
        seps.append(d.repetition)
    if len(set(seps)) != len(seps):
        code = "isa.component_separator" if d.component in (d.element, d.segment) else \
            "isa.repetition_separator"
        bad(code, 16, "the delimiters are not distinct: element "
            f"{d.element!r}, component {d.component!r}, repetition {d.repetition!r}, "
            f"terminator {d.segment!r}")
    if d.component and d.component.isalnum():
        bad("isa.component_separator", 16,
            f"ISA16 {d.component!r} is a letter or digit and cannot be a separator")
    return out
