"""Small validated value types shared by partner profiles and their endpoint settings."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)
from pydantic_core import PydanticCustomError

from gateway.x12.isa import ID_QUALIFIERS

Standard = Literal["x12", "edifact"]
STANDARDS: tuple[Standard, ...] = ("x12", "edifact")
MAX_CONTROL_NUMBER = 999_999_999  # ISA13 and GS06 are at most nine digits
ACK_DOCUMENTS = frozenset({"997", "999", "TA1", "CONTRL"})
Loc = tuple[str | int, ...]


def rule(loc: Loc, message: str) -> PydanticCustomError:
    """A cross-field error; ``loc`` is relative to the model that raises it."""
    return PydanticCustomError("partner_rule", "{message}", {"message": message, "loc": loc})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- small value types --------------------------------------------------------------------------

def _pattern(regex: str, what: str) -> AfterValidator:
    compiled = re.compile(regex)

    def check(v: str) -> str:
        if not compiled.fullmatch(v):
            raise ValueError(f"{v!r} is not {what}")
        return v

    return AfterValidator(check)


_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def _parse_duration(v: object) -> object:
    if isinstance(v, str):
        text = v.strip().lower()
        m = _DURATION.fullmatch(text)
        if text and m:
            d, h, mi, s = (int(x or 0) for x in m.groups())
            return timedelta(days=d, hours=h, minutes=mi, seconds=s)
        if not text.startswith("p"):  # ISO 8601 ("PT4H") is left to pydantic
            raise ValueError(f"{v!r} is not a duration like '90s', '15m', '24h', '1h30m', "
                             "'2d' or 'PT4H'")
    return v


def _positive(v: timedelta) -> timedelta:
    if v <= timedelta(0):
        raise ValueError("must be longer than zero")
    return v


# "90s", "15m", "24h", "1h30m", "2d", ISO 8601 "PT4H", or a number of seconds
Duration = Annotated[timedelta, BeforeValidator(_parse_duration), AfterValidator(_positive)]
PartnerId = Annotated[str, _pattern(r"[a-z0-9][a-z0-9-]{0,62}",
                                    "a partner id (lower-case letters, digits and '-')")]
Name = Annotated[str, _pattern(r"[a-z0-9][a-z0-9_-]{0,62}",
                               "a name (lower-case letters, digits, '-' and '_')")]
EnvName = Annotated[str, _pattern(r"[A-Z_][A-Z0-9_]*",
                                  "the name of an environment variable (secrets stay out of "
                                  "profiles)")]
# "x12/004010/850", "edifact/D96A/ORDERS", or a partner override such as "bigbox/850"
MapName = Annotated[str, _pattern(r"[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*",
                                  "a map name like 'x12/004010/850' or 'bigbox/850'")]
NonEmpty = Annotated[str, Field(min_length=1)]


def _delimiter(v: str) -> str:
    if len(v) != 1:
        raise ValueError(f"{v!r} is not a single character")
    if v.isalnum() or v == " ":
        raise ValueError(f"{v!r} cannot be a delimiter (letters, digits and space are data)")
    return v


Char = Annotated[str, AfterValidator(_delimiter)]


def _isa_qualifier(v: str) -> str:
    if v not in ID_QUALIFIERS:
        raise ValueError(f"{v!r} is not an ISA interchange id qualifier (01, 08, 12, 14, ZZ, …)")
    return v


_ISA_ID = re.compile(r"[A-Za-z0-9&()+,./:;?=@_ -]+")


def _isa_id(v: str) -> str:
    if not 1 <= len(v) <= 15:
        raise ValueError(f"{v!r} is {len(v)} characters; ISA ids have 1 to 15")
    if v != v.strip():
        raise ValueError(f"{v!r} has leading or trailing spaces (the ISA padding is added when "
                         "writing and ignored when reading)")
    if not _ISA_ID.fullmatch(v):
        raise ValueError(f"{v!r} holds characters that cannot appear in an ISA id")
    return v


IsaQualifier = Annotated[str, AfterValidator(_isa_qualifier)]
IsaId = Annotated[str, AfterValidator(_isa_id)]
GsCode = Annotated[str, _pattern(r"[A-Za-z0-9&()+,./:;?=@_-][A-Za-z0-9&()+,./:;?=@_ -]{1,14}",
                                 "a GS02/GS03 application code (2 to 15 characters)")]
EdifactId = Annotated[str, _pattern(r"[^+:'?*\s][^+:'?*]{0,34}",
                                    "a UNB party id (1 to 35 characters, no separators)")]
EdifactQualifier = Annotated[str, _pattern(r"[A-Z0-9]{1,4}",
                                           "a UNB id code qualifier (14 = GLN, 1 = DUNS, ZZZ)")]
EdifactRouting = Annotated[str, _pattern(r"[^+:'?*]{1,14}", "a UNB routing address (≤ 14)")]


def gln_check_digit(first12: str) -> int:
    """The GS1 check digit of a GLN's first twelve digits (weights 3, 1, 3, … from the right)."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(first12)))
    return (10 - total % 10) % 10


def gln_problem(v: str) -> str | None:
    """Why ``v`` is not a valid GLN, or None."""
    if len(v) != 13 or not v.isdigit():
        return f"{v!r} is not a GLN (13 digits) as qualifier 14 requires"
    digit = gln_check_digit(v[:12])
    if int(v[12]) != digit:
        return f"GLN {v} has the wrong check digit (expected {digit})"
    return None


_ISA_ID_FORMATS = {"01": (9, "a DUNS number"), "14": (13, "a DUNS+4 number"),
                   "12": (10, "a telephone number")}
