"""Master data of the test ERP: run by the Tryton venv's Python (it imports proteus), once per
template database, by :mod:`tests.erp.tryton_server`. Not imported by the gateway or pytest.

    python tryton_master.py DATABASE_URI CONFIG_FILE

Builds what the example partners' documents need: our company (Acme Home Goods, USD) with the
Universal Chart of Accounts, fiscal years, a sales tax, EUR beside USD, a product category,
the partners as parties with their GLN/DUNS, our products with their SKUs and GTINs, and the
purchase PO-2026-00071 we sent to Acme Supply (fixtures/partners/acme-supply/outbound/
850-replenishment.json), left in "quotation" as it is once the 850 went out.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from proteus import Model, config

# partner code -> (name, identifiers, address)
PARTIES: dict[str, tuple[str, tuple[str, ...], dict[str, str]]] = {
    "BIGBOX": ("BigBox Stores, Inc.", ("6141410000",),
               {"street": "1 BigBox Plaza", "city": "Columbus", "postal_code": "43215"}),
    "EUROFRESH": ("EuroFresh Retail NV", ("5400001000019",),
                  {"street": "Havenlaan 86", "city": "Antwerpen", "postal_code": "2000"}),
    "ACME-SUPPLY": ("Acme Supply Co.", ("047382916",),
                    {"street": "8800 Freeport Pkwy", "city": "Irving", "postal_code": "75063"}),
}
COMPANY = ("Acme Home Goods Inc.", ("081466849", "8712345000011"))

# our SKU -> (name, GTIN or None, list price, cost price)
PRODUCTS: dict[str, tuple[str, str | None, str, str]] = {
    "AHG-TUMBLER-20-BLK": ("Stainless tumbler 20oz black", "012345678905", "4.80", "4.85"),
    "AHG-MUG-SET-4-WHT": ("Ceramic mug set 4pc white", "012345678912", "8.75", "3.10"),
    "AHG-FRENCH-PRESS-1L": ("French press 1 liter glass", "012345678929", "24.50", "9.40"),
    "AHG-KETTLE-17-STEEL": ("Kettle 1.7 l steel", None, "39.00", "15.00"),
    "JUI-ORA-1L": ("Orange juice 1L", "8712345000417", "1.65", "0.90"),
    "JUI-APL-1L": ("Apple juice 1L", "8712345000431", "1.45", "0.80"),
    "JUI-MUL-1L": ("Multifruit juice 1L", "8712345000523", "1.80", "1.00"),
    "SMO-BER-250": ("Berry smoothie 250ml", None, "2.10", "1.20"),
}


def main(uri: str, conf: str, replenishment: str) -> None:
    config.set_trytond(database=uri, config_file=conf)
    from trytond.modules.account.tests.tools import (
        create_chart,
        create_fiscalyear,
        create_tax,
        get_accounts,
    )
    from trytond.modules.account_invoice.tests.tools import set_fiscalyear_invoice_sequences
    from trytond.modules.company.tests.tools import create_company

    Currency = Model.get("currency.currency")
    Rate = Model.get("currency.currency.rate")
    Party = Model.get("party.party")
    currencies = {}
    for code, name, symbol, rate in (("USD", "U.S. Dollar", "$", "1.0"),
                                      ("EUR", "Euro", "€", "0.92")):
        cur = Currency(name=name, code=code, symbol=symbol, rounding=Decimal("0.01"))
        cur.save()
        Rate(currency=cur, date=dt.date(2000, 1, 1), rate=Decimal(rate)).save()
        currencies[code] = cur

    company_party = Party(name=COMPANY[0])
    for code in COMPANY[1]:
        company_party.identifiers.new(code=code)
    company_party.save()
    create_company(company_party, currencies["USD"])

    create_chart()
    accounts = get_accounts()
    # Invoices dated in the fixtures (January 2026) and today must fall in a fiscal year.
    this_year = dt.date.today().year
    for year in range(min(2026, this_year - 1), max(2026, this_year + 1) + 1):
        fy = set_fiscalyear_invoice_sequences(
            create_fiscalyear(today=(dt.date(year, 1, 1), dt.date(year, 12, 31))))
        fy.click("create_period")

    tax = create_tax(Decimal("0.07"))
    tax.name = tax.description = "Sales tax 7%"
    tax.save()

    Category = Model.get("product.category")
    category = Category(name="Goods", accounting=True)
    category.account_expense = accounts["expense"]
    category.account_revenue = accounts["revenue"]
    category.customer_taxes.append(tax)
    category.save()

    for code, (name, idents, addr) in PARTIES.items():
        party = Party(name=name, code=code)
        for ident in idents:
            party.identifiers.new(code=ident)
        address, = party.addresses
        address.street = addr["street"]
        address.city = addr["city"]
        address.postal_code = addr["postal_code"]
        party.save()

    Uom = Model.get("product.uom")
    unit, = Uom.find([("name", "=", "Unit")])
    Template = Model.get("product.template")
    products = {}
    for sku, (name, gtin, price, cost) in PRODUCTS.items():
        template = Template(name=name, code=sku, type="goods", default_uom=unit,
                            salable=True, purchasable=True, list_price=Decimal(price),
                            account_category=category)
        product, = template.products
        product.cost_price = Decimal(cost)
        if gtin:
            product.identifiers.new(type="ean", code=gtin)
        template.save()
        products[sku] = template.products[0]

    purchase_from(json.loads(Path(replenishment).read_text()), products, unit, currencies)


def purchase_from(po: dict[str, Any], products: dict[str, Any], unit: Any,
                  currencies: dict[str, Any]) -> None:
    """The purchase we sent as the 850: its number is the PO number, state "quotation"."""
    Party = Model.get("party.party")
    Purchase = Model.get("purchase.purchase")
    Configuration = Model.get("purchase.configuration")
    # our purchase numbers look like the example's: PO-2026-00071 is the next one
    prefix, _, next_number = po["number"].rpartition("-")
    sequence = Configuration(1).purchase_sequence
    sequence.prefix = prefix + "-"
    sequence.padding = len(next_number)
    sequence.number_next = int(next_number)
    sequence.save()
    supplier, = Party.find([("code", "=", "ACME-SUPPLY")])
    order_date = next(d["value"] for d in po["dates"] if d["role"] == "order")
    purchase = Purchase(party=supplier,
                        purchase_date=dt.date.fromisoformat(order_date),
                        currency=currencies[po["currency"]])
    for line in po["lines"]:
        pl = purchase.lines.new(product=products[line["buyer_part_number"]])
        pl.quantity = float(line["quantity"])
        pl.unit = unit
        pl.unit_price = Decimal(line["unit_price"])
    purchase.save()
    purchase.click("quote")
    assert purchase.number == po["number"], purchase.number


if __name__ == "__main__":
    main(*sys.argv[1:4])
