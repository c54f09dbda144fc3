"""Inbound: an EDI message → a canonical record, by walking a map's bindings over the tree.

``translate_message(msg, tmap)`` never raises for bad content: a value that cannot be
converted, a code missing from a code set or a record the canonical model refuses becomes an
``st.business_rule`` defect (segment, position, element) on ``msg.report``, so the set is
rejected, and the result is None. Who calls: ``edi-gateway translate`` and later the pipeline.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from gateway.canonical import RECORD_TYPES
from gateway.report import Defect
from gateway.stream import Message, SegmentToken
from gateway.translate.gs1 import sscc_in
from gateway.translate.hierarchy import Hierarchy
from gateway.translate.mapfile import Binding, ElementBinding, TranslationMap
from gateway.translate.paths import append as _append
from gateway.translate.paths import get_path, set_path
from gateway.translate.rules import CheckAction, OrderLookup, run_checks, xref_in
from gateway.translate.rules import defaults as apply_defaults
from gateway.translate.tree import LoopInstance, build_tree
from gateway.validate.guides import lookup

_DECIMAL = re.compile(r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_INT = re.compile(r"^-?[0-9]+$")


class _Bad(ValueError):
    pass


# a field path is parsed once, not once per value (callers only unpack the parts)


def translate_message(msg: Message, tmap: TranslationMap, *,
                      checks: dict[str, CheckAction] | None = None,
                      orders: OrderLookup | None = None,
                      refused: list[Any] | None = None) -> Any | None:
    """The record of ``msg``, or None with defects added to ``msg.report.errors``.

    ``checks``: the partner profile's actions for the map's business checks; ``orders``
    finds a purchase order by number for the checks against the PO. A failing rejecting check
    rejects the set; warnings go to ``msg.report.errors`` as warnings and the record comes out.
    """
    grammar = lookup(msg)
    if grammar is None:
        msg.report.errors.append(Defect("st.not_supported", "no implementation guide"))
        return None
    tree = build_tree(grammar, msg.tokens())
    defects: list[Defect] = []
    data: dict[str, Any] = {}
    if tmap.map.standard == "edifact":
        from gateway.translate.edifact_in import apply_edifact
        from gateway.translate.ship_orders import by_line_order, uses_line_order

        apply_edifact(tmap, tmap.header, tree, data, defects)
        if uses_line_order(tmap):  # a despatch advice of several orders: ship_orders.py
            by_line_order(data)
    else:
        hier = Hierarchy(tree)
        _apply(tmap, tmap.header, tree, data, defects, hier)
        defects.extend(hier.defects())
    unreadable = any(not d.warning for d in defects)  # content the map could not convert
    if tmap.xref:
        defects.extend(xref_in(tmap.xrefs(), data, get_path, set_path))
    if tmap.defaults:
        apply_defaults(tmap.defaults, data)
    record = None
    if not unreadable:  # a missing cross-reference still lets the checks speak
        try:
            record = RECORD_TYPES[tmap.map.record].model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"])
                defects.append(Defect("st.business_rule", f"{where}: {err['msg']}",
                                      segment="UNH" if tmap.map.standard == "edifact"
                                      else "ST", segment_position=1))
    if record is not None and tmap.checks:
        defects.extend(run_checks(tmap.checks, checks or {}, record, orders))
        if any(not d.warning for d in defects):
            if refused is not None:  # the record a rejecting check refused, for the record
                refused.append(record)
            record = None
    seen: set[tuple[Any, ...]] = set()
    for d in defects:
        d.offset = d.offset if d.offset is not None else msg.report.offset
        key = (d.code, d.message, d.offset, d.element, d.warning)
        if key not in seen:  # two bindings reading one element say the same once
            seen.add(key)
            msg.report.errors.append(d)
    return record


def _apply(tmap: TranslationMap, bindings: list[Binding], inst: LoopInstance,
           scope: dict[str, Any], defects: list[Defect], hier: Hierarchy) -> None:
    for b in bindings:
        if b.loop is not None:
            found = hier.select(inst, b, bindings) if b.hl is not None else [
                (child, b) for child in inst.loops(b.loop)]
            for child, cb in found:
                target = {} if cb.each else scope
                _apply(tmap, cb.segments, child, target, defects, hier)
                if cb.each:
                    _append(scope, cb.each, target)
            continue
        assert b.segment is not None
        for tok in inst.segments(b.segment):
            if b.where and any(tok.value(int(p)) != v for p, v in b.where.items()):
                continue
            if b.groups is not None:
                _fill(tmap, tok, b.elements, scope, defects)
                _groups(tmap, b, tok, scope, defects)
                continue
            target = {} if b.each else scope
            _fill(tmap, tok, b.elements, target, defects)
            if b.pairs is not None:
                _pairs(tmap, b, tok, target, defects)
            # skip: items another binding carries (REF BM beside bill_of_lading)
            if b.each and not any(target.get(k) in v for k, v in b.skip.items()):
                _append(scope, b.each, target)


_Plan = list[tuple[int, ElementBinding, str | None, bool]]
_PLANS: dict[int, tuple[dict[str, ElementBinding], _Plan]] = {}
_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def _plan(elements: dict[str, ElementBinding]) -> _Plan:
    """What ``_fill`` does per element, worked out once per binding: (position, binding, the
    field when it is a plain name, whether the raw value needs converting)."""
    hit = _PLANS.get(id(elements))
    if hit is not None and hit[0] is elements:
        return hit[1]
    plan = [(int(pos), eb, eb.field if _NAME.fullmatch(eb.field) else None,
             eb.codes is not None or eb.format is not None)
            for pos, eb in elements.items() if eb.direction != "out" and eb.constant is None]
    _PLANS[id(elements)] = (elements, plan)
    return plan


def _fill(tmap: TranslationMap, tok: SegmentToken, elements: dict[str, ElementBinding],
          scope: dict[str, Any], defects: list[Defect], base: int = 0) -> None:
    for pos, eb, name, converts in _plan(elements):
        seq = base + pos
        raw = tok.value(seq)
        if raw == "":
            continue
        try:
            value = convert(tmap, eb, raw) if converts else raw
        except _Bad as exc:
            defects.append(_defect(tok, seq, raw, str(exc)))
            continue
        if name is not None:
            scope[name] = value
        else:
            set_path(scope, eb.field, value)


def _groups(tmap: TranslationMap, b: Binding, tok: SegmentToken, scope: dict[str, Any],
            defects: list[Defect]) -> None:
    g = b.groups
    assert g is not None and b.each is not None
    for n in range(g.count):
        base = g.first + n * g.size - 1
        if all(tok.value(base + k) == "" for k in range(1, g.size + 1)):
            continue
        item: dict[str, Any] = {}
        _fill(tmap, tok, g.shared, item, defects)
        _fill(tmap, tok, g.elements, item, defects, base)
        _append(scope, b.each, item)


def _pairs(tmap: TranslationMap, b: Binding, tok: SegmentToken, scope: dict[str, Any],
           defects: list[Defect]) -> None:
    p = b.pairs
    assert p is not None
    # pairs past the last element are empty: not looked at
    for n in range(min(p.count, max(0, (len(tok.elements) - p.first) // 2 + 1))):
        q_seq = p.first + 2 * n
        q, v = tok.value(q_seq), tok.value(q_seq + 1)
        if not q and not v:
            continue
        if q in p.fields:
            set_path(scope, p.fields[q], v)
            continue
        codes = tmap.codes.get(p.other_codes or "", {})
        if p.other is None or q not in codes:
            defects.append(_defect(tok, q_seq, q, f"qualifier {q!r} is not mapped"))
            continue
        _append(scope, p.other, {"qualifier": codes[q], "value": v})


def convert(tmap: TranslationMap, eb: ElementBinding, raw: str) -> Any:
    if eb.codes is not None:
        table = tmap.codes[eb.codes]
        if raw not in table:
            raise _Bad(f"code {raw!r} is not in code set {eb.codes!r}")
        return table[raw]
    if eb.format == "date":
        if not re.fullmatch(r"[0-9]{8}", raw):
            raise _Bad(f"{raw!r} is not a date (CCYYMMDD)")
        try:
            return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        except ValueError as exc:
            raise _Bad(f"{raw!r} is not a date: {exc}") from None
    if eb.format == "decimal":
        if not _DECIMAL.match(raw):
            raise _Bad(f"{raw!r} is not a decimal number")
        return Decimal(raw)
    if eb.format == "sscc":
        try:
            return sscc_in(raw)
        except ValueError as exc:
            raise _Bad(str(exc)) from None
    if eb.format == "n2":
        if not _INT.match(raw):
            raise _Bad(f"{raw!r} is not an N2 number (implied 2 decimals, digits only)")
        return Decimal(raw).scaleb(-2)
    if eb.format == "int":
        if not _INT.match(raw):
            raise _Bad(f"{raw!r} is not a whole number")
        return int(raw)
    return raw


def _defect(tok: SegmentToken, seq: int, raw: str, what: str) -> Defect:
    ref = f"{tok.tag}{seq:02d}"
    return Defect("st.business_rule", f"segment {tok.tag} at position {tok.position}, "
                  f"element {ref}: {what}", offset=tok.offset, segment=tok.tag,
                  segment_position=tok.position, element=ref, element_seq=seq, value=raw)
