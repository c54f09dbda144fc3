"""Parts shared by every canonical record: scalar types, parties, dates, references, terms.

The canonical records are what the maps produce from X12 and EDIFACT and what outbound maps
read; they never name a standard's code. Qualifiers and roles are small canonical vocabularies
(``Literal``) that the maps translate to and from each standard's code lists, so a record reads
the same whether it came from an 850 or an ORDERS.

Conventions every record follows:

- Models are frozen, ``extra="forbid"``; lists are tuples, so a record is immutable throughout.
- Money, prices, quantities, percentages and weights are ``Decimal``. A Python ``float`` is
  refused on input; JSON carries them as strings in plain notation (``"12.50"``, never
  ``1.25E+1``), so nothing passes through binary floating point.
- Text is non-empty, without control characters and without leading or trailing spaces (EDI
  trims element values).
- Dates are a tuple of :class:`DateRef` (role, value), at most one per role, in document order:
  that is how DTM segments arrive, and a role vocabulary keeps the record standard-neutral.
  Times of day are not kept.
- Absent optional values are ``None`` and absent lists are empty; neither is ever written to
  JSON consumers as a meaningful value.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, NewType

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

# -- base ------------------------------------------------------------------------------------


class CanonicalModel(BaseModel):
    """Base of every canonical model: immutable, no unknown fields, documented fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


# -- text ------------------------------------------------------------------------------------

# Text: no control characters, no leading or trailing space. Python, pydantic (Rust regex) and
# JSON Schema (ECMA-262) read this pattern alike; the XSD states the same thing in its own regex
# dialect (schemas.XSD_PATTERNS), since XML cannot carry those control characters anyway.
TRIMMED = r"^[^\u0000-\u0020]([^\u0000-\u001f]*[^\u0000-\u0020])?$"

Code = Annotated[str, StringConstraints(min_length=1, max_length=35, pattern=TRIMMED)]
"""Identifiers, references, part and document numbers (EDIFACT an..35, X12 up to 30)."""
Name = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=TRIMMED)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=TRIMMED)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=TRIMMED)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""ISO 4217 alphabetic code."""
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""ISO 3166-1 alpha-2 code."""
Gtin = Annotated[str, StringConstraints(pattern=r"^([0-9]{8}|[0-9]{12,14})$")]
"""GTIN-8, -12 (UPC-A), -13 (EAN) or -14, as received; the length says which."""
Sscc = Annotated[str, StringConstraints(pattern=r"^[0-9]{18}$")]
"""SSCC-18 serial shipping container code, without the (00) application identifier."""
Scac = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,4}$")]
"""Standard Carrier Alpha Code."""

DocumentNumber = NewType("DocumentNumber", str)
"""A business key: PO, acknowledgement, shipment or invoice number."""
DocumentNumberField = Annotated[
    DocumentNumber, StringConstraints(min_length=1, max_length=35, pattern=TRIMMED)]

# -- decimals --------------------------------------------------------------------------------


def _no_float(value: object) -> object:
    """Refuse binary floats before pydantic would quietly turn one into a Decimal.

    Listed after the ``Field`` constraints so pydantic-core checks digits and places itself
    (about ten times faster than its Python fallback, which it takes when the constraints come
    after a validator function)."""
    if isinstance(value, float):
        raise ValueError("a float is not accepted here: give a Decimal, a string or an int")
    return value


_DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_PLAIN = PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")


def _decimal_schema(description: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": _DECIMAL_PATTERN,
                           "description": description})


Quantity = Annotated[
    Decimal, Field(max_digits=15, decimal_places=6), BeforeValidator(_no_float), _PLAIN,
    _decimal_schema("decimal quantity as a string: up to 15 digits, 6 after the point")]
Amount = Annotated[
    Decimal, Field(max_digits=18, decimal_places=4), BeforeValidator(_no_float), _PLAIN,
    _decimal_schema("money amount as a string: up to 18 digits, 4 after the point")]
UnitPrice = Annotated[
    Decimal, Field(ge=0, max_digits=17, decimal_places=6), BeforeValidator(_no_float), _PLAIN,
    _decimal_schema("unit price as a string: up to 17 digits, 6 after the point")]
Percent = Annotated[
    Decimal, Field(ge=0, le=100, max_digits=9, decimal_places=4), BeforeValidator(_no_float),
    _PLAIN, _decimal_schema("percentage 0-100 as a string: up to 4 digits after the point")]
WeightValue = Annotated[
    Decimal, Field(ge=0, max_digits=15, decimal_places=4), BeforeValidator(_no_float), _PLAIN,
    _decimal_schema("non-negative weight as a string: up to 15 digits, 4 after the point")]
Count = Annotated[int, Field(ge=0, le=999_999)]
Days = Annotated[int, Field(ge=0, le=999)]

# -- vocabularies ----------------------------------------------------------------------------

Purpose = Literal["new", "change", "replace", "cancel", "duplicate"]
"""Why the document was sent (X12 transaction set purpose, EDIFACT message function)."""

