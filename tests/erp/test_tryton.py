"""The Tryton connector against a real trytond 8.2 (tests/erp/tryton_server.py): the example
partners' files are translated, delivered, and read back from Tryton over JSON-RPC.

Tests isolate themselves by document number (a copy of a record with a unique PO or invoice
number), not by a fresh database; only the Acme Supply story (855 → 856 → 810 against the
purchase PO-2026-00071 of the template) uses the example numbers as they are.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from gateway.canonical import RECORD_TYPES, Invoice, PurchaseOrder
from gateway.erp import Delivery, Rejected, Retry
from gateway.erp.jsonrpc import TrytonRpc
from gateway.erp.tryton import TrytonConnector, _items, connector_for_settings
from gateway.errors import ConfigError
from gateway.partners.endpoints import TrytonErp
from gateway.translate.run import translate_file
from tests.erp.tryton_server import ADMIN_PASSWORD, DATABASE, TrytonServer, free_port

pytestmark = pytest.mark.erp

ROOT = Path(__file__).resolve().parents[2]
PARTNERS = ROOT / "fixtures/partners"
OUR_PO = PurchaseOrder.model_validate_json(
    (PARTNERS / "acme-supply/outbound/850-replenishment.json").read_text())


def deliveries(path: Path, partner: str) -> list[Delivery]:
    """The canonical records of a partner's sample file, as the pipeline would deliver them."""
    out = translate_file(path, partner=partner, partners_dir=ROOT / "partners",
                         orders={OUR_PO.number: OUR_PO})
    found = []
    for doc in out.documents:
        ctl = [doc["interchange_control_number"], doc["group_control_number"],
               doc["transaction_control_number"]]
        record = RECORD_TYPES[doc["type"]].model_validate(doc["record"])
        found.append(Delivery(
            idempotency_key=":".join([partner, *(c or "" for c in ctl)]), partner_id=partner,
            document_type=doc["type"], record=record, document_id=len(found) + 1,
            context={"interchange_control_number": ctl[0], "file": path.name}))
    assert found, out.errors
    return found


def one(path: str, partner: str) -> Delivery:
    first, *_ = deliveries(PARTNERS / partner / "inbound" / path, partner)
    return first


def renamed(d: Delivery, **changes: Any) -> Delivery:
    """``d`` under a fresh key, its record changed (e.g. a unique number)."""
    record: BaseModel = d.record.model_copy(update=changes)
    record = type(record).model_validate(record.model_dump())  # still a valid record
    return Delivery(f"{d.idempotency_key}:{uuid.uuid4().hex[:8]}", d.partner_id,
                    d.document_type, record, d.document_id, d.context)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


def settings(server: TrytonServer, party: str | None = None, **kw: Any) -> TrytonErp:
    return TrytonErp(connector="tryton", url=server.url, database=DATABASE,  # type: ignore[arg-type]
                     user="admin", password_env="EDI_TEST_TRYTON_PASSWORD", party=party, **kw)


@pytest.fixture
def connect(tryton_server: TrytonServer) -> Iterator[Any]:
    made: list[TrytonConnector] = []

    def build(party: str | None = None, **kw: Any) -> TrytonConnector:
        confirm = kw.pop("confirm_sales", False)
        c = TrytonConnector(settings(tryton_server, party, **kw), confirm_sales=confirm,
                            password=ADMIN_PASSWORD)
        made.append(c)
        return c
    yield build
    for c in made:
        c.close()


@pytest.fixture
def rpc(tryton_server: TrytonServer) -> Iterator[TrytonRpc]:
    """Our own session for reading back what the connector did."""
    client = TrytonRpc(tryton_server.url, DATABASE, "admin", ADMIN_PASSWORD)
    yield client
    client.close()


def rid(erp_ref: str, model: str) -> int:
    name, _, number = erp_ref.partition(",")
    assert name == model
    return int(number)


def lines_of(rpc: TrytonRpc, model: str, ids: list[int]) -> dict[str, dict[str, Any]]:
    rows = rpc.read(model, ids, ["product.code", "quantity", "unit_price", "unit.name",
                                 "taxes", "note"])
    return {r["product."]["code"]: r for r in rows}


# -- customer orders -> sales -----------------------------------------------------------------

