"""Hypothesis strategies for the canonical records: one per record type.

Only tests import this module (Hypothesis is a test dependency). The records generated are ones
a realistic X12 or EDIFACT document can carry, so the map round-trip tests
(``translate(generate(record)) == record``) can draw from them:

- text is printable ASCII from :data:`TEXT_CHARACTERS`, which leaves out the characters X12
  and EDIFACT use as delimiters or release character (``* ~ ^ | > < : + ' ? \\``); lengths stay
  within the smaller of the X12 and EDIFACT element sizes (identifiers ≤ 20, names ≤ 35,
  descriptions ≤ 35, notes ≤ 70);
- quantities have up to 9 digits with 0-3 decimals, money 2 decimals (up to 10 digits), unit
  prices 2-4 decimals, percentages 0.00-100.00; all are positive or zero;
- dates lie in 2000-2049 (safe for 6-digit YYMMDD dates too);
- roles are unique where a document names them once: one date per role, one party per role at
  each level, unique line numbers, one identifier per qualifier;
- segment-like parts carry what the standards require of them: a party has a name or an id,
  a line an item number or GTIN, totals a line count, delivery terms who pays freight, and
  terms, taxes and carriers at least one value.
"""

from __future__ import annotations

import string
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import strategies as st
from pydantic import BaseModel

from gateway.canonical.acknowledgement import (
    AcknowledgementLine,
    LineConfirmation,
    OrderAcknowledgement,
)
from gateway.canonical.common import (
    Address,
    AllowanceCharge,
    Carrier,
    Contact,
    DateRef,
    DeliveryTerms,
    Identifier,
    Note,
    OrderTotals,
    Party,
    PaymentTerms,
    ProductId,
    ProductLine,
    Reference,
    Tax,
    Weight,
)
from gateway.canonical.invoice import Invoice, InvoiceLine, InvoiceTotals
from gateway.canonical.purchase_order import Destination, PurchaseOrder, PurchaseOrderLine
from gateway.canonical.ship_notice import Pack, ShipItem, ShipNotice, ShipOrder

T = TypeVar("T")
S = st.SearchStrategy

TEXT_CHARACTERS = string.ascii_letters + string.digits + " !\"#$%&(),-./;=@_"
"""Characters free text is drawn from: printable ASCII without EDI delimiters."""
ID_CHARACTERS = string.ascii_uppercase + string.digits + "-"
"""Characters identifiers and document numbers are drawn from."""

# -- scalars -------------------------------------------------------------------------------


def text(max_size: int = 35) -> S[str]:
    """Free text: 1..max_size characters, no leading or trailing space."""
    return st.text(TEXT_CHARACTERS, min_size=1, max_size=max_size).map(str.strip).filter(bool)


def code(max_size: int = 20, alphabet: str = ID_CHARACTERS) -> S[str]:
    """An identifier or number."""
    return st.text(alphabet, min_size=1, max_size=max_size)


def digits(size: int) -> S[str]:
    return st.text(string.digits, min_size=size, max_size=size)


def decimals(max_digits: int, places: S[int], minimum: int = 0) -> S[Decimal]:
    """Decimals with at most ``max_digits`` digits and a scale drawn from ``places``."""
    return st.tuples(st.integers(minimum, 10 ** max_digits - 1), places).map(
        lambda t: Decimal(t[0]).scaleb(-t[1]))


quantities = decimals(9, st.integers(0, 3), minimum=1)
money = decimals(10, st.just(2))
unit_prices = decimals(9, st.integers(2, 4))
percents = st.integers(0, 10_000).map(lambda n: Decimal(n).scaleb(-2))
weights = decimals(8, st.integers(0, 2), minimum=1)
dates = st.dates(date(2000, 1, 1), date(2049, 12, 31))
currencies = st.sampled_from(["USD", "EUR", "CAD", "GBP", "MXN", "SEK"])
countries = st.sampled_from(["US", "CA", "MX", "DE", "FR", "GB", "NL", "SE"])
units = st.sampled_from(["each", "case", "carton", "dozen", "pack", "pound", "kilogram"])


def gs1_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of ``body`` (GTIN and SSCC alike)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


