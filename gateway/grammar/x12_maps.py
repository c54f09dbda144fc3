"""X12 implementation guides (pyx12 XML maps under ``maps/x12``) loaded into the grammar model.

Why a loader of our own: the maps are the one source of truth for X12 grammars, and they are
used twice. pyx12 reads them as a second, independent validator (``x12n_document(...,
map_path=maps/x12/<version>)``) and as the oracle of differential tests, but it validates at
about 0.2 MB/s (notes/pyx12-pydifact.md §5). Our own validator compiles the same maps into the
frozen ``gateway.grammar.model`` types and runs far faster. Each folder holds what pyx12 needs:
``maps.xml`` (index: ISA12, GS08, GS01 -> map file), ``dataele.xml`` (types and lengths, one per
X12 version), ``codes.xml`` and the control map ``x12.control.<ISA12>.xml``.

``load_x12_grammar`` turns one transaction map into a ``MessageGrammar`` whose body is the
ST_LOOP's children (ST first, SE last); ``load_x12_version`` loads every set in a folder and
``X12Guides.get`` finds the grammar for a GS08/ST01 pair. A broken map raises ``GrammarError``
naming the file, the line and what was expected: a deployment error, never retried and never
blamed on the partner's file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from gateway.errors import GrammarError
from gateway.grammar.model import (
    CompositeDef,
    ElementDef,
    ElementOrComposite,
    LoopNode,
    MessageGrammar,
    Node,
    SegmentDef,
    SegmentNode,
    SyntaxRule,
    Usage,
)

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "maps" / "x12"

# 856 hierarchy: HL03 level -> level codes allowed as its parent ("" = top level). The pyx12 map
# format cannot say this (pyx12 checks only that HL02 names an earlier HL01).
HL_LEVELS_856: dict[str, frozenset[str]] = {
    "S": frozenset({""}),
    "O": frozenset({"S"}),
    "T": frozenset({"S", "O"}),
    "P": frozenset({"S", "O", "T"}),
    "I": frozenset({"S", "O", "T", "P"}),
}

_SYNTAX = re.compile(r"^([PRECL])((?:\d{2}){2,20})$")
_USAGES: tuple[Usage, ...] = ("R", "S", "N")
_KINDS: dict[str, Literal["P", "R", "E", "C", "L"]] = {k: k for k in ("P", "R", "E", "C", "L")}


@dataclass(frozen=True, slots=True)
class MapIndexRow:
    """One ``<map>`` row of ``maps.xml``: which file validates (ISA12, GS08, GS01)."""

    icvn: str  # ISA12: "00401"
    vriic: str  # GS08: "004010VICS" ("" for the control map)
    fic: str  # GS01: "PO" ("" for the control map)
    abbr: str  # transaction set: "850" ("X12" for the control map)
    file: str
    line: int


def _fail(path: Path, el: etree._Element | None, what: str) -> GrammarError:
    line = el.sourceline if el is not None else 0
    return GrammarError(f"{path}:{line or 0}: {what}")


def _parse(path: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        return etree.parse(str(path), parser).getroot()
    except OSError as exc:
        raise GrammarError(f"{path}:0: cannot read the map file ({exc})") from exc
    except etree.XMLSyntaxError as exc:
        raise GrammarError(f"{path}:{exc.lineno}: not well-formed XML: {exc.msg}") from exc


def _field(el: etree._Element, name: str) -> str | None:
    """pyx12 accepts a field as attribute (map.v2) or child element (map v1)."""
    value = el.get(name)
    if value is None:
        value = el.findtext(name)
    return value.strip() if value is not None else None


def _need(path: Path, el: etree._Element, name: str) -> str:
    value = _field(el, name)
    if not value:
        raise _fail(path, el, f"<{el.tag} xid={el.get('xid')!r}> needs <{name}>")
    return value


def _int(path: Path, el: etree._Element, name: str) -> int:
    text = _need(path, el, name)
    if not text.isdigit():
        raise _fail(path, el, f"<{name}> {text!r}: expected a whole number")
    return int(text)


def _opt_int(path: Path, el: etree._Element, name: str, default: int) -> int:
    """An optional whole-number field (``repeat``, a map's own ``min_len``/``max_len``)."""
    text = _field(el, name)
    if not text:
        return default
    if not text.isdigit():
        raise _fail(path, el, f"<{name}> {text!r}: expected a whole number")
    return int(text)


def _count(path: Path, el: etree._Element, name: str) -> int | None:
    """``max_use`` / ``repeat``: a number, or ``>1`` for unbounded (None)."""
    text = _need(path, el, name)
    if text == ">1":
        return None
    if not text.isdigit() or int(text) < 1:
        raise _fail(path, el, f"<{name}> {text!r}: expected a positive number or '>1'")
    return int(text)


def _usage(path: Path, el: etree._Element) -> Usage:
    usage = _need(path, el, "usage")
    for u in _USAGES:
        if usage == u:
            return u
    raise _fail(path, el, f"usage {usage!r}: expected R, S or N")


def parse_syntax(text: str) -> SyntaxRule:
    """``P0304`` -> ``SyntaxRule("P", (3, 4))``; ValueError for anything else."""
    m = _SYNTAX.match(text.strip())
    if m is None:
        raise ValueError(f"syntax note {text!r}: expected P, R, E, C or L and 2+ positions")
    digits = m.group(2)
    positions = tuple(int(digits[i:i + 2]) for i in range(0, len(digits), 2))
    return SyntaxRule(_KINDS[m.group(1)], positions)


def _syntax(path: Path, el: etree._Element) -> tuple[SyntaxRule, ...]:
    rules = []
    for s in el.findall("syntax"):
        try:
            rules.append(parse_syntax(s.text or ""))
        except ValueError as exc:
            raise _fail(path, s, str(exc)) from None
    return tuple(rules)


@lru_cache(maxsize=16)
def _data_elements(folder: Path) -> dict[str, tuple[str, int, int, str]]:
    path = folder / "dataele.xml"
    out: dict[str, tuple[str, int, int, str]] = {}
    for de in _parse(path).iter("data_ele"):
        num = de.get("ele_num") or ""
        try:
            out[num] = (de.get("data_type") or "", int(de.get("min_len") or ""),
                        int(de.get("max_len") or ""), de.get("name") or num)
        except ValueError:
            raise _fail(path, de, f"data element {num!r} needs whole-number min_len/max_len"
                        ) from None
    return out


@lru_cache(maxsize=16)
def _external_codes(folder: Path) -> dict[str, frozenset[str]]:
    path = folder / "codes.xml"
    if not path.is_file():
        return {}
    return {(cs.findtext("id") or "").strip(): frozenset((c.text or "").strip()
                                                         for c in cs.iter("code"))
            for cs in _parse(path).iter("codeset")}


def _element(path: Path, el: etree._Element, ref: str, seq: int) -> ElementDef:
    folder = path.parent
    num = _need(path, el, "data_ele")
    known = _data_elements(folder).get(num)
    if known is None:
        raise _fail(path, el, f"{ref}: data element {num} is not defined in "
                              f"{folder / 'dataele.xml'}")
    data_type = _field(el, "data_type") or known[0]
    codes: frozenset[str] | None = None
    vc = el.find("valid_codes")
    if vc is not None:
        values = {(c.text or "").strip() for c in vc.findall("code")}
        external = vc.get("external")
        if external:
            ext = _external_codes(folder)
            if external not in ext:
                raise _fail(path, vc, f"{ref}: code list {external!r} is not in codes.xml")
            values |= ext[external]
        codes = frozenset(values)
    return ElementDef(ref=ref, data_ele=num, name=_field(el, "name") or known[3],
                      usage=_usage(path, el), seq=seq, data_type=data_type,
                      min_len=_opt_int(path, el, "min_len", known[1]),
                      max_len=_opt_int(path, el, "max_len", known[2]),
                      codes=codes, repeat=_opt_int(path, el, "repeat", 1),
                      regex=_field(el, "regex") or None)


def _segment(path: Path, el: etree._Element) -> SegmentNode:
    tag = _need(path, el, "xid")
    items: list[ElementOrComposite] = []
    for child in el:
        if child.tag not in ("element", "composite"):
            continue
        seq = _int(path, child, "seq")
        if seq != len(items) + 1:
            raise _fail(path, child, f"{tag}: seq {seq} where {len(items) + 1} was expected")
        ref = child.get("xid") or f"{tag}{seq:02d}"
        if child.tag == "element":
            items.append(_element(path, child, ref, seq))
            continue
        parts = [_element(path, sub, f"{ref}-{i:02d}", i)
                 for i, sub in enumerate(child.findall("element"), start=1)]
        if not parts:
            raise _fail(path, child, f"composite {ref} has no component elements")
        items.append(CompositeDef(ref=ref, data_ele=_need(path, child, "data_ele"),
                                  name=_field(child, "name") or ref, usage=_usage(path, child),
                                  seq=seq, components=tuple(parts),
                                  syntax=_syntax(path, child),
                                  repeat=_opt_int(path, child, "repeat", 1)))
    seg = SegmentDef(tag, _field(el, "name") or tag, tuple(items), _syntax(path, el))
    return SegmentNode(seg, _usage(path, el), _count(path, el, "max_use"), _need(path, el, "pos"))


def _nodes(path: Path, parent: etree._Element) -> tuple[Node, ...]:
    out: list[Node] = []
    for child in parent:
        if child.tag == "segment":
            out.append(_segment(path, child))
        elif child.tag == "loop":
            loop_id = _need(path, child, "xid")
            kids = _nodes(path, child)
            if not kids or not isinstance(kids[0], SegmentNode):
                raise _fail(path, child, f"loop {loop_id} must start with a segment (its "
                                         "trigger); wrapper loops cascade errors in pyx12")
            out.append(LoopNode(loop_id, _field(child, "name") or loop_id, _usage(path, child),
                                _count(path, child, "repeat"), kids, _need(path, child, "pos")))
    return tuple(out)


def _only_code(path: Path, seg: etree._Element | None, ref: str) -> str:
    """The first code of element ``ref`` (ST01, GS01, ISA12): what the map is for."""
    el = seg.find(f"element[@xid='{ref}']") if seg is not None else None
    codes = [(c.text or "").strip() for c in el.iter("code")] if el is not None else []
    if not codes:
        raise _fail(path, seg if el is None else el, f"{ref} needs a code list naming the map's "
                                                     f"{'version' if ref == 'ISA12' else 'set'}")
    return codes[0]


def load_x12_map(path: Path) -> MessageGrammar:
    """The grammar of one transaction map file (cached per resolved path)."""
    return _load_map(Path(path).resolve())


@lru_cache(maxsize=64)
def _load_map(path: Path) -> MessageGrammar:
    root = _parse(path)
    if root.tag != "transaction":
        raise _fail(path, root, f"root <{root.tag}>: expected <transaction>")
    st_loop = root.find("loop[@xid='ISA_LOOP']/loop[@xid='GS_LOOP']/loop[@xid='ST_LOOP']")
    if st_loop is None:
        raise _fail(path, root, "expected the envelope ISA_LOOP > GS_LOOP > ST_LOOP")
    body = _nodes(path, st_loop)
    first, last = (body[0], body[-1]) if body else (None, None)
    if not (isinstance(first, SegmentNode) and first.tag == "ST"
            and isinstance(last, SegmentNode) and last.tag == "SE"):
        raise _fail(path, st_loop, "ST_LOOP must start with segment ST and end with SE")
    set_id = _only_code(path, st_loop.find("segment[@xid='ST']"), "ST01")
    fic = _only_code(path, root.find(".//segment[@xid='GS']"), "GS01")
    icvn = _only_code(path, root.find(".//segment[@xid='ISA']"), "ISA12")
    return MessageGrammar(
        standard="x12", message_id=set_id, version=icvn + "0",
        name=_field(root, "name") or set_id, body=body, functional_id=fic, source=str(path),
        hl_levels=dict(HL_LEVELS_856) if set_id == "856" else {})


@lru_cache(maxsize=16)
def _index(folder: Path) -> tuple[MapIndexRow, ...]:
    path = folder / "maps.xml"
    rows = []
    for version in _parse(path).iter("version"):
        for m in version.iter("map"):
            rows.append(MapIndexRow(version.get("icvn") or "", m.get("vriic") or "",
                                    m.get("fic") or "", m.get("abbr") or "",
                                    (m.text or "").strip(), m.sourceline or 0))
    return tuple(rows)


def read_map_index(map_dir: Path) -> tuple[MapIndexRow, ...]:
    """The rows of ``<map_dir>/maps.xml`` in file order (cached)."""
    return _index(Path(map_dir).resolve())


def load_x12_grammar(map_dir: Path, set_id: str) -> MessageGrammar:
    """The grammar of transaction set ``set_id`` (``"850"``) from the folder ``map_dir``."""
    folder = Path(map_dir).resolve()
    for row in read_map_index(folder):
        if row.abbr == set_id and row.fic:
            grammar = load_x12_map(folder / row.file)
            if grammar.message_id != set_id:
                raise GrammarError(f"{folder / 'maps.xml'}:{row.line}: row abbr={set_id} "
                                   f"names {row.file}, whose ST01 is {grammar.message_id}")
            return grammar
    raise GrammarError(f"{folder / 'maps.xml'}:0: no map row for transaction set {set_id}")


def load_x12_version(map_dir: Path) -> dict[tuple[str, str], MessageGrammar]:
    """Every transaction map of one folder, keyed by (functional id, set id): ("PO", "850")."""
    folder = Path(map_dir).resolve()
    out: dict[tuple[str, str], MessageGrammar] = {}
    for row in read_map_index(folder):
        if row.fic:
            g = load_x12_map(folder / row.file)
            out.setdefault((g.functional_id or row.fic, g.message_id), g)
    return out


class X12Guides:
    """Finds the grammar for a functional group's GS08 and a transaction set's ST01.

    ``X12Guides.get("004010VICS", "850")`` -> the 004010 850 grammar. The ``maps.xml`` of every
    version folder under ``root`` is searched for a row with that ST01 (and GS01 when given):
    first with GS08 exactly, then with the first 6 characters of GS08 (``004010XYZ`` ->
    ``004010``). ``None`` when no guide supports it: the caller acknowledges the set as not
    supported (AK5 1), it does not crash.
    """

    @staticmethod
    def folders(root: Path | None = None) -> list[Path]:
        base = DEFAULT_ROOT if root is None else Path(root)
        return sorted(p.parent.resolve() for p in base.glob("*/maps.xml"))

    @classmethod
    def get(cls, gs08: str, st01: str, gs01: str | None = None,
            root: Path | None = None) -> MessageGrammar | None:
        gs08, st01 = gs08.strip(), st01.strip()
        rows = [(folder, row) for folder in cls.folders(root) for row in read_map_index(folder)
                if row.fic and row.abbr == st01 and (gs01 is None or row.fic == gs01)]
        for wanted in (gs08, gs08[:6]):
            for folder, row in rows:
                if row.vriic == wanted:
                    return load_x12_map(folder / row.file)
        return None
