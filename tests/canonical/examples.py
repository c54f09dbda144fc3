"""Realistic example records, one or more per record type, shared by the canonical tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from gateway.canonical import (
    AcknowledgementLine,
    Address,
    AllowanceCharge,
    Carrier,
    Contact,
    DateRef,
    DeliveryTerms,
    Destination,
    DocumentNumber,
    Identifier,
    Invoice,
    InvoiceLine,
    InvoiceTotals,
    LineConfirmation,
    Note,
    OrderAcknowledgement,
    OrderTotals,
    Pack,
    Party,
    PaymentTerms,
    ProductId,
    PurchaseOrder,
    PurchaseOrderLine,
    Reference,
    ShipItem,
    ShipNotice,
    ShipOrder,
    Tax,
    Weight,
)
from gateway.canonical.strategies import gs1_check_digit


def sscc(serial: int) -> str:
    body = f"00614141{serial:09d}"  # extension digit 0, GS1 company prefix 0614141
    return body + gs1_check_digit(body)


def store(number: str) -> Identifier:
    return Identifier(qualifier="buyer_assigned", value=number)


BUYER = Party(role="buyer", name="BIGBOX STORES INC",
              identifiers=(Identifier(qualifier="duns", value="123456789"),),
              contacts=(Contact(function="buyer", name="Pat Buyer", phone="479-555-0100",
                                email="pat.buyer@bigbox.example"),))
SELLER = Party(role="seller", name="ACME SUPPLY CO",
               identifiers=(Identifier(qualifier="duns", value="987654321"),
                            Identifier(qualifier="buyer_assigned", value="V00417")))
DC = Party(role="ship_to", name="BIGBOX DC 6094",
           identifiers=(Identifier(qualifier="gln", value="0614141000012"),
                        store("6094")),
           address=Address(lines=("2100 Distribution Way", "Dock 14"), city="Bentonville",
                           region="AR", postal_code="72712", country="US"))
WAREHOUSE = Party(role="ship_from", name="ACME SUPPLY WAREHOUSE",
                  address=Address(lines=("5 Industrial Park",), city="Memphis", region="TN",
                                  postal_code="38118", country="US"))

# A retail 850: cross-dock to a DC, per-store quantities (SDQ), promotional allowance.
PURCHASE_ORDER = PurchaseOrder(
    number=DocumentNumber("4500012345"), purpose="new", type="standard",
    dates=(DateRef(role="order", value=date(2024, 3, 1)),
           DateRef(role="requested_ship", value=date(2024, 3, 10)),
           DateRef(role="cancel_after", value=date(2024, 3, 20))),
    currency="USD",
    parties=(BUYER, SELLER, DC,
             Party(role="bill_to", name="BIGBOX ACCOUNTS PAYABLE",
                   identifiers=(Identifier(qualifier="duns", value="123456789"),))),
    payment_terms=(PaymentTerms(basis="invoice", discount_percent=D("2"), discount_days=10,
                                net_days=30, description="2% 10 NET 30"),),
    delivery_terms=DeliveryTerms(incoterm="FOB", freight_payment="prepaid",
                                 location="Memphis TN"),
    carrier=Carrier(scac="ABCD", transport_mode="ltl", routing="ABC Freight LTL"),
    references=(Reference(qualifier="department", value="092"),
                Reference(qualifier="vendor_number", value="V00417"),
                Reference(qualifier="promotion", value="SPRING24")),
    notes=(Note(topic="marking", text="Mark every carton with the store number"),),
    allowances_charges=(AllowanceCharge(indicator="allowance", code="promotional",
                                        percent=D("3.5"), description="Spring promotion"),),
    lines=(
        PurchaseOrderLine(
            line_number="1", buyer_part_number="554433", vendor_part_number="AC-100-BLU",
            gtin="012345678905",
            product_ids=(ProductId(qualifier="vendor_style", value="AC100"),),
            description="Widget, blue, 12 per case", quantity=D("48"), unit="each",
            unit_price=D("2.4500"), price_basis="net", pack_size=D("12"),
            destinations=(Destination(location=store("0231"), quantity=D("24")),
                          Destination(location=store("0456"), quantity=D("12")),
                          Destination(location=store("1187"), quantity=D("12")))),
        PurchaseOrderLine(
            line_number="2", buyer_part_number="554434", gtin="00012345678912",
            description="Widget refill pack", quantity=D("10.5"), unit="case",
            unit_price=D("18.00"), price_basis="catalog",
            dates=(DateRef(role="requested_delivery", value=date(2024, 3, 14)),),
            allowances_charges=(AllowanceCharge(indicator="charge", code="labeling",
                                                amount=D("5.00")),)),
    ),
    totals=OrderTotals(line_count=2, quantity=D("58.5"), amount=D("306.60")),
)

# An 855 answering it: line 1 split between now and a backorder, line 2 re-priced.
ACKNOWLEDGEMENT = OrderAcknowledgement(
    number=DocumentNumber("ACK-77031"), status="accepted_with_changes",
    order_number=DocumentNumber("4500012345"),
    dates=(DateRef(role="document", value=date(2024, 3, 2)),
           DateRef(role="order", value=date(2024, 3, 1))),
    currency="USD", parties=(BUYER, SELLER),
    references=(Reference(qualifier="sales_order", value="SO-99812"),),
    lines=(
        AcknowledgementLine(
            line_number="1", buyer_part_number="554433", gtin="012345678905",
            quantity=D("48"), unit="each", unit_price=D("2.45"),
            confirmations=(
                LineConfirmation(status="accepted", quantity=D("36"),
                                 schedule=DateRef(role="confirmed_ship",
                                                  value=date(2024, 3, 10))),
                LineConfirmation(status="backordered", quantity=D("12"),
                                 schedule=DateRef(role="confirmed_ship",
                                                  value=date(2024, 4, 2))))),
        AcknowledgementLine(
            line_number="2", buyer_part_number="554434", quantity=D("10.5"), unit="case",
            unit_price=D("18.00"),
            confirmations=(LineConfirmation(status="changed", quantity=D("10.5"),
                                            unit_price=D("18.75")),),
            notes=(Note(text="Price increase effective March 1"),)),
    ),
    totals=OrderTotals(line_count=2),
)

# A pick-and-pack 856: pallet of store-labelled cartons (SSCC-18), lots and expiry dates.
SHIP_NOTICE = ShipNotice(
    number=DocumentNumber("ASN-20240310-01"), purpose="new",
    dates=(DateRef(role="ship", value=date(2024, 3, 10)),
           DateRef(role="estimated_delivery", value=date(2024, 3, 13))),
    parties=(WAREHOUSE, DC), carrier=Carrier(scac="ABCD", transport_mode="ltl"),
    bill_of_lading="BOL778812", pro_number="PRO5566778", trailer_number="TRL-0042",
    lading_quantity=1, lading_packaging="pallet",
    gross_weight=Weight(value=D("412.5"), unit="pound"),
    orders=(
        ShipOrder(
            order_number=DocumentNumber("4500012345"), order_date=date(2024, 3, 1),
            references=(Reference(qualifier="department", value="092"),),
            packs=(Pack(
                sscc=sscc(1), packaging="pallet",
                gross_weight=Weight(value=D("412.5"), unit="pound"),
                packs=(
                    Pack(sscc=sscc(2), packaging="carton",
                         items=(ShipItem(line_number="1", buyer_part_number="554433",
                                         gtin="012345678905", quantity=D("24"), unit="each",
                                         ordered_quantity=D("48"), lot_number="L2402A",
                                         expiry_date=date(2026, 2, 28)),)),
                    Pack(sscc=sscc(3), packaging="carton",
                         items=(ShipItem(line_number="1", buyer_part_number="554433",
                                         gtin="012345678905", quantity=D("12"), unit="each",
                                         lot_number="L2402B",
                                         expiry_date=date(2026, 3, 31)),)),
                    Pack(sscc=sscc(4), packaging="case",
                         items=(ShipItem(line_number="2", buyer_part_number="554434",
                                         quantity=D("10.5"), unit="case"),)),
                )),)),
        ShipOrder(
            order_number=DocumentNumber("4500012399"),
            parties=(Party(role="mark_for", identifiers=(store("0231"),)),),
            items=(ShipItem(line_number="1", vendor_part_number="AC-200", quantity=D("6"),
                            unit="each"),)),
    ),
)

# An 810 with a line allowance, a freight charge, sales tax and 2% 10 net 30 terms.
INVOICE = Invoice(
    number=DocumentNumber("INV-2024-0310"), type="debit",
    dates=(DateRef(role="invoice", value=date(2024, 3, 10)),
           DateRef(role="order", value=date(2024, 3, 1)),
           DateRef(role="ship", value=date(2024, 3, 10))),
    order_number=DocumentNumber("4500012345"), currency="USD",
    parties=(SELLER, BUYER,
             Party(role="remit_to", name="ACME SUPPLY CO LOCKBOX",
                   address=Address(lines=("PO Box 9001",), city="Chicago", region="IL",
                                   postal_code="60601", country="US"))),
    payment_terms=(PaymentTerms(basis="invoice", discount_percent=D("2.00"), discount_days=10,
                                discount_due_date=date(2024, 3, 20), net_days=30,
                                net_due_date=date(2024, 4, 9)),),
    references=(Reference(qualifier="bill_of_lading", value="BOL778812"),
                Reference(qualifier="ship_notice", value="ASN-20240310-01")),
    lines=(
        InvoiceLine(line_number="1", buyer_part_number="554433", gtin="012345678905",
                    quantity=D("36"), unit="each", unit_price=D("2.45"), price_basis="net",
                    amount=D("88.20"),
                    allowances_charges=(AllowanceCharge(
                        indicator="allowance", code="promotional", percent=D("3.5"),
                        base_amount=D("88.20"), amount=D("3.09")),)),
        InvoiceLine(line_number="2", buyer_part_number="554434", quantity=D("10.5"),
                    unit="case", unit_price=D("18.75"), amount=D("196.88"),
                    taxes=(Tax(type="sales", category="standard", rate=D("6.5"),
                               taxable_amount=D("196.88"), amount=D("12.80")),)),
    ),
    allowances_charges=(AllowanceCharge(indicator="charge", code="freight",
                                        amount=D("25.00")),),
    taxes=(Tax(type="state", rate=D("6.5"), taxable_amount=D("281.99"), amount=D("18.33")),),
    totals=InvoiceTotals(total_amount=D("325.32"), lines_amount=D("285.08"),
                         discountable_amount=D("281.99"), allowance_amount=D("3.09"),
                         charge_amount=D("25.00"), tax_amount=D("18.33"), line_count=2),
)

CREDIT_NOTE = Invoice(
    number=DocumentNumber("CR-2024-0007"), type="credit",
    dates=(DateRef(role="invoice", value=date(2024, 4, 1)),),
    order_number=DocumentNumber("4500012345"), currency="USD", parties=(SELLER, BUYER),
    references=(Reference(qualifier="invoice", value="INV-2024-0310"),),
    notes=(Note(topic="payment", text="Credit for 2 damaged units"),),
    lines=(InvoiceLine(line_number="1", buyer_part_number="554433", quantity=D("2"),
                       unit="each", unit_price=D("2.45"), amount=D("4.90")),),
    totals=InvoiceTotals(total_amount=D("4.90")),
)

EXAMPLES = {
    "purchase_order": PURCHASE_ORDER,
    "order_acknowledgement": ACKNOWLEDGEMENT,
    "ship_notice": SHIP_NOTICE,
    "invoice": INVOICE,
    "credit_note": CREDIT_NOTE,
}
"""Example name → record."""
