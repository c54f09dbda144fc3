"""The generic X12 004010 850 map: loading errors, inbound, outbound, round trips."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.canonical import PurchaseOrder, compact_json
from gateway.translate import MapError, TranslationMap, load_map, map_for
from tests.translate.util import (
    IDQ,
    _code,
    _contacts,
    _dec,
    _opt,
    _text,
    charges,
    round_trip,
    translate,
)
from tests.translate.util import generate as generate_with

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "x12" / "004010" / "850"
CASES = ["valid_dc_order_with_store_sdq", "node-x12_850", "valid_full_header"]


@pytest.fixture(scope="module")
def tmap() -> TranslationMap:
    return load_map(map_for("x12", "004010", "850"))


def generate(record: PurchaseOrder, tmap: TranslationMap) -> str:
    return generate_with(record, tmap, "PO")


# -- loading errors ----------------------------------------------------------------------

HEAD = '[map]\nstandard = "x12"\nversion = "004010"\nmessage = "850"\nrecord = "purchase_order"\n' \
       '[codes.purpose]\n"00" = "new"\n'


@pytest.mark.parametrize(("body", "line", "field", "what"), [
    ('[[header]]\nsegment = "BEG"\nelements."01" = { field = "purpose", codes = "purpose" }\n'
     '[[header]]\nsegment = "XYZ"\n', 12, "header.1.segment", "a segment of the guide"),
    ('[[header]]\nsegment = "BEG"\nelements."40" = { field = "number" }\n',
     10, "header.0.elements.40", "an element position of BEG"),
    ('[[header]]\nsegment = "BEG"\nelements."01" = { field = "purpose", codes = "nope" }\n',
     10, "header.0.elements.01.codes", "a code set of [codes]"),
    ('[[header]]\nsegment = "BEG"\nelements."03" = { field = "numbr" }\n',
     10, "header.0.elements.03.field", "PurchaseOrder has no field 'numbr'"),
    ('[[header]]\nloop = "N1"\neach = "parties"\n  [[header.segments]]\n  segment = "N1"\n'
     '  elements."02" = { field = "address.town" }\n',
     13, "header.0.segments.0.elements.02.field", "Address has no field 'town'"),
])
def test_map_errors_name_file_line_field(tmp_path: Path, body: str, line: int, field: str,
                                         what: str) -> None:
    path = tmp_path / "850.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    with pytest.raises(MapError) as exc:
        load_map(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}:{line}: {field}: "), msg
    assert what in msg


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "850.toml"
    path.write_text(HEAD + '[[header]]\nsegment = "BEG"\nsegmnt = "X"\n', encoding="utf-8")
    with pytest.raises(MapError, match=r":10: header\.0\.segmnt: "):
        load_map(path)


# -- inbound --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CASES)
def test_fixture_translates_to_expected_record(name: str, tmap: TranslationMap) -> None:
    [(record, msg)] = translate((FIXTURES / f"{name}.edi").read_bytes(), tmap)
    assert msg.report.errors == []
    want = PurchaseOrder.model_validate_json((FIXTURES / f"{name}.record.json").read_text())
    assert record == want
    assert json.loads((FIXTURES / f"{name}.record.json").read_text()) == \
        compact_json(record)


def test_unknown_unit_is_a_defect_not_a_crash(tmap: TranslationMap) -> None:
    data = (FIXTURES / "valid_dc_order_with_store_sdq.edi").read_bytes().replace(
        b"PO1*2*36*EA*", b"PO1*2*36*QQ*")
    [(record, msg)] = translate(data, tmap)
    assert record is None
    [d] = msg.report.errors
    assert d.code == "st.business_rule"
    assert (d.segment, d.segment_position, d.element, d.value) == ("PO1", 25, "PO103", "QQ")
    assert msg.report.status == "rejected"


def test_bad_date_is_a_defect(tmap: TranslationMap) -> None:
    data = (FIXTURES / "valid_dc_order_with_store_sdq.edi").read_bytes().replace(
        b"DTM*037*20241028", b"DTM*037*20241328")
    [(record, msg)] = translate(data, tmap)
    assert record is None
    assert [(d.segment, d.element) for d in msg.report.errors] == [("DTM", "DTM02")]


# -- outbound and round trips ------------------------------------------------------------

def _round_trip(record: PurchaseOrder, tmap: TranslationMap) -> None:
    round_trip(record, tmap, "PO")


@pytest.mark.parametrize("name", CASES)
def test_generate_validates_and_round_trips(name: str, tmap: TranslationMap) -> None:
    record = PurchaseOrder.model_validate_json((FIXTURES / f"{name}.record.json").read_text())
    _round_trip(record, tmap)


def test_decimals_are_written_plainly(tmap: TranslationMap) -> None:
    record = PurchaseOrder.model_validate_json(
        (FIXTURES / "valid_dc_order_with_store_sdq.record.json").read_text())
    line = record.lines[0].model_copy(update={"quantity": Decimal("1E+2"),
                                              "unit_price": Decimal("12.500")})
    text = generate(record.model_copy(update={"lines": (line, *record.lines[1:])}), tmap)
    assert "PO1*1*100*EA*12.5*PE*" in text


def _full_header(tmap: TranslationMap) -> str:
    record = PurchaseOrder.model_validate_json(
        (FIXTURES / "valid_full_header.record.json").read_text())
    return generate(record, tmap)


def test_address_lines_three_and_four_go_in_a_second_n3(tmap: TranslationMap) -> None:
    text = _full_header(tmap)
    assert "N3*4500 COMMERCE PKWY*BUILDING C~N3*RECEIVING DOOR 12*ATTN RECEIVING~N4*" in text


def test_contacts_sac_and_notes_are_written(tmap: TranslationMap) -> None:
    text = _full_header(tmap)
    assert "PER*RE*DOCK SUPERVISOR*TE*6145550188*EM*DOCK118@NORTHWINDRETAIL.COM~" in text
    assert "SAC*A*C310***1575*3*2.5********NEW STORE DISCOUNT~SAC*C*D260***2500~" in text
    assert "N9*L1*NOTES~MSG*DELIVER TO DOCK 4 BETWEEN 6AM AND 2PM~" in text
    assert "SAC*A*F800***1200~DTM*002*20241115~MSG*GIFT BOX EACH UNIT~" in text


def test_header_contacts_and_further_name_lines(tmap: TranslationMap) -> None:
    """Header PER (the order's contacts) and N2 (a party's further name lines, two per N2)
    are read, and written back the same way."""
    data = (FIXTURES / "valid_full_header.edi").read_bytes()
    head = b"REF*CT*NW-2024-118~"
    names = b"N1*BY*NORTHWIND RETAIL*UL*0614141000012~"
    assert head in data and names in data
    data = data.replace(head, head + b"PER*BD*JANE MILLER*TE*6125550142*EM*JM@NW.EXAMPLE~")
    data = data.replace(names, names + b"N2*PURCHASING DEPT*BUILDING 4~N2*ROOM 12~")
    st = data.index(b"ST*")
    body = data[st:data.index(b"SE*", st)]
    data = re.sub(rb"(?<=[~\n])SE\*\d+\*", b"SE*%d*" % (body.count(b"~") + 1), data)
    [(record, msg)] = translate(data, tmap)
    assert msg.report.errors == [] and record is not None
    assert [(c.function, c.name, c.phone, c.email) for c in record.contacts] == [
        ("buyer", "JANE MILLER", "6125550142", "JM@NW.EXAMPLE")]
    buyer = next(p for p in record.parties if p.role == "buyer")
    assert buyer.additional_names == ("PURCHASING DEPT", "BUILDING 4", "ROOM 12")
    text = generate(record, tmap)
    assert "~PER*BD*JANE MILLER*TE*6125550142*EM*JM@NW.EXAMPLE~" in text
    assert "~N1*BY*NORTHWIND RETAIL*UL*0614141000012~N2*PURCHASING DEPT*BUILDING 4~" \
           "N2*ROOM 12~" in text


def test_one_td5_with_or_without_a_scac(tmap: TranslationMap) -> None:
    record = PurchaseOrder.model_validate_json(
        (FIXTURES / "valid_full_header.record.json").read_text())
    assert generate(record, tmap).count("~TD5*") == 1
    assert "~TD5**2*ODFL*LT*OLD DOMINION CALL FOR APPT~" in generate(record, tmap)
    assert record.carrier is not None
    no_scac = record.model_copy(update={"carrier": record.carrier.model_copy(
        update={"scac": None})})
    text = generate(no_scac, tmap)
    assert text.count("~TD5*") == 1 and "~TD5****LT*OLD DOMINION CALL FOR APPT~" in text


def test_td5_identification_other_than_scac_is_not_a_scac(tmap: TranslationMap) -> None:
    # node-x12's TD5*A*92*P3: P3 is the buyer's carrier code, not a SCAC; the routing is read
    [(record, msg)] = translate((FIXTURES / "node-x12_850.edi").read_bytes(), tmap)
    assert msg.report.errors == [] and record.carrier is not None
    assert (record.carrier.scac, record.carrier.routing) == (
        None, "SEE XYZ RETAIL ROUTING GUIDE")


def test_005010_map_reads_the_new_segments() -> None:
    tmap = load_map(map_for("x12", "005010", "850"))
    data = (FIXTURES / "valid_full_header.edi").read_bytes().replace(
        b"004010VICS", b"005010VICS").replace(b"*00401*", b"*00501*")
    [(record, msg)] = translate(data, tmap)
    assert msg.report.errors == []
    want = PurchaseOrder.model_validate_json(
        (FIXTURES / "valid_full_header.record.json").read_text())
    assert record == want


def _dates(roles: list[str]) -> st.SearchStrategy[tuple[dict[str, Any], ...]]:
    days = st.dates(date(2000, 1, 1), date(2049, 12, 31))
    return st.lists(st.sampled_from(roles), unique=True, max_size=3).flatmap(
        lambda rs: st.tuples(*[st.fixed_dictionaries({"role": st.just(r), "value": days})
                               for r in rs]))


ROLES = ["requested_delivery", "requested_ship", "ship_not_before", "ship_no_later",
         "cancel_after", "promotion_start", "due", "discount_due", "document",
         "confirmed_ship"]


# MSG has no topic: notes come back "general"
_notes = st.lists(st.fixed_dictionaries({"text": _text(80)}), max_size=2).map(tuple)

_carrier = _opt(st.fixed_dictionaries({
    "scac": _opt(_code(2, 4)),
    "transport_mode": _opt(st.sampled_from(["motor", "ltl", "rail", "air", "ocean", "parcel",
                                            "customer_pickup"])),
    "routing": _opt(_text(35)),
}).filter(lambda c: any(v is not None for v in c.values())))

_parties = st.lists(st.fixed_dictionaries({
    "role": st.sampled_from(["buyer", "seller", "ship_to", "bill_to", "mark_for"]),
    "name": _opt(_text(35)),
    "additional_names": st.lists(_text(35), max_size=4).map(tuple),
    "identifiers": st.one_of(st.just(()), st.tuples(st.fixed_dictionaries(
        {"qualifier": st.sampled_from(IDQ), "value": _code(2, 17)}))),
    "address": _opt(st.fixed_dictionaries({
        "lines": st.lists(_text(35), min_size=1, max_size=4).map(tuple),
        "city": _opt(_text(30).filter(lambda s: len(s) >= 2)),
        "region": _opt(_code(2, 2)), "postal_code": _opt(_code(3, 9)),
        "country": _opt(st.sampled_from(["US", "CA", "DE"]))})),
    "contacts": _contacts,
}).filter(lambda p: p["name"] or p["identifiers"]), max_size=3)

_lines = st.lists(st.fixed_dictionaries({
    "quantity": _dec(2), "unit": st.sampled_from(["each", "case", "pound", "dozen"]),
    "unit_price": _opt(_dec(2)), "price_basis": _opt(st.sampled_from(["net", "per_each"])),
    "buyer_part_number": _opt(_code(1, 20)), "vendor_part_number": _opt(_code(1, 20)),
    "gtin": _opt(st.sampled_from(["012345678905", "4006381333931", "10012345678902"])),
    "product_ids": st.lists(st.fixed_dictionaries({
        "qualifier": st.sampled_from(["catalog", "model", "vendor_style", "ndc", "isbn",
                                      "mutually_defined"]),
        "value": _code(1, 20)}), max_size=2).map(tuple),
    "description": _opt(_text(60)),
    "pack_size": _opt(st.integers(1, 99).map(Decimal)),
    "allowances_charges": charges.map(tuple),
    "notes": _notes,
    "destinations": st.lists(st.fixed_dictionaries({
        "location": st.fixed_dictionaries({"qualifier": st.just("buyer_assigned"),
                                           "value": _code(2, 8)}),
        "quantity": _dec(0, 999)}), max_size=12).map(tuple),
    "dates": _dates(["requested_delivery", "requested_ship"]),
}), min_size=1, max_size=3)


@st.composite
def orders(draw: st.DrawFn) -> PurchaseOrder:
    # the guide's PO1 rule C0504: a price basis only with a price
    lines = [{**ln, "line_number": str(n),
              "price_basis": ln["price_basis"] if ln["unit_price"] else None}
             for n, ln in enumerate(draw(_lines), start=1)]
    data: dict[str, Any] = {
        "number": draw(_code(1, 22)),
        "purpose": draw(st.sampled_from(["new", "change", "cancel"])),
        "type": draw(st.sampled_from(["standard", "blanket", "release"])),
        "dates": ({"role": "order", "value": draw(st.dates())}, *draw(_dates(ROLES))),
        "currency": draw(_opt(st.sampled_from(["USD", "EUR"]))),
        "references": draw(st.lists(st.fixed_dictionaries({
            "qualifier": st.sampled_from(["department", "vendor_number", "contract",
                                          "ship_notice", "tracking"]),
            "value": _code(1, 30)}), max_size=3).map(tuple)),
        "parties": tuple(draw(_parties)),
        "contacts": tuple(draw(_contacts)),
        "carrier": draw(_carrier),
        "notes": draw(_notes),
        "allowances_charges": tuple(draw(charges)),
        "lines": tuple(lines),
        "totals": {"line_count": len(lines), "quantity": draw(_opt(_dec(0))),
                   "amount": draw(_opt(_dec(2, 10**7)))},
    }
    return PurchaseOrder.model_validate(data)


@settings(max_examples=100, deadline=None)
@given(record=orders())
def test_round_trip_property(record: PurchaseOrder) -> None:
    _round_trip(record, load_map(map_for("x12", "004010", "850")))
