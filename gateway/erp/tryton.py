"""The Tryton connector: canonical documents into a Tryton ERP over JSON-RPC.

What each document becomes (searching first, so a redelivery creates nothing):

- a customer's **purchase order** → a ``sale.sale`` with the PO number as ``reference``, the
  customer found by its GLN/DUNS (party identifiers) or the profile's ``party`` code, the
  ship-to as the shipment address (an address of the customer, added once when new), lines
  with our products (by SKU = ``product.code``, GTIN, or part number), the canonical unit as a
  Tryton unit (a case of 12 becomes 12 "Unit" at a twelfth of the price), the product's
  customer taxes; then quoted or also confirmed as the profile's ``sale_action`` says.
- a supplier's **ship notice** → a ``stock.shipment.in`` from the moves of our confirmed
  purchase (the ASN's order numbers are our purchase numbers), with the shipped quantities
  (a partial ASN leaves the rest to come), ``reference`` = the ASN number, then received and
  done, or left received or in draft, as the profile's ``shipment_action`` says.
- a supplier's **invoice** → the draft invoice that confirming our purchase created, with the
  supplier's reference, date, invoiced quantities and prices (lines not invoiced yet are taken
  off it, so they come on the next draft invoice), or else a new supplier invoice; validated
  and posted. A Tryton warning (a similar invoice) parks it, the draft stays for a human.
- a supplier's **order acknowledgement** → our purchase: the supplier's order number becomes
  its ``reference``; rejected or changed quantities are written on the lines of a purchase not
  confirmed yet, every line's answer goes into the line's note and the purchase's comment;
  the purchase is then confirmed. Price changes are recorded, not applied: the buyer decides,
  and the invoice is checked against the order. A rejected order is recorded and left for
  the buyer.

Errors: Tryton unreachable, slow, 429/5xx or refusing our login → :class:`Retry`; a
``UserError`` → :class:`Rejected` with Tryton's message; a ``UserWarning`` → :class:`Rejected`
(held for review); an unknown party, product, unit or purchase → :class:`Rejected` naming it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from gateway.canonical import (
    Invoice,
    OrderAcknowledgement,
    Pack,
    PurchaseOrder,
    ShipItem,
    ShipNotice,
    date_of,
)
from gateway.erp import Delivery, Receipt, Rejected, Retry
from gateway.erp.jsonrpc import (
    TrytonAuthError,
    TrytonRpc,
    TrytonRpcError,
    TrytonUnreachable,
    TrytonUserError,
)
from gateway.erp.tryton_lookup import PRICE_PLACES, Lookups
from gateway.errors import ConfigError
from gateway.partners.endpoints import TrytonErp

__all__ = ["TrytonConnector", "connector_for_settings"]

def connector_for_settings(settings: TrytonErp) -> TrytonConnector:
    """What :func:`gateway.erp.factory.connector_for` calls for ``connector = "tryton"``."""
    return TrytonConnector(settings)


def _ref(model: str, rid: int) -> str:
    return f"{model},{rid}"


def _trace(delivery: Delivery, what: str) -> str:
    """The lines a human reads in Tryton to find the EDI document behind a record."""
    ctx = ", ".join(f"{k} {v}" for k, v in delivery.context.items()
                    if v not in (None, "") and isinstance(v, str | int))
    return f"EDI {what} from {delivery.partner_id}, key {delivery.idempotency_key}" + (
        f" ({ctx})" if ctx else "")



class TrytonConnector(Lookups):
    """Delivers canonical records into one Tryton database (see the module docstring).

    ``confirm_sales`` forces ``sale_action = "confirm"``. ``password`` overrides the
    environment variable the settings name; ``transport`` is httpx's (tests may pass one).
    Lookups of units, accounts, journals and warehouses are cached for the connector's life.
    """

    name = "tryton"

    def __init__(self, settings: TrytonErp, *, confirm_sales: bool = False,
                 password: str | None = None, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        if password is None:
            password = os.environ.get(settings.password_env)
            if password is None:
                raise ConfigError(f"the Tryton password variable {settings.password_env} is "
                                  "not set", code="config.secret_missing")
        self.settings = settings
        self.sale_action = "confirm" if confirm_sales else settings.sale_action
        self.rpc = TrytonRpc(str(settings.url), settings.database, settings.user, password,
                             timeout=timeout, transport=transport)
        self._cache: dict[tuple[str, ...], Any] = {}

    def close(self) -> None:
        self.rpc.close()

    def deliver(self, delivery: Delivery) -> Receipt:
        record = delivery.record
        flows: list[tuple[type, Callable[[Any, Delivery], Receipt]]] = [
            (PurchaseOrder, self._sale), (ShipNotice, self._shipment),
            (Invoice, self._invoice), (OrderAcknowledgement, self._acknowledgement)]
        flow = next((f for kind, f in flows if isinstance(record, kind)), None)
        if flow is None:
            raise Rejected(f"the Tryton connector takes no {delivery.document_type}")
        try:
            return flow(record, delivery)
        except (TrytonUnreachable, TrytonAuthError) as exc:
            raise Retry(str(exc)) from exc
        except TrytonUserError as exc:
            if exc.warning:
                raise Rejected(f"Tryton holds it for review: {exc}") from exc
            raise Rejected(f"Tryton refused it: {exc}") from exc
        except TrytonRpcError as exc:
            raise Rejected(str(exc)) from exc

    # -- purchase order -> sale --------------------------------------------------------------

    def _sale(self, po: PurchaseOrder, delivery: Delivery) -> Receipt:
        party = self._party(po.parties, ("buyer", "bill_to"), f"buyer of PO {po.number}")
        found = self._existing("sale.sale", [("party", "=", party), ("reference", "=", po.number),
                                             ("state", "!=", "cancelled")], ["number"])
        if found:
            state = self._advance_sale(found["id"], found["state"])
            return Receipt(_ref("sale.sale", found["id"]), created=False,
                           message=f"sale for PO {po.number} already in Tryton ({state})")
        products = self._products(po.lines, customer=True)
        ship_to = next((p for p in po.parties if p.role == "ship_to"), None)
        invoice_address, shipment_address = self._address(party, ship_to)
        lines = [self._sale_line(line, products[line.line_number]) for line in po.lines]
        notes = [_trace(delivery, f"PO {po.number}")]
        notes += [f"{n.topic}: {n.text}" for n in po.notes]
        notes += [f"{r.qualifier}: {r.value}" for r in po.references]
        if ship_to is not None and ship_to.name:
            notes.append(f"ship to: {ship_to.name}"
                         + (f" ({ship_to.our_location})" if ship_to.our_location else ""))
        values: dict[str, Any] = {
            "party": party, "reference": po.number,
            "sale_date": date_of(po.dates, "order") or date.today(),
            "invoice_address": invoice_address, "shipment_address": shipment_address,
            "comment": "\n".join(notes), "lines": [["create", lines]]}
        currency = self._currency(po.currency)
        if currency is not None:
            values["currency"] = currency
        sale, = self.rpc.model("sale.sale", "create", [values])
        state = self._advance_sale(sale, "draft")
        return Receipt(_ref("sale.sale", sale), message=f"sale for PO {po.number}: {state}")

    def _sale_line(self, line: Any, product: int) -> dict[str, Any]:
        info = self._product_info(product)
        uom, factor = self._unit(line.line_number, line.unit, line.pack_size)
        values: dict[str, Any] = {"type": "line", "product": product,
                                  "quantity": line.quantity * factor, "unit": uom,
                                  "taxes": [["add", info["customer_taxes"]]]}
        price = line.unit_price if line.unit_price is not None else None
        if price is not None:
            values["unit_price"] = (price / factor).quantize(PRICE_PLACES)
        else:
            values["unit_price"] = info["list_price"]
        if line.description:
            values["description"] = line.description
        note = [f"line {line.line_number}"]
        if factor != 1:
            note.append(f"ordered {line.quantity} {line.unit} of {factor} at {price}")
        if line.destinations:
            note.append("for " + ", ".join(
                f"{d.our_location or d.location.value} {d.quantity}" for d in line.destinations))
        note += [n.text for n in line.notes]
        values["note"] = "; ".join(note)
        return values

    def _advance_sale(self, sale: int, state: str) -> str:
        steps = {"draft": 0, "quote": 1, "confirm": 2}[self.sale_action]
        if state == "draft" and steps >= 1:
            self.rpc.model("sale.sale", "quote", [sale])
            state = "quotation"
        if state == "quotation" and steps >= 2:
            self.rpc.model("sale.sale", "confirm", [sale])
            state = "confirmed"
        row, = self.rpc.read("sale.sale", [sale], ["state", "number"])
        return f"{row['state']}, number {row['number']}" if row["number"] else str(row["state"])

    # -- supplier documents: our purchase ----------------------------------------------------

    def _purchase(self, party: int, number: str, states: tuple[str, ...] | None = None
                  ) -> dict[str, Any]:
        rows = self.rpc.search_read(
            "purchase.purchase",
            [("party", "=", party), ("state", "!=", "cancelled"),
             ["OR", ("number", "=", number), ("reference", "=", number)]],
            ["number", "state", "reference", "comment", "lines", "moves", "warehouse"],
            limit=1, order=[("id", "ASC")])
        if not rows:
            raise Rejected(f"no Tryton purchase {number} from this supplier")
        row = rows[0]
        if states is not None and row["state"] not in states:
            raise Rejected(f"purchase {number} is {row['state']} in Tryton: confirm it first")
        return row

    # -- ship notice -> incoming shipment ----------------------------------------------------

    def _shipment(self, asn: ShipNotice, delivery: Delivery) -> Receipt:
        party = self._party(asn.parties, ("ship_from", "seller"), f"shipper of ASN {asn.number}")
        found = self._existing("stock.shipment.in",
                               [("supplier", "=", party), ("reference", "=", asn.number),
                                ("state", "!=", "cancelled")], ["number"])
        if found:
            self._finish_shipment(found["id"], found["state"])
            return Receipt(_ref("stock.shipment.in", found["id"]), created=False,
                           message=f"shipment for ASN {asn.number} already in Tryton")
        moves: list[int] = []
        warehouse = None
        for order in asn.orders:
            purchase = self._purchase(party, order.order_number, ("processing", "done"))
            warehouse = warehouse or purchase["warehouse"]
            items = list(_items(order.packs, order.items))
            products = self._products(items, customer=False)
            moves += self._shipped_moves(order.order_number, purchase["moves"], items, products)
        if warehouse is None:
            raise Rejected(f"ASN {asn.number}: no warehouse on the purchase")
        wh, = self.rpc.read("stock.location", [warehouse],
                            ["input_location", "storage_location"])
        values: dict[str, Any] = {
            "supplier": party, "reference": asn.number, "warehouse": warehouse,
            "warehouse_input": wh["input_location"], "warehouse_storage": wh["storage_location"],
            "incoming_moves": [["add", moves]]}
        planned = date_of(asn.dates, "estimated_delivery") or date_of(asn.dates, "delivery")
        if planned:
            values["planned_date"] = planned
        shipment, = self.rpc.model("stock.shipment.in", "create", [values])
        state = self._finish_shipment(shipment, "draft")
        return Receipt(_ref("stock.shipment.in", shipment),
                       message=f"incoming shipment for ASN {asn.number}: {state}")

    def _shipped_moves(self, number: str, move_ids: list[int], items: list[ShipItem],
                       products: dict[str, int]) -> list[int]:
        """The purchase's open moves for the shipped items, their quantities set to the
        shipped ones."""
        moves = self.rpc.read("stock.move", move_ids,
                              ["product", "quantity", "unit", "state", "shipment"])
        open_moves = [m for m in moves if m["state"] == "draft" and not m["shipment"]]
        shipped: dict[int, Decimal] = {}
        for item in items:
            uom, factor = self._unit(item.line_number, item.unit, None)
            product = products[item.line_number]
            shipped[product] = shipped.get(product, Decimal(0)) + item.quantity * factor
        chosen: list[int] = []
        for product, quantity in shipped.items():
            move = next((m for m in open_moves if m["product"] == product), None)
            if move is None:
                name = self._product_info(product)["rec_name"]
                raise Rejected(f"{name} is not open on purchase {number} (not ordered, or "
                               "already on another shipment)")
            if Decimal(str(move["quantity"])) != quantity:
                self.rpc.model("stock.move", "write", [move["id"]], {"quantity": quantity})
            chosen.append(move["id"])
        return chosen

    def _finish_shipment(self, shipment: int, state: str) -> str:
        """Take the shipment as far as ``shipment_action`` says (never back)."""
        action = self.settings.shipment_action
        if state == "draft" and action in ("receive", "done"):
            self.rpc.model("stock.shipment.in", "receive", [shipment])
            state = "received"
        if state == "received" and action == "done":
            self.rpc.model("stock.shipment.in", "do", [shipment])
            state = "done"
        return state

    # -- invoice -> supplier invoice ---------------------------------------------------------

    def _invoice(self, inv: Invoice, delivery: Delivery) -> Receipt:
        party = self._party(inv.parties, ("remit_to", "seller", "ship_from"),
                            f"seller of invoice {inv.number}")
        trace = _trace(delivery, f"invoice {inv.number}")
        same = self.rpc.search_read(
            "account.invoice", [("type", "=", "in"), ("party", "=", party),
                                ("reference", "=", inv.number), ("state", "!=", "cancelled")],
            ["state", "comment", "number"], order=[("id", "ASC")])
        ours = next((r for r in same if delivery.idempotency_key in (r["comment"] or "")), None)
        if ours is not None:  # our own delivery of this key, perhaps cut short: finish it
            state = self._post_invoice(ours["id"], ours["state"], inv)
            return Receipt(_ref("account.invoice", ours["id"]), created=False,
                           message=f"supplier invoice {inv.number} already in Tryton ({state})")
        products = self._products(inv.lines, customer=False)
        invoice_date = date_of(inv.dates, "invoice") or date.today()
        header = {"reference": inv.number, "invoice_date": invoice_date, "comment": trace,
                  "description": f"{inv.number}" + (f" / PO {inv.order_number}"
                                                    if inv.order_number else "")}
        invoice = None
        if inv.order_number and inv.type == "debit":
            invoice = self._purchase_invoice(party, inv, products, header)
        if invoice is None:
            invoice = self._new_invoice(party, inv, products, header)
        state = self._post_invoice(invoice, "draft", inv)
        return Receipt(_ref("account.invoice", invoice),
                       message=f"supplier invoice {inv.number}: {state}")

    def _purchase_invoice(self, party: int, inv: Invoice, products: dict[str, int],
                          header: dict[str, Any]) -> int | None:
        """The draft invoice of the purchase, made to say what the supplier invoiced."""
        drafts = self.rpc.search_read(
            "account.invoice",
            [("type", "=", "in"), ("state", "=", "draft"), ("party", "=", party),
             ("lines.origin.purchase.number", "=", inv.order_number, "purchase.line")],
            ["lines", "reference"], order=[("id", "ASC")])
        draft = next((d for d in drafts if not d["reference"]), None)
        if draft is None:
            return None
        lines = self.rpc.read("account.invoice.line", draft["lines"],
                              ["product", "quantity", "unit_price", "unit"])
        billed: dict[int, tuple[Decimal, Decimal]] = {}
        for line in inv.lines:
            _, factor = self._unit(line.line_number, line.unit, None)
            billed[products[line.line_number]] = (
                line.quantity * factor, (line.unit_price / factor).quantize(PRICE_PLACES))
        unmatched = set(billed) - {ln["product"] for ln in lines}
        if unmatched:
            names = ", ".join(self._product_info(p)["rec_name"] for p in sorted(unmatched))
            raise Rejected(f"invoice {inv.number} bills {names}, not on the open invoice of "
                           f"purchase {inv.order_number}")
        drop = [ln["id"] for ln in lines if ln["product"] not in billed]
        if drop:  # not billed yet: the purchase puts them on its next draft invoice
            self.rpc.model("account.invoice.line", "delete", drop)
        for ln in lines:
            if ln["product"] in billed:
                quantity, price = billed[ln["product"]]
                self.rpc.model("account.invoice.line", "write", [ln["id"]],
                               {"quantity": quantity, "unit_price": price})
        self.rpc.model("account.invoice", "write", [draft["id"]], header)
        return int(draft["id"])

    def _new_invoice(self, party: int, inv: Invoice, products: dict[str, int],
                     header: dict[str, Any]) -> int:
        sign = -1 if inv.type == "credit" else 1
        lines = []
        for line in inv.lines:
            product = products[line.line_number]
            info = self._product_info(product)
            uom, factor = self._unit(line.line_number, line.unit, None)
            account = info["account_expense"] or self._config()["default_category_account_expense"]
            lines.append({"type": "line", "product": product, "unit": uom,
                          "quantity": sign * line.quantity * factor,
                          "unit_price": (line.unit_price / factor).quantize(PRICE_PLACES),
                          "account": account, "taxes": [["add", info["supplier_taxes"]]],
                          **({"description": line.description} if line.description else {})})
        invoice_address, _ = self._address(party, None)
        values = {"type": "in", "party": party, "invoice_address": invoice_address,
                  "account": self._config()["default_account_payable"],
                  "journal": self._journal("EXP"), **header, "lines": [["create", lines]]}
        currency = self._currency(inv.currency)
        if currency is not None:
            values["currency"] = currency
        created, = self.rpc.model("account.invoice", "create", [values])
        return int(created)

    def _post_invoice(self, invoice: int, state: str, inv: Invoice) -> str:
        """Validate; post when Tryton's total is the supplier's, else leave it for review."""
        if state == "draft":
            self.rpc.model("account.invoice", "validate_invoice", [invoice])
            state = "validated"
        if state == "validated":
            row, = self.rpc.read("account.invoice", [invoice], ["total_amount"])
            expected = inv.totals.total_amount
            if Decimal(row["total_amount"]) != expected:
                raise Rejected(f"supplier invoice {inv.number}: Tryton's total "
                               f"{row['total_amount']} is not the invoiced {expected}; left "
                               "validated for review")
            self.rpc.model("account.invoice", "post", [invoice])
            state = "posted"
        return state

    def _config(self) -> dict[str, Any]:
        def load() -> dict[str, Any]:
            row, = self.rpc.read("account.configuration", [1],
                                 ["default_account_payable",
                                  "default_category_account_expense"])
            return row
        config: dict[str, Any] = self._cached(("account.configuration",), load)
        return config

    def _journal(self, code: str) -> int:
        def load() -> int:
            ids = self.rpc.search("account.journal", [("code", "=", code)], limit=1)
            if not ids:
                raise Rejected(f"no Tryton journal {code}")
            return ids[0]
        journal: int = self._cached(("journal", code), load)
        return journal

    # -- order acknowledgement -> our purchase -----------------------------------------------

    def _acknowledgement(self, ack: OrderAcknowledgement, delivery: Delivery) -> Receipt:
        party = self._party(ack.parties, ("seller", "remit_to", "ship_from"),
                            f"seller acknowledging PO {ack.order_number}")
        purchase = self._purchase(party, ack.order_number)
        pid = purchase["id"]
        comment = purchase["comment"] or ""
        if delivery.idempotency_key in comment:
            state = self._confirm_purchase(pid, purchase["state"], ack)
            return Receipt(_ref("purchase.purchase", pid), created=False,
                           message=f"acknowledgement of {ack.order_number} already recorded "
                                   f"({state})")
        editable = purchase["state"] in ("draft", "quotation")
        products = self._products(ack.lines, customer=False)
        lines = self.rpc.read("purchase.line", purchase["lines"],
                              ["product", "quantity", "unit_price", "note"])
        by_product = {ln["product"]: ln for ln in lines if ln["product"]}
        report = [f"{_trace(delivery, 'order acknowledgement ' + (ack.number or ''))}: "
                  f"{ack.status.replace('_', ' ')}"]
        for line in ack.lines:
            target = by_product.get(products[line.line_number])
            said = "; ".join(
                f"{c.status} {c.quantity if c.quantity is not None else ''}".strip()
                + (f" at {c.unit_price}" if c.unit_price is not None else "")
                + (f" {c.schedule.role.replace('_', ' ')} {c.schedule.value}"
                   if c.schedule else "") for c in line.confirmations)
            text = f"line {line.line_number}: {said}"
            if target is None:
                report.append(f"{text} (not on our purchase)")
                continue
            if line.unit_price is not None and target["unit_price"] is not None and \
                    line.unit_price != Decimal(target["unit_price"]):
                text += (f"; supplier's price {line.unit_price}, ours {target['unit_price']}"
                         " (not applied)")
            change: dict[str, Any] = {}
            confirmed = _confirmed_quantity(line.quantity, line.confirmations)
            if confirmed != Decimal(str(target["quantity"])):
                if editable:
                    change["quantity"] = confirmed
                    text += f"; quantity set to {confirmed}"
                else:
                    text += f"; confirms {confirmed}, purchase no longer editable"
            report.append(text)
            change["note"] = "\n".join(filter(None, [target["note"], text]))
            self.rpc.model("purchase.line", "write", [target["id"]], change)
        values: dict[str, Any] = {"comment": "\n".join(filter(None, [comment, *report]))}
        if ack.number and not purchase["reference"]:
            values["reference"] = ack.number
        self.rpc.model("purchase.purchase", "write", [pid], values)
        state = self._confirm_purchase(pid, purchase["state"], ack)
        return Receipt(_ref("purchase.purchase", pid),
                       message=f"purchase {purchase['number']}: {ack.status}, {state}")

    def _confirm_purchase(self, purchase: int, state: str, ack: OrderAcknowledgement) -> str:
        if ack.status == "rejected":
            return f"{state}, left for the buyer"
        if state == "draft":
            self.rpc.model("purchase.purchase", "quote", [purchase])
            state = "quotation"
        if state == "quotation":
            self.rpc.model("purchase.purchase", "confirm", [purchase])
            row, = self.rpc.read("purchase.purchase", [purchase], ["state"])
            state = str(row["state"])
        return state


def _items(packs: Iterable[Pack], items: Iterable[ShipItem]) -> Iterator[ShipItem]:
    yield from items
    for pack in packs:
        yield from _items(pack.packs, pack.items)


def _confirmed_quantity(ordered: Decimal, confirmations: Iterable[Any]) -> Decimal:
    """What the supplier will deliver: the ordered quantity less what it rejects (a
    backorder is still coming); a confirmation without a quantity stands for the rest."""
    confirmations = list(confirmations)
    given = sum((c.quantity for c in confirmations if c.quantity is not None), Decimal(0))
    rest = max(ordered - given, Decimal(0))
    return sum((c.quantity if c.quantity is not None else rest
                for c in confirmations if c.status != "rejected"), Decimal(0))