gtins = st.sampled_from([11, 12, 13]).flatmap(digits).map(lambda b: b + gs1_check_digit(b))
ssccs = digits(17).map(lambda b: b + gs1_check_digit(b))


def optional(strategy: S[T]) -> S[T | None]:
    return st.none() | strategy


def tuples(strategy: S[T], max_size: int, min_size: int = 0, **kw: Any) -> S[tuple[T, ...]]:
    return st.lists(strategy, min_size=min_size, max_size=max_size, **kw).map(tuple)


def date_refs(roles: list[str], max_size: int = 3) -> S[tuple[DateRef, ...]]:
    """Dates with distinct roles drawn from ``roles``."""
    return tuples(st.builds(DateRef, role=st.sampled_from(roles), value=dates), max_size,
                  unique_by=lambda d: d.role)

# -- shared parts --------------------------------------------------------------------------


identifiers = st.builds(
    Identifier, qualifier=st.sampled_from(["duns", "gln", "buyer_assigned", "seller_assigned"]),
    value=code(13, string.digits))
addresses = st.builds(
    Address, lines=tuples(text(35), 2, min_size=1), city=optional(text(30)),
    region=optional(code(2, string.ascii_uppercase)), postal_code=optional(digits(5)),
    country=optional(countries))
contacts = st.builds(
    Contact, function=st.sampled_from(["buyer", "order", "receiving", "accounts"]),
    name=optional(text(35)), phone=optional(digits(10)),
    email=optional(st.tuples(code(10, string.ascii_lowercase), code(10, string.ascii_lowercase))
                   .map(lambda t: f"{t[0]}@{t[1]}.com")))


def party(role: str) -> S[Party]:
    """A party named or identified (X12 N1 needs a name or an id, so does a useful NAD)."""
    return st.builds(Party, role=st.just(role), name=optional(text(35)),
                     additional_names=tuples(text(35), 2),
                     identifiers=tuples(identifiers, 2, unique_by=lambda i: i.qualifier),
                     address=optional(addresses), contacts=tuples(contacts, 1)
                     ).filter(lambda p: bool(p.name or p.identifiers))


def _some(model: BaseModel) -> bool:
    """True when a segment-like part carries at least one value besides its qualifiers."""
    return any(getattr(model, f) is not None for f in type(model).model_fields
               if f not in ("type", "basis", "category"))


def parties(roles: list[str], max_size: int = 4) -> S[tuple[Party, ...]]:
    """Parties with distinct roles drawn from ``roles``."""
    return st.lists(st.sampled_from(roles), max_size=max_size, unique=True).flatmap(
        lambda chosen: st.tuples(*(party(r) for r in chosen)))


def references(qualifiers: list[str], max_size: int = 3) -> S[tuple[Reference, ...]]:
    return tuples(st.builds(Reference, qualifier=st.sampled_from(qualifiers), value=code()),
                  max_size, unique_by=lambda r: r.qualifier)


notes = tuples(st.builds(Note, topic=st.sampled_from(["general", "delivery", "packing"]),
                         text=text(70)), 2)
product_ids = tuples(st.builds(ProductId, qualifier=st.sampled_from(["vendor_style", "catalog"]),
                               value=code()), 1)
allowances_charges = tuples(
    st.builds(AllowanceCharge, indicator=st.sampled_from(["allowance", "charge"]),
              code=st.sampled_from(["discount", "promotional", "freight", "handling", "other"]),
              amount=money, percent=optional(percents), description=optional(text(35))), 2)
taxes = tuples(st.builds(Tax, type=st.sampled_from(["vat", "sales", "state"]),
                         rate=optional(percents), amount=optional(money)).filter(_some), 2,
               unique_by=lambda t: t.type)
payment_terms = tuples(
    st.builds(PaymentTerms, basis=optional(st.sampled_from(["invoice", "delivery"])),
              discount_percent=optional(percents),
              discount_days=optional(st.integers(0, 90)), net_days=optional(st.integers(0, 120)),
              description=optional(text(35))).filter(_some), 1)
delivery_terms = st.builds(
    DeliveryTerms, incoterm=optional(st.sampled_from(["FOB", "EXW", "DDP", "CIF"])),
    freight_payment=st.sampled_from(["prepaid", "collect"]),
    location=optional(text(35)))
