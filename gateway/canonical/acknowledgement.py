"""The canonical order acknowledgement: what an X12 855 or an EDIFACT ORDRSP carries."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.canonical.common import (
    CanonicalModel,
    Contact,
    CurrencyCode,
    DateRef,
    Dates,
    DocumentNumberField,
    Note,
    OrderTotals,
    Party,
    ProductLine,
    Purpose,
    Quantity,
    Reference,
    UnitOfMeasure,
    UnitPrice,
)

AcknowledgementStatus = Literal["accepted", "accepted_with_changes", "rejected"]
LineStatus = Literal["accepted", "changed", "rejected", "backordered"]


class LineConfirmation(CanonicalModel):
    """What the seller confirms for (part of) a line (X12 ACK, EDIFACT LIN 1229 + QTY/DTM/PRI).

    A line split in two, e.g. 60 shipped now and 40 backordered, has two confirmations.
    """

    status: LineStatus
    """Accepted as ordered, changed, rejected or backordered."""
    quantity: Quantity | None = None
    """Quantity this status applies to, in the line's unit."""
    unit_price: UnitPrice | None = None
    """Confirmed unit price, when it differs from or restates the ordered one."""
    schedule: DateRef | None = None
    """The ship or delivery date this quantity is confirmed for."""


class AcknowledgementLine(ProductLine):
    """One order line as acknowledged."""

    quantity: Quantity
    """Quantity as ordered."""
    unit: UnitOfMeasure
    """Unit of measure of every quantity on this line."""
    unit_price: UnitPrice | None = None
    """Unit price as ordered."""
    confirmations: tuple[LineConfirmation, ...] = Field(min_length=1)
    """The seller's answer for this line, in document order."""
    notes: tuple[Note, ...] = ()
    """Free text on this line."""


class OrderAcknowledgement(CanonicalModel):
    """A seller's answer to a purchase order (X12 855, EDIFACT ORDRSP)."""

    record_type: Literal["order_acknowledgement"] = "order_acknowledgement"
    """Names the record type in a JSON or XML document."""
    number: DocumentNumberField | None = None
    """The acknowledgement's own number, when the seller assigns one."""
    purpose: Purpose = "new"
    """New acknowledgement, change, replacement, cancellation or duplicate."""
    status: AcknowledgementStatus
    """The answer for the order as a whole."""
    order_number: DocumentNumberField
    """Number of the purchase order acknowledged."""
    dates: Dates = ()
    """Header dates: ``document`` (the acknowledgement date), ``order``…"""
    currency: CurrencyCode | None = None
    """ISO 4217 currency of every amount."""
    parties: tuple[Party, ...] = ()
    """Buyer, seller, ship-to…"""
    contacts: tuple[Contact, ...] = ()
    """Contacts for the document as a whole (X12 header PER); a party's own are in its
    ``contacts``."""
    references: tuple[Reference, ...] = ()
    """References: sales order, contract…"""
    notes: tuple[Note, ...] = ()
    """Free text on the acknowledgement."""
    lines: tuple[AcknowledgementLine, ...] = ()
    """Line detail; empty for an acknowledgement without detail."""
    totals: OrderTotals | None = None
    """Control totals as sent."""
