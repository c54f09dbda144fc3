"""Outbound EDIFACT: a canonical record → EDIFACT segments (UNH/UNT excluded) → interchange.

``generate_edifact_segments(record, tmap)`` walks an EDIFACT map's bindings in reverse, as
``gateway.translate.outbound`` does for X12: one segment per binding (or per list item with
``each``), one group instance per item of a loop with ``each``; ``where`` values are written
as constants, codes are the first listed for a value, ``default`` fills a mandatory
qualifier, dates are written CCYYMMDD with format code 102, pairs fill the C212-style
composites in the order of ``pairs.fields`` (``inbound_only`` qualifiers are not written).
``generate_edifact`` wraps the message with ``gateway.edifact.writer.write_interchange``
(UNA, UNB, UNH … UNT, UNZ, references from the caller's ``ControlNumbers``).

Errors are ``GatewayError``, never retryable: ``outbound.no_code`` (a value with no code),
``outbound.too_many`` (more identifiers than composites), ``outbound.no_trigger`` (a group
instance whose first segment has nothing to say, so the group could not be read back: the
record must change, or the map).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from gateway.acks.numbers import ControlNumbers
from gateway.edifact.writer import (
    EdifactEnvelope,
    EdifactMessage,
    message_identifier,
    write_interchange,
)
from gateway.edifact.writer import Segment as EdifactSegment
from gateway.errors import GatewayError
from gateway.segment_format import Element
from gateway.translate.edifact_map import split_position
from gateway.translate.mapfile import Binding, ElementBinding, TranslationMap
from gateway.translate.outbound import _items, other_pairs, outbound_data, render
from gateway.translate.paths import get_path
from gateway.translate.ship_orders import merged_orders, uses_line_order

Values = dict[tuple[int, int], str]  # (element position, component or 0) -> value


def generate_edifact_segments(record: BaseModel, tmap: TranslationMap,
                              decimal: str = ".") -> list[EdifactSegment]:
    """The message body; ``decimal`` is the interchange's decimal mark (UNA). A partner map's
    cross-references fill the partner's values from ours first (our SKU -> their article
    number), and its defaults the fields the record leaves empty, as for X12."""
    out: list[EdifactSegment] = []
    data = outbound_data(record, tmap)
    if uses_line_order(tmap):  # the packs and items of several orders: ship_orders.py
        merged_orders(data)
    _emit(tmap, tmap.header, data, out, decimal)
    return out


def generate_edifact(record: BaseModel, tmap: TranslationMap, envelope: EdifactEnvelope,
                     numbers: ControlNumbers, now: datetime) -> str:
    """One interchange holding one message of ``record``; UNH S009 from the map's header."""
    h = tmap.map
    ident = message_identifier(h.message, h.version, h.association or "")
    body = generate_edifact_segments(record, tmap, envelope.delimiters.decimal)
    return write_interchange(envelope, [EdifactMessage(ident, body)], numbers, now)


def _emit(tmap: TranslationMap, bindings: list[Binding], scope: dict[str, Any],
          out: list[EdifactSegment], decimal: str, parent: str = "") -> None:
    """``parent``: the id of the nested group instance being written (edifact_nest.py)."""
    for b in bindings:
        if b.nest is not None:
            _levels(tmap, b, scope, out, decimal, parent)
            continue
        if b.loop is not None:
            trigger = b.segments[0].segment
            for item in (_items(scope, b) if b.each else [scope]):
                start = len(out)
                _emit(tmap, b.segments, item, out, decimal)
                if len(out) > start and out[start][0] != trigger:
                    raise GatewayError(
                        f"{b.loop}: {b.each or 'the record'} has something for "
                        f"{out[start][0]} but nothing for the group's first segment "
                        f"{trigger}", code="outbound.no_trigger")
            continue
        assert b.segment is not None
        for item in (_items(scope, b) if b.each else [scope]):
            seg = _segment(tmap, b, item, decimal, {})
            if seg is not None:
                out.append(seg)