UnitOfMeasure = Literal[
    "each", "pair", "dozen", "set", "pack", "case", "carton", "box", "bag", "bottle", "can",
    "roll", "pallet", "kilogram", "gram", "pound", "ounce", "liter", "milliliter", "gallon",
    "meter", "centimeter", "foot", "inch", "square_meter", "square_foot", "hour"]
"""Canonical unit names; the maps translate X12 (EA, CA, LB…) and UN/ECE Rec 20 (EA, KGM…)."""

DateRole = Literal[
    "order", "document", "requested_delivery", "requested_ship", "requested_pickup",
    "cancel_after", "cancel_before", "do_not_deliver_before", "do_not_deliver_after",
    "ship", "ship_not_before", "ship_no_later", "estimated_delivery", "delivery",
    "confirmed_delivery", "confirmed_ship", "promotion_start", "promotion_end",
    "invoice", "due", "discount_due", "effective", "expiry"]
"""What a date means: the canonical vocabulary of date roles (X12 DTM01 / EDIFACT 2005)."""

PartyRole = Literal[
    "buyer", "seller", "ship_to", "ship_from", "bill_to", "remit_to", "mark_for", "payer",
    "manufacturer", "carrier"]

IdentifierQualifier = Literal[
    "duns", "duns_plus4", "gln", "buyer_assigned", "seller_assigned", "tax_registration",
    "mutually_defined"]
"""Who issued a party identifier. GLN covers the EAN location number; ``buyer_assigned`` is
the partner's own store, DC or location number (X12 N103 92, EDIFACT 3055 92)."""

ReferenceQualifier = Literal[
    "purchase_order", "release", "contract", "promotion", "department", "vendor_number",
    "customer_order", "sales_order", "invoice", "ship_notice", "bill_of_lading",
    "carrier_pro", "tracking", "quote", "project", "mutually_defined"]

NoteTopic = Literal["general", "delivery", "packing", "marking", "gift", "payment", "internal"]

ContactFunction = Literal["buyer", "order", "receiving", "delivery", "accounts", "general"]

AllowanceChargeCode = Literal[
    "discount", "trade_discount", "volume_discount", "promotional", "advertising",
    "early_payment", "defective_allowance", "freight", "fuel_surcharge", "handling",
    "packing", "labeling", "insurance", "small_order", "other"]

TaxType = Literal["vat", "gst", "sales", "state", "local", "excise", "other"]
TaxCategory = Literal["standard", "reduced", "zero", "exempt", "reverse_charge"]

# -- small parts -----------------------------------------------------------------------------


class DateRef(CanonicalModel):
    """A date and what it means."""

    role: DateRole
    """The canonical meaning of the date."""
    value: date
    """The calendar date (no time of day)."""


def _one_per_role(dates: tuple[DateRef, ...]) -> tuple[DateRef, ...]:
    roles = [d.role for d in dates]
    repeated = sorted({r for r in roles if roles.count(r) > 1})
    if repeated:
        raise ValueError(f"each date role may appear once; repeated: {', '.join(repeated)}")
    return dates


Dates = Annotated[tuple[DateRef, ...], AfterValidator(_one_per_role)]
"""Dates in document order, at most one per role."""


def date_of(dates: Sequence[DateRef], role: DateRole) -> date | None:
    """The date with ``role``, or None."""
    return next((d.value for d in dates if d.role == role), None)


class Identifier(CanonicalModel):
    """A party or location identifier and who assigned it."""

    qualifier: IdentifierQualifier
    """The scheme or issuer of the identifier."""
    value: Code
    """The identifier itself (a DUNS, a GLN, a store number…)."""


class Address(CanonicalModel):
    """A postal address."""

    lines: tuple[Text, ...] = Field(default=(), max_length=4)
    """Street lines, first to last."""
    city: Text | None = None
    """City name."""
    region: Code | None = None
    """State, province or county code."""
    postal_code: Code | None = None
    """Postal or ZIP code."""
    country: CountryCode | None = None
    """ISO 3166-1 alpha-2 country code."""


class Contact(CanonicalModel):
    """A person or department to contact (X12 PER, EDIFACT CTA/COM)."""

    function: ContactFunction
    """What the contact is for."""
    name: Name | None = None
    """Name of the person or department."""
    phone: Code | None = None
    """Telephone number as given."""
    email: Text | None = None
    """E-mail address."""
    fax: Code | None = None
    """Fax number as given."""


class Party(CanonicalModel):
    """A party in its role: buyer, seller, ship-to, a store to mark for…"""

    role: PartyRole
    """The part this party plays in the document."""
    name: Name | None = None
    """Name of the party."""
    additional_names: tuple[Name, ...] = ()
    """Further name lines, as sent (X12 N2, EDIFACT NAD C080 after its first 3036)."""
    identifiers: tuple[Identifier, ...] = ()
    """Identifiers, the primary one (X12 N103/N104, EDIFACT NAD C082) first."""
    address: Address | None = None
    """Postal address, when sent."""
    contacts: tuple[Contact, ...] = ()
    """Contacts at this party."""
    our_location: Code | None = None
    """Our code for this place (a store, a warehouse), set by a partner map's cross-reference."""


