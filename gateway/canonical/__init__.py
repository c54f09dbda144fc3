"""Canonical records: the standard-neutral form of orders, acknowledgements, ship notices and
invoices that the maps produce from X12/EDIFACT and read back to write them.

``RECORD_TYPES`` names every record type by its ``record_type`` discriminator; the JSON Schema
and XSD of each (``edi-gateway schemas``) and the XML form (:mod:`gateway.canonical.xml`) are
derived from these models. Hypothesis strategies live in :mod:`gateway.canonical.strategies`,
which only tests import.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from gateway.canonical.acknowledgement import (
    AcknowledgementLine,
    LineConfirmation,
    OrderAcknowledgement,
)
from gateway.canonical.common import (
    Address,
    AllowanceCharge,
    CanonicalModel,
    Carrier,
    Contact,
    DateRef,
    DeliveryTerms,
    DocumentNumber,
    Identifier,
    Note,
    OrderTotals,
    Party,
    PaymentTerms,
    ProductId,
    Reference,
    Tax,
    Weight,
    date_of,
)
from gateway.canonical.invoice import Invoice, InvoiceLine, InvoiceTotals
from gateway.canonical.purchase_order import Destination, PurchaseOrder, PurchaseOrderLine
from gateway.canonical.ship_notice import Pack, ShipItem, ShipNotice, ShipOrder

CanonicalRecord = PurchaseOrder | OrderAcknowledgement | ShipNotice | Invoice

RECORD_TYPES: dict[str, type[BaseModel]] = {
    "purchase_order": PurchaseOrder,
    "order_acknowledgement": OrderAcknowledgement,
    "ship_notice": ShipNotice,
    "invoice": Invoice,
}


def compact_json(record: BaseModel) -> dict[str, Any]:
    """A record as ``edi-gateway translate`` writes it: the JSON form (decimals and dates as
    text) without the values that say "nothing", None and empty lists, which the models give
    back as their defaults when the JSON is read (a quarter less text on a typical order)."""
    data: dict[str, Any] = _compact(record.model_dump(mode="json", exclude_none=True))
    return data


def _compact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if v != []}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value

__all__ = [
    "RECORD_TYPES",
    "AcknowledgementLine",
    "Address",
    "AllowanceCharge",
    "CanonicalModel",
    "CanonicalRecord",
    "Carrier",
    "Contact",
    "DateRef",
    "DeliveryTerms",
    "Destination",
    "DocumentNumber",
    "Identifier",
    "Invoice",
    "InvoiceLine",
    "InvoiceTotals",
    "LineConfirmation",
    "Note",
    "OrderAcknowledgement",
    "OrderTotals",
    "Pack",
    "Party",
    "PaymentTerms",
    "ProductId",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Reference",
    "ShipItem",
    "ShipNotice",
    "ShipOrder",
    "Tax",
    "Weight",
    "compact_json",
    "date_of",
]