def test_bigbox_850_becomes_a_quoted_sale(connect: Any, rpc: TrytonRpc) -> None:
    d = one("850-store-distribution.edi", "bigbox")
    receipt = connect(party="BIGBOX").deliver(d)
    assert receipt.created
    sale, = rpc.read("sale.sale", [rid(receipt.erp_ref, "sale.sale")], [
        "number", "reference", "state", "party.code", "sale_date", "currency.code",
        "untaxed_amount", "total_amount", "lines", "comment", "shipment_address.street",
        "shipment_address.postal_code"])
    assert sale["reference"] == "BB4410023"
    assert sale["state"] == "quotation" and sale["number"]  # quote assigns the number
    assert sale["party."]["code"] == "BIGBOX"
    assert sale["sale_date"] == date(2026, 1, 5)
    assert sale["currency."]["code"] == "USD"
    assert sale["shipment_address."]["street"] == "4500 COMMERCE PKWY"
    assert sale["shipment_address."]["postal_code"] == "43219"
    assert d.idempotency_key in sale["comment"]
    lines = lines_of(rpc, "sale.line", sale["lines"])
    # 4 cases of 12 at 57.60 a case: 48 units at 4.80
    assert {code: (ln["quantity"], ln["unit_price"], ln["unit."]["name"])
            for code, ln in lines.items()} == {
        "AHG-TUMBLER-20-BLK": (48, Decimal("4.8"), "Unit"),
        "AHG-MUG-SET-4-WHT": (36, Decimal("8.75"), "Unit"),
        "AHG-FRENCH-PRESS-1L": (10, Decimal("24.5"), "Unit")}
    assert all(ln["taxes"] for ln in lines.values())  # the products' customer tax
    assert "STORE-TOLEDO-07 18" in lines["AHG-MUG-SET-4-WHT"]["note"]
    assert sale["untaxed_amount"] == Decimal("790.40")  # the PO's own total
    assert sale["total_amount"] == Decimal("845.73")  # with 7 % sales tax


def test_eurofresh_orders_found_by_gln_and_confirmed(connect: Any, rpc: TrytonRpc) -> None:
    d = one("orders-two-delivery-points.edi", "eurofresh")
    receipt = connect(party=None, confirm_sales=True).deliver(d)  # no party code: GLN only
    sale, = rpc.read("sale.sale", [rid(receipt.erp_ref, "sale.sale")], [
        "reference", "state", "party.code", "currency.code", "untaxed_amount", "lines",
        "shipments", "shipment_address.street"])
    assert (sale["reference"], sale["party."]["code"]) == ("EF-PO-2601-0417", "EUROFRESH")
    assert sale["state"] == "processing" and sale["shipments"]  # confirmed: shipment made
    assert sale["currency."]["code"] == "EUR"
    assert sale["shipment_address."]["street"] == "Noorderlaan 147"
    lines = lines_of(rpc, "sale.line", sale["lines"])
    assert {c: (ln["quantity"], ln["unit_price"]) for c, ln in lines.items()} == {
        "JUI-ORA-1L": (240, Decimal("1.65")), "JUI-APL-1L": (120, Decimal("1.45")),
        "JUI-MUL-1L": (60, Decimal("1.8"))}
    assert sale["untaxed_amount"] == Decimal("678.00")


def test_draft_only_when_the_profile_says_so(connect: Any, rpc: TrytonRpc) -> None:
    d = one("850-store-distribution.edi", "bigbox")
    d = renamed(d, number=unique("BB"))
    receipt = connect(party="BIGBOX", sale_action="draft").deliver(d)
    sale, = rpc.read("sale.sale", [rid(receipt.erp_ref, "sale.sale")], ["state", "number"])
    assert sale == {"id": sale["id"], "state": "draft", "number": None}


def test_the_same_po_twice_creates_one_sale(connect: Any, rpc: TrytonRpc) -> None:
    d = renamed(one("850-store-distribution.edi", "bigbox"), number=unique("BB"))
    number = d.record.number  # type: ignore[attr-defined]
    first = connect(party="BIGBOX").deliver(d)
    again = connect(party="BIGBOX").deliver(d)  # a new connector: nothing cached
    assert first.created and not again.created
    assert again.erp_ref == first.erp_ref
    assert rpc.model("sale.sale", "search_count", [("reference", "=", number)]) == 1