def _segment(tmap: TranslationMap, b: Binding, item: dict[str, Any], decimal: str,
             extra: Values) -> EdifactSegment | None:
    """The segment of binding ``b`` for ``item`` (None when it has nothing to say);
    ``extra``: values written whatever the item holds (a nested group's ids)."""
    assert b.segment is not None
    values: Values = {}
    _fill(tmap, b.elements, item, values, decimal)
    if b.pairs is not None:
        _pairs(tmap, b, item, values)
    values.update(extra)
    if not values:
        return None
    _defaults(tmap, b.elements, values)
    for pos, v in b.where.items():
        values[split_position(pos)] = v.split("|")[0]
    return (b.segment, _elements(values))


def _levels(tmap: TranslationMap, b: Binding, scope: dict[str, Any],
            out: list[EdifactSegment], decimal: str, parent: str) -> None:
    """One instance of a nested group per item (the record itself without ``each``): its
    trigger with the next id (1, 2 … in document order) and ``parent``, its segments, its
    child levels, and with ``recurse`` the children of the item by this binding again."""
    assert b.nest is not None
    trigger = b.segments[0]
    for item in (_items(scope, b) if b.each else [scope]):
        ident = str(1 + sum(1 for tag, _ in out if tag == trigger.segment))
        extra = {split_position(b.nest.id): ident}
        if parent:
            extra[split_position(b.nest.parent)] = parent
        seg = _segment(tmap, trigger, item, decimal, extra)
        assert seg is not None  # extra holds the id
        out.append(seg)
        _emit(tmap, b.segments[1:], item, out, decimal, ident)
        if b.nest.recurse is not None:
            again = b.model_copy(update={"each": b.nest.recurse})
            _emit(tmap, [again], item, out, decimal, ident)


def _fill(tmap: TranslationMap, elements: dict[str, ElementBinding], scope: dict[str, Any],
          values: Values, decimal: str) -> None:
    for pos, eb in elements.items():
        if eb.direction == "in":
            continue
        # when: written only when that field has a value; "!field": only when it has none
        if eb.when is not None and (get_path(scope, eb.when.lstrip("!")) is None) != (
                eb.when[0] == "!"):
            continue
        v = get_path(scope, eb.field)
        if v is None:
            continue
        seq, comp = split_position(pos)
        if eb.constant is not None:
            values[seq, comp] = eb.constant
            continue
        text = render(tmap, eb, v)
        if eb.format == "decimal" and decimal != ".":
            text = text.replace(".", decimal)
        values[seq, comp] = text
        if eb.format == "date":
            values[seq, comp + 1] = "102"


def _defaults(tmap: TranslationMap, elements: dict[str, ElementBinding], values: Values) -> None:
    for pos, eb in elements.items():
        key = split_position(pos)
        if eb.default is not None and eb.direction != "in" and key not in values:
            values[key] = render(tmap, eb, eb.default)


def _pairs(tmap: TranslationMap, b: Binding, item: dict[str, Any], values: Values) -> None:
    p = b.pairs
    assert p is not None
    first: dict[str, str] = {}
    for code, field in p.fields.items():
        if code not in p.inbound_only:
            first.setdefault(field, code)
    pairs = [(code, str(v)) for field, code in first.items()
             if (v := get_path(item, field)) is not None]
    for n, (q, v) in enumerate(other_pairs(tmap, b, item, pairs)):
        values[p.first + n, 1] = v
        values[p.first + n, 2] = q


def _elements(values: Values) -> list[Element]:
    out: list[Element] = []
    for seq in range(1, max(s for s, _ in values) + 1):
        comps = [c for s, c in values if s == seq and c]
        if comps:
            out.append(tuple(values.get((seq, c), "") for c in range(1, max(comps) + 1)))
        else:
            out.append(values.get((seq, 0), ""))
    return out
