"""Precise checks of one data element value against its definition.

Used on the slow path (a segment that failed its compiled fast check, EDIFACT, ``inspect``),
so clarity beats speed here. Returns a stable defect code and a message, or None.
The rules match the fast X12 patterns in ``gateway.validate.fast`` exactly: what passes the
fast path passes here, so the fast path only ever saves time.
"""

from __future__ import annotations

import re

from gateway.grammar.model import ElementDef

_NUM = re.compile(r"-?\d+")
_REAL = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOT_X12 = re.compile(r"[^\x20-\x7e]")  # X12 extended character set: printable ASCII
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def valid_date(v: str) -> bool:
    """CCYYMMDD or YYMMDD; 29 February only in years divisible by four."""
    if len(v) not in (6, 8) or not v.isdigit():
        return False
    year, month, day = int(v[:-4]), int(v[-4:-2]), int(v[-2:])
    if not 1 <= month <= 12 or not 1 <= day <= _MONTH_DAYS[month - 1]:
        return False
    return not (month == 2 and day == 29 and year % 4)


def valid_time(v: str) -> bool:
    """HHMM, HHMMSS, HHMMSSd or HHMMSSdd."""
    if len(v) not in (4, 6, 7, 8) or not v.isdigit():
        return False
    return int(v[:2]) < 24 and int(v[2:4]) < 60 and (len(v) < 6 or int(v[4:6]) < 60)


def numeric_length(v: str) -> int:
    """Length as X12 and EDIFACT count it: digits only, no sign, no decimal mark."""
    return sum(1 for c in v if c.isdigit())


def check_value(d: ElementDef, v: str, *, decimal: str = ".", ascii_only: bool = False
                ) -> tuple[str, str] | None:
    """(code, message) for the first defect of value ``v`` (present, non-empty), or None.

    ``ascii_only``: X12 values must stay within the X12 extended character set (printable
    ASCII); a partner-level tolerant setting turns it off for partners who send UTF-8."""
    t = d.data_type
    if _CONTROL.search(v):
        return "element.invalid_char", f"{d.ref} contains a control character"
    if ascii_only and (bad := _NOT_X12.search(v)):
        return "element.invalid_char", (f"{d.ref} {v!r}: {bad.group()!r} is not in the X12 "
                                        "character set")
    numeric = t == "R" or t == "n" or (len(t) == 2 and t[0] == "N" and t[1].isdigit())
    if numeric:
        text = v.replace(decimal, ".") if decimal != "." else v
        ok = _REAL.fullmatch(text) if t != "N0" and not (t.startswith("N")) else \
            _NUM.fullmatch(text)
        if not ok:
            return "element.invalid_number", f"{d.ref} {v!r} is not a number of type {t}"
        n = numeric_length(v)
    else:
        n = len(v)
    if n < d.min_len:
        return "element.too_short", f"{d.ref} {v!r} is too short: {n} < {d.min_len}"
    if n > d.max_len:
        return "element.too_long", f"{d.ref} {v!r} is too long: {n} > {d.max_len}"
    if t == "DT" and not valid_date(v):
        return "element.invalid_date", f"{d.ref} {v!r} is not a valid date"
    if t == "TM" and not valid_time(v):
        return "element.invalid_time", f"{d.ref} {v!r} is not a valid time"
    if t == "a" and any(c.isdigit() for c in v):
        return "element.invalid_char", f"{d.ref} {v!r} must not contain digits (type a)"
    if d.codes is not None and v not in d.codes:
        return "element.invalid_code", f"{d.ref} {v!r} is not a valid code"
    if d.regex is not None and not re.fullmatch(d.regex, v):
        return "element.pattern", f"{d.ref} {v!r} does not match {d.regex!r}"
    return None
