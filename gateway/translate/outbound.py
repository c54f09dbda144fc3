"""Outbound: a canonical record → X12 segments (guide order, ST/SE excluded) → interchange.

``generate_segments(record, tmap)`` walks the same bindings as inbound, in reverse: one
segment per binding (or per list item with ``each``), ``where`` values written as constants,
codes from the first code listed for a value. A value with no code raises ``GatewayError``
(``outbound.no_code``): the record must change, or the map. ``generate_x12`` wraps the
segments with ``gateway.x12.writer.write_interchange``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from gateway.acks.numbers import ControlNumbers
from gateway.errors import GatewayError
from gateway.translate.gs1 import sscc_out
from gateway.translate.hierarchy import write_levels
from gateway.translate.mapfile import (
    Binding,
    ElementBinding,
    TranslationMap,
    climb,
)
from gateway.translate.paths import get_path, parsed, set_path
from gateway.translate.rules import defaults as apply_defaults
from gateway.translate.rules import xref_out
from gateway.x12.writer import GroupHeader, Transaction, X12Envelope, write_interchange

Segment = tuple[str, list[str]]


def generate_segments(record: BaseModel, tmap: TranslationMap) -> list[Segment]:
    out: list[Segment] = []
    _emit(tmap, tmap.header, outbound_data(record, tmap), out)
    return out


def outbound_data(record: BaseModel, tmap: TranslationMap) -> dict[str, Any]:
    """The record's dict form as a map writes it: the partner's values filled from ours by
    its cross-references (our SKU -> their item number), its defaults where the record is
    empty. X12 and EDIFACT alike."""
    data: dict[str, Any] = record.model_dump(exclude_none=True)
    if tmap.xref:
        xref_out(tmap.xrefs(), data, get_path, set_path)
    if tmap.defaults:
        apply_defaults(tmap.defaults, data)
    return data


def generate_x12(record: BaseModel, tmap: TranslationMap, envelope: X12Envelope,
                 group: GroupHeader, numbers: ControlNumbers, now: datetime) -> str:
    tx = Transaction(tmap.map.message, generate_segments(record, tmap))
    return write_interchange(envelope, [(group, [tx])], numbers, now)


def _emit(tmap: TranslationMap, bindings: list[Binding], scope: dict[str, Any],
          out: list[Segment], outer: tuple[dict[str, Any], ...] = ()) -> None:
    """``outer``: the enclosing scopes, one per ``each`` above, that ``^`` fields read."""
    for b in bindings:
        inner = (*outer, scope) if b.each else outer
        if b.loop is not None:
            if b.hl is not None:  # hierarchical levels: translate/hierarchy.py
                write_levels(b, bindings, scope, outer, out,
                             lambda bs, s, o: _emit(tmap, bs, s, out, o), _items, get_path)
                continue
            items = _items(scope, b) if b.each else [scope]
            for item in items:
                _emit(tmap, b.segments, item, out, inner)
            continue
        assert b.segment is not None
        if b.groups is not None:
            _groups(tmap, b, scope, out, outer)
            continue
        for item in (_items(scope, b) if b.each else [scope]):
            values: dict[int, str] = {}
            _fill(tmap, b.elements, item, values, outer=inner)
            if b.pairs is not None:
                _pairs(tmap, b, item, values)
            for p, tag in b.count.items():
                values[int(p)] = str(sum(1 for t, _ in out if t == tag))
            if not values:
                continue
            values.update({int(p): v for p, v in b.where.items()})
            out.append((b.segment, _elements(values)))


def _items(scope: dict[str, Any], b: Binding) -> list[Any]:
    assert b.each is not None
    items = get_path(scope, b.each) or []
    if "[" in b.each:
        _left_out(scope, b.each)
    return [i for i in items
            if not any(i.get(k) in vals for k, vals in b.skip.items())]


def _left_out(scope: dict[str, Any], each: str) -> None:
    """A path through one item of a list (``orders[0].packs``: a DESADV carries one order's
    packing) leaves the other items' values out of the document: refuse rather than drop
    them quietly."""
    steps = each.split(".")  # one per parsed part
    for n, (name, index) in enumerate(parsed(each)):
        if index is None or not index.isdigit():
            continue
        listed = get_path(scope, ".".join([*steps[:n], name])) or []
        rest = ".".join(steps[n + 1:])
        for k, item in enumerate(listed):
            if k != int(index) and rest and get_path(item, rest):
                raise GatewayError(
                    f"{name}[{k}].{rest} holds values this map cannot write (it writes "
                    f"{each} only): send one document for each of the {name}",
                    code="outbound.not_carried")
        return


def _groups(tmap: TranslationMap, b: Binding, scope: dict[str, Any], out: list[Segment],
            outer: tuple[dict[str, Any], ...] = ()) -> None:
    g = b.groups
    assert g is not None and b.segment is not None
    inner = (*outer, scope)
    chunks: list[tuple[dict[int, str], list[Any]]] = []
    for item in _items(scope, b):
        shared: dict[int, str] = {}
        _fill(tmap, g.shared, item, shared, outer=inner)
        if not chunks or chunks[-1][0] != shared or len(chunks[-1][1]) == g.count:
            chunks.append((shared, []))
        chunks[-1][1].append(item)
    for shared, items in chunks:
        values: dict[int, str] = {}
        _fill(tmap, b.elements, scope, values, outer=outer)
        values.update(shared)
        for n, item in enumerate(items):
            _fill(tmap, g.elements, item, values, g.first + n * g.size - 1, inner)
        out.append((b.segment, _elements(values)))


def _pairs(tmap: TranslationMap, b: Binding, item: dict[str, Any], values: dict[int, str]) -> None:
    p = b.pairs
    assert p is not None
    pairs: list[tuple[str, str]] = []
    first: dict[str, str] = {}
    for code, field in p.fields.items():
        first.setdefault(field, code)
    for field, code in first.items():
        v = get_path(item, field)
        if v is None:
            continue
        code = p.by_length.get(field, {}).get(str(len(v)), code)
        pairs.append((code, str(v)))
    for n, (q, v) in enumerate(other_pairs(tmap, b, item, pairs)):
        values[p.first + 2 * n] = q
        values[p.first + 2 * n + 1] = v


def other_pairs(tmap: TranslationMap, b: Binding, item: dict[str, Any],
                pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pairs`` (qualifier, value) with the item's other identifiers added, at most
    ``pairs.count`` of them (X12 PO1/IT1/LIN pairs, EDIFACT PIA composites)."""
    p = b.pairs
    assert p is not None
    if p.other is not None and p.other_codes is not None:
        rev = tmap.reverse(p.other_codes)
        for other in get_path(item, p.other) or []:
            pairs.append((_code(rev, other["qualifier"], p.other_codes), other["value"]))
    if len(pairs) > p.count:
        raise GatewayError(f"{b.segment}: {len(pairs)} item identifiers, at most {p.count}",
                           code="outbound.too_many")
    return pairs


