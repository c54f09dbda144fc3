"""Partner maps: a map that ``extends`` another and states only what the partner does
differently (``maps/partners/<partner>/<name>.toml``).

    [map]
    extends = "x12/004010/850"        # the generic map (or another partner map)
    replace_codes = ["unit"]          # code sets taken whole from here, not merged

    [codes.unit]                      # merged into the inherited set; a code here wins,
    CS = "case"                       # outbound too (CS is written for "case", not CA)

    [[change]]                        # a binding of the inherited map, by its path
    at = "PO1/PO1"                    # loop ids and segment tags, "N1[01=ST]" picks by qualifier
    elements."03" = { field = "unit", codes = "unit" }
    drop = ["05"]                     # element positions no longer mapped

    [[add]]                           # a segment or loop the partner uses; it is placed in
    into = "PO1"                      # guide order among the inherited bindings of that loop
    segment = "REF"
    where = { "01" = "DP" }
    elements."02" = { field = "department" }

    [[remove]]
    at = "FOB"

``[xref.*]``, ``[defaults]`` and ``[[checks]]`` (see ``gateway.translate.rules``) add to the
inherited ones. Every patch is checked against the guide and the canonical model where it
lands, and an error names this file, the line and the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from gateway.canonical import RECORD_TYPES
from gateway.grammar.model import LoopNode, Node, SegmentNode
from gateway.translate.edifact_map import _bindings as edifact_bindings
from gateway.translate.edifact_map import check_edifact_map
from gateway.translate.mapfile import (
    Binding,
    ElementBinding,
    Groups,
    Loc,
    Pairs,
    TranslationMap,
    _check,
    check_rules,
    guide_of,
    load_map,
    map_path,
    resolve,
)
from gateway.translate.rules import Check, Xref

MAX_DEPTH = 8


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartnerHeader(_Model):
    extends: str
    replace_codes: list[str] = []
    # another version of the same message (a 005010 map extending the 004010 one): every
    # inherited binding is checked again against that version's guide
    version: str | None = None
    guide_version: str | None = None
    # with version, EDIFACT: the segment groups the other directory numbers differently
    # (D96A ORDERS SG25, the line, is SG28 in D01B), and the UNH association code written
    renumber: dict[str, str] = {}
    association: str | None = None


class Change(_Model):
    at: str
    elements: dict[str, ElementBinding] = {}
    drop: list[str] = []
    where: dict[str, str] | None = None
    each: str | None = None
    skip: dict[str, list[str]] | None = None
    pairs: Pairs | None = None
    groups: Groups | None = None


class Add(Binding):
    into: str = ""


class Remove(_Model):
    at: str


class PartnerMapFile(_Model):
    map: PartnerHeader
    codes: dict[str, dict[str, str]] = {}
    change: list[Change] = []
    add: list[Add] = []
    remove: list[Remove] = []
    xref: dict[str, Xref] = {}
    defaults: dict[str, str | int | bool] = {}
    checks: list[Check] = []


_PART = re.compile(r"^([A-Z0-9]+)(?:\[([^\]]*)\])?$")


class _Level:
    """One level of bindings (the message or a loop binding's segments) with its guide nodes
    and the canonical type its fields are relative to."""

    def __init__(self, bindings: list[dict[str, Any]], nodes: tuple[Node, ...], scope: Any,
                 outer: tuple[Any, ...] = (), loop: LoopNode | None = None,
                 nested: bool = False):
        self.bindings, self.nodes, self.scope, self.outer = bindings, nodes, scope, outer
        self.loop = loop  # the guide loop of the binding these are the segments of
        self.nested = nested  # that binding is a level of a nested EDIFACT group


def load_partner_map(path: Path, data: dict[str, Any], fail: Any, depth: int) -> TranslationMap:
    try:
        pm = PartnerMapFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise fail(tuple(err["loc"]), err["msg"]) from None
    if depth >= MAX_DEPTH:
        raise fail(("map", "extends"), f"a chain of at most {MAX_DEPTH} maps (a cycle?)")
    parent_path = map_path(pm.map.extends)
    if not parent_path.is_file():
        raise fail(("map", "extends"), f"an existing map; {pm.map.extends!r} would be "
                   f"{_rel(parent_path)}")
    base = load_map(parent_path, depth + 1)
    record = RECORD_TYPES[base.map.record]
    header = base.map
    if pm.map.version is not None:
        header = header.model_copy(update={
            "version": pm.map.version, "guide_version": pm.map.guide_version,
            "association": pm.map.association or header.association})
    elif pm.map.renumber or pm.map.association:
        raise fail(("map", "renumber" if pm.map.renumber else "association"),
                   "another version of the message (map.version) for this to apply to")
    grammar = guide_of(header)
    if grammar is None:
        raise fail(("map", "version"), f"no implementation guide for {header.message} "
                   f"{header.version}")

    codes = {k: dict(v) for k, v in base.codes.items()}
    for name, table in pm.codes.items():
        if name in pm.map.replace_codes or name not in codes:
            codes[name] = dict(table)
        else:  # the partner's codes first: outbound writes the first code of a value
            codes[name] = {**table, **{k: v for k, v in codes[name].items()
                                       if k not in table}}
    for n, name in enumerate(pm.map.replace_codes):
        if name not in pm.codes:
            raise fail(("map", "replace_codes", n), f"a code set of [codes] here, not {name!r}")
    interim = base.model_copy(update={"codes": codes})
    top = _Level([_renumber(b.model_dump(exclude_defaults=True), pm.map.renumber)
                  for b in base.header], grammar.body, record)

    for n, rm in enumerate(pm.remove):
        level, i = _find(top, rm.at, ("remove", n, "at"), fail)
        del level.bindings[i]
    for n, ch in enumerate(pm.change):
        level, i = _find(top, ch.at, ("change", n, "at"), fail)
        b = level.bindings[i]
        if b.get("loop") is not None and (ch.elements or ch.drop or ch.pairs or ch.groups):
            raise fail(("change", n, "at"), f"{ch.at!r} is a loop; change its segments "
                       f"({ch.at}/<segment>)")
        elements = dict(b.get("elements", {}))
        for pos in ch.drop:
            if elements.pop(pos, None) is None:
                raise fail(("change", n, "drop"), f"a mapped position of {ch.at} "
                           f"({', '.join(sorted(elements)) or 'none'}), not {pos!r}")
        elements.update({k: v.model_dump(exclude_defaults=True)
                         for k, v in ch.elements.items()})
        b = {**b, "elements": elements}
        for key in ("where", "each", "skip", "pairs", "groups"):
            value = getattr(ch, key)
            if value is not None:
                b[key] = value.model_dump(exclude_defaults=True) if isinstance(
                    value, BaseModel) else value
        _check_one(interim, grammar, b, level, ("change", n), fail)
        level.bindings[i] = b
    for n, add in enumerate(pm.add):
        level = _into(top, add.into, ("add", n, "into"), fail)
        b = add.model_dump(exclude_defaults=True, exclude={"into"})
        _check_one(interim, grammar, b, level, ("add", n), fail)
        level.bindings.insert(_slot(level, b), b)

    if header is not base.map:
        def inherited(loc: Loc, what: str) -> Any:
            field = ".".join(str(p) for p in loc)
            return fail(("map", "version"), f"the inherited binding {field} does not fit the "
                        f"{header.version} guide: {what}")

        again = interim.model_copy(update={"header": [Binding.model_validate(b)
                                                      for b in top.bindings]})
        if header.standard == "edifact":
            check_edifact_map(again, grammar, record, inherited)
        else:
            _check(again, grammar, again.header, grammar.body, record, ("header",), inherited)
    merged = {"map": header.model_dump(), "codes": codes, "header": top.bindings,
              "xref": {**{k: v.model_dump(by_alias=True) for k, v in base.xref.items()},
                       **{k: v.model_dump(by_alias=True) for k, v in pm.xref.items()}},
              "defaults": {**base.defaults, **pm.defaults},
              "checks": [c.model_dump() for c in (*base.checks, *pm.checks)],
              "source": str(path)}
    try:
        tmap = TranslationMap.model_validate(merged)
    except ValidationError as exc:  # pragma: no cover - every patch was checked on its own
        raise fail(("map",), f"the merged map is invalid: {exc.errors()[0]['msg']}") from None
    tables = dict(base.tables)
    own = check_rules(tmap.model_copy(update={"xref": pm.xref}), record, path.parent, fail)
    tables.update(own.tables)
    return tmap.model_copy(update={"tables": tables})


def _rel(path: Path) -> str:
    parts = path.parts
    return "/".join(parts[parts.index("maps"):]) if "maps" in parts else str(path)


def _key(b: dict[str, Any]) -> str:
    return str(b.get("segment") or b.get("loop"))


def _where(b: dict[str, Any]) -> dict[str, str]:
    if b.get("loop") is not None:
        first = (b.get("segments") or [{}])[0]
        return dict(first.get("where", {})) if first.get("segment") == b["loop"] else {}
    return dict(b.get("where", {}))


def _pick(level: _Level, part: str, loc: Loc, fail: Any) -> int:
    m = _PART.match(part)
    if not m:
        raise fail(loc, f"a path step is a segment tag or loop id, optionally with a "
                   f"qualifier: 'N1' or 'N1[01=ST]', not {part!r}")
    tag, cond = m.group(1), m.group(2)
    want: dict[str, str] = {}
    for pair in filter(None, (cond or "").split(",")):
        pos, _, value = pair.partition("=")
        want[pos.strip()] = value.strip()
    hits = [i for i, b in enumerate(level.bindings) if _key(b) == tag
            and all(_where(b).get(k) == v for k, v in want.items())]
    if not hits:
        here = ", ".join(_label(b) for b in level.bindings) or "none"
        raise fail(loc, f"a binding of the inherited map here ({here}), not {part!r}")
    if len(hits) > 1:
        options = ", ".join(_label(level.bindings[i]) for i in hits)
        raise fail(loc, f"{part!r} is ambiguous ({options}): add the qualifier")
    return hits[0]


def _label(b: dict[str, Any]) -> str:
    where = _where(b)
    cond = ",".join(f"{k}={v}" for k, v in where.items())
    return _key(b) + (f"[{cond}]" if cond else "")


def _descend(level: _Level, i: int) -> _Level:
    b = level.bindings[i]
    loop = next((n for n in level.nodes if isinstance(n, LoopNode) and n.loop_id == b["loop"]),
                level.loop)  # not among them: a child level of a nested EDIFACT group
    assert loop is not None and loop.loop_id == b["loop"]
    scope, outer = level.scope, level.outer
    if b.get("each"):
        scope, outer = resolve(level.scope, b["each"], listed=True), (*outer, level.scope)
    b["segments"] = list(b.get("segments", []))
    return _Level(b["segments"], loop.children, scope, outer, loop, b.get("nest") is not None)


def _find(top: _Level, path: str, loc: Loc, fail: Any) -> tuple[_Level, int]:
    parts = path.split("/")
    level = top
    for part in parts[:-1]:
        i = _pick(level, part, loc, fail)
        if level.bindings[i].get("loop") is None:
            raise fail(loc, f"{part!r} in {path!r} is a segment, not a loop")
        level = _descend(level, i)
    return level, _pick(level, parts[-1], loc, fail)


def _into(top: _Level, path: str, loc: Loc, fail: Any) -> _Level:
    if not path:
        return top
    level, i = _find(top, path, loc, fail)
    if level.bindings[i].get("loop") is None:
        raise fail(loc, f"{path!r} is a segment; 'into' names a loop")
    return _descend(level, i)


def _check_one(tmap: TranslationMap, grammar: Any, b: dict[str, Any], level: _Level,
               loc: Loc, fail: Any) -> None:
    try:
        binding = Binding.model_validate(b)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise fail((*loc, *err["loc"]), err["msg"]) from None

    def here(sub: Loc, what: str) -> Any:  # _check numbers the binding; drop that index
        return fail((*loc, *sub[2:]), what)

    if tmap.map.standard == "edifact":
        edifact_bindings(tmap, [binding], level.nodes, level.scope, ("",), here,
                         level.loop if level.nested else None)
    else:
        _check(tmap, grammar, [binding], level.nodes, level.scope, ("",), here, level.outer)


def _renumber(b: dict[str, Any], groups: dict[str, str]) -> dict[str, Any]:
    """Binding ``b`` with its segment groups (and theirs) named as in ``groups``."""
    if not groups:
        return b
    out = dict(b)
    if out.get("loop") in groups:
        out["loop"] = groups[out["loop"]]
    if out.get("segments"):
        out["segments"] = [_renumber(s, groups) for s in out["segments"]]
    return out


def _slot(level: _Level, b: dict[str, Any]) -> int:
    """Where a new binding goes: after every inherited binding whose segment or loop comes
    no later in the guide (so what we write stays in guide order)."""
    order = {(n.tag if isinstance(n, SegmentNode) else n.loop_id): k
             for k, n in enumerate(level.nodes)}
    mine = order.get(_key(b), len(order))
    slot = 0
    for i, other in enumerate(level.bindings):
        if order.get(_key(other), len(order)) <= mine:
            slot = i + 1
    return slot