def test_a_redelivery_after_a_cut_finishes_the_workflow(connect: Any, rpc: TrytonRpc) -> None:
    d = renamed(one("850-store-distribution.edi", "bigbox"), number=unique("BB"))
    first = connect(party="BIGBOX", sale_action="draft").deliver(d)  # as if cut after create
    again = connect(party="BIGBOX", sale_action="quote").deliver(d)
    assert not again.created and again.erp_ref == first.erp_ref
    sale, = rpc.read("sale.sale", [rid(first.erp_ref, "sale.sale")], ["state"])
    assert sale["state"] == "quotation"


def test_an_unknown_product_is_rejected_by_name(connect: Any, rpc: TrytonRpc) -> None:
    d = one("850-store-distribution.edi", "bigbox")
    po: PurchaseOrder = d.record  # type: ignore[assignment]
    stranger = po.lines[2].model_copy(update={
        "sku": "AHG-NO-SUCH-THING", "gtin": "00000000", "buyer_part_number": "999999",
        "vendor_part_number": None})
    d = renamed(d, number=unique("BB"), lines=(*po.lines[:2], stranger))
    with pytest.raises(Rejected, match="no Tryton product for line 3 "
                       r"\(SKU AHG-NO-SUCH-THING, GTIN 00000000, buyer part 999999\)"):
        connect(party="BIGBOX").deliver(d)
    assert rpc.search("sale.sale", [("reference", "=", d.record.number)]) == []  # type: ignore[attr-defined]


def test_an_unknown_party_is_rejected_with_what_was_tried(connect: Any) -> None:
    d = one("orders-two-delivery-points.edi", "eurofresh")
    po: PurchaseOrder = d.record  # type: ignore[assignment]
    buyer = po.parties[0].model_copy(update={"identifiers": (
        po.parties[0].identifiers[0].model_copy(update={"value": "5400009999994"}),)})
    others = tuple(p for p in po.parties if p.role not in ("buyer", "bill_to"))  # bill-to: GLN
    d = renamed(d, number=unique("EF"), parties=(buyer, *others))
    with pytest.raises(Rejected, match="no Tryton party for the buyer .* GLN 5400009999994"):
        connect(party=None).deliver(d)


# -- our supplier Acme: 855, 856, 810 against the purchase we sent ---------------------------

