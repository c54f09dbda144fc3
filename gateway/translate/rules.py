"""What a map says beyond element positions: cross-references, defaults and business checks.

- ``[xref.<name>]``: a partner's value → ours (item number → SKU, store number → our
  location), from an inline ``table`` or a two-column CSV ``file`` (header ``partner,ours``)
  beside the map. Inbound it fills ``to`` from ``from``; outbound it fills ``from`` from ``to``
  when the record lacks it. A value missing from the table rejects the set, warns, or is kept,
  as ``missing`` says.
- ``[defaults]``: ``path = value``, set where the document leaves the field empty (lists on the
  way are walked: ``"lines.unit" = "each"``).
- ``[[checks]]``: business checks on the finished record. The map says which checks apply and
  how strictly by default; the partner profile's ``[checks]`` may turn each to warn, reject or
  off. A rejecting check rejects the set (``st.business_rule``); a warning is reported and the
  record still comes out.

These work on the plain dict form of a record (inbound before pydantic validation, outbound
after ``model_dump``) and on the record itself for checks.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.report import Defect

Action = Literal["warn", "reject"]
CheckAction = Literal["warn", "reject", "off"]
CheckRule = Literal["line_count", "line_amounts", "total_amount", "required", "po_price",
                    "po_quantity", "destination_quantities", "one_order"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Xref(_Model):
    each: str = ""  # the list whose items are cross-referenced ("lines", "lines.destinations")
    from_: str = Field(alias="from")  # the partner's value, relative to an item
    to: str  # our value, relative to the same item
    when: dict[str, str] = {}  # only items whose fields have these values
    table: dict[str, str] = {}
    file: str | None = None  # CSV beside the map: partner,ours
    missing: Literal["reject", "warn", "keep"] = "reject"


class Check(_Model):
    rule: CheckRule
    name: str = ""  # the key a profile's [checks] uses; default: the rule
    action: Action = "reject"
    fields: list[str] = []  # for ``required``: paths that must have a value
    when: dict[str, str] = {}  # only records whose top-level fields have these values
    tolerance: Decimal = Decimal("0.01")

    @property
    def key(self) -> str:
        return self.name or self.rule


def load_table(xref: Xref, base: Path) -> dict[str, str]:
    """The xref's pairs: the inline table, then the CSV file's rows (ValueError if unreadable)."""
    table = dict(xref.table)
    if xref.file is not None:
        path = base / xref.file
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                rows = list(csv.reader(fh))
        except OSError as exc:
            raise ValueError(f"cannot read {xref.file}: {exc.strerror}") from None
        if not rows or [c.strip().lower() for c in rows[0][:2]] != ["partner", "ours"]:
            raise ValueError(f"{xref.file}: the first row must be 'partner,ours'")
        for n, row in enumerate(rows[1:], 2):
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                raise ValueError(f"{xref.file}:{n}: two values expected, partner,ours")
            table[row[0].strip()] = row[1].strip()
    return table


# -- paths over dicts -----------------------------------------------------------------------

def items(data: dict[str, Any], path: str) -> Iterator[dict[str, Any]]:
    """Every dict at ``path`` (dotted names; lists on the way are walked; "" is ``data``)."""
    level: list[Any] = [data]
    for name in path.split(".") if path else []:
        nxt: list[Any] = []
        for d in level:
            v = d.get(name) if isinstance(d, dict) else None
            if isinstance(v, (list, tuple)):
                nxt.extend(x for x in v if isinstance(x, dict))
            elif isinstance(v, dict):
                nxt.append(v)
        level = nxt
    yield from level


def _matches(item: dict[str, Any], when: dict[str, str]) -> bool:
    for path, want in when.items():
        v: Any = item
        for name in path.split("."):
            v = v.get(name) if isinstance(v, dict) else None
        if str(v) != want:
            return False
    return True


# -- inbound and outbound -------------------------------------------------------------------

Data = dict[str, Any]  # a record's ``model_dump()`` or JSON form
Getter = Callable[[Any, str], Any]
Setter = Callable[[dict[str, Any], str, Any], None]


def xref_in(xrefs: dict[str, tuple[Xref, dict[str, str]]], data: dict[str, Any],
            get: Getter, put: Setter) -> list[Defect]:
    out: list[Defect] = []
    for name, (x, table) in xrefs.items():
        for n, item in enumerate(items(data, x.each)):
            if not _matches(item, x.when):
                continue
            v = get(item, x.from_)
            if v is None:
                continue
            ours = table.get(str(v))
            if ours is not None:
                put(item, x.to, ours)
            elif x.missing != "keep":
                where = f"{x.each}[{n}].{x.from_}" if x.each else x.from_
                out.append(Defect("st.business_rule", f"{where}: {v!r} is not in the "
                                  f"cross-reference {name!r}", value=str(v),
                                  warning=x.missing == "warn"))
    return out


def xref_out(xrefs: dict[str, tuple[Xref, dict[str, str]]], data: dict[str, Any],
             get: Getter, put: Setter) -> None:
    for x, table in xrefs.values():
        reverse: dict[str, str] = {}
        for partner, ours in table.items():
            reverse.setdefault(ours, partner)
        for item in items(data, x.each):
            if not _matches(item, x.when) or get(item, x.from_) is not None:
                continue
            ours = get(item, x.to)
            if ours is not None and str(ours) in reverse:
                put(item, x.from_, reverse[str(ours)])


def defaults(values: dict[str, Any], data: dict[str, Any]) -> None:
    for path, value in values.items():
        head, _, name = path.rpartition(".")
        for item in items(data, head):
            if item.get(name) in (None, "", [], ()):
                item[name] = value


# -- business checks ------------------------------------------------------------------------

OrderLookup = Callable[[str], Any]  # PO number -> PurchaseOrder (or None when unknown)


def run_checks(checks: list[Check], actions: dict[str, CheckAction], record: BaseModel,
               orders: OrderLookup | None, data: dict[str, Any] | None = None) -> list[Defect]:
    """The defects of the checks that fail; ``actions`` is the partner profile's [checks].
    ``data``: the record's JSON form when the caller has it (the compiled map's; ``when``
    and ``required`` read values as text, the same in either form), else its dump."""
    out: list[Defect] = []
    if data is None:
        data = record.model_dump()
    for c in checks:
        action = actions.get(c.key, c.action)
        if action == "off" or not _matches(data, c.when):
            continue
        for problem in _RULES[c.rule](c, record, orders, data):
            out.append(Defect("st.business_rule", f"check {c.key}: {problem}",
                              warning=action == "warn"))
    return out


def _lines(record: Any) -> list[Any]:
    return list(getattr(record, "lines", ()) or ())


def _close(a: Decimal, b: Decimal, c: Check) -> bool:
    return abs(a - b) <= c.tolerance


def _line_count(c: Check, record: Any, _orders: OrderLookup | None,
                _data: Data) -> Iterator[str]:
    totals = getattr(record, "totals", None)
    said = getattr(totals, "line_count", None)
    if said is not None and said != len(_lines(record)):
        yield f"the document says {said} lines (CTT01 / CNT) but has {len(_lines(record))}"


def _line_amount(line: Any) -> Decimal:
    amount = getattr(line, "amount", None)
    if amount is not None:
        return Decimal(amount)
    return Decimal(line.quantity) * Decimal(line.unit_price or 0)


def _line_amounts(c: Check, record: Any, _orders: OrderLookup | None,
                  _data: Data) -> Iterator[str]:
    for line in _lines(record):
        amount = getattr(line, "amount", None)
        price = getattr(line, "unit_price", None)
        if amount is None or price is None:
            continue
        expected = Decimal(line.quantity) * Decimal(price)
        if not _close(Decimal(amount), expected, c):
            yield (f"line {line.line_number}: amount {amount} is not quantity {line.quantity}"
                   f" × price {price} = {expected}")


def _signed(items: Any) -> Decimal:
    total = Decimal(0)
    for ac in items or ():
        amount = getattr(ac, "amount", None)
        if amount is None:
            continue
        total += Decimal(amount) if ac.indicator == "charge" else -Decimal(amount)
    return total


def _total_amount(c: Check, record: Any, _orders: OrderLookup | None,
                  _data: Data) -> Iterator[str]:
    totals = getattr(record, "totals", None)
    said = getattr(totals, "total_amount", None)
    if said is None:
        said = getattr(totals, "amount", None)
    if said is None:
        return
    lines = _lines(record)
    expected = sum((_line_amount(line) for line in lines), Decimal(0))
    expected += _signed(getattr(record, "allowances_charges", ()))
    for line in lines:
        expected += _signed(getattr(line, "allowances_charges", ()))
    for tax in list(getattr(record, "taxes", ()) or ()) + [
            t for line in lines for t in getattr(line, "taxes", ()) or ()]:
        if getattr(tax, "amount", None) is not None:
            expected += Decimal(tax.amount)
    if not _close(Decimal(said), expected, c):
        yield (f"total {said} does not match the lines, allowances, charges and taxes "
               f"({expected})")


def _required(c: Check, _record: Any, _orders: OrderLookup | None,
              data: Data) -> Iterator[str]:
    """On the record's ``model_dump()`` or JSON form (a None is as good as absent)."""
    for path in c.fields:
        head, _, name = path.rpartition(".")
        found = list(items(data, head))
        if not found:
            yield f"{path} is required"
            continue
        for n, item in enumerate(found):
            if item.get(name) in (None, "", [], ()):
                yield f"{path} is required" + (f" (item {n + 1})" if len(found) > 1 else "")


