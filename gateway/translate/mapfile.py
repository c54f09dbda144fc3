"""Load and check a translation map (``maps/translate/<standard>/<version>/<message>.toml``).

A map is data: a list of bindings in guide order, each naming a segment (or a loop of
segments) and which canonical field each element position carries, with code sets that turn
EDI codes into canonical values (inbound) and back (outbound: the first code listed for a
value). ``load_map`` checks every segment against the implementation guide, every element
position against the segment, every code set reference and every field path against the
canonical model, and raises ``MapError`` (``file:line: field: what was expected``) at the
first problem.
"""

from __future__ import annotations

import re
import tomllib
import types
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError

from gateway.canonical import RECORD_TYPES
from gateway.errors import GrammarError
from gateway.grammar.model import LoopNode, MessageGrammar, Node, SegmentDef, SegmentNode
from gateway.partners.loader import key_lines
from gateway.translate.hierarchy import LevelError, check_level
from gateway.translate.rules import Check, Xref, load_table
from gateway.validate.guides import edifact_guide, x12_guide

MAPS = Path(__file__).resolve().parent.parent.parent / "maps" / "translate"
PARTNER_MAPS = MAPS.parent / "partners"
Loc = tuple[str | int, ...]


class MapError(GrammarError):
    """A translation map is broken; the message is ``file:line: field: what was expected``."""

    code = "translate.map_invalid"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ElementBinding(_Model):
    # a path from the scope; a leading "^" per level reads the part enclosing the scope (one
    # `each` up: "^unit" is the line's unit inside its ACK loop), outbound only
    field: str
    codes: str | None = None
    # n2: an implied-decimal N2 amount (X12 TDS01): 12345 <-> Decimal("123.45")
    # sscc: an SSCC-18, read with or without the GS1 AI "00" and written with it (MAN02)
    format: Literal["date", "decimal", "int", "n2", "sscc"] | None = None
    direction: Literal["both", "in", "out"] = "both"
    # written outbound instead of the field's value when the field has a value; not read
    # inbound (a qualifier whose meaning the record does not keep, such as SAC06 before SAC07)
    constant: str | None = None
    # EDIFACT maps only: the canonical value read inbound when the element is absent from a
    # segment that is there (EANCOM QTY without a unit: pieces) and written outbound, as its
    # code, when the field has no value but the segment has others (a mandatory qualifier)
    default: str | None = None
    # outbound: written only when this field of the scope has a value (ACK03 beside ACK02);
    # "!field": only when it has none (the TD5 without a SCAC, beside the one with)
    when: str | None = None


class Groups(_Model):
    """Repeating element groups (SDQ03/04 … SDQ21/22): one ``each`` item per group."""

    first: int
    size: int
    count: int
    shared: dict[str, ElementBinding] = {}  # absolute positions, copied into every item
    elements: dict[str, ElementBinding]  # positions 1..size within the group


class Pairs(_Model):
    """Qualifier/value element pairs (PO106/07 … PO124/25)."""

    first: int
    count: int
    fields: dict[str, str]  # qualifier code -> field of the scope (first code wins outbound)
    by_length: dict[str, dict[str, str]] = {}  # field -> value length -> qualifier code
    other: str | None = None  # list field for other qualifiers: items {qualifier, value}
    other_codes: str | None = None
    inbound_only: list[str] = []  # qualifiers read inbound but never written (EDIFACT maps)


class Nest(_Model):
    """EDIFACT group instances that nest by id and parent id in their trigger segment (DESADV
    CPS 7164/7166): see ``gateway.translate.edifact_nest``."""

    id: str = "01"
    parent: str = "02"
    # a child level's: the list of an item its own children go in, bound by it again
    recurse: str | None = None


class Binding(_Model):
    segment: str | None = None
    loop: str | None = None
    where: dict[str, str] = {}
    each: str | None = None
    skip: dict[str, list[str]] = {}
    elements: dict[str, ElementBinding] = {}
    pairs: Pairs | None = None
    groups: Groups | None = None
    segments: list[Binding] = []
    # a hierarchical level (X12 HL03) of a loop like the 856 HL: see translate/hierarchy.py
    hl: str | None = None
    # outbound, among level alternatives sharing an each: chosen when this field has a value
    when: str | None = None
    # position -> segment tag: outbound writes how many of those were written before (CTT01)
    count: dict[str, str] = {}
    # EDIFACT: the group's instances nest by id and parent id (translate/edifact_nest.py)
    nest: Nest | None = None


