"""Lint for X12 map folders (``maps/x12/<version>``): what pyx12's XSDs cannot see.

``map.xsd`` checks only the shape of a map (notes/pyx12-pydifact.md §4). These checks catch
the mistakes that make pyx12 abort at run time or report the wrong error:

* every ``data_ele`` a map uses is defined in the folder's ``dataele.xml`` (pyx12 raises
  ``EngineError`` mid-file and writes no acknowledgment otherwise);
* ``pos`` strictly ascending within a loop, ``seq`` running 1..n within a segment or composite,
  ``xid`` unique among siblings, usage R/S/N, ``max_use``/``repeat`` a number or ``>1``;
* every position a syntax note names exists in its segment (or composite);
* no wrapper loops: a loop must start with its trigger segment, and no loop may be a table
  wrapper (``type="wrapper"`` or xid HEADER/DETAIL/SUMMARY/FOOTER);
* no code list on a qualifier position (element 01, the first component of a composite at 01,
  and HL03) unless it chooses between alternatives: pyx12 matches a segment by that code, so a
  bad code becomes "segment not found" instead of "invalid code". Allowed: the envelope
  (ISA, GS, ST, TA1), and a segment whose tag also starts a sibling loop or occurs as a sibling
  segment (partner guides with N1*ST and N1*BT loops, the 999's two CTX);
* ``maps.xml`` rows name existing files and agree with each map's ISA12, GS01, ST01 and GS08
  code lists; no two rows claim the same (ISA12, GS08, GS01); every map is registered.

``lint_x12_map_dir`` returns ``"file:line: message"`` strings (file relative to the folder);
an empty list means clean. It never raises for a bad map, only for an unreadable folder.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from gateway.grammar.x12_maps import parse_syntax

ENVELOPE = frozenset({"ISA", "GS", "ST", "TA1"})
TABLE_WRAPPERS = frozenset({"HEADER", "DETAIL", "SUMMARY", "FOOTER"})
_SPECIAL = frozenset({"maps.xml", "dataele.xml", "codes.xml"})


def _text(el: etree._Element, name: str) -> str:
    value = el.get(name)
    if value is None:
        value = el.findtext(name)
    return (value or "").strip()


def _codes(el: etree._Element | None) -> list[str]:
    if el is None:
        return []
    vc = el.find("valid_codes")
    if vc is None:
        return []
    return [(c.text or "").strip() for c in vc.findall("code")] + (
        [f"external:{vc.get('external')}"] if vc.get("external") else [])


def _children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if c.tag in ("loop", "segment")]


def _first_tag(node: etree._Element) -> str | None:
    if node.tag != "segment":
        kids = _children(node)
        if not kids or kids[0].tag != "segment":
            return None
        node = kids[0]
    return str(node.get("xid") or "")


class _Linter:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[str] = []
        self.dataele: set[str] = set()

    def report(self, file: str, el: etree._Element | None, msg: str) -> None:
        line = el.sourceline if el is not None else 0
        self.problems.append(f"{file}:{line or 0}: {msg}")

    def parse(self, name: str) -> etree._Element | None:
        path = self.folder / name
        if not path.is_file():
            self.report(name, None, "file missing")
            return None
        try:
            return etree.parse(str(path), etree.XMLParser(resolve_entities=False)).getroot()
        except etree.XMLSyntaxError as exc:
            self.problems.append(f"{name}:{exc.lineno}: not well-formed XML: {exc.msg}")
            return None

    # -- data elements ---------------------------------------------------------------------
    def read_dataele(self) -> None:
        root = self.parse("dataele.xml")
        for de in root.iter("data_ele") if root is not None else []:
            num = de.get("ele_num") or ""
            lo, hi = de.get("min_len") or "", de.get("max_len") or ""
            if num in self.dataele:
                self.report("dataele.xml", de, f"data element {num} defined twice")
            self.dataele.add(num)
            if not (lo.isdigit() and hi.isdigit() and 0 < int(lo) <= int(hi)):
                self.report("dataele.xml", de, f"data element {num}: min_len {lo!r} / "
                                               f"max_len {hi!r} are not 1 <= min <= max")

    # -- one map ---------------------------------------------------------------------------
    def lint_map(self, name: str, root: etree._Element) -> None:
        self.walk(name, root)

    def walk(self, file: str, node: etree._Element) -> None:
        kids = _children(node)
        if node.tag == "loop":
            self.check_usage(file, node)
            self.check_count(file, node, "repeat")
            if not kids or kids[0].tag != "segment":
                self.report(file, node, f"loop {node.get('xid')} starts with "
                            f"{'a loop' if kids else 'nothing'}: wrapper loops cascade errors "
                            "in pyx12; put the segments directly in the parent loop")
            elif node.get("type") == "wrapper" or node.get("xid") in TABLE_WRAPPERS:
                self.report(file, node, f"loop {node.get('xid')} is a table wrapper: a missing "
                            "first segment cascades into bogus errors in pyx12; keep the "
                            "table's segments directly in the parent loop")
        self.check_siblings(file, node, kids, "pos", strict_order=True)
        for kid in kids:
            if kid.tag == "loop":
                self.walk(file, kid)
            else:
                self.lint_segment(file, kid, node, kids)

    def check_usage(self, file: str, el: etree._Element) -> None:
        if _text(el, "usage") not in ("R", "S", "N"):
            self.report(file, el, f"{el.get('xid')}: usage {_text(el, 'usage')!r} is not R/S/N")

    def check_count(self, file: str, el: etree._Element, name: str) -> None:
        value = _text(el, name)
        if value != ">1" and not (value.isdigit() and int(value) > 0):
            self.report(file, el, f"{el.get('xid')}: {name} {value!r} is not a number or '>1'")

    def check_siblings(self, file: str, parent: etree._Element, kids: list[etree._Element],
                       key: str, strict_order: bool) -> None:
        seen: set[str] = set()
        last = -1
        for i, kid in enumerate(kids, start=1):
            xid = kid.get("xid") or ""
            if xid and xid in seen:
                self.report(file, kid, f"xid {xid} occurs twice under {parent.get('xid')}")
            seen.add(xid)
            value = _text(kid, key)
            if not value.isdigit():
                self.report(file, kid, f"{xid}: {key} {value!r} is not a number")
                continue
            if key == "seq" and int(value) != i:
                self.report(file, kid, f"{xid}: seq {value} where {i} was expected (seq must "
                                       "run 1..n in order)")
            elif strict_order and int(value) <= last:
                self.report(file, kid, f"{xid}: {key} {value} is not above the previous "
                                       f"sibling's {last} in {parent.get('xid')}")
            last = int(value)

    def lint_segment(self, file: str, seg: etree._Element, parent: etree._Element,
                     siblings: list[etree._Element]) -> None:
        self.check_usage(file, seg)
        self.check_count(file, seg, "max_use")
        items = [c for c in seg if c.tag in ("element", "composite")]
        self.check_siblings(file, seg, items, "seq", strict_order=True)
        self.check_syntax(file, seg, len(items))
        for item in items:
            self.check_usage(file, item)
            parts = [item] if item.tag == "element" else item.findall("element")
            if item.tag == "composite":
                self.check_siblings(file, item, parts, "seq", strict_order=True)
                self.check_syntax(file, item, len(parts))
            for el in parts:
                num = _text(el, "data_ele")
                if num not in self.dataele:
                    self.report(file, el, f"{el.get('xid')}: data element {num!r} is not "
                                          "defined in dataele.xml")
        self.check_qualifier(file, seg, parent, siblings, items)

    def check_syntax(self, file: str, el: etree._Element, count: int) -> None:
        for s in el.findall("syntax"):
            try:
                rule = parse_syntax(s.text or "")
            except ValueError as exc:
                self.report(file, s, f"{el.get('xid')}: {exc}")
                continue
            missing = [p for p in rule.positions if not 1 <= p <= count]
            if missing:
                self.report(file, s, f"{el.get('xid')}: syntax note {rule.text} names "
                                     f"position(s) {missing} but it has {count} elements")

    def check_qualifier(self, file: str, seg: etree._Element, parent: etree._Element,
                        siblings: list[etree._Element], items: list[etree._Element]) -> None:
        tag = seg.get("xid") or ""
        if tag in ENVELOPE or not items:
            return
        first = items[0] if items[0].tag == "element" else items[0].find("element")
        spots = [first] + ([items[2]] if tag == "HL" and len(items) > 2 else [])
        for el in spots:
            if not _codes(el):
                continue
            if seg is siblings[0] and parent.tag == "loop":
                grand = parent.getparent()
                alternatives = [n for n in _children(grand) if n is not parent
                                and _first_tag(n) == tag] if grand is not None else []
            else:
                alternatives = [n for n in siblings if n is not seg and _first_tag(n) == tag]
            if not alternatives:
                self.report(file, el, f"{el.get('xid')}: code list on a qualifier position "
                            "that chooses between no alternatives; pyx12 would report a bad "
                            "code as 'segment not found' (use codes on other elements)")

    # -- maps.xml --------------------------------------------------------------------------
    def lint_index(self, maps: dict[str, etree._Element]) -> None:
        root = self.parse("maps.xml")
        if root is None:
            return
        used: set[str] = set()
        claims: dict[tuple[str, str, str], str] = {}
        for version in root.iter("version"):
            icvn = version.get("icvn") or ""
            if not (self.folder / f"x12.control.{icvn}.xml").is_file():
                self.report("maps.xml", version, f"control map x12.control.{icvn}.xml missing")
            for row in version.iter("map"):
                self.lint_row(row, icvn, maps, used, claims)
        for name in sorted(set(maps) - used):
            self.report(name, maps[name], "map is not registered in maps.xml")

    def lint_row(self, row: etree._Element, icvn: str, maps: dict[str, etree._Element],
                 used: set[str], claims: dict[tuple[str, str, str], str]) -> None:
        name = (row.text or "").strip()
        fic, vriic, abbr = row.get("fic") or "", row.get("vriic") or "", row.get("abbr") or ""
        used.add(name)
        key = (icvn, vriic, fic)
        if key in claims and claims[key] != name:
            self.report("maps.xml", row, f"{key} already maps to {claims[key]}")
        claims[key] = name
        tree = maps.get(name)
        if tree is None:
            self.report("maps.xml", row, f"{name}: no such map file in the folder")
            return
        isa = tree.find(".//segment[@xid='ISA']")
        isa12 = _codes(isa.find("element[@xid='ISA12']") if isa is not None else None)
        if isa12[:1] != [icvn]:
            self.report("maps.xml", row, f"{name}: ISA12 code list {isa12} does not start "
                                         f"with icvn {icvn} (pyx12 takes the map version from it)")
        st = tree.find(".//loop[@xid='ST_LOOP']/segment[@xid='ST']")
        if not fic:
            if st is not None:
                self.report("maps.xml", row, f"{name}: control map row names a transaction map")
            return
        gs = tree.find(".//segment[@xid='GS']")
        checks = [("GS01", gs, fic), ("ST01", st, abbr)]
        for ref, seg, want in checks:
            codes = _codes(seg.find(f"element[@xid='{ref}']") if seg is not None else None)
            if want not in codes:
                self.report("maps.xml", row, f"{name}: row says {ref}={want} but the map "
                                             f"allows {codes}")
        gs08 = _codes(gs.find("element[@xid='GS08']") if gs is not None else None)
        if gs08 and vriic not in gs08:
            self.report("maps.xml", row, f"{name}: GS08 code list lacks {vriic!r}; pyx12 "
                                         "rejects the group's GS08 (AK905=2)")


def lint_x12_map_dir(map_dir: Path) -> list[str]:
    """Problems in one map folder as ``"file:line: message"``; [] when clean."""
    folder = Path(map_dir)
    if not folder.is_dir():
        raise NotADirectoryError(str(folder))
    linter = _Linter(folder)
    linter.read_dataele()
    maps: dict[str, etree._Element] = {}
    for path in sorted(folder.glob("*.xml")):
        if path.name in _SPECIAL:
            continue
        root = linter.parse(path.name)
        if root is not None:
            maps[path.name] = root
            linter.lint_map(path.name, root)
    linter.lint_index(maps)
    return linter.problems
