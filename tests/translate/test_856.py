"""The generic X12 004010 856 map and the HL hierarchy support it needs: inbound (in any HL
order), broken hierarchies, outbound numbering, round trips, the corpus sample, the CLI."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.canonical import ShipNotice, compact_json
from gateway.cli import main
from gateway.translate import MapError, TranslationMap, load_map, map_for
from gateway.translate.gs1 import check_digit
from gateway.translate.run import translate_file
from gateway.validate.run import Options, validate_file
from tests.translate.util import _code, _dec, _opt, _text, round_trip, translate
from tests.translate.util import generate as generate_with

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "x12" / "004010" / "856"
PICK_PACK = FIXTURES / "valid_pick_pack_tare.edi"
STANDARD = FIXTURES / "valid_standard_pack_lots.edi"
CORPUS = ROOT / "fixtures" / "x12" / "corpus" / "ediengine_856_crossdock_newline.edi"


@pytest.fixture(scope="module")
def tmap() -> TranslationMap:
    return load_map(map_for("x12", "004010", "856"))


def generate(record: ShipNotice, tmap: TranslationMap) -> str:
    return generate_with(record, tmap, "SH")


def expected(edi: Path) -> ShipNotice:
    return ShipNotice.model_validate_json(edi.with_suffix(".record.json").read_text())


def one(data: bytes, tmap: TranslationMap) -> tuple[Any, Any]:
    [(record, msg)] = translate(data, tmap)
    return record, msg


# -- inbound --------------------------------------------------------------------------------

@pytest.mark.parametrize("edi", [PICK_PACK, STANDARD], ids=lambda p: p.stem)
def test_fixture_translates_to_expected_record(tmap: TranslationMap, edi: Path) -> None:
    record, msg = one(edi.read_bytes(), tmap)
    assert msg.report.errors == []
    assert record == expected(edi)
    assert json.loads(edi.with_suffix(".record.json").read_text()) == compact_json(record)


def test_pick_and_pack_nesting(tmap: TranslationMap) -> None:
    record, _ = one(PICK_PACK.read_bytes(), tmap)
    first, second = record.orders
    [pallet] = first.packs  # HL T: the pallet, its cartons inside it
    assert (pallet.packaging, pallet.sscc) == ("pallet", "108600010000047117")
    assert [p.sscc for p in pallet.packs] == [
        "008600010000900019", "008600010000900026", "008600010000900033"]
    assert [len(p.items) for p in pallet.packs] == [1, 1, 2]
    assert first.parties[0].role == "mark_for" and first.parties[0].identifiers[0].value == "1187"
    [carton] = second.packs  # S O P I: a carton right under the order
    assert carton.packs == () and carton.items[0].gtin == "086000102050"
    assert (record.carrier and record.carrier.scac) == "ODFL"
    assert (record.bill_of_lading, record.pro_number) == ("07730021554", "0458812277")
    assert record.references == ()  # BM and CN went to their own fields, not to references


def test_standard_pack_items_with_lots(tmap: TranslationMap) -> None:
    record, _ = one(STANDARD.read_bytes(), tmap)
    [order] = record.orders
    assert order.packs == ()
    assert [(i.line_number, i.lot_number, i.expiry_date) for i in order.items] == [
        ("1", "L24301A", date(2025, 6, 30)), ("2", "L24288C", date(2026, 1, 31)),
        ("2", "L24295A", date(2026, 2, 15)), ("3", "L24310B", date(2025, 4, 15))]
    assert record.net_weight is not None and record.net_weight.unit == "pound"


def _hl_blocks(data: bytes) -> tuple[list[bytes], list[list[bytes]], list[bytes]]:
    segs = [s for s in data.split(b"~\n") if s]
    first = next(n for n, s in enumerate(segs) if s.startswith(b"HL*"))
    last = next(n for n, s in enumerate(segs) if s.startswith(b"CTT*"))
    blocks: list[list[bytes]] = []
    for s in segs[first:last]:
        if s.startswith(b"HL*"):
            blocks.append([])
        blocks[-1].append(s)
    return segs[:first], blocks, segs[last:]


def _join(head: list[bytes], blocks: list[list[bytes]], tail: list[bytes]) -> bytes:
    return b"".join(s + b"~\n" for s in [*head, *(s for b in blocks for s in b), *tail])


def test_children_before_parents_nest_the_same(tmap: TranslationMap) -> None:
    """Inbound nests by HL01/HL02, not by position: items first, the shipment last."""
    head, blocks, tail = _hl_blocks(PICK_PACK.read_bytes())
    rank = {b"I": 0, b"P": 1, b"T": 2, b"O": 3, b"S": 4}
    shuffled = sorted(blocks, key=lambda b: rank[b[0].split(b"*")[3]])
    assert shuffled[0][0].startswith(b"HL*5*4*I") and shuffled[-1][0] == b"HL*1**S*1"
    record, msg = one(_join(head, shuffled, tail), tmap)
    assert msg.report.errors == []
    assert record == expected(PICK_PACK)


# -- broken hierarchies ----------------------------------------------------------------------

def test_parent_that_does_not_exist(tmap: TranslationMap) -> None:
    data = PICK_PACK.read_bytes().replace(b"HL*7*6*I*0", b"HL*7*66*I*0")
    record, msg = one(data, tmap)
    assert record is None
    [d] = msg.report.errors
    assert d.code == "st.business_rule"
    assert (d.segment, d.segment_position, d.element, d.value) == ("HL", 34, "HL02", "66")
    assert "parent '66' is not the HL01 of any HL" in d.message


def test_item_right_under_the_shipment(tmap: TranslationMap) -> None:
    data = STANDARD.read_bytes().replace(b"HL*6*2*I*0", b"HL*6*1*I*0")
    record, msg = one(data, tmap)
    assert record is None
    [d] = msg.report.errors
    assert (d.code, d.segment, d.segment_position, d.element, d.value) == (
        "st.business_rule", "HL", 41, "HL03", "I")
    assert d.message == ("segment HL at position 41, element HL03: level 'I' under level 'S' "
                         "(HL 1) is not mapped: this map takes 'O' there")


def test_order_at_the_top_and_descendants_not_reported_twice(tmap: TranslationMap) -> None:
    data = PICK_PACK.read_bytes().replace(b"HL*11*1*O*1", b"HL*11**O*1")
    record, msg = one(data, tmap)
    assert record is None
    [d] = msg.report.errors  # its carton and item are not reported again
    assert (d.segment_position, d.element) == (49, "HL03")
    assert "level 'O' at the top of the hierarchy (no HL02) is not mapped: this map takes 'S'" \
        in d.message


def test_repeated_id_and_cycle(tmap: TranslationMap) -> None:
    data = PICK_PACK.read_bytes().replace(b"HL*12*11*P*1", b"HL*12*13*P*1")
    record, msg = one(data, tmap)
    assert record is None
    assert [(d.element, d.value) for d in msg.report.errors] == [("HL02", "13"), ("HL02", "12")]
    assert all("makes a cycle" in d.message for d in msg.report.errors)
    data = PICK_PACK.read_bytes().replace(b"HL*13*12*I*0", b"HL*10*12*I*0")
    record, msg = one(data, tmap)
    assert record is None
    [d] = msg.report.errors
    assert (d.element, d.value) == ("HL01", "10")
    assert "already the id of the HL at position" in d.message


def test_validator_reports_unknown_parent_before_translation() -> None:
    out = translate_file(FIXTURES / "broken_hl_parent_unknown.edi", partner="generic")
    assert out.documents == []
    assert [(e["code"], e["element"]) for e in out.errors] == [("element.hl_parent", "HL02")]


# -- SSCC -----------------------------------------------------------------------------------

def test_sscc_with_or_without_ai_and_its_check_digit(tmap: TranslationMap) -> None:
    data = PICK_PACK.read_bytes().replace(b"MAN*GM*00008600010000900019",
                                          b"MAN*GM*008600010000900019")
    record, msg = one(data, tmap)
    assert msg.report.errors == [] and record == expected(PICK_PACK)
    data = PICK_PACK.read_bytes().replace(b"MAN*GM*00008600010000900019",
                                          b"MAN*GM*00008600010000900018")
    record, msg = one(data, tmap)
    assert record is None
    [d] = msg.report.errors
    assert (d.segment, d.element) == ("MAN", "MAN02")
    assert "check digit 8, expected 9" in d.message


# -- outbound and round trips ------------------------------------------------------------

def _round_trip(record: ShipNotice, tmap: TranslationMap) -> str:
    return round_trip(record, tmap, "SH")


@pytest.mark.parametrize("edi", [PICK_PACK, STANDARD], ids=lambda p: p.stem)
def test_generate_validates_and_round_trips(tmap: TranslationMap, edi: Path) -> None:
    _round_trip(expected(edi), tmap)


def test_outbound_hl_numbers_parents_and_child_codes(tmap: TranslationMap) -> None:
    text = generate(expected(PICK_PACK), tmap)
    hls = re.findall(r"HL\*([^~]*)~", text)
    assert hls == ["1**S*1", "2*1*O*1", "3*2*T*1", "4*3*P*1", "5*4*I*0", "6*3*P*1", "7*6*I*0",
                   "8*3*P*1", "9*8*I*0", "10*8*I*0", "11*1*O*1", "12*11*P*1", "13*12*I*0"]
    assert "CTT*13~" in text
    assert "BSN*00*ASN0002201*20241104*0000~" in text
    assert "TD1*PLT94*1****G*268.3*LB~" in text
    assert "MAN*GM*00108600010000047117~" in text
    assert "SN1**12*EA**24*EA~" in text
    std = generate(expected(STANDARD), tmap)
    assert re.findall(r"HL\*([^~]*)~", std) == [
        "1**S*1", "2*1*O*1", "3*2*I*0", "4*2*I*0", "5*2*I*0", "6*2*I*0"]
    assert "SN1**6*CA~" in std  # no ordered quantity: no SN105/SN106


# -- the corpus sample ----------------------------------------------------------------------

def test_corpus_crossdock_sample_and_why_it_does_not_translate(tmp_path: Path) -> None:
    """EdiEngine's 856.Crossdock.OK.edi is valid X12 but not a translatable ship notice:
    REF*SE (serial number) has no canonical reference kind, its five SSCCs carry wrong check
    digits, and its LIN/SN1 send no line number (LIN01/SN101), which every item needs."""
    assert validate_file(CORPUS, Options(acks=False)).all_accepted  # the X12 is fine
    out = translate_file(CORPUS, partner="generic")
    assert out.documents == []
    assert [(e["segment"], e["element"]) for e in out.errors] == [
        ("REF", "REF01"), *[("MAN", "MAN02")] * 5]
    assert "code 'SE' is not in code set 'reference'" in out.errors[0]["message"]
    # with those two fixed, the missing line numbers are what is left
    text = CORPUS.read_text().replace("REF*SE*", "REF*ZZ*")
    for bad in re.findall(r"MAN\*GM\*00([0-9]{18})", text):
        text = text.replace(bad, bad[:17] + check_digit(bad[:17]))
    fixed = tmp_path / "crossdock_fixed.edi"
    fixed.write_text(text)
    out = translate_file(fixed, partner="generic")
    assert out.documents == []
    missing = {f"orders.{o}.packs.{p}.items.0.line_number: Field required"
               for o, p in [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0)]}
    # pydantic also counts the orders it could not build
    assert {e["message"] for e in out.errors} == {
        *missing, "orders: Tuple should have at least 1 item after validation, not 0"}


# -- map checks -----------------------------------------------------------------------------

HEAD = ('[map]\nstandard = "x12"\nversion = "004010"\nmessage = "856"\n'
        'record = "ship_notice"\n[[header]]\nloop = "HL"\nhl = "S"\n')


@pytest.mark.parametrize("body, field, what", [
    ('hl = "X"\n', "header.0.hl", "a level of the guide (S, O, T, P, I), not 'X'"),
    ('[[header.segments]]\nloop = "HL"\nhl = "O"\neach = "orders"\n'
     '[[header.segments.segments]]\nloop = "HL"\nhl = "O"\neach = "orders"\n',
     "header.0.segments.0.segments.0.hl", "level 'O' cannot sit under level 'O'"),
    ('[[header.segments]]\nloop = "HL"\nhl = "O"\neach = "orders"\n'
     '[[header.segments]]\nsegment = "TD5"\nelements."03" = { field = "carrier.scac" }\n',
     "header.0.segments.1", "child levels come after the level's own segments"),
    ('[[header.segments]]\nsegment = "HL"\nelements."01" = { field = "number" }\n',
     "header.0.segments.0.segment", "the HL segment is written from the hierarchy"),
    ('[[header.segments]]\nloop = "HL"\nhl = "O"\neach = "orders"\nwhen = "packz"\n',
     "header.0.segments.0.when", "ShipOrder has no field 'packz'"),
])
def test_level_bindings_are_checked(tmp_path: Path, body: str, field: str, what: str) -> None:
    text = HEAD.replace('hl = "S"\n', "") + body if body.startswith("hl =") else HEAD + body
    path = tmp_path / "856.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MapError) as exc:
        load_map(path)
    assert f": {field}: " in str(exc.value) and what in str(exc.value), str(exc.value)


# -- the property ---------------------------------------------------------------------------

DAYS = st.dates(date(2000, 1, 1), date(2049, 12, 31))
GTINS = ["086000101015", "086000102050", "4006381333931", "10038000452106", "96385074"]


def _sscc(n: int) -> str:
    body = f"0086000{n:010d}"
    return body + check_digit(body)


_weights = _opt(st.fixed_dictionaries({"value": _dec(1, 10**6),
                                       "unit": st.sampled_from(["pound", "kilogram"])}))

_parties = st.lists(st.fixed_dictionaries({
    "role": st.sampled_from(["ship_from", "ship_to", "buyer", "seller", "mark_for"]),
    "name": _opt(_text(35)),
    "additional_names": st.lists(_text(35), max_size=4).map(tuple),
    "identifiers": st.one_of(st.just(()), st.tuples(st.fixed_dictionaries({
        "qualifier": st.sampled_from(["duns", "gln", "buyer_assigned", "seller_assigned"]),
        "value": _code(2, 17)}))),
    "address": _opt(st.fixed_dictionaries({
        "lines": st.lists(_text(35), min_size=1, max_size=2).map(tuple),
        "city": _opt(_text(30).filter(lambda s: len(s) >= 2)),
        "region": _opt(_code(2, 2)), "postal_code": _opt(_code(3, 9)),
        "country": _opt(st.sampled_from(["US", "CA", "MX"]))})),
}).filter(lambda p: p["name"] or p["identifiers"]), max_size=2)

_refs = st.lists(st.fixed_dictionaries({
    "qualifier": st.sampled_from(["department", "vendor_number", "invoice", "tracking",
                                  "release", "mutually_defined"]),
    "value": _code(1, 30)}), max_size=2).map(tuple)

_items = st.lists(st.fixed_dictionaries({
    "line_number": _code(1, 6),
    "gtin": _opt(st.sampled_from(GTINS)),
    "buyer_part_number": _opt(_code(1, 20)),
    "vendor_part_number": _opt(_code(1, 20)),
    "product_ids": st.lists(st.fixed_dictionaries({
        "qualifier": st.sampled_from(["vendor_style", "catalog", "model"]),
        "value": _code(1, 20)}), max_size=2).map(tuple),
    "description": _opt(_text(80)),
    "quantity": _dec(2),
    "unit": st.sampled_from(["each", "case", "pound", "dozen"]),
    "ordered_quantity": _opt(_dec(0)),
    "lot_number": _opt(_code(1, 20)),
    "expiry_date": _opt(DAYS),
}).filter(lambda i: any(i[k] for k in (  # LIN02/03 are mandatory: one item id at least
    "gtin", "buyer_part_number", "vendor_part_number", "product_ids"))),
    max_size=2).map(tuple)


def _pack(packs: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries({
        "sscc": _opt(st.integers(0, 10**10 - 1).map(_sscc)),
        "packaging": _opt(st.sampled_from(["pallet", "carton", "case", "tote"])),
        "gross_weight": _weights,
        "tracking_number": _opt(_code(8, 30)),
        "packs": packs,
        "items": _items,
    })


_carton = _pack(st.just(()))
_tare = _pack(st.lists(_carton, min_size=1, max_size=2).map(tuple))  # pallet of cartons: T

_orders = st.lists(st.fixed_dictionaries({
    "order_number": _code(1, 22),
    "order_date": _opt(DAYS),
    "references": _refs,
    "parties": _parties.map(tuple),
    "packs": st.lists(st.one_of(_carton, _tare), max_size=2).map(tuple),
    "items": _items,
}), min_size=1, max_size=2)


@st.composite
def ship_notices(draw: st.DrawFn) -> ShipNotice:
    dates: list[dict[str, Any]] = [{"role": "document", "value": draw(DAYS)}]
    dates += [{"role": r, "value": draw(DAYS)} for r in draw(st.lists(st.sampled_from(
        ["ship", "estimated_delivery", "requested_delivery", "delivery"]), unique=True,
        max_size=3))]
    quantity = draw(_opt(st.integers(0, 999_999)))
    data: dict[str, Any] = {
        "number": draw(_code(2, 30)),
        "purpose": draw(st.sampled_from(["new", "change", "replace", "cancel", "duplicate"])),
        "dates": tuple(dates),
        "parties": tuple(draw(_parties)),
        "carrier": draw(_opt(st.fixed_dictionaries({
            "scac": _opt(_code(2, 4)),
            "transport_mode": _opt(st.sampled_from(["motor", "ltl", "rail", "parcel"])),
            "routing": _opt(_text(35)),
        }).filter(lambda c: any(v is not None for v in c.values())))),
        "bill_of_lading": draw(_opt(_code(1, 30))),
        "pro_number": draw(_opt(_code(1, 30))),
        "trailer_number": draw(_opt(_code(1, 10))),
        "lading_quantity": quantity,
        "lading_packaging": draw(_opt(st.sampled_from(["pallet", "carton", "case"])))
        if quantity is not None else None,  # TD1 rule C0102: a packaging needs a quantity
        "gross_weight": draw(_weights),
        "net_weight": draw(_weights),
        "references": draw(_refs),
        "orders": tuple(draw(_orders)),
    }
    return ShipNotice.model_validate(data)


@settings(max_examples=60, deadline=None)
@given(record=ship_notices())
def test_round_trip_property(record: ShipNotice) -> None:
    _round_trip(record, load_map(map_for("x12", "004010", "856")))


# -- the CLI --------------------------------------------------------------------------------

@pytest.mark.parametrize("edi", [PICK_PACK, STANDARD], ids=lambda p: p.stem)
def test_cli_translate(edi: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate", str(edi), "--partner", "generic", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    [found] = doc["documents"]
    assert found["type"] == "ship_notice"
    assert found["record"] == json.loads(edi.with_suffix(".record.json").read_text())


def test_cli_generate_for_a_partner_validates_and_translates_back(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = PICK_PACK.with_suffix(".record.json")
    assert main(["generate", str(record), "--partner", "bigbox"]) == 0
    edi = capsys.readouterr().out
    assert "ST*856*" in edi and "HL*3*2*T*1~" in edi
    out_file = tmp_path / "asn.edi"
    out_file.write_text(edi)
    assert main(["validate", str(out_file)]) == 0
    capsys.readouterr()
    assert main(["translate", "--partner", "generic", "--json", str(out_file)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["documents"][0]["record"] == json.loads(record.read_text())