def _order_lines(c: Check, record: Any, orders: OrderLookup | None) -> Iterator[
        tuple[Any, Any] | str]:
    number = getattr(record, "order_number", None)
    if number is None:
        yield "the document names no purchase order"
        return
    order = orders(number) if orders is not None else None
    if order is None:
        yield f"purchase order {number} is not known"
        return
    for line in _lines(record):
        match = _find_line(order, line)
        if match is None:
            yield f"line {line.line_number}: not on purchase order {number}"
        else:
            yield line, match


def _find_line(order: Any, line: Any) -> Any:
    for key in ("gtin", "buyer_part_number", "vendor_part_number"):
        v = getattr(line, key, None)
        if v is not None:
            for o in order.lines:
                if getattr(o, key, None) == v:
                    return o
    return next((o for o in order.lines if o.line_number == line.line_number), None)


def _po_price(c: Check, record: Any, orders: OrderLookup | None,
              _data: Data) -> Iterator[str]:
    for pair in _order_lines(c, record, orders):
        if isinstance(pair, str):
            yield pair
            continue
        line, ordered = pair
        price, agreed = getattr(line, "unit_price", None), ordered.unit_price
        if price is not None and agreed is not None and not _close(price, agreed, c):
            yield (f"line {line.line_number}: price {price} differs from the order's "
                   f"{agreed}")