class MapHeader(_Model):
    standard: Literal["x12", "edifact"]
    version: str
    message: str
    record: str
    guide_version: str | None = None  # GS08 whose guide checks the map; default version+VICS
    association: str | None = None  # EDIFACT UNH S009 0057 written outbound ("EAN008")


class TranslationMap(_Model):
    map: MapHeader
    codes: dict[str, dict[str, str]] = {}
    header: list[Binding] = []
    xref: dict[str, Xref] = {}
    defaults: dict[str, str | int | bool] = {}
    checks: list[Check] = []
    source: str = ""
    tables: dict[str, dict[str, str]] = {}  # the xref tables, read by load_map

    def xrefs(self) -> dict[str, tuple[Xref, dict[str, str]]]:
        """Each cross-reference with its table."""
        return {name: (x, self.tables.get(name, {})) for name, x in self.xref.items()}

    def reverse(self, code_set: str) -> dict[str, str]:
        """Canonical value -> the first EDI code listed for it (worked out once per table:
        outbound asks for every coded value it writes; read it, do not change it)."""
        table = self.codes[code_set]
        hit = _REVERSED.get(id(table))
        if hit is None or hit[0] is not table:
            out: dict[str, str] = {}
            for code, value in table.items():
                out.setdefault(value, code)
            if len(_REVERSED) > 4096:
                _REVERSED.clear()
            hit = _REVERSED[id(table)] = (table, out)
        return hit[1]


_REVERSED: dict[int, tuple[dict[str, str], dict[str, str]]] = {}  # by the table's identity


# -- field paths ----------------------------------------------------------------------------

_PART = re.compile(r"^([a-z_][a-z0-9_]*)(?:\[([a-z0-9_]+)\])?$")


def parse_path(path: str) -> list[tuple[str, str | None]]:
    parts = []
    for p in path.split("."):
        m = _PART.match(p)
        if not m:
            raise ValueError(f"{path!r} is not a field path (name, name[0], name[role])")
        parts.append((m.group(1), m.group(2)))
    return parts


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            tp = args[0]
        else:
            return tp


def _item(tp: Any) -> Any | None:
    tp = _unwrap(tp)
    if get_origin(tp) in (tuple, list):
        return _unwrap(get_args(tp)[0])
    return None


def resolve(scope: Any, path: str, *, listed: bool = False) -> Any:
    """The type at ``path`` from model ``scope``; with ``listed`` the item type of a list."""
    tp = scope
    for n, (name, index) in enumerate(parse_path(path)):
        if not (isinstance(tp, type) and issubclass(tp, BaseModel)):
            raise ValueError(f"{path!r}: {name!r} is below a value, not a record part")
        if name not in tp.model_fields:
            known = ", ".join(sorted(tp.model_fields))
            raise ValueError(f"{path!r}: {tp.__name__} has no field {name!r} (fields: {known})")
        tp = tp.model_fields[name].annotation
        if index is not None or (listed and n == len(path.split(".")) - 1):
            item = _item(tp)
            if item is None:
                raise ValueError(f"{path!r}: {name!r} is not a list")
            if index is not None and not index.isdigit() and not (
                    isinstance(item, type) and issubclass(item, BaseModel)
                    and "role" in item.model_fields):
                raise ValueError(f"{path!r}: {name}[{index}] needs items with a role")
            tp = item
        else:
            tp = _unwrap(tp)
    return tp


# -- loading --------------------------------------------------------------------------------

def map_for(standard: str, version: str, message: str) -> Path:
    return MAPS / standard / version / f"{message}.toml"


def map_path(name: str) -> Path:
    """The file of a map name as profiles write it: "x12/004010/850" is a generic map under
    maps/translate/, "bigbox/850" a partner map under maps/partners/."""
    if name.split("/")[0] in ("x12", "edifact"):
        return MAPS / f"{name}.toml"
    return PARTNER_MAPS / f"{name}.toml"


def guide_of(h: MapHeader) -> MessageGrammar | None:
    """The implementation guide a map is checked against."""
    if h.standard == "edifact":  # version is the directory: D96A -> UNH S009 D:96A
        return edifact_guide((h.message, h.version[:1], h.version[1:]))
    return x12_guide(h.guide_version or h.version + "VICS", h.message)


