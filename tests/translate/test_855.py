"""The generic X12 004010 855 map: inbound, outbound, round trips, the corpus sample, map
errors (including the enclosing-part ``^`` fields and ``when``), the CLI."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.canonical import OrderAcknowledgement, compact_json
from gateway.cli import main
from gateway.translate import MapError, TranslationMap, load_map, map_for
from gateway.translate.outbound import generate_segments
from gateway.validate.run import Options, validate_file
from tests.translate.util import _code, _dec, _opt, _text, translate
from tests.translate.util import generate as generate_with

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "x12" / "004010" / "855"
NAME = "valid_supplier_ack_backorder_reject"
EDI = FIXTURES / f"{NAME}.edi"
RECORD = FIXTURES / f"{NAME}.record.json"
CORPUS = ROOT / "fixtures" / "x12" / "corpus" / "node-x12_855.edi"


@pytest.fixture(scope="module")
def tmap() -> TranslationMap:
    return load_map(map_for("x12", "004010", "855"))


def generate(record: OrderAcknowledgement, tmap: TranslationMap) -> str:
    return generate_with(record, tmap, "PR")


def fixture_record() -> OrderAcknowledgement:
    return OrderAcknowledgement.model_validate_json(RECORD.read_text())


def _defects(data: bytes) -> list[dict[str, Any]]:
    report = validate_file(io.BytesIO(data), Options(acks=False))
    return [d.to_json() for ix in report.interchanges for g in ix.groups
            for t in g.transactions for d in t.errors]


# -- inbound --------------------------------------------------------------------------------

def test_fixture_translates_to_expected_record(tmap: TranslationMap) -> None:
    [(record, msg)] = translate(EDI.read_bytes(), tmap)
    assert msg.report.errors == []
    assert record == fixture_record()
    assert json.loads(RECORD.read_text()) == compact_json(record)


def test_line_statuses_quantities_and_dates(tmap: TranslationMap) -> None:
    [(record, _msg)] = translate(EDI.read_bytes(), tmap)
    assert record.status == "accepted_with_changes"  # BAK02 AC
    got = [[(c.status, c.quantity, c.schedule and (c.schedule.role, c.schedule.value))
            for c in ln.confirmations] for ln in record.lines]
    ship, later = ("confirmed_ship", date(2024, 11, 15)), ("confirmed_ship", date(2024, 12, 6))
    assert got == [
        [("accepted", Decimal(24), ship)],                        # ACK*IA
        [("changed", Decimal(48), ship)],                         # ACK*IQ, 60 ordered
        [("accepted", Decimal(12), ship), ("backordered", Decimal(24), later)],  # split
        [("rejected", Decimal(12), None)],                        # ACK*IR, no date
        [("backordered", Decimal(10), ("estimated_delivery", date(2024, 12, 13)))],
    ]
    assert record.lines[3].unit == "case" and record.lines[3].gtin == "10084272008466"
    assert [n.text for n in record.lines[3].notes] == ["HAZMAT ITEM NOT SHIPPABLE TO THIS DC"]


def test_other_855_fixture_translates(tmap: TranslationMap) -> None:
    # the validator's fixture: IQ + IB split with an SCH (not kept), REF*VR, CUR*SE
    [(record, msg)] = translate((FIXTURES / "valid_line_status_ack.edi").read_bytes(), tmap)
    assert msg.report.errors == []
    assert [[c.status for c in ln.confirmations] for ln in record.lines] == [
        ["accepted"], ["changed", "backordered"], ["rejected"]]
    assert record.references[0].qualifier == "vendor_number" and record.currency == "USD"


def test_hold_status_is_a_defect(tmap: TranslationMap) -> None:
    # IH (item on hold) has no canonical line status: refused, not guessed
    data = EDI.read_bytes().replace(b"ACK*IA*24*EA*", b"ACK*IH*24*EA*")
    [(record, msg)] = translate(data, tmap)
    assert record is None
    [d] = msg.report.errors
    assert (d.code, d.segment, d.element, d.value) == ("st.business_rule", "ACK", "ACK01", "IH")


def test_line_without_ack_is_refused(tmap: TranslationMap) -> None:
    # an acknowledged line needs at least one confirmation (the canonical model's rule)
    data = EDI.read_bytes().replace(b"ACK*IB*10*EA*017*20241213~\n", b"").replace(
        b"SE*37*", b"SE*36*")
    assert _defects(data) == []
    [(record, msg)] = translate(data, tmap)
    assert record is None
    [d] = msg.report.errors
    assert d.code == "st.business_rule" and "lines.4.confirmations" in d.message


def test_corpus_sample_is_accepted_but_not_translatable(tmap: TranslationMap) -> None:
    # node-x12's 004010 book-trade 855: the guide accepts it, but it names its ship-to by SAN
    # (N103 15), uses REF01 ZZZ and the book trade's PO1 qualifiers (B6 author, B3, B4),
    # which the canonical vocabularies do not have; the translation refuses rather than drop
    data = CORPUS.read_bytes()
    assert _defects(data) == []
    [(record, msg)] = translate(data, tmap)
    assert record is None
    assert {(d.segment, d.element, d.value) for d in msg.report.errors} == {
        ("REF", "REF01", "ZZZ"), ("N1", "N103", "15"),
        ("PO1", "PO108", "B6"), ("PO1", "PO110", "B3"), ("PO1", "PO112", "B4")}


def test_corpus_sample_lines_translate_once_the_vocabulary_gaps_are_removed(
        tmap: TranslationMap) -> None:
    # the rest of the sample (UN units, ACK27-29, SCH, CSH, CUR*BT) is carried or ignored
    data = CORPUS.read_bytes().replace(b"REF*ZZZ*", b"REF*ZZ*").replace(
        b"*15*123MILL 0001~", b"*92*123MILL 0001~")
    for q in (b"B6", b"B3", b"B4"):
        data = data.replace(b"*" + q + b"*", b"*ZZ*")
    [(record, msg)] = translate(data, tmap)
    assert msg.report.errors == []
    assert (record.status, record.order_number, record.currency) == ("accepted", "POTEST1112",
                                                                     "USD")
    assert [(ln.gtin, ln.unit, [(c.status, c.quantity) for c in ln.confirmations])
            for ln in record.lines] == [
        ("9780446360265", "each", [("accepted", Decimal(3))]),
        ("9780767928427", "each", [("rejected", Decimal(0))]),
        ("9780099599531", "each", [("rejected", Decimal(0))]),
        ("9780446360272", "each", [("accepted", Decimal(2))])]


# -- outbound and round trips ------------------------------------------------------------

def _round_trip(record: OrderAcknowledgement, tmap: TranslationMap) -> None:
    text = generate(record, tmap)
    report = validate_file(io.BytesIO(text.encode("latin-1")), Options(acks=False))
    assert report.all_accepted, (text, _defects(text.encode("latin-1")))
    [(back, msg)] = translate(text.encode("latin-1"), tmap)
    assert msg.report.errors == []
    assert back == record


def test_generate_validates_and_round_trips(tmap: TranslationMap) -> None:
    _round_trip(fixture_record(), tmap)


def test_generated_segments(tmap: TranslationMap) -> None:
    text = generate(fixture_record(), tmap)
    assert "BAK*00*AC*PO7781204*20241106****5561093*20241108~" in text
    assert "CUR*SE*USD~" in text and "N9*L1*NOTES~MSG*PARTIAL SHIPMENT" in text
    # ACK03 is the line's unit (^unit), written beside ACK02
    assert "ACK*IR*12*CA~" in text and "ACK*IB*24*EA*068*20241206~" in text
    assert "PER*OC*DANA REYES*TE*2085550187*EM*ORDERS@SUMMITTRAILGEAR.COM~" in text


def test_unit_only_beside_a_quantity(tmap: TranslationMap) -> None:
    # ACK P0203: a confirmation without a quantity gets no ACK03 (`when = "quantity"`)
    record = fixture_record()
    line = record.lines[3]
    bare = line.confirmations[0].model_copy(update={"quantity": None})
    record = record.model_copy(update={"lines": (
        *record.lines[:3], line.model_copy(update={"confirmations": (bare,)}),
        *record.lines[4:])})
    segs = generate_segments(record, tmap)
    assert ("ACK", ["IR"]) in segs
    _round_trip(record, tmap)


def test_no_notes_no_n9(tmap: TranslationMap) -> None:
    record = fixture_record().model_copy(update={"notes": ()})
    assert [s for s, _ in generate_segments(record, tmap)].count("N9") == 0
    _round_trip(record, tmap)


DAYS = st.dates(date(2000, 1, 1), date(2049, 12, 31))
ROLES = ["confirmed_ship", "confirmed_delivery", "estimated_delivery", "requested_delivery",
         "requested_ship", "ship_no_later"]
SCHEDULE_ROLES = ["confirmed_ship", "confirmed_delivery", "estimated_delivery", "ship"]
IDQ = ["duns", "gln", "buyer_assigned", "seller_assigned", "mutually_defined"]

_contacts = st.lists(st.fixed_dictionaries({
    "function": st.sampled_from(["buyer", "order", "receiving", "delivery", "accounts",
                                 "general"]),
    "name": _opt(_text(35)),
    "phone": _opt(st.text("0123456789", min_size=7, max_size=15)),
    "email": _opt(_code(1, 20).map(lambda s: s + "@EXAMPLE.COM")),
    "fax": _opt(st.text("0123456789", min_size=7, max_size=15)),
}), max_size=2)

_parties = st.lists(st.fixed_dictionaries({
    "role": st.sampled_from(["buyer", "seller", "ship_to", "bill_to", "remit_to"]),
    "name": _opt(_text(35)),
    "additional_names": st.lists(_text(35), max_size=4).map(tuple),
    "identifiers": st.one_of(st.just(()), st.tuples(st.fixed_dictionaries(
        {"qualifier": st.sampled_from(IDQ), "value": _code(2, 17)}))),
    "address": _opt(st.fixed_dictionaries({
        "lines": st.lists(_text(35), min_size=1, max_size=2).map(tuple),
        "city": _opt(_text(30).filter(lambda s: len(s) >= 2)),
        "region": _opt(_code(2, 2)), "postal_code": _opt(_code(3, 9)),
        "country": _opt(st.sampled_from(["US", "CA", "DE"]))})),
    "contacts": _contacts.map(tuple),
}).filter(lambda p: p["name"] or p["identifiers"]), max_size=3)

# notes: the 855 keeps no topic (MSG), so only "general" ones come back as they went
_notes = st.lists(st.fixed_dictionaries({"topic": st.just("general"), "text": _text(80)}),
                  max_size=2).map(tuple)

_confirmations = st.lists(st.fixed_dictionaries({
    "status": st.sampled_from(["accepted", "changed", "rejected", "backordered"]),
    "quantity": _opt(_dec(2)),
    "schedule": _opt(st.fixed_dictionaries({"role": st.sampled_from(SCHEDULE_ROLES),
                                            "value": DAYS})),
}), min_size=1, max_size=3).map(tuple)

_lines = st.lists(st.fixed_dictionaries({
    "quantity": _dec(2), "unit": st.sampled_from(["each", "case", "pound", "dozen"]),
    "unit_price": _opt(_dec(2)),
    "buyer_part_number": _opt(_code(1, 20)), "vendor_part_number": _opt(_code(1, 20)),
    "gtin": _opt(st.sampled_from(["084272001170", "0860001234008", "10084272008466"])),
    "product_ids": st.lists(st.fixed_dictionaries({
        "qualifier": st.sampled_from(["catalog", "model", "vendor_style"]),
        "value": _code(1, 20)}), max_size=2).map(tuple),
    "description": _opt(_text(60)),
    "confirmations": _confirmations,
    "notes": _notes,
}), max_size=4)


@st.composite
def acknowledgements(draw: st.DrawFn) -> OrderAcknowledgement:
    lines = [{**ln, "line_number": str(n)} for n, ln in enumerate(draw(_lines), start=1)]
    # BAK04 (the order date) is required; BAK09 (ours) is not; the rest are DTMs
    dates: list[dict[str, Any]] = [{"role": "order", "value": draw(DAYS)}]
    if draw(st.booleans()):
        dates.append({"role": "document", "value": draw(DAYS)})
    dates += [{"role": r, "value": draw(DAYS)}
              for r in draw(st.lists(st.sampled_from(ROLES), unique=True, max_size=3))]
    data: dict[str, Any] = {
        "number": draw(_opt(_code(1, 22))),
        "purpose": draw(st.sampled_from(["new", "change", "replace", "cancel", "duplicate"])),
        "status": draw(st.sampled_from(["accepted", "accepted_with_changes", "rejected"])),
        "order_number": draw(_code(1, 22)),
        "dates": tuple(dates),
        "currency": draw(_opt(st.sampled_from(["USD", "EUR", "CAD"]))),
        "parties": tuple(draw(_parties)),
        "contacts": tuple(draw(_contacts)),
        "references": draw(st.lists(st.fixed_dictionaries({
            "qualifier": st.sampled_from(["department", "vendor_number", "contract",
                                          "sales_order", "release"]),
            "value": _code(1, 30)}), max_size=3).map(tuple)),
        "notes": draw(_notes),
        "lines": tuple(lines),
        # CTT01 is required when there is a CTT, and AMT lives in the CTT loop
        "totals": draw(_opt(st.fixed_dictionaries({
            "line_count": st.just(len(lines)), "quantity": _opt(_dec(0)),
            "amount": _opt(_dec(2, 10**7))}))),
    }
    return OrderAcknowledgement.model_validate(data)


@settings(max_examples=100, deadline=None)
@given(record=acknowledgements())
def test_round_trip_property(record: OrderAcknowledgement) -> None:
    _round_trip(record, load_map(map_for("x12", "004010", "855")))


# -- map errors -----------------------------------------------------------------------------

HEAD = ('[map]\nstandard = "x12"\nversion = "004010"\nmessage = "855"\n'
        'record = "order_acknowledgement"\n[codes.unit]\nEA = "each"\n')
ACK_LOOP = ('[[header]]\nloop = "PO1"\neach = "lines"\n'
            '  [[header.segments]]\n  loop = "ACK"\n  each = "confirmations"\n'
            '    [[header.segments.segments]]\n    segment = "ACK"\n')
ACK_ELEMENT = "header.0.segments.0.segments.0.elements.03"


@pytest.mark.parametrize(("body", "field", "what"), [
    ('[[header]]\nsegment = "BAK"\nelements."03" = { field = "ordr_number" }\n',
     "header.0.elements.03.field", "OrderAcknowledgement has no field 'ordr_number'"),
    (ACK_LOOP + '    elements."03" = { field = "^unit", codes = "unit" }\n',
     f"{ACK_ELEMENT}.field", "outbound only"),
    (ACK_LOOP + '    elements."03" = { field = "^^^unit", codes = "unit", direction = "out" }\n',
     f"{ACK_ELEMENT}.field", "2 enclosing part(s) here"),
    (ACK_LOOP + '    elements."03" = { field = "^^unit", codes = "unit", direction = "out" }\n',
     f"{ACK_ELEMENT}.field", "OrderAcknowledgement has no field 'unit'"),
    (ACK_LOOP + '    elements."03" = { field = "^unit", codes = "unit", direction = "out", '
     'when = "qty" }\n', f"{ACK_ELEMENT}.when", "LineConfirmation has no field 'qty'"),
    (ACK_LOOP + '    elements."02" = { field = "quantity", format = "decimal" }\n'
     '    elements."03" = { field = "unit", codes = "unit" }\n',
     f"{ACK_ELEMENT}.field", "LineConfirmation has no field 'unit'"),
])
def test_map_errors_name_file_line_field(tmp_path: Path, body: str, field: str,
                                         what: str) -> None:
    path = tmp_path / "855.toml"
    text = HEAD + body
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MapError) as exc:
        load_map(path)
    msg = str(exc.value)
    key = field.split(".")[-2]  # the element position whose binding is wrong
    line = 1 + next(n for n, ln in enumerate(text.splitlines())
                    if ln.strip().startswith(f'elements."{key}"'))
    assert msg.startswith(f"{path}:{line}: {field}: "), msg
    assert what in msg


# -- the CLI --------------------------------------------------------------------------------

def test_cli_translate_generic_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate", str(EDI), "--partner", "generic", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["errors"] == []
    [d] = doc["documents"]
    assert (d["type"], d["partner"], d["transaction_control_number"]) == (
        "order_acknowledgement", "generic", "0001")
    assert d["record"] == json.loads(RECORD.read_text())
