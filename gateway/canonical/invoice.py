"""The canonical invoice: what an X12 810 or an EDIFACT INVOIC carries."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.canonical.common import (
    AllowanceCharge,
    Amount,
    CanonicalModel,
    Contact,
    Count,
    CurrencyCode,
    Dates,
    DocumentNumberField,
    Note,
    Party,
    PaymentTerms,
    ProductLine,
    Purpose,
    Quantity,
    Reference,
    Tax,
    UnitOfMeasure,
    UnitPrice,
)
from gateway.canonical.purchase_order import PriceBasis


class InvoiceLine(ProductLine):
    """One invoiced item (X12 IT1 loop, EDIFACT LIN group)."""

    quantity: Quantity
    """Quantity invoiced."""
    unit: UnitOfMeasure
    """Unit of measure of the quantity."""
    unit_price: UnitPrice
    """Price per unit."""
    price_basis: PriceBasis | None = None
    """What kind of price ``unit_price`` is."""
    amount: Amount | None = None
    """Line amount as sent (usually quantity × unit price, before tax)."""
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    """Allowances and charges on this line."""
    taxes: tuple[Tax, ...] = ()
    """Taxes on this line."""
    notes: tuple[Note, ...] = ()
    """Free text on this line."""


class InvoiceTotals(CanonicalModel):
    """Invoice totals (X12 TDS/CTT, EDIFACT MOA in the summary section)."""

    total_amount: Amount
    """Total amount due, taxes, allowances and charges included (X12 TDS01, MOA 77/86)."""
    lines_amount: Amount | None = None
    """Sum of the line amounts (MOA 79)."""
    discountable_amount: Amount | None = None
    """Amount subject to the terms discount (X12 TDS02)."""
    allowance_amount: Amount | None = None
    """Sum of the allowances."""
    charge_amount: Amount | None = None
    """Sum of the charges."""
    tax_amount: Amount | None = None
    """Sum of the taxes."""
    line_count: Count | None = None
    """Number of lines."""


class Invoice(CanonicalModel):
    """A seller's invoice or credit note (X12 810, EDIFACT INVOIC)."""

    record_type: Literal["invoice"] = "invoice"
    """Names the record type in a JSON or XML document."""
    number: DocumentNumberField
    """Invoice number (X12 BIG02, EDIFACT BGM 1004)."""
    type: Literal["debit", "credit"] = "debit"
    """Debit (an ordinary invoice) or credit (a credit note); amounts are positive either way."""
    purpose: Purpose = "new"
    """New invoice, change, replacement, cancellation or duplicate."""
    dates: Dates = ()
    """``invoice`` (the invoice date), ``order`` (the PO date), ``ship``, ``due``…"""
    order_number: DocumentNumberField | None = None
    """Purchase order invoiced (X12 BIG04, EDIFACT RFF ON)."""
    currency: CurrencyCode | None = None
    """ISO 4217 currency of every amount."""
    parties: tuple[Party, ...] = ()
    """Seller, buyer, remit-to, bill-to, ship-to…"""
    contacts: tuple[Contact, ...] = ()
    """Contacts for the document as a whole (X12 header PER); a party's own are in its
    ``contacts``."""
    payment_terms: tuple[PaymentTerms, ...] = ()
    """Payment terms: discount percent and days, net days."""
    references: tuple[Reference, ...] = ()
    """References: bill of lading, ship notice, contract…"""
    notes: tuple[Note, ...] = ()
    """Free text on the invoice."""
    lines: tuple[InvoiceLine, ...] = Field(min_length=1)
    """The invoiced items, in document order."""
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    """Document-level allowances and charges."""
    taxes: tuple[Tax, ...] = ()
    """Document-level taxes."""
    totals: InvoiceTotals
    """Invoice totals."""
