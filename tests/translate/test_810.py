"""The generic X12 004010 810 map: inbound, outbound, round trips, the CLI."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.canonical import Invoice, compact_json
from gateway.cli import main
from gateway.errors import GatewayError
from gateway.translate import MapError, TranslationMap, load_map, map_for
from gateway.translate.outbound import generate_segments
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
FIXTURES = ROOT / "fixtures" / "x12" / "004010" / "810"
NAME = "valid_invoice_tds_sac_itd"
EDI = FIXTURES / f"{NAME}.edi"
RECORD = FIXTURES / f"{NAME}.record.json"


@pytest.fixture(scope="module")
def tmap() -> TranslationMap:
    return load_map(map_for("x12", "004010", "810"))


def generate(record: Invoice, tmap: TranslationMap) -> str:
    return generate_with(record, tmap, "IN")


def fixture_record() -> Invoice:
    return Invoice.model_validate_json(RECORD.read_text())


# -- inbound --------------------------------------------------------------------------------

def test_fixture_translates_to_expected_record(tmap: TranslationMap) -> None:
    [(record, msg)] = translate(EDI.read_bytes(), tmap)
    assert msg.report.errors == []
    assert record == fixture_record()
    assert json.loads(RECORD.read_text()) == compact_json(record)
    # the implied-decimal N2 amounts: TDS*42975*38475, SAC05 4500 and 2025
    assert record.totals.total_amount == Decimal("429.75")
    assert record.totals.discountable_amount == Decimal("384.75")
    assert [ac.amount for ac in record.allowances_charges] == [Decimal("45"), Decimal("20.25")]


def test_unknown_unit_is_a_defect_not_a_crash(tmap: TranslationMap) -> None:
    data = EDI.read_bytes().replace(b"IT1*2*12*EA*", b"IT1*2*12*QQ*")
    [(record, msg)] = translate(data, tmap)
    assert record is None
    [d] = msg.report.errors
    assert d.code == "st.business_rule"
    assert (d.segment, d.segment_position, d.element, d.value) == ("IT1", 15, "IT103", "QQ")
    assert msg.report.status == "rejected"


def test_bad_n2_amount_is_a_defect(tmap: TranslationMap) -> None:
    [(record, msg)] = translate(EDI.read_bytes().replace(b"TDS*42975*", b"TDS*429.75*"), tmap)
    assert record is None
    assert [(d.segment, d.element) for d in msg.report.errors] == [("TDS", "TDS01")]


def test_credit_type_from_big07(tmap: TranslationMap) -> None:
    data = EDI.read_bytes().replace(b"*4500012345~", b"*4500012345***CR~")
    [(record, msg)] = translate(data, tmap)
    assert msg.report.errors == [] and record.type == "credit"


def test_n2_needs_an_n2_element(tmp_path: Path) -> None:
    path = tmp_path / "810.toml"
    path.write_text('[map]\nstandard = "x12"\nversion = "004010"\nmessage = "810"\n'
                    'record = "invoice"\n[[header]]\nsegment = "BIG"\n'
                    'elements."02" = { field = "number", format = "n2" }\n', encoding="utf-8")
    with pytest.raises(MapError, match=r"header\.0\.elements\.02\.format: n2 needs an N2"):
        load_map(path)


# -- outbound and round trips ------------------------------------------------------------

def _round_trip(record: Invoice, tmap: TranslationMap) -> None:
    round_trip(record, tmap, "IN")


def test_generate_validates_and_round_trips(tmap: TranslationMap) -> None:
    _round_trip(fixture_record(), tmap)


def test_amounts_are_written_as_n2(tmap: TranslationMap) -> None:
    text = generate(fixture_record(), tmap)
    assert "TDS*42975*38475~" in text
    assert "SAC*C*D240***4500~" in text and "SAC*A*C310***2025*3*5~" in text


def test_more_than_two_decimals_is_refused_outbound(tmap: TranslationMap) -> None:
    record = fixture_record()
    totals = record.totals.model_copy(update={"total_amount": Decimal("429.755")})
    with pytest.raises(GatewayError) as exc:
        generate_segments(record.model_copy(update={"totals": totals}), tmap)
    assert exc.value.code == "outbound.precision"


def test_new_segments_are_written_and_read_back(tmap: TranslationMap) -> None:
    data = fixture_record().model_dump()
    data["parties"][0]["address"]["lines"] = ("PO BOX 7731", "DEPT 114", "LOCKBOX 2", "ATTN AR")
    data["parties"][0]["contacts"] = (
        {"function": "accounts", "name": "AR DESK", "email": "AR@ACME.COM"},)
    data["lines"][0]["taxes"] = ({"type": "local", "category": "exempt", "rate": Decimal("0")},)
    data["dates"] = (*data["dates"], {"role": "due", "value": date(2024, 11, 30)},
                     {"role": "discount_due", "value": date(2024, 11, 10)})
    data["totals"]["lines_amount"] = Decimal("384.75")
    record = Invoice.model_validate(data)
    text = generate(record, tmap)
    assert "N3*PO BOX 7731*DEPT 114~N3*LOCKBOX 2*ATTN AR~" in text
    assert "PER*AP*AR DESK*EM*AR@ACME.COM~" in text
    assert "TXI*LT**0***1~" in text
    assert "DTM*013*20241130~DTM*012*20241110~" in text
    assert "AMT*1*384.75~" in text
    _round_trip(record, tmap)


def test_005010_map_round_trips_the_fixture() -> None:
    tmap = load_map(map_for("x12", "005010", "810"))
    [(record, msg)] = translate(EDI.read_bytes().replace(b"004010VICS", b"005010VICS")
                                .replace(b"*00401*", b"*00501*"), tmap)
    assert msg.report.errors == [] and record == fixture_record()


DAYS = st.dates(date(2000, 1, 1), date(2049, 12, 31))
ROLES = ["ship", "delivery", "estimated_delivery", "effective", "due", "discount_due",
         "requested_pickup", "confirmed_ship", "document"]

_parties = st.lists(st.fixed_dictionaries({
    "role": st.sampled_from(["remit_to", "buyer", "seller", "ship_to", "bill_to"]),
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

# ITD rules L03040513 / L08040513: a discount percent or amount needs discount days here
_terms = st.lists(st.fixed_dictionaries({
    "basis": _opt(st.sampled_from(["invoice", "delivery", "receipt", "ship"])),
    "discount_percent": _opt(_dec(1, 999)),
    "discount_days": _opt(st.integers(0, 999)),
    "discount_due_date": _opt(DAYS),
    "discount_amount": _opt(_dec(2, 10**6)),
    "net_due_date": _opt(DAYS),
    "net_days": _opt(st.integers(0, 999)),
    "description": _opt(_text(80)),
}).map(lambda t: {**t, "discount_days": t["discount_days"] if t["discount_days"] is not None
                  or (t["discount_percent"] is None and t["discount_amount"] is None)
                  else 10})
  .filter(lambda t: any(v is not None for v in t.values())), max_size=2)


# TXI rules R020306 and C0803: an amount or a rate; a taxable amount only with a rate
_taxes = st.lists(st.fixed_dictionaries({
    "type": st.sampled_from(["vat", "gst", "sales", "state", "local", "excise", "other"]),
    "category": _opt(st.sampled_from(["standard", "exempt"])),
    "amount": _opt(_dec(2, 10**7)),
    "rate": _opt(_dec(2, 9999)),
    "taxable_amount": _opt(_dec(2, 10**7)),
}).map(lambda t: {**t, "taxable_amount": t["taxable_amount"] if t["rate"] else None})
  .filter(lambda t: t["amount"] is not None or t["rate"] is not None), max_size=2)

_lines = st.lists(st.fixed_dictionaries({
    "quantity": _dec(2), "unit": st.sampled_from(["each", "case", "pound", "dozen"]),
    "unit_price": _dec(2), "price_basis": _opt(st.sampled_from(["net", "per_each"])),
    "buyer_part_number": _opt(_code(1, 20)), "vendor_part_number": _opt(_code(1, 20)),
    "gtin": _opt(st.sampled_from(["012345678905", "4006381333931", "10012345678902"])),
    "product_ids": st.lists(st.fixed_dictionaries({
        "qualifier": st.sampled_from(["catalog", "model", "vendor_style", "ndc", "isbn",
                                      "mutually_defined"]),
        "value": _code(1, 20)}), max_size=2).map(tuple),
    "description": _opt(_text(60)),
    "taxes": _taxes.map(tuple),
    "allowances_charges": charges.map(tuple),
}), min_size=1, max_size=3)


@st.composite
def invoices(draw: st.DrawFn) -> Invoice:
    lines = [{**ln, "line_number": str(n)} for n, ln in enumerate(draw(_lines), start=1)]
    dates: list[dict[str, Any]] = [{"role": "invoice", "value": draw(DAYS)}]
    if draw(st.booleans()):
        dates.append({"role": "order", "value": draw(DAYS)})
    dates += [{"role": r, "value": draw(DAYS)}
              for r in draw(st.lists(st.sampled_from(ROLES), unique=True, max_size=3))]
    data: dict[str, Any] = {
        "number": draw(_code(1, 22)),
        "type": draw(st.sampled_from(["debit", "credit"])),
        "purpose": draw(st.sampled_from(["new", "change", "replace", "cancel", "duplicate"])),
        "dates": tuple(dates),
        "order_number": draw(_opt(_code(1, 22))),
        "currency": draw(_opt(st.sampled_from(["USD", "EUR"]))),
        "notes": draw(st.lists(st.fixed_dictionaries({
            "topic": st.sampled_from(["general", "delivery", "packing", "payment"]),
            "text": _text(80)}), max_size=2).map(tuple)),
        "references": draw(st.lists(st.fixed_dictionaries({
            "qualifier": st.sampled_from(["department", "vendor_number", "bill_of_lading",
                                          "ship_notice", "tracking"]),
            "value": _code(1, 30)}), max_size=3).map(tuple)),
        "parties": tuple(draw(_parties)),
        "contacts": tuple(draw(_contacts)),
        "payment_terms": tuple(draw(_terms)),
        "lines": tuple(lines),
        "taxes": tuple(draw(_taxes)),
        "allowances_charges": tuple(draw(charges)),
        "totals": {"total_amount": draw(_dec(2, 10**9)),
                   "discountable_amount": draw(_opt(_dec(2, 10**9))),
                   "lines_amount": draw(_opt(_dec(2, 10**9))),
                   "line_count": draw(_opt(st.just(len(lines))))},
    }
    return Invoice.model_validate(data)


@settings(max_examples=100, deadline=None)
@given(record=invoices())
def test_round_trip_property(record: Invoice) -> None:
    _round_trip(record, load_map(map_for("x12", "004010", "810")))


# -- the CLI --------------------------------------------------------------------------------

def test_cli_generate_invoice_for_a_partner(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["generate", str(RECORD), "--partner", "northwind-5010"])
    edi = capsys.readouterr().out
    assert code == 0 and edi.startswith("ISA*")
    assert "ST*810*" in edi and "TDS*42975*38475~" in edi
    out_file = tmp_path / "invoice.edi"
    out_file.write_text(edi)
    assert main(["validate", str(out_file)]) == 0
    capsys.readouterr()
    assert main(["translate", "--partner", "generic", "--json", str(out_file)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["documents"][0]["record"] == json.loads(RECORD.read_text())
