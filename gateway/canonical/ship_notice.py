"""The canonical ship notice: what an X12 856 or an EDIFACT DESADV carries.

The hierarchy of the HL loops (or CPS groups) is kept as nesting: shipment → order → pack →
item. A pack may hold packs (a pallet of cartons: the tare level of a pick-and-pack ASN) and
items; an order may also hold items that travel without a labelled pack.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from gateway.canonical.common import (
    CanonicalModel,
    Carrier,
    Code,
    Count,
    Dates,
    DocumentNumberField,
    Note,
    Party,
    ProductLine,
    Purpose,
    Quantity,
    Reference,
    Sscc,
    UnitOfMeasure,
    Weight,
)

PackagingType = Literal["pallet", "carton", "case", "tote", "bag", "drum", "crate", "bundle"]


class ShipItem(ProductLine):
    """Shipped quantity of one order line, or of one lot of it (X12 HL item, EDIFACT LIN)."""

    quantity: Quantity
    """Quantity shipped."""
    unit: UnitOfMeasure
    """Unit of measure of the quantities."""
    ordered_quantity: Quantity | None = None
    """Quantity originally ordered, when sent."""
    lot_number: Code | None = None
    """Lot or batch number."""
    expiry_date: date | None = None
    """Expiry or best-before date of the lot."""


class Pack(CanonicalModel):
    """A labelled pack: a carton, or a pallet holding cartons (X12 HL pack/tare, EDIFACT CPS)."""

    sscc: Sscc | None = None
    """SSCC-18 on the GS1-128 shipping label."""
    packaging: PackagingType | None = None
    """Kind of pack."""
    gross_weight: Weight | None = None
    """Weight of the pack with its contents."""
    tracking_number: Code | None = None
    """Parcel carrier tracking number of this pack."""
    packs: tuple[Pack, ...] = ()
    """Packs inside this one (cartons on a pallet)."""
    items: tuple[ShipItem, ...] = ()
    """Items packed directly in this pack."""


class ShipOrder(CanonicalModel):
    """The part of the shipment that fills one purchase order (X12 HL order level)."""

    order_number: DocumentNumberField
    """Number of the purchase order shipped against."""
    order_date: date | None = None
    """Date of that purchase order."""
    references: tuple[Reference, ...] = ()
    """References for this order: release, department, invoice…"""
    parties: tuple[Party, ...] = ()
    """Order-level parties, e.g. the store to mark for in a pick-and-pack ASN."""
    packs: tuple[Pack, ...] = ()
    """Labelled packs for this order."""
    items: tuple[ShipItem, ...] = ()
    """Items shipped without a labelled pack."""


class ShipNotice(CanonicalModel):
    """An advance ship notice (X12 856, EDIFACT DESADV)."""

    record_type: Literal["ship_notice"] = "ship_notice"
    """Names the record type in a JSON or XML document."""
    number: DocumentNumberField
    """Shipment identification (X12 BSN02, EDIFACT BGM 1004)."""
    purpose: Purpose = "new"
    """New notice, change, replacement, cancellation or duplicate."""
    dates: Dates = ()
    """``document``, ``ship``, ``estimated_delivery``…"""
    parties: tuple[Party, ...] = ()
    """Ship-from, ship-to, buyer, seller…"""
    carrier: Carrier | None = None
    """Carrier (SCAC), mode and routing."""
    bill_of_lading: Code | None = None
    """Bill of lading number."""
    pro_number: Code | None = None
    """Carrier's PRO (progressive) number."""
    tracking_numbers: tuple[Code, ...] = ()
    """Shipment-level tracking numbers."""
    trailer_number: Code | None = None
    """Trailer or equipment number."""
    lading_quantity: Count | None = None
    """Number of handling units (X12 TD1-02, EDIFACT CPS/PAC count)."""
    lading_packaging: PackagingType | None = None
    """What the lading quantity counts."""
    gross_weight: Weight | None = None
    """Gross weight of the shipment."""
    net_weight: Weight | None = None
    """Net weight of the shipment."""
    references: tuple[Reference, ...] = ()
    """Further shipment references."""
    notes: tuple[Note, ...] = ()
    """Free text on the shipment."""
    orders: tuple[ShipOrder, ...] = Field(min_length=1)
    """The orders this shipment fills, each with its packs and items."""