def _po_quantity(c: Check, record: Any, orders: OrderLookup | None,
                 _data: Data) -> Iterator[str]:
    for pair in _order_lines(c, record, orders):
        if isinstance(pair, str):
            yield pair
            continue
        line, ordered = pair
        qty = getattr(line, "quantity", None)
        if qty is not None and qty > ordered.quantity:
            yield (f"line {line.line_number}: quantity {qty} is more than the "
                   f"{ordered.quantity} ordered")


def _destinations(c: Check, record: Any, _orders: OrderLookup | None,
                  _data: Data) -> Iterator[str]:
    for line in _lines(record):
        dests = getattr(line, "destinations", ())
        if dests:
            total = sum((Decimal(d.quantity) for d in dests), Decimal(0))
            if total != Decimal(line.quantity):
                yield (f"line {line.line_number}: the store quantities add up to {total}, "
                       f"the line orders {line.quantity}")


def _one_order(c: Check, record: Any, _orders: OrderLookup | None,
               _data: Data) -> Iterator[str]:
    """For a map that reads one order's packing (the DESADV's: its lines' own order
    references are not read), a notice of several orders with packs or items cannot say
    which order they belong to."""
    orders = getattr(record, "orders", ()) or ()
    if len(orders) > 1 and any(o.packs or o.items for o in orders):
        yield (f"{len(orders)} orders ({', '.join(o.order_number for o in orders)}): the "
               "packs and items cannot be told apart by order here (one notice per order)")


# each rule: (check, record, PO lookup, the record's dump or JSON form) -> its problems
_RULES: dict[str, Callable[[Check, Any, OrderLookup | None, Data], Iterator[str]]] = {
    "line_count": _line_count, "line_amounts": _line_amounts, "total_amount": _total_amount,
    "required": _required, "po_price": _po_price, "po_quantity": _po_quantity,
    "destination_quantities": _destinations, "one_order": _one_order,
}