carriers = st.builds(
    Carrier, scac=optional(code(4, string.ascii_uppercase).filter(lambda s: len(s) >= 2)),
    transport_mode=optional(st.sampled_from(["motor", "ltl", "air", "parcel"])),
    routing=optional(text(35))).filter(_some)
weights_with_unit = st.builds(Weight, value=weights,
                              unit=st.sampled_from(["kilogram", "pound"]))
line_numbers = code(6, string.digits)

# -- purchase order ------------------------------------------------------------------------


def _identified(line: ProductLine) -> bool:
    return bool(line.buyer_part_number or line.vendor_part_number or line.gtin)


def _product(**kw: Any) -> dict[str, Any]:
    return dict(line_number=line_numbers, buyer_part_number=optional(code()),
                vendor_part_number=optional(code()), gtin=optional(gtins),
                product_ids=product_ids, description=optional(text(35)), **kw)


destinations = tuples(
    st.builds(Destination, location=st.builds(Identifier, qualifier=st.just("buyer_assigned"),
                                              value=code(6, string.digits)),
              quantity=quantities), 4, unique_by=lambda d: d.location.value)
order_lines = st.builds(PurchaseOrderLine, **_product(
    quantity=quantities, unit=units, unit_price=optional(unit_prices),
    price_basis=optional(st.sampled_from(["net", "catalog", "contract"])),
    pack_size=optional(decimals(4, st.just(0), minimum=1)),
    dates=date_refs(["requested_delivery", "requested_ship"], 2), destinations=destinations,
    allowances_charges=allowances_charges, notes=notes)).filter(_identified)
order_totals = st.builds(OrderTotals, line_count=st.integers(1, 999),
                         quantity=optional(quantities), amount=optional(money))


def purchase_orders() -> S[PurchaseOrder]:
    """Purchase orders as an 850 or ORDERS can carry them."""
    return st.builds(
        PurchaseOrder, number=code(), purpose=st.sampled_from(["new", "change", "cancel"]),
        type=st.sampled_from(["standard", "blanket", "release", "drop_ship"]),
        dates=date_refs(["order", "requested_delivery", "requested_ship", "cancel_after"], 4),
        currency=optional(currencies),
        parties=parties(["buyer", "seller", "ship_to", "bill_to", "mark_for"], 5),
        contacts=tuples(contacts, 2), payment_terms=payment_terms, delivery_terms=optional(delivery_terms),
        carrier=optional(carriers),
        references=references(["contract", "department", "promotion", "vendor_number"]),
        notes=notes, allowances_charges=allowances_charges,
        lines=tuples(order_lines, 5, min_size=1, unique_by=lambda ln: ln.line_number),
        totals=optional(order_totals))

# -- order acknowledgement -----------------------------------------------------------------


confirmations = tuples(st.builds(
    LineConfirmation, status=st.sampled_from(["accepted", "changed", "rejected", "backordered"]),
    quantity=optional(quantities), unit_price=optional(unit_prices),
    schedule=optional(st.builds(DateRef, role=st.sampled_from(
        ["confirmed_ship", "confirmed_delivery"]), value=dates))), 3, min_size=1)
ack_lines = st.builds(AcknowledgementLine, **_product(
    quantity=quantities, unit=units, unit_price=optional(unit_prices),
    confirmations=confirmations, notes=notes)).filter(_identified)


def order_acknowledgements() -> S[OrderAcknowledgement]:
    """Order acknowledgements as an 855 or ORDRSP can carry them."""
    return st.builds(
        OrderAcknowledgement, number=optional(code()), purpose=st.sampled_from(["new", "change"]),
        status=st.sampled_from(["accepted", "accepted_with_changes", "rejected"]),
        order_number=code(), dates=date_refs(["document", "order"], 2),
        currency=optional(currencies), parties=parties(["buyer", "seller", "ship_to"], 3),
        contacts=tuples(contacts, 2),
        references=references(["sales_order", "contract"]), notes=notes,
        lines=tuples(ack_lines, 4, unique_by=lambda ln: ln.line_number),
        totals=optional(order_totals))

# -- ship notice ---------------------------------------------------------------------------


