"""The canonical purchase order: what an X12 850 or an EDIFACT ORDERS carries."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.canonical.common import (
    AllowanceCharge,
    CanonicalModel,
    Carrier,
    Code,
    Contact,
    CurrencyCode,
    Dates,
    DeliveryTerms,
    DocumentNumberField,
    Identifier,
    Note,
    OrderTotals,
    Party,
    PaymentTerms,
    ProductLine,
    Purpose,
    Quantity,
    Reference,
    UnitOfMeasure,
    UnitPrice,
)

OrderType = Literal["standard", "blanket", "release", "drop_ship", "consignment"]
PriceBasis = Literal["net", "gross", "catalog", "contract", "quoted", "per_each"]


class Destination(CanonicalModel):
    """Quantity of a line for one store or location (X12 SDQ, EDIFACT LOC/QTY under the line)."""

    location: Identifier
    """The store or location, usually a buyer-assigned number or a GLN."""
    quantity: Quantity
    """Quantity for this location, in the line's unit of measure."""
    our_location: Code | None = None
    """Our code for the location, set by a partner map's cross-reference."""


class PurchaseOrderLine(ProductLine):
    """One ordered item (X12 PO1 loop, EDIFACT LIN group)."""

    quantity: Quantity
    """Ordered quantity."""
    unit: UnitOfMeasure
    """Unit of measure of the quantity."""
    unit_price: UnitPrice | None = None
    """Price per unit, in the order's currency."""
    price_basis: PriceBasis | None = None
    """What kind of price ``unit_price`` is."""
    pack_size: Quantity | None = None
    """Units in one outer pack (X12 PO4-01, EDIFACT PAC), when the buyer orders by pack."""
    dates: Dates = ()
    """Line-level dates, e.g. requested delivery or ship dates."""
    destinations: tuple[Destination, ...] = ()
    """Per-store quantities (SDQ); empty when the whole line goes to the order's ship-to."""
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    """Allowances and charges on this line."""
    notes: tuple[Note, ...] = ()
    """Free text on this line."""


class PurchaseOrder(CanonicalModel):
    """A buyer's order (X12 850, EDIFACT ORDERS)."""

    record_type: Literal["purchase_order"] = "purchase_order"
    """Names the record type in a JSON or XML document."""
    number: DocumentNumberField
    """Purchase order number (X12 BEG03, EDIFACT BGM 1004)."""
    purpose: Purpose = "new"
    """New order, change, replacement, cancellation or duplicate."""
    type: OrderType = "standard"
    """Kind of order: stand-alone, blanket, release against a blanket, drop-ship, consignment."""
    dates: Dates = ()
    """Header dates; ``order`` is the PO date."""
    currency: CurrencyCode | None = None
    """ISO 4217 currency of every amount in the order."""
    parties: tuple[Party, ...] = ()
    """Buyer, seller, ship-to, bill-to, mark-for…"""
    contacts: tuple[Contact, ...] = ()
    """Contacts for the order as a whole (X12 header PER, often the buyer); a party's own
    contacts are in its ``contacts``."""
    payment_terms: tuple[PaymentTerms, ...] = ()
    """Payment terms."""
    delivery_terms: DeliveryTerms | None = None
    """Delivery terms and freight payment."""
    carrier: Carrier | None = None
    """Requested carrier and routing."""
    references: tuple[Reference, ...] = ()
    """References: contract, department, promotion, vendor number…"""
    notes: tuple[Note, ...] = ()
    """Free text on the order."""
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    """Header allowances and charges."""
    lines: tuple[PurchaseOrderLine, ...] = Field(min_length=1)
    """The ordered items, in document order."""
    totals: OrderTotals | None = None
    """Control totals as sent."""