def test_acme_supply_acknowledges_ships_and_invoices_our_purchase(
        connect: Any, rpc: TrytonRpc) -> None:
    acme = connect(party="ACME-SUPPLY")
    fields = ["number", "state", "reference", "comment", "lines", "moves", "invoices",
              "shipment_state"]
    purchase, = rpc.search_read("purchase.purchase", [("number", "=", "PO-2026-00071")], fields)
    assert purchase["state"] == "quotation"  # as the template leaves it: the 850 went out

    # 855: accepted with changes -> confirmed; line 2: 96 now, 24 backordered, price 3.25
    ack = one("855-acknowledgement.edi", "acme-supply")
    receipt = acme.deliver(ack)
    assert rid(receipt.erp_ref, "purchase.purchase") == purchase["id"]
    purchase, = rpc.read("purchase.purchase", [purchase["id"]], fields)
    assert purchase["state"] == "processing" and purchase["reference"] == "SO-558120"
    assert "backordered 24 confirmed ship 2026-01-28" in purchase["comment"]
    lines = lines_of(rpc, "purchase.line", purchase["lines"])
    mugs = lines["AHG-MUG-SET-4-WHT"]
    assert (mugs["quantity"], mugs["unit_price"]) == (120, Decimal("3.10"))  # still ordered
    assert "supplier's price 3.25, ours 3.10 (not applied)" in mugs["note"]
    assert not acme.deliver(ack).created

    # 856: 240 + 96 + 60 received into the warehouse, 24 mugs still to come
    asn = one("856-standard-pack.edi", "acme-supply")
    receipt = acme.deliver(asn)
    shipment, = rpc.read("stock.shipment.in", [rid(receipt.erp_ref, "stock.shipment.in")],
                         ["reference", "state", "incoming_moves", "supplier.code"])
    assert (shipment["reference"], shipment["state"]) == ("ASN-558120-1", "done")
    assert shipment["supplier."]["code"] == "ACME-SUPPLY"
    moves = rpc.read("stock.move", shipment["incoming_moves"],
                     ["product.code", "quantity", "state"])
    assert sorted((m["product."]["code"], m["quantity"], m["state"]) for m in moves) == [
        ("AHG-FRENCH-PRESS-1L", 60, "done"), ("AHG-MUG-SET-4-WHT", 96, "done"),
        ("AHG-TUMBLER-20-BLK", 240, "done")]
    purchase, = rpc.read("purchase.purchase", [purchase["id"]], fields)
    assert purchase["shipment_state"] == "partially shipped"
    open_moves = rpc.search_read("stock.move", [("id", "in", purchase["moves"]),
                                                ("state", "=", "draft")],
                                 ["product.code", "quantity"])
    assert [(m["product."]["code"], m["quantity"]) for m in open_moves] == [
        ("AHG-MUG-SET-4-WHT", 24)]
    assert not acme.deliver(asn).created

    # 810: the purchase's draft invoice, now the supplier's AS-INV-88120 for lines 1 and 2
    inv = one("810-invoices.edi", "acme-supply")
    receipt = acme.deliver(inv)
    invoice_id = rid(receipt.erp_ref, "account.invoice")
    assert invoice_id in purchase["invoices"]  # matched, not a second invoice
    invoice, = rpc.read("account.invoice", [invoice_id], [
        "type", "reference", "invoice_date", "state", "total_amount", "lines", "number",
        "party.code"])
    assert (invoice["type"], invoice["reference"], invoice["state"]) == (
        "in", "AS-INV-88120", "posted")
    assert invoice["invoice_date"] == date(2026, 1, 19) and invoice["number"]
    assert invoice["party."]["code"] == "ACME-SUPPLY"
    assert invoice["total_amount"] == Decimal("1536.00")
    lines = lines_of(rpc, "account.invoice.line", invoice["lines"])
    assert {c: (ln["quantity"], ln["unit_price"]) for c, ln in lines.items()} == {
        "AHG-TUMBLER-20-BLK": (240, Decimal("4.85")), "AHG-MUG-SET-4-WHT": (120, Decimal("3.1"))}
    # the French press, not billed yet, waits on the purchase's next draft invoice
    purchase, = rpc.read("purchase.purchase", [purchase["id"]], fields)
    rest = rpc.search_read("account.invoice", [("id", "in", purchase["invoices"]),
                                               ("state", "=", "draft")], ["lines"])
    assert [list(lines_of(rpc, "account.invoice.line", r["lines"])) for r in rest] == [
        ["AHG-FRENCH-PRESS-1L"]]
    again = acme.deliver(inv)
    assert (again.created, again.erp_ref) == (False, receipt.erp_ref)

    # a second ASN for the 24 mugs still to come, under a profile that leaves the shipment in
    # draft for the warehouse to receive; delivered again under "done", it is finished
    order = asn.record.orders[0]  # type: ignore[attr-defined]
    mugs, = [i for i in _items(order.packs, order.items) if i.quantity == 96]
    rest = renamed(asn, number=unique("ASN"), orders=(order.model_copy(update={
        "packs": (), "items": (mugs.model_copy(update={"quantity": Decimal(24)}),)}),))
    receipt = connect(party="ACME-SUPPLY", shipment_action="draft").deliver(rest)
    shipment_id = rid(receipt.erp_ref, "stock.shipment.in")
    shipment, = rpc.read("stock.shipment.in", [shipment_id], ["state", "incoming_moves"])
    assert shipment["state"] == "draft"
    moves = rpc.read("stock.move", shipment["incoming_moves"],
                     ["product.code", "quantity", "state"])
    assert [(m["product."]["code"], m["quantity"], m["state"]) for m in moves] == [
        ("AHG-MUG-SET-4-WHT", 24, "draft")]
    again = connect(party="ACME-SUPPLY", shipment_action="done").deliver(rest)
    assert not again.created and rid(again.erp_ref, "stock.shipment.in") == shipment_id
    shipment, = rpc.read("stock.shipment.in", [shipment_id], ["state"])
    assert shipment["state"] == "done"