ship_items = st.builds(ShipItem, **_product(
    quantity=quantities, unit=units, ordered_quantity=optional(quantities),
    lot_number=optional(code(12)), expiry_date=optional(dates))).filter(_identified)


def _items(max_size: int) -> S[tuple[ShipItem, ...]]:
    return tuples(ship_items, max_size, min_size=1, unique_by=lambda i: i.line_number)


cartons = st.builds(Pack, sscc=ssccs, packaging=st.sampled_from(["carton", "case", "tote"]),
                    gross_weight=optional(weights_with_unit),
                    tracking_number=optional(code(20)), items=_items(3))
pallets = st.builds(Pack, sscc=ssccs, packaging=st.just("pallet"),
                    gross_weight=optional(weights_with_unit),
                    packs=tuples(cartons, 3, min_size=1))
ship_orders = st.builds(
    ShipOrder, order_number=code(), order_date=optional(dates),
    references=references(["department", "invoice"], 2),
    parties=parties(["mark_for", "buyer"], 2),
    packs=tuples(cartons, 3) | tuples(pallets, 2, min_size=1),
    items=tuples(ship_items, 2, unique_by=lambda i: i.line_number)
).filter(lambda o: bool(o.packs or o.items))


def ship_notices() -> S[ShipNotice]:
    """Ship notices as an 856 or DESADV can carry them: order → (pallet →) carton → item."""
    return st.builds(
        ShipNotice, number=code(), purpose=st.sampled_from(["new", "replace"]),
        dates=date_refs(["document", "ship", "estimated_delivery"], 3),
        parties=parties(["ship_from", "ship_to", "buyer", "seller"], 4),
        carrier=optional(carriers), bill_of_lading=optional(code()),
        pro_number=optional(code()), tracking_numbers=tuples(code(), 2),
        trailer_number=optional(code(10)), lading_quantity=optional(st.integers(1, 9999)),
        lading_packaging=optional(st.sampled_from(["pallet", "carton"])),
        gross_weight=optional(weights_with_unit), net_weight=optional(weights_with_unit),
        references=references(["bill_of_lading", "carrier_pro"], 1), notes=notes,
        orders=tuples(ship_orders, 3, min_size=1, unique_by=lambda o: o.order_number))

# -- invoice -------------------------------------------------------------------------------


invoice_lines = st.builds(InvoiceLine, **_product(
    quantity=quantities, unit=units, unit_price=unit_prices,
    price_basis=optional(st.sampled_from(["net", "catalog"])), amount=optional(money),
    allowances_charges=allowances_charges, taxes=taxes, notes=notes)).filter(_identified)
invoice_totals = st.builds(
    InvoiceTotals, total_amount=money, lines_amount=optional(money),
    discountable_amount=optional(money), allowance_amount=optional(money),
    charge_amount=optional(money), tax_amount=optional(money),
    line_count=optional(st.integers(1, 999)))


def invoices() -> S[Invoice]:
    """Invoices and credit notes as an 810 or INVOIC can carry them."""
    return st.builds(
        Invoice, number=code(), type=st.sampled_from(["debit", "credit"]),
        purpose=st.sampled_from(["new", "replace"]),
        dates=date_refs(["invoice", "order", "ship", "due"], 3), order_number=optional(code()),
        currency=optional(currencies),
        parties=parties(["seller", "buyer", "remit_to", "bill_to", "ship_to"], 5),
        contacts=tuples(contacts, 2),
        payment_terms=payment_terms, references=references(["bill_of_lading", "ship_notice"]),
        notes=notes, lines=tuples(invoice_lines, 5, min_size=1,
                                  unique_by=lambda ln: ln.line_number),
        allowances_charges=allowances_charges, taxes=taxes, totals=invoice_totals)


RECORD_STRATEGIES: dict[str, Any] = {
    "purchase_order": purchase_orders,
    "order_acknowledgement": order_acknowledgements,
    "ship_notice": ship_notices,
    "invoice": invoices,
}
"""Record type → a function returning its strategy."""


def records(record_type: str) -> S[Any]:
    """The strategy for a record type named as in ``RECORD_TYPES``."""
    strategy: S[Any] = RECORD_STRATEGIES[record_type]()
    return strategy
