"""Inbound EDIFACT: a message tree → the canonical dict, by an EDIFACT map's bindings.

Called by ``gateway.translate.inbound.translate_message`` for maps with ``standard =
"edifact"`` (which then validates the dict into the record); positions are composite-aware
(:mod:`gateway.translate.edifact_map`). Bad content becomes ``st.business_rule`` defects
naming the segment, its position and the element (``QTY01-3``), as for X12.

Rules beyond the X12 engine's:

* A segment binding without ``each`` reads the first matching segment of its group instance
  (EANCOM sends PRI AAA before PRI AAB; the calculation net price is the one to keep).
* ``skip`` works both ways: an ``each`` item whose field holds a skipped value is not kept
  (RFF ON is the invoice's ``order_number``, not one of its references), and an item that
  received nothing (a group whose ``where`` did not match) is not kept either.
* Dates (``format = "date"`` on C507 2380) follow the format code 2379: 102 CCYYMMDD, 203
  CCYYMMDDHHMM and 204 CCYYMMDDHHMMSS (the record keeps the date, not the time), 101 YYMMDD
  (years 00-49 are 20YY); no format code means 102.
* Decimals accept either decimal mark, "." or "," (ISO 9735 lets the UNA choose).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from gateway.report import Defect
from gateway.stream import SegmentToken
from gateway.translate.edifact_map import split_position
from gateway.translate.edifact_nest import Nesting
from gateway.translate.inbound import _Bad, convert
from gateway.translate.mapfile import Binding, ElementBinding, TranslationMap
from gateway.translate.paths import append as _append
from gateway.translate.paths import get_path, set_path
from gateway.translate.tree import LoopInstance

_DIGITS = re.compile(r"[0-9]+")
# 2379 format code -> (digits, digits of the year)
_DATES = {"102": (8, 4), "203": (12, 4), "204": (14, 4), "101": (6, 2)}


def apply_edifact(tmap: TranslationMap, bindings: list[Binding], inst: LoopInstance,
                  scope: dict[str, Any], defects: list[Defect],
                  nests: dict[str, Nesting] | None = None) -> None:
    """``nests``: the nested groups met so far (edifact_nest.py); the outermost call reports
    the instances of those no level took."""
    top = nests is None
    nests = {} if nests is None else nests
    for b in bindings:
        if b.loop is not None:
            for child in _instances(inst, b, nests):
                first = child.items[0] if child.items else None
                if b.where and not (isinstance(first, SegmentToken) and _matches(first, b)):
                    continue
                target: dict[str, Any] = {} if b.each else scope
                apply_edifact(tmap, b.segments, child, target, defects, nests)
                if b.nest is not None and b.nest.recurse is not None:
                    again = b.model_copy(update={"each": b.nest.recurse})
                    apply_edifact(tmap, [again], child, target, defects, nests)
                if b.each:
                    _keep(scope, b, target)
            continue
        assert b.segment is not None
        toks = [t for t in inst.segments(b.segment) if _matches(t, b)]
        for tok in toks if b.each else toks[:1]:
            target = {} if b.each else scope
            _fill(tmap, tok, b.elements, target, defects)
            if b.pairs is not None:
                _pairs(tmap, b, tok, target, defects)
            if b.each:
                _keep(scope, b, target)
    if top:
        for nesting in nests.values():
            defects.extend(nesting.defects())


def _instances(inst: LoopInstance, b: Binding, nests: dict[str, Nesting]
               ) -> list[LoopInstance]:
    assert b.loop is not None
    if b.nest is None:
        return inst.loops(b.loop)
    def keep(child: LoopInstance) -> bool:
        first = child.items[0]
        return not b.where or (isinstance(first, SegmentToken) and _matches(first, b))

    if inst.loop_id == b.loop:  # a child level: the instances under this one
        return nests[b.loop].select(inst, keep)
    nesting = nests.get(b.loop)
    if nesting is None:
        nesting = nests[b.loop] = Nesting(inst.loops(b.loop), b.nest)
    return nesting.select(None, keep)


def _matches(tok: SegmentToken, b: Binding) -> bool:
    for pos, want in b.where.items():
        seq, comp = split_position(pos)
        got = tok.value(seq, comp or 1)
        if got != want and ("|" not in want or got not in want.split("|")):
            return False
    return True


def _keep(scope: dict[str, Any], b: Binding, item: dict[str, Any]) -> None:
    assert b.each is not None
    if item and not any(get_path(item, k) in vals for k, vals in b.skip.items()):
        _append(scope, b.each, item)


def _fill(tmap: TranslationMap, tok: SegmentToken, elements: dict[str, ElementBinding],
          scope: dict[str, Any], defects: list[Defect]) -> None:
    for pos, eb in elements.items():
        if eb.direction == "out" or eb.constant is not None:
            continue
        seq, comp = split_position(pos)
        raw = tok.value(seq, comp or 1)
        if raw == "":
            if eb.default is not None:
                set_path(scope, eb.field, eb.default)
            continue
        try:
            if eb.format == "date":
                value: Any = edifact_date(raw, tok.value(seq, comp + 1))
            elif eb.format == "decimal":
                value = convert(tmap, eb, raw.replace(",", "."))
            else:
                value = convert(tmap, eb, raw)
            set_path(scope, eb.field, value)
        except _Bad as exc:
            defects.append(_defect(tok, seq, comp, raw, str(exc)))


def _pairs(tmap: TranslationMap, b: Binding, tok: SegmentToken, scope: dict[str, Any],
           defects: list[Defect]) -> None:
    p = b.pairs
    assert p is not None
    for seq in range(p.first, p.first + p.count):
        v, q = tok.value(seq, 1), tok.value(seq, 2)
        if not q and not v:
            continue
        if q in p.fields:
            set_path(scope, p.fields[q], v)
            continue
        codes = tmap.codes.get(p.other_codes or "", {})
        if p.other is None or q not in codes:
            defects.append(_defect(tok, seq, 2, q, f"qualifier {q!r} is not mapped"))
            continue
        _append(scope, p.other, {"qualifier": codes[q], "value": v})


def edifact_date(raw: str, fmt: str) -> date:
    """The calendar date of a DTM 2380 value in format ``fmt`` (2379); raises ``_Bad``."""
    fmt = fmt or "102"
    shape = _DATES.get(fmt)
    if shape is None:
        raise _Bad(f"date format {fmt!r} is not supported here (102, 203, 204, 101)")
    length, year = shape
    if len(raw) != length or not _DIGITS.fullmatch(raw):
        raise _Bad(f"{raw!r} is not a date in format {fmt} ({length} digits)")
    y = int(raw[:year])
    if year == 2:
        y += 2000 if y < 50 else 1900
    if length > 8 and (int(raw[8:10]) > 23 or int(raw[10:12]) > 59):
        raise _Bad(f"{raw!r} is not a time of day in format {fmt}")
    try:
        return date(y, int(raw[year:year + 2]), int(raw[year + 2:year + 4]))
    except ValueError as exc:
        raise _Bad(f"{raw!r} is not a date: {exc}") from None


def _defect(tok: SegmentToken, seq: int, comp: int, raw: str, what: str) -> Defect:
    ref = f"{tok.tag}{seq:02d}" + (f"-{comp}" if comp else "")
    return Defect("st.business_rule", f"segment {tok.tag} at position {tok.position}, "
                  f"element {ref}: {what}", offset=tok.offset, segment=tok.tag,
                  segment_position=tok.position, element=ref, element_seq=seq,
                  component_seq=comp or None, value=raw)
