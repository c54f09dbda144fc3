"""EDIFACT positions in translation maps, and the load-time checks of an EDIFACT map.

An EDIFACT map (``maps/translate/edifact/<DIR>/<MESSAGE>.toml``, ``standard = "edifact"``)
has the bindings of an X12 map with composite-aware positions: ``"01"`` is the simple data
element at position 01 of the segment, ``"02.3"`` the third component of the composite at
position 02 (``NAD02-3``, 3055 in C082). A composite is always addressed by component, a
simple element never is. Loops are segment groups (``SG2``); ``where`` keys use the same
notation, and a loop's ``where`` tests its trigger segment (inbound: only the group instances
whose first segment matches are read).

What differs from X12 maps:

* ``format = "date"`` binds the 2380 value of C507 (``DTM 01.2``); the format code 2379 in
  the next component says how to read it (102, 203, 204, 101) and outbound writes 102.
* ``pairs`` name composites, not element pairs: positions ``first`` .. ``first + count - 1``,
  component 1 the value and component 2 the qualifier (LIN 03, PIA 02..06 C212). Qualifiers
  in ``inbound_only`` are read but never written (LIN C212 ``IN`` when PIA carries the buyer's
  number outbound). ``groups``, ``by_length`` and ``format = "n2"`` are X12 only.
* ``default`` (see ``ElementBinding``) supplies a mandatory qualifier or an implied unit.
* A loop binding's first child is its group's trigger segment, so outbound can tell an
  instance that would start without it (``outbound.no_trigger``).

``check_edifact_map`` raises ``MapError`` (``file:line: field: what was expected``) through
the ``fail`` of ``load_map``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from gateway.canonical.ship_notice import ShipItem
from gateway.grammar.model import (
    CompositeDef,
    ElementDef,
    LoopNode,
    MessageGrammar,
    Node,
    SegmentDef,
    SegmentNode,
)
from gateway.translate.edifact_nest import NestError, check_nest
from gateway.translate.mapfile import (
    Binding,
    ElementBinding,
    Loc,
    TranslationMap,
    _field,
    resolve,
)
from gateway.translate.ship_orders import LINE_ORDER

_POSITION = re.compile(r"^([0-9]{2})(?:\.([1-9][0-9]?))?$")


@lru_cache(maxsize=512)
def split_position(pos: str) -> tuple[int, int]:
    """``"02.3"`` -> (2, 3); ``"01"`` -> (1, 0): element position and component (0: simple)."""
    m = _POSITION.match(pos)
    if m is None:
        raise ValueError(pos)
    return int(m.group(1)), int(m.group(2) or 0)


def element_at(seg: SegmentDef, pos: str) -> ElementDef:
    """The simple data element at ``pos`` of ``seg``; ValueError says what was expected."""
    n = len(seg.elements)
    try:
        seq, comp = split_position(pos)
    except ValueError:
        raise ValueError(f"an EDIFACT position of {seg.tag}: NN for a data element or NN.k "
                         f"for component k of a composite (01..{n:02d}), not {pos!r}") from None
    if not 1 <= seq <= n:
        raise ValueError(f"an element position of {seg.tag} (01..{n:02d}), not {pos!r}")
    el = seg.elements[seq - 1]
    if isinstance(el, CompositeDef):
        parts = ", ".join(c.data_ele for c in el.components)
        if not 1 <= comp <= len(el.components):
            raise ValueError(f"{seg.tag}{seq:02d} is composite {el.data_ele} ({parts}): a "
                             f"component {seq:02d}.1..{seq:02d}.{len(el.components)}, "
                             f"not {pos!r}")
        return el.components[comp - 1]
    if comp:
        raise ValueError(f"{seg.tag}{seq:02d} is the simple data element {el.data_ele}: "
                         f"{seq:02d} without a component, not {pos!r}")
    return el


def check_edifact_map(tmap: TranslationMap, grammar: MessageGrammar, record: Any,
                      fail: Any) -> None:
    _bindings(tmap, tmap.header, grammar.body, record, ("header",), fail)


def _bindings(tmap: TranslationMap, bindings: list[Binding], nodes: tuple[Node, ...],
              scope: Any, loc: Loc, fail: Any, enclosing: LoopNode | None = None) -> None:
    """``enclosing``: the group of the level binding these sit in (edifact_nest.py)."""
    segs = {n.tag: n.segment for n in nodes if isinstance(n, SegmentNode)}
    loops = {n.loop_id: n for n in nodes if isinstance(n, LoopNode)}
    for i, b in enumerate(bindings):
        here = (*loc, i)
        if (b.segment is None) == (b.loop is None):
            raise fail(here, "exactly one of segment or loop")
        if b.groups is not None:
            raise fail((*here, "groups"), "element groups are X12 only; an EDIFACT map "
                       "binds each repeat of a segment or group with each")
        item = scope
        if b.each is not None:
            try:
                item = resolve(scope, b.each, listed=True)
            except ValueError as exc:
                raise fail((*here, "each"), str(exc)) from None
        for k in b.skip:
            try:
                resolve(item, k)
            except ValueError as exc:
                raise fail((*here, "skip", k), str(exc)) from None
        if b.loop is not None:
            loop = loops.get(b.loop)
            if b.nest is not None:
                try:
                    loop = check_nest(b, loop, enclosing)
                except NestError as exc:
                    raise fail((*here, *exc.loc), str(exc)) from None
                for key in ("id", "parent"):
                    _element(loop.trigger.segment, getattr(b.nest, key), (*here, "nest", key),
                             fail)
                if b.nest.recurse is not None:
                    try:
                        inner = resolve(item, b.nest.recurse, listed=True)
                    except ValueError as exc:
                        raise fail((*here, "nest", "recurse"), str(exc)) from None
                    if inner is not item:
                        raise fail((*here, "nest", "recurse"), f"a list of "
                                   f"{getattr(item, '__name__', item)} (the items this level "
                                   f"binds), not one of {getattr(inner, '__name__', inner)}")
            if loop is None:
                raise fail((*here, "loop"), f"a segment group of the message here "
                           f"({', '.join(loops) or 'none'}), not {b.loop!r}")
            for pos in b.where:
                _element(loop.trigger.segment, pos, (*here, "where", pos), fail)
            first = b.segments[0] if b.segments else None
            if first is None or first.segment != loop.trigger.tag:
                raise fail((*here, "segments"), f"the group's trigger segment "
                           f"{loop.trigger.tag} as the first binding of {b.loop}")
            _bindings(tmap, b.segments, loop.children, item, (*here, "segments"), fail,
                      loop if b.nest is not None else None)
            continue
        assert b.segment is not None
        seg = segs.get(b.segment)
        if seg is None:
            raise fail((*here, "segment"), f"a segment of the message here "
                       f"({', '.join(segs) or 'none'}), not {b.segment!r}")
        for pos in b.where:
            _element(seg, pos, (*here, "where", pos), fail)
        for pos, eb in b.elements.items():
            _binding(tmap, seg, pos, eb, item, (*here, "elements", pos), fail)
        if b.pairs is not None:
            _pairs(tmap, seg, b, item, (*here, "pairs"), fail)


def _element(seg: SegmentDef, pos: str, loc: Loc, fail: Any) -> ElementDef:
    try:
        return element_at(seg, pos)
    except ValueError as exc:
        raise fail(loc, str(exc)) from None


def _binding(tmap: TranslationMap, seg: SegmentDef, pos: str, eb: ElementBinding, scope: Any,
             loc: Loc, fail: Any) -> None:
    el = _element(seg, pos, loc, fail)
    if eb.field == LINE_ORDER:  # a map variable: the order a ship notice's line names
        if scope is not ShipItem:
            raise fail((*loc, "field"), f"{LINE_ORDER!r} names the order of a ship notice's "
                       f"item (ship_orders.py); here the part is {getattr(scope, '__name__', scope)}")
    else:
        _field(tmap, eb, scope, loc, fail)
    if eb.format == "n2":
        raise fail((*loc, "format"), "n2 is an X12 implied-decimal type; EDIFACT numbers "
                   "carry their decimal mark (format = \"decimal\")")
    if eb.format == "date":
        seq, comp = split_position(pos)
        composite = seg.elements[seq - 1]
        nxt = (composite.components[comp] if isinstance(composite, CompositeDef)
               and comp < len(composite.components) else None)
        if el.data_ele != "2380" or nxt is None or nxt.data_ele != "2379":
            raise fail((*loc, "format"), f"a date is read from the 2380 value of C507 (DTM "
                       f"01.2, its format code 2379 next); {seg.tag} {pos} is {el.data_ele}")
    if eb.default is not None and eb.codes is not None:
        if eb.default not in tmap.codes[eb.codes].values():
            raise fail((*loc, "default"), f"a value of code set {eb.codes!r}, not "
                       f"{eb.default!r}")


def _pairs(tmap: TranslationMap, seg: SegmentDef, b: Binding, item: Any, loc: Loc,
           fail: Any) -> None:
    p = b.pairs
    assert p is not None
    if p.by_length:
        raise fail((*loc, "by_length"), "X12 only: EDIFACT qualifies a GTIN by its code list")
    for n in range(p.count):
        seq = p.first + n
        where = (*loc, "count") if n else (*loc, "first")
        el = seg.elements[seq - 1] if 1 <= seq <= len(seg.elements) else None
        if not isinstance(el, CompositeDef) or len(el.components) < 2:
            raise fail(where, f"composites (value, qualifier) of {seg.tag} at positions "
                       f"{p.first:02d}..{p.first + p.count - 1:02d}; {seg.tag}{seq:02d} is "
                       f"{'missing' if el is None else 'not one'}")
    for code, field in p.fields.items():
        try:
            resolve(item, field)
        except ValueError as exc:
            raise fail((*loc, "fields", code), str(exc)) from None
    for code in p.inbound_only:
        if code not in p.fields:
            raise fail((*loc, "inbound_only"), f"qualifiers of pairs.fields, not {code!r}")
    if p.other is not None:
        try:
            resolve(item, p.other, listed=True)
        except ValueError as exc:
            raise fail((*loc, "other"), str(exc)) from None
        if p.other_codes not in tmap.codes:
            raise fail((*loc, "other_codes"), "a code set of [codes]")