class Reference(CanonicalModel):
    """A reference to another document or number (X12 REF, EDIFACT RFF)."""

    qualifier: ReferenceQualifier
    """What the reference number identifies."""
    value: Code
    """The reference number."""


class Note(CanonicalModel):
    """Free text (X12 NTE/MSG, EDIFACT FTX)."""

    topic: NoteTopic = "general"
    """What the text is about."""
    text: LongText
    """The text."""


class AllowanceCharge(CanonicalModel):
    """An allowance (reduces the amount due) or a charge (adds to it): X12 SAC, EDIFACT ALC."""

    indicator: Literal["allowance", "charge"]
    """Allowance or charge."""
    code: AllowanceChargeCode
    """What the allowance or charge is for."""
    amount: Amount | None = None
    """Monetary amount, always positive; the indicator gives the direction."""
    percent: Percent | None = None
    """Percentage of ``base_amount`` (or of the line or document amount)."""
    base_amount: Amount | None = None
    """Amount the percentage applies to."""
    description: Text | None = None
    """Free-text description."""

    @model_validator(mode="after")
    def _amount_or_percent(self) -> AllowanceCharge:
        if self.amount is None and self.percent is None:
            raise ValueError("an allowance or charge needs an amount or a percent")
        return self


class Tax(CanonicalModel):
    """A tax on the document or on a line (X12 TXI, EDIFACT TAX/MOA)."""

    type: TaxType
    """Kind of tax."""
    category: TaxCategory | None = None
    """Rate category (standard, reduced, zero-rated, exempt, reverse charge)."""
    rate: Percent | None = None
    """Tax rate in percent."""
    taxable_amount: Amount | None = None
    """Amount the tax is computed on."""
    amount: Amount | None = None
    """Tax amount."""


class PaymentTerms(CanonicalModel):
    """Payment terms (X12 ITD, EDIFACT PAT/PCD/DTM)."""

    basis: Literal["invoice", "delivery", "receipt", "ship"] | None = None
    """The date the days are counted from."""
    discount_percent: Percent | None = None
    """Early payment discount in percent."""
    discount_days: Days | None = None
    """Days from the basis date within which the discount applies."""
    discount_due_date: date | None = None
    """Last date for the discount."""
    discount_amount: Amount | None = None
    """Discount amount, when given as an amount."""
    net_days: Days | None = None
    """Days from the basis date until the full amount is due."""
    net_due_date: date | None = None
    """Date the full amount is due."""
    description: Text | None = None
    """Terms in words, e.g. "2% 10 NET 30"."""


Incoterm = Literal["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"]


class DeliveryTerms(CanonicalModel):
    """Delivery terms and who pays freight (X12 FOB, EDIFACT TOD)."""

    incoterm: Incoterm | None = None
    """Incoterms 2020 code."""
    freight_payment: Literal["prepaid", "collect", "prepaid_and_add", "third_party"] | None = None
    """Who pays for transport."""
    location: Text | None = None
    """Named place the terms refer to."""
    description: Text | None = None
    """Terms in words."""


TransportMode = Literal[
    "motor", "ltl", "truckload", "rail", "air", "ocean", "parcel", "customer_pickup"]


class Carrier(CanonicalModel):
    """Carrier and routing (X12 TD5, EDIFACT TDT)."""

    scac: Scac | None = None
    """Standard Carrier Alpha Code."""
    transport_mode: TransportMode | None = None
    """How the goods travel."""
    routing: Text | None = None
    """Routing instructions or carrier service, as text."""


class Weight(CanonicalModel):
    """A weight with its unit."""

    value: WeightValue
    """The weight."""
    unit: Literal["kilogram", "pound"]
    """Unit of the weight."""


class OrderTotals(CanonicalModel):
    """Control totals of an order or acknowledgement (X12 CTT/AMT, EDIFACT CNT/MOA)."""

    line_count: Count | None = None
    """Number of lines."""
    quantity: Quantity | None = None
    """Sum of the line quantities (hash total)."""
    amount: Amount | None = None
    """Total monetary amount."""


class ProductId(CanonicalModel):
    """A further item identifier beyond buyer part, vendor part and GTIN."""

    qualifier: Literal["vendor_style", "catalog", "model", "ndc", "isbn", "mutually_defined"]
    """What kind of identifier it is."""
    value: Code
    """The identifier."""


class ProductLine(CanonicalModel):
    """Fields every line and item shares: how the product is identified and described."""

    line_number: Code
    """The line number assigned in the order (X12 PO101/IT101, EDIFACT LIN 1082)."""
    buyer_part_number: Code | None = None
    """The buyer's item number."""
    vendor_part_number: Code | None = None
    """The vendor's (seller's) item number."""
    gtin: Gtin | None = None
    """GTIN/UPC/EAN of the item."""
    product_ids: tuple[ProductId, ...] = ()
    """Further item identifiers (style, catalog, model, NDC…)."""
    description: Text | None = None
    """Item description."""
    sku: Code | None = None
    """Our item number (SKU), set by a partner map's cross-reference from the partner's number."""

