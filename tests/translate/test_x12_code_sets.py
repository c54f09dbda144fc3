"""Every canonical code value the generic X12 850 and 810 maps bind can be written: each
``Literal`` value of a field bound through a code set has an X12 code in that set, or is
named below with the reason it has none."""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

import pytest

from gateway.canonical import RECORD_TYPES
from gateway.translate import load_map, map_for
from gateway.translate.mapfile import Binding, TranslationMap, resolve

# (code set, canonical value) -> why the generic map writes no code for it
NO_CODE: dict[str, dict[tuple[str, str], str]] = {
    "850": {
        ("allowance_charge", "early_payment"): "terms discounts travel in ITD",
        ("allowance_charge", "packing"): "no X12 1300 code verified for it here",
        ("allowance_charge", "small_order"): "no X12 1300 code verified for it here",
        ("transport_mode", "truckload"): "X12 91 has no truckload code (M: any motor carrier)",
        ("id_qualifier", "tax_registration"): "no N103 code for a tax number",
        ("date_role", "cancel_before"): "no X12 374 code verified for it here",
    },
    "810": {
        ("date_role", "cancel_before"): "no X12 374 code verified for it here",
        ("allowance_charge", "early_payment"): "terms discounts travel in ITD",
        ("allowance_charge", "packing"): "no X12 1300 code verified for it here",
        ("allowance_charge", "small_order"): "no X12 1300 code verified for it here",
        ("date_role", "invoice"): "written in BIG01, not in DTM",
        ("date_role", "order"): "written in BIG03, not in DTM",
        ("id_qualifier", "tax_registration"): "no N103 code for a tax number",
        ("tax_category", "reduced"): "a VAT category; TXI06 (441) only says exempt or not",
        ("tax_category", "zero"): "a VAT category; TXI06 (441) only says exempt or not",
        ("tax_category", "reverse_charge"): "a VAT category; TXI06 (441) only says exempt or not",
        ("note_topic", "marking"): "no NTE01 code verified for it here",
        ("note_topic", "gift"): "no NTE01 code verified for it here",
        ("note_topic", "internal"): "no NTE01 code verified for it here",
    },
}


def _literals(tp: Any) -> list[str]:
    return list(get_args(tp)) if get_origin(tp) is Literal else []


def _bound(tmap: TranslationMap, bindings: list[Binding], scope: Any,
           out: dict[tuple[str, str], str]) -> None:
    """(code set, canonical value) -> the field bound, for every outbound coded element."""
    for b in bindings:
        item = resolve(scope, b.each, listed=True) if b.each else scope
        if b.loop is not None:
            _bound(tmap, b.segments, item, out)
            continue
        # a groups binding's own elements are of the enclosing scope (SDQ01: the line's unit)
        parts = [(scope if b.groups else item, b.elements)]
        if b.groups is not None:
            parts += [(item, b.groups.shared), (item, b.groups.elements)]
        for where, elements in parts:
            for eb in elements.values():
                if eb.codes is None or eb.direction == "in" or eb.field.startswith("^"):
                    continue
                for value in _literals(resolve(where, eb.field)):
                    out.setdefault((eb.codes, value), eb.field)
        if b.pairs is not None and b.pairs.other and b.pairs.other_codes:
            kind = resolve(item, b.pairs.other, listed=True)
            for value in _literals(resolve(kind, "qualifier")):
                out.setdefault((b.pairs.other_codes, value), b.pairs.other + ".qualifier")


@pytest.mark.parametrize("version", ["004010", "005010"])
@pytest.mark.parametrize("message", ["850", "810"])
def test_every_canonical_code_is_writable(message: str, version: str) -> None:
    tmap = load_map(map_for("x12", version, message))
    bound: dict[tuple[str, str], str] = {}
    _bound(tmap, tmap.header, RECORD_TYPES[tmap.map.record], bound)
    missing = {k: f for k, f in bound.items()
               if k[1] not in tmap.reverse(k[0]) and k not in NO_CODE[message]}
    assert missing == {}, "values without a code (add one, or name them in NO_CODE)"
    stale = [k for k in NO_CODE[message] if k in bound and k[1] in tmap.reverse(k[0])]
    assert stale == [], "NO_CODE names values that have a code now"
    unbound = [k for k in NO_CODE[message] if k not in bound]
    assert unbound == [], "NO_CODE names values no element binds"
