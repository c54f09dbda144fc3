"""What the Tryton connector looks up in Tryton: parties (by GLN/DUNS/VAT or the profile's
party code), products (by SKU, our part number, GTIN or the partner's number), units,
currencies, addresses, and documents already there. Cached for the connector's life where
they do not change (units, currencies, product accounts and taxes).

A mix-in of :class:`gateway.erp.tryton.TrytonConnector`, which provides ``rpc`` (a
:class:`~gateway.erp.jsonrpc.TrytonRpc`), ``settings`` and ``_cache``. A lookup that finds
nothing raises :class:`~gateway.erp.Rejected` naming what was tried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from gateway.canonical import Party
from gateway.canonical.common import ProductLine
from gateway.erp import Rejected
from gateway.erp.jsonrpc import TrytonRpc
from gateway.partners.endpoints import TrytonErp

# canonical unit -> Tryton's unit name (the product module ships these)
UNITS = {
    "each": "Unit", "kilogram": "Kilogram", "gram": "Gram", "pound": "Pound",
    "ounce": "Ounce", "liter": "Liter", "gallon": "Gallon", "meter": "Meter",
    "centimeter": "Centimeter", "foot": "Foot", "inch": "Inch",
    "square_meter": "Square meter", "square_foot": "Square foot", "hour": "Hour",
}
# units that count items: without a Tryton unit of that name, the line's pack size converts
PACKS = {"pair": 2, "dozen": 12, "set": None, "pack": None, "case": None, "carton": None,
         "box": None, "bag": None, "bottle": 1, "can": 1, "roll": None, "pallet": None}
PRICE_PLACES = Decimal("0.0001")  # Tryton's default price digits
ID_QUALIFIERS = ("gln", "duns", "duns_plus4", "tax_registration")


class Lookups:
    rpc: TrytonRpc
    settings: TrytonErp
    _cache: dict[tuple[str, ...], Any]

    def _cached(self, key: tuple[str, ...], load: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def _party(self, parties: Iterable[Party], roles: tuple[str, ...], what: str) -> int:
        """The Tryton party of the first of ``roles`` by GLN/DUNS/VAT, else by the profile's
        party code."""
        tried: list[str] = []
        by_role: dict[str, Party] = {p.role: p for p in parties}
        for role in roles:
            party = by_role.get(role)
            for ident in party.identifiers if party else ():
                if ident.qualifier not in ID_QUALIFIERS:
                    continue
                tried.append(f"{ident.qualifier.upper()} {ident.value}")
                ids = self.rpc.search("party.party", [("identifiers.code", "=", ident.value)],
                                      limit=2)
                if len(ids) == 1:
                    return ids[0]
        if self.settings.party:
            tried.append(f"party code {self.settings.party}")
            ids = self.rpc.search("party.party", [("code", "=", self.settings.party)], limit=1)
            if ids:
                return ids[0]
        said = ", ".join(tried) or ("nothing: no GLN/DUNS in the document and no party code "
                                    "in the profile")
        raise Rejected(f"no Tryton party for the {what} (tried {said})")

    def _product(self, line: ProductLine, *, ours: str | None, theirs: str | None) -> int | None:
        """Our product for a line: by SKU or our part number (``product.code``), else by the
        GTIN or the partner's part number (product identifiers)."""
        for code in dict.fromkeys(c for c in (line.sku, ours) if c):
            ids = self.rpc.search("product.product", [("code", "=", code)], limit=1)
            if ids:
                return ids[0]
        for code in dict.fromkeys(c for c in (line.gtin, theirs) if c):
            ids = self.rpc.search("product.product", [("identifiers.code", "=", code)],
                                  limit=2)
            if len(ids) == 1:
                return ids[0]
        return None

    def _products(self, lines: Iterable[ProductLine], customer: bool) -> dict[str, int]:
        """Products by line number; Rejected naming every line without one."""
        found: dict[str, int] = {}
        missing: list[str] = []
        for line in lines:
            ours, theirs = ((line.vendor_part_number, line.buyer_part_number) if customer
                            else (line.buyer_part_number, line.vendor_part_number))
            product = self._product(line, ours=ours, theirs=theirs)
            if product is None:
                keys = [f"{k} {v}" for k, v in (("SKU", line.sku), ("GTIN", line.gtin),
                        ("buyer part", line.buyer_part_number),
                        ("vendor part", line.vendor_part_number)) if v]
                missing.append(f"line {line.line_number} ({', '.join(keys) or 'no item id'})")
            else:
                found[line.line_number] = product
        if missing:
            raise Rejected(f"no Tryton product for {'; '.join(missing)}")
        return found

    def _product_info(self, product: int) -> dict[str, Any]:
        def load() -> dict[str, Any]:
            row, = self.rpc.read("product.product", [product],
                                 ["default_uom", "account_category", "list_price",
                                  "rec_name"])
            category = row["account_category"]
            taxes: dict[str, Any] = {"customer_taxes": [], "supplier_taxes": [],
                                     "account_expense": None}
            if category:
                taxes, = self.rpc.read("product.category", [category],
                                       ["customer_taxes", "supplier_taxes", "account_expense"])
            return {**row, **taxes}
        info: dict[str, Any] = self._cached(("product", str(product)), load)
        return info

    def _uom(self, name: str) -> int | None:
        def load() -> int | None:
            ids = self.rpc.search("product.uom", [("name", "ilike", name)], limit=1)
            return ids[0] if ids else None
        uom: int | None = self._cached(("uom", name.lower()), load)
        return uom

    def _unit(self, line_no: str, unit: str, pack_size: Decimal | None) -> tuple[int, Decimal]:
        """The Tryton unit for a canonical unit, and what one canonical unit is in it."""
        uom = self._uom(UNITS.get(unit, unit.replace("_", " ")))
        if uom is not None:
            return uom, Decimal(1)
        if unit in PACKS:
            size = pack_size or PACKS[unit]
            each = self._uom("Unit")
            if size and each is not None:
                return each, Decimal(size)
        raise Rejected(f"line {line_no}: no Tryton unit for {unit!r}"
                       + (" and no pack size on the line" if unit in PACKS else ""))

    def _currency(self, code: str | None) -> int | None:
        if code is None:
            return None
        def load() -> int | None:
            ids = self.rpc.search("currency.currency", [("code", "=", code)], limit=1)
            return ids[0] if ids else None
        currency: int | None = self._cached(("currency", code), load)
        if currency is None:
            raise Rejected(f"no Tryton currency {code}")
        return currency

    def _addresses(self, party: int) -> list[dict[str, Any]]:
        return self.rpc.search_read("party.address", [("party", "=", party)],
                                    ["street", "postal_code", "city", "invoice", "delivery"],
                                    order=[("sequence", "ASC"), ("id", "ASC")])

    def _address(self, party: int, where: Party | None) -> tuple[int, int]:
        """(invoice address, shipment address) of ``party``; the ship-to's address is found
        among the party's addresses by street and postal code, or added to the party."""
        rows = self._addresses(party)
        if not rows:
            raise Rejected(f"the Tryton party {party} has no address")
        invoice = next((r["id"] for r in rows if r.get("invoice")), rows[0]["id"])
        delivery = next((r["id"] for r in rows if r.get("delivery")), rows[0]["id"])
        addr = where.address if where else None
        if addr is None or not (addr.lines or addr.postal_code):
            return invoice, delivery
        street = "\n".join(addr.lines)
        for row in rows:
            if (row.get("street") or "") == street and \
                    (row.get("postal_code") or "") == (addr.postal_code or ""):
                return invoice, row["id"]
        values: dict[str, Any] = {"party": party, "street": street,
                                  "postal_code": addr.postal_code, "city": addr.city,
                                  "party_name": where.name if where else None}
        if addr.country:
            country = self.rpc.search("country.country", [("code", "=", addr.country)], limit=1)
            if country:
                values["country"] = country[0]
        created, = self.rpc.model("party.address", "create",
                                  [{k: v for k, v in values.items() if v is not None}])
        return invoice, int(created)

    def _existing(self, model: str, domain: list[Any], fields: list[str]
                  ) -> dict[str, Any] | None:
        rows = self.rpc.search_read(model, domain, ["state", *fields], limit=1,
                                    order=[("id", "ASC")])
        return rows[0] if rows else None

