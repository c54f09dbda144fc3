"""The generic EDIFACT D96A ORDERS and INVOIC maps: fixtures translate to their records,
generated interchanges validate and translate back, Hypothesis round trips, the CLI."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from gateway.acks import Sequence
from gateway.canonical import Invoice, PurchaseOrder, compact_json
from gateway.canonical.common import PaymentTerms
from gateway.cli import main
from gateway.edifact.writer import EdifactEnvelope, default_delimiters
from gateway.errors import GatewayError
from gateway.translate import TranslationMap, load_map, map_for
from gateway.translate.edifact_out import generate_edifact, generate_edifact_segments
from tests.translate.util import _code, _dec, _opt, _text, back, mutate, translate

ROOT = Path(__file__).resolve().parents[2]
D96A = ROOT / "fixtures" / "edifact" / "D96A"
ORDER = D96A / "ORDERS" / "valid_eancom_store_order"
INVOICE = D96A / "INVOIC" / "valid_release_characters"


@pytest.fixture(scope="module")
def orders_map() -> TranslationMap:
    return load_map(map_for("edifact", "D96A", "ORDERS"))


@pytest.fixture(scope="module")
def invoic_map() -> TranslationMap:
    return load_map(map_for("edifact", "D96A", "INVOIC"))


ENVELOPE = EdifactEnvelope("8712345000011", "5400001000019", "14", "14", newline=True)


def generate(record: BaseModel, tmap: TranslationMap,
             envelope: EdifactEnvelope = ENVELOPE) -> str:
    return generate_edifact(record, tmap, envelope, Sequence(1), datetime(2024, 1, 2, 3, 4))


def _round_trip(record: BaseModel, tmap: TranslationMap,
                envelope: EdifactEnvelope = ENVELOPE) -> str:
    text = generate(record, tmap, envelope)
    assert back(text, tmap) == record, text
    return text


# -- inbound --------------------------------------------------------------------------------

@pytest.mark.parametrize(("case", "model", "message"), [
    (ORDER, PurchaseOrder, "ORDERS"), (INVOICE, Invoice, "INVOIC")])
def test_fixture_translates_to_expected_record(case: Path, model: type[BaseModel],
                                               message: str) -> None:
    tmap = load_map(map_for("edifact", "D96A", message))
    [(record, msg)] = translate(case.with_suffix(".edi").read_bytes(), tmap)
    assert msg.report.errors == []
    expected = json.loads(case.with_suffix(".record.json").read_text())
    assert record == model.model_validate(expected)
    assert compact_json(record) == expected


def test_order_details(orders_map: TranslationMap) -> None:
    [(po, _)] = translate(ORDER.with_suffix(".edi").read_bytes(), orders_map)
    # DTM 137 in format 203 keeps the date; EANCOM 64/63 delivery window
    assert [(d.role, d.value) for d in po.dates] == [
        ("order", date(2024, 3, 4)), ("do_not_deliver_before", date(2024, 3, 11)),
        ("do_not_deliver_after", date(2024, 3, 13))]
    line = po.lines[0]
    # GTIN from LIN C212 EN, both PIA numbers, PRI AAA wins over AAB, QTY 59, LOC 7 + QTY 11
    assert (line.gtin, line.vendor_part_number, line.buyer_part_number) == (
        "8712345000417", "SUP-5501", "44001")
    assert (line.unit_price, line.price_basis, line.pack_size) == (
        Decimal("1.65"), "net", Decimal("6"))
    assert [(d.location.value, d.quantity) for d in line.destinations] == [
        ("5400001002037", Decimal("72")), ("5400001004000", Decimal("48"))]
    assert (po.lines[1].unit_price, po.lines[1].price_basis) == (Decimal("2.10"), "gross")
    assert po.carrier is not None and po.carrier.scac == "SCNN"
    assert [(t.net_days, t.discount_days, t.discount_percent) for t in po.payment_terms] == [
        (30, None, None), (None, 10, Decimal("2"))]


def test_two_orders_in_one_interchange(orders_map: TranslationMap) -> None:
    results = translate((D96A / "ORDERS" / "valid_two_orders.edi").read_bytes(), orders_map)
    assert [msg.report.errors for _, msg in results] == [[], []]
    assert [(po.number, len(po.lines)) for po, _ in results] == [
        ("PO-2024-00017", 3), ("PO-2024-00018", 1)]


def test_invoice_order_number_is_not_a_reference(invoic_map: TranslationMap) -> None:
    [(inv, _)] = translate(INVOICE.with_suffix(".edi").read_bytes(), invoic_map)
    assert inv.order_number == "PO-2024-00017"
    assert [r.qualifier for r in inv.references] == ["ship_notice"]
    # released characters in FTX and NAD come out as text
    assert inv.notes[0].text == "Terms: 2% if paid within 10 days + 'net 30' otherwise"
    assert inv.parties[0].name == "Fruit+Juice B.V."


@pytest.mark.parametrize(("name", "number", "lines"), [
    ("pydifact_order2_D96A_UNOC_no-UNZ", "PO123456", 1),
    ("pydifact_order_D96A_EAN008_no-UNZ", "801715918011", 2),
])
def test_corpus_orders_translate(orders_map: TranslationMap, name: str, number: str,
                                 lines: int) -> None:
    # public samples (fixtures/edifact/corpus/ORDERS): the missing UNZ is an interchange
    # defect; the message itself is accepted and translates
    [(po, msg)] = translate((D96A / "ORDERS" / f"{name}.edi").read_bytes(), orders_map)
    assert msg.report.errors == []
    assert po.number == number and len(po.lines) == lines
    assert all(line.unit == "each" for line in po.lines)  # QTY without a unit: pieces


def test_corpus_sample_with_a_bad_country_is_a_defect(orders_map: TranslationMap) -> None:
    [(po, msg)] = translate(
        (D96A / "ORDERS" / "pydifact_wikipedia_de_D96A_UNOC.edi").read_bytes(), orders_map)
    assert po is None
    [d] = msg.report.errors
    assert d.code == "st.business_rule" and d.segment == "UNH"
    assert "parties.0.address.country" in d.message


def test_unknown_unit_is_a_defect(invoic_map: TranslationMap) -> None:
    data = INVOICE.with_suffix(".edi").read_bytes().replace(b"QTY+47:24'", b"QTY+47:24:XYZ'")
    [(record, msg)] = translate(data, invoic_map)
    assert record is None
    [d] = msg.report.errors
    assert (d.code, d.segment, d.element, d.element_seq, d.component_seq, d.value) == (
        "st.business_rule", "QTY", "QTY01-3", 1, 3, "XYZ")
    assert msg.report.status == "rejected"


def test_unsupported_date_format_is_a_defect(orders_map: TranslationMap) -> None:
    data = ORDER.with_suffix(".edi").read_bytes().replace(
        b"DTM+64:20240311:102'", b"DTM+64:20240311:718'")
    [(record, msg)] = translate(data, orders_map)
    assert record is None
    assert [(d.segment, d.element, d.value) for d in msg.report.errors] == [
        ("DTM", "DTM01-2", "20240311")]


def test_decimal_comma_is_read(orders_map: TranslationMap) -> None:
    data = ORDER.with_suffix(".edi").read_bytes().replace(b"UNA:+.? '", b"UNA:+,? '")
    data = data.replace(b"PRI+AAA:1.65'", b"PRI+AAA:1,65'")
    [(record, msg)] = translate(data, orders_map)
    assert msg.report.errors == [] and record.lines[0].unit_price == Decimal("1.65")


# -- outbound and round trips ------------------------------------------------------------

def test_generate_validates_and_round_trips(orders_map: TranslationMap,
                                            invoic_map: TranslationMap) -> None:
    po = PurchaseOrder.model_validate_json(ORDER.with_suffix(".record.json").read_text())
    text = _round_trip(po, orders_map)
    assert "UNH+1+ORDERS:D:96A:UN:EAN008'" in text
    assert "DTM+137:20240304:102'" in text  # written as 102
    assert "PIA+1+44001:IN+SUP-5501:SA'" in text and "LIN+1++8712345000417:EN'" in text
    assert "PRI+AAB:2.1'" in text and "QTY+21:120:PCE'" in text
    inv = Invoice.model_validate_json(INVOICE.with_suffix(".record.json").read_text())
    text = _round_trip(inv, invoic_map)
    assert "RFF+ON:PO-2024-00017'" in text and "MOA+86:171.08'" in text
    assert "FTX+AAB+++Terms?: 2% if paid within 10 days ?+ ?'net 30?' otherwise'" in text


def test_decimal_comma_is_written(orders_map: TranslationMap) -> None:
    po = PurchaseOrder.model_validate_json(ORDER.with_suffix(".record.json").read_text())
    delimiters = default_delimiters()
    delimiters.decimal = ","
    envelope = EdifactEnvelope("8712345000011", "5400001000019", "14", "14",
                               delimiters=delimiters)
    text = _round_trip(po, orders_map, envelope)
    assert text.startswith("UNA:+,? '") and "PRI+AAA:1,65'" in text


def test_a_group_without_its_first_segment_is_refused(invoic_map: TranslationMap) -> None:
    inv = Invoice.model_validate_json(INVOICE.with_suffix(".record.json").read_text())
    terms = (PaymentTerms(discount_percent=Decimal("2")),)  # PCD but nothing for PAT
    with pytest.raises(GatewayError) as exc:
        generate_edifact_segments(inv.model_copy(update={"payment_terms": terms}), invoic_map)
    assert exc.value.code == "outbound.no_trigger"


# -- Hypothesis: restricted to what each map carries ---------------------------------------

DAYS = st.dates(date(2000, 1, 1), date(2049, 12, 31))
UNITS = ["each", "case", "kilogram", "dozen", "pallet", "liter"]
GTINS = ["8712345000417", "5400001002037", "4006381333931", "012345678905", "10012345678902"]
CODES = ["discount", "trade_discount", "promotional", "freight", "handling", "insurance",
         "other"]


def _dates(roles: list[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(st.sampled_from(roles), unique=True, max_size=3).flatmap(
        lambda rs: st.tuples(*[st.fixed_dictionaries({"role": st.just(r), "value": DAYS})
                               for r in rs]).map(list))


_contacts = st.lists(st.fixed_dictionaries({
    "function": st.sampled_from(["buyer", "order", "delivery", "accounts"]),
    "name": _opt(_text(35)), "phone": _opt(st.just("+3292345678")),
    "email": _opt(st.just("edi@example.com")), "fax": _opt(_code(6, 12))}), max_size=2)

_parties = st.lists(st.fixed_dictionaries({
    "role": st.sampled_from(["buyer", "seller", "ship_to", "bill_to", "mark_for", "payer"]),
    "name": _opt(_text(35)),
    "additional_names": st.lists(_text(35), max_size=4),
    "identifiers": st.one_of(st.just([]), st.tuples(
        st.fixed_dictionaries({"qualifier": st.sampled_from(
            ["gln", "duns", "buyer_assigned", "seller_assigned"]), "value": _code(2, 17)}),
        _opt(st.fixed_dictionaries({"qualifier": st.just("tax_registration"),
                                    "value": _code(8, 14)}))
    ).map(lambda t: [i for i in t if i])),
    "address": _opt(st.fixed_dictionaries({
        "lines": st.lists(_text(35), min_size=1, max_size=3),
        "city": _opt(_text(35)), "region": _opt(_code(2, 3)), "postal_code": _opt(_code(4, 9)),
        "country": _opt(st.sampled_from(["BE", "NL", "DE"]))})),
    "contacts": _contacts,
}).map(lambda p: {**p, "additional_names": p["additional_names"] if p["name"] else []}),
    max_size=3)

# one PAT group per item: basic terms (net days) or discount terms (discount days)
_terms = st.lists(st.one_of(
    st.fixed_dictionaries({"basis": st.sampled_from(["invoice", "delivery", "receipt"]),
                           "net_days": st.integers(0, 999), "net_due_date": _opt(DAYS)}),
    st.fixed_dictionaries({"basis": st.sampled_from(["invoice", "ship"]),
                           "discount_days": st.integers(0, 999),
                           "discount_percent": _opt(_dec(1, 999)),
                           "discount_amount": _opt(_dec(2, 10**6)),
                           "discount_due_date": _opt(DAYS)})), max_size=2)

_charges = st.lists(st.fixed_dictionaries({
    "indicator": st.sampled_from(["allowance", "charge"]), "code": st.sampled_from(CODES),
    "amount": _opt(_dec(2, 10**7)), "percent": _opt(_dec(1, 999)),
    "description": _opt(_text(35)),
}).filter(lambda c: c["amount"] is not None or c["percent"] is not None), max_size=2)

_notes = st.lists(st.fixed_dictionaries({
    "topic": st.sampled_from(["general", "delivery", "packing", "payment"]),
    "text": _text(70)}), max_size=2)


def _product() -> dict[str, st.SearchStrategy[Any]]:
    return {"quantity": _dec(2), "unit": st.sampled_from(UNITS),
            "buyer_part_number": _opt(_code(1, 20)), "vendor_part_number": _opt(_code(1, 20)),
            "gtin": _opt(st.sampled_from(GTINS)), "description": _opt(_text(35)),
            "allowances_charges": _charges, "notes": _notes}


_po_lines = st.lists(st.fixed_dictionaries({
    **_product(), "unit_price": _opt(_dec(2)),
    "price_basis": st.sampled_from(["net", "gross"]),
    "pack_size": _opt(st.integers(1, 99).map(Decimal)),
    "destinations": st.lists(st.fixed_dictionaries({
        "location": st.fixed_dictionaries({
            "qualifier": st.sampled_from(["gln", "buyer_assigned"]), "value": _code(2, 13)}),
        "quantity": _dec(0, 999)}), max_size=3),
    "dates": _dates(["requested_delivery", "requested_ship", "do_not_deliver_after"]),
}), min_size=1, max_size=3)


@st.composite
def orders(draw: st.DrawFn) -> PurchaseOrder:
    lines = [{**ln, "line_number": str(n)} for n, ln in enumerate(draw(_po_lines), start=1)]
    delivery = draw(_opt(st.fixed_dictionaries({
        "incoterm": st.sampled_from(["FCA", "DAP", "EXW"]),
        "freight_payment": _opt(st.sampled_from(["prepaid", "collect", "prepaid_and_add"])),
        "location": _opt(_text(35)), "description": _opt(_text(35))})))
    data: dict[str, Any] = {
        "number": draw(_code(1, 35)),
        "purpose": draw(st.sampled_from(["new", "change", "replace", "cancel", "duplicate"])),
        "type": draw(st.sampled_from(["standard", "blanket", "release", "consignment"])),
        "dates": [{"role": "order", "value": draw(DAYS)}, *draw(_dates(
            ["requested_delivery", "do_not_deliver_before", "cancel_after",
             "promotion_start"]))],
        "currency": draw(_opt(st.sampled_from(["EUR", "GBP"]))),
        "references": draw(st.lists(st.fixed_dictionaries({
            "qualifier": st.sampled_from(["contract", "promotion", "vendor_number",
                                          "customer_order"]),
            "value": _code(1, 35)}), max_size=3)),
        "notes": draw(_notes),
        "parties": draw(_parties),
        "payment_terms": draw(_terms),
        "delivery_terms": delivery,
        "carrier": draw(_opt(st.fixed_dictionaries({
            "scac": _opt(st.sampled_from(["SCNN", "DHLF", "UPSN"])),
            "transport_mode": st.sampled_from(["motor", "rail", "air", "ocean"])}))),
        "allowances_charges": draw(_charges),
        "lines": lines,
        "totals": {"line_count": len(lines), "quantity": draw(_opt(_dec(0))),
                   "amount": draw(_opt(_dec(2, 10**7)))},
    }
    return PurchaseOrder.model_validate(data)


_taxes = st.lists(st.fixed_dictionaries({
    "type": st.sampled_from(["vat", "gst", "excise", "other"]),
    "category": _opt(st.sampled_from(["standard", "reduced", "zero", "exempt"])),
    "rate": _opt(_dec(1, 999)), "amount": _opt(_dec(2, 10**6)),
}), max_size=2)


@st.composite
def invoices(draw: st.DrawFn) -> Invoice:
    lines = [{**ln, "line_number": str(n)} for n, ln in enumerate(draw(st.lists(
        st.fixed_dictionaries({
            **_product(), "unit_price": _dec(2),
            "price_basis": st.sampled_from(["net", "gross"]), "amount": _opt(_dec(2, 10**7)),
            "taxes": _taxes}), min_size=1, max_size=3)), start=1)]
    charges = [{**c, "base_amount": draw(_opt(_dec(2, 10**7)))} for c in draw(_charges)]
    dates = [{"role": "invoice", "value": draw(DAYS)}]
    if draw(st.booleans()):
        dates.append({"role": "order", "value": draw(DAYS)})
    dates += draw(_dates(["delivery", "ship", "estimated_delivery"]))
    data: dict[str, Any] = {
        "number": draw(_code(1, 35)),
        "type": draw(st.sampled_from(["debit", "credit"])),
        "purpose": draw(st.sampled_from(["new", "change", "replace", "cancel", "duplicate"])),
        "dates": dates,
        "order_number": draw(_opt(_code(1, 35))),
        "currency": draw(_opt(st.sampled_from(["EUR", "USD"]))),
        "notes": draw(_notes),
        "references": draw(st.lists(st.fixed_dictionaries({
            "qualifier": st.sampled_from(["ship_notice", "contract", "bill_of_lading"]),
            "value": _code(1, 35)}), max_size=3)),
        "parties": draw(_parties),
        "payment_terms": draw(_terms),
        "lines": lines,
        "allowances_charges": charges,
        "taxes": [{**t, "taxable_amount": draw(_opt(_dec(2, 10**7)))} for t in draw(_taxes)],
        "totals": {"total_amount": draw(_dec(2, 10**9)),
                   "lines_amount": draw(_opt(_dec(2, 10**9))),
                   "tax_amount": draw(_opt(_dec(2, 10**7))),
                   "allowance_amount": draw(_opt(_dec(2, 10**7))),
                   "charge_amount": draw(_opt(_dec(2, 10**7))),
                   "line_count": draw(_opt(st.just(len(lines))))},
    }
    return Invoice.model_validate(data)


@settings(max_examples=75, deadline=None)
@given(record=orders())
def test_order_round_trip_property(record: PurchaseOrder) -> None:
    _round_trip(record, load_map(map_for("edifact", "D96A", "ORDERS")))


@settings(max_examples=75, deadline=None)
@given(record=invoices())
def test_invoice_round_trip_property(record: Invoice) -> None:
    _round_trip(record, load_map(map_for("edifact", "D96A", "INVOIC")))


# -- the CLI --------------------------------------------------------------------------------

def test_cli_translate_edifact(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["translate", str(ORDER.with_suffix(".edi")), "--partner", "generic",
                 "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["errors"] == []
    [d] = doc["documents"]
    assert (d["type"], d["interchange_control_number"], d["transaction_control_number"]) == (
        "purchase_order", "ICR0042", "ORD0420")
    assert d["record"] == json.loads(ORDER.with_suffix(".record.json").read_text())


def test_cli_generate_invoice_for_eurofresh(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = INVOICE.with_suffix(".record.json")
    code = main(["generate", str(record), "--partner", "eurofresh"])
    edi = capsys.readouterr().out
    # the profile's syntax: UNA, UNOC version 3, GLNs with qualifier 14, one segment a line
    assert code == 0 and edi.startswith("UNA:+.? '\nUNB+UNOC:3+8712345000011:14+"
                                        "5400001000019:14+")
    assert "UNH+1+INVOIC:D:96A:UN:EAN008'\n" in edi and "UNZ+1+1'\n" in edi
    out_file = tmp_path / "invoice.edi"
    out_file.write_text(edi, encoding="latin-1")
    assert main(["validate", str(out_file)]) == 0
    capsys.readouterr()
    assert main(["translate", "--partner", "generic", "--json", str(out_file)]) == 0
    doc = json.loads(capsys.readouterr().out)
    # amounts come back equal as decimals ("15.00" is written as 15)
    assert Invoice.model_validate(doc["documents"][0]["record"]) == \
        Invoice.model_validate_json(record.read_text())


def test_cli_generate_refuses_a_document_the_partner_does_not_receive(
        capsys: pytest.CaptureFixture[str]) -> None:
    # EuroFresh sends us ORDERS; they do not receive them
    code = main(["generate", str(ORDER.with_suffix(".record.json")), "--partner",
                 "eurofresh"])
    assert code != 0
    assert "partner.document_not_agreed" in capsys.readouterr().err


_ODD_EDIFACT = [b"", b"0", b"-", b"1,5", b"1.5.5", b"??", b"20241301", b"999999999999", b"ZZZ",
                b"EN", b"SA", b"102", b"203", b"101", b"x" * 80, b"A:B:C:D:E:F", b"21", b"AAA",
                b"AAB", b"BY", b"SU", b"7"]


@pytest.mark.parametrize("seed", range(2))
def test_mutated_messages_never_crash_translation(tmp_path: Path, seed: int) -> None:
    """ORDERS and INVOIC with random element values replaced: ``translate`` reports what it
    cannot carry (or validation rejects the message) and never raises."""
    from gateway.benchgen import generate_edifact_translate
    from gateway.translate.run import translate_file

    path = tmp_path / "translate.edi"
    generate_edifact_translate(path, 150_000)
    path.write_bytes(mutate(path.read_bytes(), b"'", b"+", (b"UNA:", b"UNB", b"UNZ", b"UNH",
                                                            b"UNT"), _ODD_EDIFACT, 150, seed))
    out = translate_file(path, partner="generic")
    assert out.documents and out.errors  # both good and refused messages
    assert all(e.get("code") for e in out.errors)