def _fill(tmap: TranslationMap, elements: dict[str, ElementBinding], scope: dict[str, Any],
          values: dict[int, str], base: int = 0,
          outer: tuple[dict[str, Any], ...] = ()) -> None:
    for pos, eb in elements.items():
        if eb.direction == "in":
            continue
        # when: written only when that field has a value; "!field": only when it has none
        if eb.when is not None and (get_path(scope, eb.when.lstrip("!")) is None) != (
                eb.when[0] == "!"):
            continue
        up, path = climb(eb.field)
        v = get_path(outer[-up] if up else scope, path) if up <= len(outer) else None
        if v is None:
            continue
        values[base + int(pos)] = eb.constant if eb.constant is not None else render(tmap, eb, v)


def render(tmap: TranslationMap, eb: ElementBinding, v: Any) -> str:
    if eb.codes is not None:
        return _code(tmap.reverse(eb.codes), v, eb.codes)
    if eb.format == "sscc":
        return sscc_out(str(v))
    if eb.format == "n2":
        cents = Decimal(v).scaleb(2)
        if cents != cents.to_integral_value():
            raise GatewayError(f"{v} has more than 2 decimals for an N2 element",
                               code="outbound.precision")
        return str(int(cents))
    if isinstance(v, date):
        return f"{v.year:04d}{v.month:02d}{v.day:02d}"
    if isinstance(v, Decimal):
        text = format(v.normalize(), "f")
        return "0" if text in ("-0", "") else text
    return str(v)


def _code(rev: dict[str, str], value: Any, code_set: str) -> str:
    if value not in rev:
        raise GatewayError(f"no code in code set {code_set!r} for {value!r}",
                           code="outbound.no_code")
    return rev[value]


def _elements(values: dict[int, str]) -> list[str]:
    return [values.get(n, "") for n in range(1, max(values) + 1)]