def test_an_asn_for_an_unknown_purchase_is_rejected(connect: Any) -> None:
    asn = one("856-standard-pack.edi", "acme-supply")
    order = asn.record.orders[0].model_copy(update={"order_number": "PO-1999-00001"})  # type: ignore[attr-defined]
    with pytest.raises(Rejected, match="no Tryton purchase PO-1999-00001"):
        connect(party="ACME-SUPPLY").deliver(renamed(asn, number=unique("ASN"),
                                                     orders=(order,)))


def test_a_similar_supplier_invoice_is_held_for_review(connect: Any, rpc: TrytonRpc) -> None:
    inv = one("810-invoices.edi", "acme-supply")
    number = unique("AS-INV")
    # not against a purchase: a new supplier invoice, posted
    first = renamed(inv, number=number, order_number=None)
    receipt = connect(party="ACME-SUPPLY").deliver(first)
    posted, = rpc.read("account.invoice", [rid(receipt.erp_ref, "account.invoice")],
                       ["state", "reference", "total_amount", "journal.code"])
    assert (posted["state"], posted["reference"]) == ("posted", number)
    assert posted["total_amount"] == Decimal("1536.00") and posted["journal."]["code"] == "EXP"
    # the same invoice number again, in another interchange: Tryton's similar-invoice warning
    second = renamed(inv, number=number, order_number=None)
    with pytest.raises(Rejected, match=r"Tryton holds it for review: .*similar"):
        connect(party="ACME-SUPPLY").deliver(second)
    states = sorted(r["state"] for r in rpc.search_read(
        "account.invoice", [("reference", "=", number)], ["state"]))
    assert states == ["draft", "posted"]  # the draft waits for a human


def test_an_invoice_with_another_total_is_not_posted(connect: Any, rpc: TrytonRpc) -> None:
    inv: Invoice = one("810-invoices.edi", "acme-supply").record  # type: ignore[assignment]
    d = renamed(one("810-invoices.edi", "acme-supply"), number=unique("AS-INV"),
                order_number=None,
                totals=inv.totals.model_copy(update={"total_amount": Decimal("1540.00")}))
    with pytest.raises(Rejected, match="Tryton's total 1536.00 is not the invoiced 1540.00"):
        connect(party="ACME-SUPPLY").deliver(d)
    row, = rpc.search_read("account.invoice", [("reference", "=", d.record.number)],  # type: ignore[attr-defined]
                           ["state"])
    assert row["state"] == "validated"


# -- when Tryton is away --------------------------------------------------------------------

def test_tryton_stopped_means_retry_and_back_means_delivered(
        tryton_server: TrytonServer, connect: Any, rpc: TrytonRpc) -> None:
    c = connect(party="BIGBOX")
    d = renamed(one("850-store-distribution.edi", "bigbox"), number=unique("BB"))
    c.rpc.login()  # a session from before the stop
    tryton_server.stop()
    try:
        with pytest.raises(Retry, match="unreachable"):
            c.deliver(d)
    finally:
        tryton_server.start(fresh=False, same_port=True)
    assert c.deliver(d).created


def test_nothing_listening_means_retry(tryton_server: TrytonServer) -> None:
    s = settings(tryton_server, "BIGBOX").model_copy(
        update={"url": f"http://127.0.0.1:{free_port()}/"})
    c = TrytonConnector(s, password=ADMIN_PASSWORD, timeout=2)
    with pytest.raises(Retry):
        c.deliver(one("850-store-distribution.edi", "bigbox"))
    c.close()


def test_a_wrong_password_waits_for_the_fix(tryton_server: TrytonServer) -> None:
    c = TrytonConnector(settings(tryton_server, "BIGBOX"), password="not-the-password")
    with pytest.raises(Retry, match="login of 'admin' on 'edi' refused"):
        c.deliver(one("850-store-distribution.edi", "bigbox"))
    c.close()


def test_the_password_comes_from_the_named_variable(
        tryton_server: TrytonServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDI_TEST_TRYTON_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="EDI_TEST_TRYTON_PASSWORD"):
        connector_for_settings(settings(tryton_server))
    monkeypatch.setenv("EDI_TEST_TRYTON_PASSWORD", ADMIN_PASSWORD)
    c = connector_for_settings(settings(tryton_server))
    c.rpc.login()
    assert c.rpc.context["company"]
    c.close()
