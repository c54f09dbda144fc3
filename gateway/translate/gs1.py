"""GS1 numbers as EDI carries them: the SSCC-18 of a shipping label (X12 MAN02 with MAN01
GM, EDIFACT GIN BJ).

Partners send an SSCC with or without the application identifier "00" in front (20 or 18
digits); the canonical record keeps the 18 digits, checked with the GS1 mod-10 check digit,
and maps write it back with the "00" as the VICS ship notice guides do.
"""

from __future__ import annotations

import re

_SSCC = re.compile(r"^(00)?([0-9]{18})$")


def check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of ``body`` (digits without their check digit)."""
    total = sum(int(d) * (3 if n % 2 == 0 else 1) for n, d in enumerate(reversed(body)))
    return str(-total % 10)


def sscc_in(raw: str) -> str:
    """The 18-digit SSCC of an EDI value; ValueError says what is wrong with it."""
    m = _SSCC.match(raw)
    if m is None:
        raise ValueError(f"{raw!r} is not an SSCC-18 (18 digits, or 20 with the AI 00)")
    sscc = m.group(2)
    if check_digit(sscc[:17]) != sscc[17]:
        raise ValueError(f"SSCC {sscc} has check digit {sscc[17]}, "
                         f"expected {check_digit(sscc[:17])}")
    return sscc


def sscc_out(sscc: str) -> str:
    """The EDI value of an SSCC: the AI 00 and the 18 digits."""
    return "00" + sscc