def load_map(path: Path | str, _depth: int = 0) -> TranslationMap:
    """The map at ``path``: a generic map, or a partner map that ``extends`` another."""
    path = Path(path)
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise MapError(f"{label}:1: map: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise MapError(f"{label}:{m.group(1) if m else 1}: toml: {exc}") from exc
    lines = key_lines(text)

    def fail(loc: Loc, what: str) -> MapError:
        line = 1
        for n in range(len(loc), 0, -1):
            if loc[:n] in lines:
                line = lines[loc[:n]]
                break
        field = ".".join(str(p) for p in loc) or "map"
        return MapError(f"{label}:{line}: {field}: {what}")

    if isinstance(data.get("map"), dict) and "extends" in data["map"]:
        from gateway.translate.partnermap import load_partner_map
        return load_partner_map(path, data, fail, _depth)

    try:
        tmap = TranslationMap.model_validate({**data, "source": label})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise fail(tuple(err["loc"]), err["msg"]) from None
    h = tmap.map
    record = RECORD_TYPES.get(h.record)
    if record is None:
        raise fail(("map", "record"), f"one of {', '.join(sorted(RECORD_TYPES))}")
    grammar = guide_of(h)
    if grammar is None:
        raise fail(("map", "message"), f"no implementation guide for {h.message} {h.version}")
    if h.standard == "edifact":
        from gateway.translate.edifact_map import check_edifact_map

        check_edifact_map(tmap, grammar, record, fail)
    else:
        _check(tmap, grammar, tmap.header, grammar.body, record, ("header",), fail)
    return check_rules(tmap, record, path.parent, fail)


def _check(tmap: TranslationMap, grammar: MessageGrammar, bindings: list[Binding],
           nodes: tuple[Node, ...], scope: Any, loc: Loc, fail: Any,
           outer: tuple[Any, ...] = ()) -> None:
    """``outer``: the enclosing scopes, one per ``each`` above, that ``^`` fields read."""
    segs = {n.tag: n.segment for n in nodes if isinstance(n, SegmentNode)}
    loops = {n.loop_id: n for n in nodes if isinstance(n, LoopNode)}
    for i, b in enumerate(bindings):
        here = (*loc, i)
        if (b.segment is None) == (b.loop is None):
            raise fail(here, "exactly one of segment or loop")
        item, inner = scope, outer
        if b.each is not None:
            try:
                item = resolve(scope, b.each, listed=True)
            except ValueError as exc:
                raise fail((*here, "each"), str(exc)) from None
            inner = (*outer, scope)
        if b.nest is not None:
            raise fail((*here, "nest"), "EDIFACT maps only: an X12 hierarchy is bound by level "
                       "(hl)")
        if b.loop is not None:
            loop = loops.get(b.loop)
            if b.hl is not None:
                try:
                    loop = check_level(grammar, nodes, bindings, i, partial(resolve, item))
                except LevelError as exc:
                    raise fail((*here, *exc.loc), str(exc)) from None
            if loop is None:
                raise fail((*here, "loop"), f"a loop of the guide here ({', '.join(loops)})")
            _check(tmap, grammar, b.segments, loop.children, item, (*here, "segments"), fail,
                   inner)
            continue
        assert b.segment is not None
        seg = segs.get(b.segment)
        if seg is None:
            raise fail((*here, "segment"), f"a segment of the guide here "
                       f"({', '.join(segs) or 'none'}), not {b.segment!r}")
        for pos in b.where:
            _position(seg, pos, (*here, "where", pos), fail)
        for pos in b.count:
            _position(seg, pos, (*here, "count", pos), fail)
        elem_scope, elem_outer = (scope, outer) if b.groups is not None else (item, inner)
        _elements(tmap, seg, b.elements, elem_scope, (*here, "elements"), fail, elem_outer)
        if b.groups is not None:
            _elements(tmap, seg, b.groups.shared, item, (*here, "groups", "shared"), fail,
                      inner)
            for k, eb in b.groups.elements.items():
                _position(seg, str(b.groups.first + int(k) - 1), (*here, "groups", k), fail)
                _field(tmap, eb, item, (*here, "groups", "elements", k), fail, inner)
        if b.pairs is not None:
            p = b.pairs
            _position(seg, str(p.first + 2 * p.count - 1), (*here, "pairs", "count"), fail)
            for code, field in p.fields.items():
                try:
                    resolve(item, field)
                except ValueError as exc:
                    raise fail((*here, "pairs", "fields", code), str(exc)) from None
            if p.other is not None:
                try:
                    resolve(item, p.other, listed=True)
                except ValueError as exc:
                    raise fail((*here, "pairs", "other"), str(exc)) from None
                if p.other_codes not in tmap.codes:
                    raise fail((*here, "pairs", "other_codes"), "a code set of [codes]")
        for k in b.skip:
            try:
                resolve(item, k)
            except ValueError as exc:
                raise fail((*here, "skip", k), str(exc)) from None


def _position(seg: SegmentDef, pos: str, loc: Loc, fail: Any) -> int:
    if not pos.isdigit() or not 1 <= int(pos) <= len(seg.elements):
        raise fail(loc, f"an element position of {seg.tag} (01..{len(seg.elements):02d}), "
                   f"not {pos!r}")
    return int(pos)


def _elements(tmap: TranslationMap, seg: SegmentDef, elements: dict[str, ElementBinding],
              scope: Any, loc: Loc, fail: Any, outer: tuple[Any, ...] = ()) -> None:
    for pos, eb in elements.items():
        n = _position(seg, pos, (*loc, pos), fail)
        _field(tmap, eb, scope, (*loc, pos), fail, outer)
        if eb.format == "n2":
            elem = seg.elements[n - 1]
            if getattr(elem, "data_type", None) != "N2":
                raise fail((*loc, pos, "format"), f"n2 needs an N2 element; "
                           f"{seg.tag}{pos} is {getattr(elem, 'data_type', 'a composite')}")


def _field(tmap: TranslationMap, eb: ElementBinding, scope: Any, loc: Loc, fail: Any,
           outer: tuple[Any, ...] = ()) -> None:
    if eb.codes is not None and eb.codes not in tmap.codes:
        known = ", ".join(sorted(tmap.codes)) or "none"
        raise fail((*loc, "codes"), f"a code set of [codes] ({known}), not {eb.codes!r}")
    up, path = climb(eb.field)
    if up:
        # "^unit": a field of the part enclosing this one (the line, from its ACK loop);
        # outbound only, since inbound it would overwrite what the enclosing segment gave
        if eb.direction != "out":
            raise fail((*loc, "field"), f"{eb.field!r} reads an enclosing part: outbound "
                       "only (direction = \"out\")")
        if up > len(outer):
            raise fail((*loc, "field"), f"{eb.field!r}: {len(outer)} enclosing part(s) here")
    for key, where, p in [("field", outer[-up] if up else scope, path),
                          ("when", scope, eb.when and eb.when.lstrip("!"))]:
        try:
            if p is not None:
                resolve(where, p)
        except ValueError as exc:
            raise fail((*loc, key), str(exc)) from None


def climb(path: str) -> tuple[int, str]:
    """``"^^unit"`` -> (2, "unit"): how many enclosing parts up a field path starts."""
    rest = path.lstrip("^")
    return len(path) - len(rest), rest


def resolve_items(scope: Any, path: str) -> Any:
    """The type at a dotted ``path`` whose lists are walked ("lines.unit"); "" is ``scope``."""
    tp = scope
    for name in path.split(".") if path else []:
        try:
            tp = resolve(tp, name, listed=True)
        except ValueError:
            tp = resolve(tp, name)
    return tp


def check_rules(tmap: TranslationMap, record: Any, base: Path, fail: Any) -> TranslationMap:
    """Check the xref, defaults and checks of a map against the record; read the xref tables."""
    tables: dict[str, dict[str, str]] = {}
    for name, x in tmap.xref.items():
        here = ("xref", name)
        try:
            item = resolve_items(record, x.each)
            resolve(item, x.from_)
            resolve(item, x.to)
            for k in x.when:
                resolve(item, k)
        except ValueError as exc:
            raise fail(here, str(exc)) from None
        try:
            tables[name] = load_table(x, base)
        except ValueError as exc:
            raise fail((*here, "file"), str(exc)) from None
        if not tables[name]:
            raise fail(here, "a table or a file with at least one pair")
    for key in tmap.defaults:
        try:
            resolve_items(record, key)
        except ValueError as exc:
            raise fail(("defaults", key), str(exc)) from None
    for n, c in enumerate(tmap.checks):
        for k, f in [*(("fields", f) for f in c.fields), *(("when", w) for w in c.when)]:
            try:
                resolve_items(record, f)
            except ValueError as exc:
                raise fail(("checks", n, k), str(exc)) from None
        if c.rule == "required" and not c.fields:
            raise fail(("checks", n, "fields"), "the fields a required check needs")
    return tmap.model_copy(update={"tables": tables})
