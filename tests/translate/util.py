"""Helpers shared by the translation tests: translate every set of some EDI bytes, check a
generated set comes back, generate one X12 set into a fixed envelope (fixed clock and control
numbers), and the building blocks of the records' Hypothesis strategies."""

from __future__ import annotations

import io
import string
from datetime import datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

from gateway.acks import Sequence
from gateway.edifact.reader import read_edifact
from gateway.stream import Message
from gateway.translate.inbound import translate_message
from gateway.translate.mapfile import TranslationMap
from gateway.translate.outbound import generate_x12
from gateway.validate.run import Options, validate_file
from gateway.x12.reader import read_x12
from gateway.x12.writer import GroupHeader, X12Envelope


def translate(data: bytes, tmap: TranslationMap) -> list[tuple[Any, Message]]:
    """Every set of ``data`` (X12 or EDIFACT, as the map's standard) through ``tmap``."""
    read = read_x12 if tmap.map.standard == "x12" else read_edifact
    return [(translate_message(ev, tmap), ev) for ev in read(io.BytesIO(data))
            if isinstance(ev, Message)]


def back(text: str, tmap: TranslationMap) -> Any:
    """The one record of generated ``text``, after checking that it validates and translates
    without a defect."""
    report = validate_file(io.BytesIO(text.encode("latin-1")), Options(acks=False))
    defects = [d.to_json() for ix in report.interchanges for g in ix.groups
               for t in g.transactions for d in t.errors]
    assert report.all_accepted, (text, defects)
    [(record, msg)] = translate(text.encode("latin-1"), tmap)
    assert msg.report.errors == [], (text, msg.report.errors)
    return record


def round_trip(record: BaseModel, tmap: TranslationMap, functional_id: str) -> str:
    """Generate ``record``, check the EDI validates, translate it back: the same record."""
    text = generate(record, tmap, functional_id)
    assert back(text, tmap) == record
    return text


def generate(record: BaseModel, tmap: TranslationMap, functional_id: str) -> str:
    return generate_x12(record, tmap, X12Envelope("ZZ", "US", "ZZ", "THEM"),
                        GroupHeader(functional_id, "US", "THEM", "004010VICS"), Sequence(1),
                        datetime(2024, 1, 2, 3, 4))


# building blocks of the records' Hypothesis strategies (restricted to what a map carries)
ALNUM = string.ascii_uppercase + string.digits


def _code(lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.text(ALNUM, min_size=lo, max_size=hi)


def _text(hi: int) -> st.SearchStrategy[str]:
    words = st.text(ALNUM, min_size=1, max_size=8)
    return st.lists(words, min_size=1, max_size=4).map(" ".join).filter(lambda s: len(s) <= hi)


def _dec(places: int, hi: int = 99999) -> st.SearchStrategy[Decimal]:
    return st.integers(1, hi).map(lambda n: Decimal(n).scaleb(-places))


def _opt(s: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), s)


# shared by the X12 850 and 810 strategies: identifier qualifiers, allowance codes, contacts
IDQ = ["duns", "gln", "buyer_assigned", "seller_assigned", "mutually_defined"]
CODES = ["discount", "trade_discount", "volume_discount", "promotional", "advertising",
         "defective_allowance", "freight", "fuel_surcharge", "handling", "labeling",
         "insurance", "other"]

_contacts = st.lists(st.fixed_dictionaries({
    "function": st.sampled_from(["buyer", "order", "receiving", "delivery", "accounts",
                                 "general"]),
    "name": _opt(_text(35)),
    "phone": _opt(_code(7, 15)),
    "email": _opt(st.builds(lambda a, b: f"{a}@{b}.COM", _code(1, 10), _code(1, 10))),
    "fax": _opt(_code(7, 15)),
}), max_size=2).map(tuple)

# SAC / ALC: an amount or a percent (X12 SAC06 3 is written before a percent)
charges = st.lists(st.fixed_dictionaries({
    "indicator": st.sampled_from(["allowance", "charge"]),
    "code": st.sampled_from(CODES),
    "amount": _opt(_dec(2, 10**7)),
    "percent": _opt(_dec(1, 999)),
    "description": _opt(_text(80)),
}).filter(lambda c: c["amount"] is not None or c["percent"] is not None), max_size=2)


def mutate(data: bytes, terminator: bytes, separator: bytes, envelope: tuple[bytes, ...],
           odd: list[bytes], count: int, seed: int) -> bytes:
    """``data`` with ``count`` element values (outside the ``envelope`` segments) replaced at
    random by one of ``odd``, past a segment's end too (the robustness tests' input)."""
    import random

    rnd = random.Random(seed)
    segments = data.split(terminator)
    for _ in range(count):
        i = rnd.randrange(len(segments))
        parts = segments[i].split(separator)
        if parts[0].strip() in (*envelope, b""):
            continue
        j = rnd.randrange(1, len(parts) + 2)
        parts += [b""] * (j + 1 - len(parts))
        parts[j] = rnd.choice(odd)
        segments[i] = separator.join(parts)
    return terminator.join(segments)
