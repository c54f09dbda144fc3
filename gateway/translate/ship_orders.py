"""A despatch advice of several orders: each item under the order its line names.

EANCOM sends one DESADV per delivery, and a delivery may fill several orders: the header
lists them (SG1 RFF ON) and each line names its own (D96A SG16 / D01B SG18 RFF ON, inside
the LIN group). The canonical ship notice nests order → pack → item instead, so:

* inbound, the map reads a line's order reference into the item's ``_order`` (a map
  variable, not a record field) and puts every pack and item under ``orders[0]``;
  ``by_line_order`` then moves each item to the order it names (an order the header did not
  list is added, after the listed ones), and splits a pack holding items of several orders
  into one copy per order (the same SSCC, each copy with its own items; a pack inside a pack
  follows its items, an empty one the order of its pack's first item). An item without a
  reference stays with the first order, as does a pack with no items at all. With no line
  reference in the message, nothing changes.
* outbound, ``merged_orders`` does the reverse for a record whose later orders hold packs or
  items: all of them are written under the first order's place in the map, each item with
  ``_order`` set to its order's number, which the map writes as the line's RFF ON. A later
  order's pack without any item could not be told apart from the first order's on the way
  back, so that record is refused (``outbound.not_carried``).

Only maps that bind ``_order`` (``uses_line_order``) take these steps; the X12 856 keeps its
orders as HL levels.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import GatewayError
from gateway.translate.mapfile import Binding, TranslationMap

LINE_ORDER = "_order"  # the map variable: an item's order number, as its line names it

_USES: dict[int, tuple[TranslationMap, bool]] = {}


def uses_line_order(tmap: TranslationMap) -> bool:
    """True when a binding of ``tmap`` reads or writes ``_order``."""
    hit = _USES.get(id(tmap))
    if hit is None or hit[0] is not tmap:
        hit = _USES[id(tmap)] = (tmap, _binds(tmap.header))
    return hit[1]


def _binds(bindings: list[Binding]) -> bool:
    return any(any(eb.field == LINE_ORDER for eb in b.elements.values()) or _binds(b.segments)
               for b in bindings)


# -- inbound --------------------------------------------------------------------------------

def by_line_order(data: dict[str, Any]) -> None:
    """Move the items of ``data["orders"][0]`` (a ship notice's dict) to the orders their
    ``_order`` names, and remove every ``_order``."""
    orders: list[dict[str, Any]] = data.get("orders") or []
    if not orders or not _tagged(orders[0]):
        return
    first = orders[0]
    default = first.get("order_number")
    by_number = {o.get("order_number"): o for o in orders}

    def order(number: str | None) -> dict[str, Any]:
        number = number or default
        o = by_number.get(number)
        if o is None:
            o = by_number[number] = {"order_number": number}
            orders.append(o)
        return o

    items, packs = first.pop("items", []), first.pop("packs", [])
    for item in items:
        order(item.pop(LINE_ORDER, None)).setdefault("items", []).append(item)
    for pack in packs:
        for number, part in _split(pack, default).items():
            order(number).setdefault("packs", []).append(part)
    if not first:
        orders.remove(first)  # every line named its order and the header listed none


def _tagged(scope: dict[str, Any]) -> bool:
    return any(LINE_ORDER in i for i in scope.get("items", ())) or any(
        _tagged(p) for p in scope.get("packs", ()))


def _split(pack: dict[str, Any], default: str | None, owner: str | None = None
           ) -> dict[str | None, dict[str, Any]]:
    """``pack`` as one copy per order its items name, in the order they first appear; a pack
    inside it without any item goes with the order of its first item (``owner``: the
    enclosing pack's, when it has none)."""
    parts: dict[str | None, dict[str, Any]] = {}
    owner = _first_order(pack) or owner or default

    def part(number: str | None) -> dict[str, Any]:
        number = number or default
        if number not in parts:
            parts[number] = {k: v for k, v in pack.items() if k not in ("items", "packs")}
        return parts[number]

    for item in pack.get("items", ()):
        part(item.pop(LINE_ORDER, None)).setdefault("items", []).append(item)
    for inner in pack.get("packs", ()):
        for number, copy in _split(inner, default, owner).items():
            part(number).setdefault("packs", []).append(copy)
    if not parts:
        parts[owner] = pack
    return parts


def _first_order(pack: dict[str, Any]) -> str | None:
    """The order the first item of ``pack`` names, depth first (None: none does)."""
    for item in pack.get("items", ()):
        if item.get(LINE_ORDER):
            return str(item[LINE_ORDER])
    for inner in pack.get("packs", ()):
        got = _first_order(inner)
        if got:
            return got
    return None


# -- outbound -------------------------------------------------------------------------------

def merged_orders(data: dict[str, Any]) -> None:
    """A ship notice's dict whose later orders hold packs or items: all of them under the
    first order, each item with ``_order`` (its order's number). Raises ``GatewayError``
    (``outbound.not_carried``) for a later order's pack with no item in it."""
    orders: list[dict[str, Any]] = data.get("orders") or []
    if not any(o.get("packs") or o.get("items") for o in orders[1:]):
        return
    numbers = [o.get("order_number") for o in orders]
    if len(set(numbers)) != len(numbers):
        raise GatewayError("two orders have the same number: a despatch advice tells the "
                           "orders of its lines by their numbers", code="outbound.not_carried")
    items: list[dict[str, Any]] = []
    packs: list[dict[str, Any]] = []
    for k, o in enumerate(orders):
        number = o.get("order_number")
        items += [{**i, LINE_ORDER: number} for i in o.pop("items", ())]
        for p in o.pop("packs", ()):
            if k and not _holds_items(p):
                raise GatewayError(
                    f"orders[{k}] ({number}) has a pack without items: a despatch advice "
                    "tells the orders of its packs by their lines (send one despatch advice "
                    "for each order)", code="outbound.not_carried")
            packs.append(_tag(p, number))
    if items:
        orders[0]["items"] = items
    if packs:
        orders[0]["packs"] = packs


def _holds_items(pack: dict[str, Any]) -> bool:
    return bool(pack.get("items")) or any(_holds_items(p) for p in pack.get("packs", ()))


def _tag(pack: dict[str, Any], number: str | None) -> dict[str, Any]:
    out = dict(pack)
    if pack.get("items"):
        out["items"] = [{**i, LINE_ORDER: number} for i in pack["items"]]
    if pack.get("packs"):
        out["packs"] = [_tag(p, number) for p in pack["packs"]]
    return out
