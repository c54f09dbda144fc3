"""Generate maps/x12/<version>/ from the compact specs in this folder (the source of truth).

Run from the repo root: python maps/x12/source/gen.py maps/x12 PYX12_CODES_XML
(PYX12_CODES_XML: pyx12's bundled map/codes.xml). tests/grammar/test_x12_source.py checks that
the committed maps are exactly what this generator writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dataele_spec import dataele
from lxml import etree
from segment_spec import Comp, El, Seg, segments
from tx_spec import SETS, L, S

QUALIFIERS = ["01", "08", "09", "12", "14", "20", "27", "28", "29", "30", "33", "ZZ"]
FICS = ["PO", "PR", "SH", "IN", "FA"]
VERSIONS = {"004010": ("00401", "4010"), "005010": ("00501", "5010")}
SETS_BY_VERSION = {"004010": ["850", "855", "856", "810", "997"],
                   "005010": ["850", "855", "856", "810", "997", "999"]}
GS08_VARIANTS = ["", "VICS", "UCS"]
VRIIC_999 = ["005010X231", "005010X231A1"]


def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    e = etree.SubElement(parent, tag)
    if text is not None:
        e.text = text
    return e


def codes_el(parent: etree._Element, codes: list[str]) -> None:
    vc = sub(parent, "valid_codes")
    for c in codes:
        sub(vc, "code", c)


def element_xml(parent: etree._Element, xid: str, el: El, seq: int, de: dict,
                used: set[str], codes: list[str] | None, usage: str | None) -> None:
    e = sub(parent, "element")
    e.set("xid", xid)
    sub(e, "data_ele", el.de)
    used.add(el.de)
    sub(e, "name", el.name or de[el.de][3])
    sub(e, "usage", usage or el.usage)
    sub(e, "seq", f"{seq:02d}")
    cl = codes if codes is not None else el.codes
    if cl:
        codes_el(e, cl)


def segment_xml(parent: etree._Element, seg: Seg, node: S, de: dict, used: set[str],
                overrides: dict[tuple[str, int], dict]) -> None:
    e = sub(parent, "segment")
    e.set("xid", seg.tag)
    sub(e, "name", seg.name)
    if seg.tag in ("ISA", "GS"):
        sub(e, "end_tag", {"ISA": "IEA", "GS": "GE"}[seg.tag])
    sub(e, "usage", node.usage)
    sub(e, "pos", f"{node.pos:04d}" if node.pos >= 1000 else f"{node.pos:03d}")
    sub(e, "max_use", str(node.max_use))
    for syn in seg.syntax:
        sub(e, "syntax", syn)
    for i, item in enumerate(seg.elements, start=1):
        xid = f"{seg.tag}{i:02d}"
        ov = overrides.get((seg.tag, i), {})
        if isinstance(item, Comp):
            c = sub(e, "composite")
            c.set("xid", xid)
            sub(c, "data_ele", item.de)
            sub(c, "name", item.name)
            sub(c, "usage", ov.get("usage", item.usage))
            sub(c, "seq", f"{i:02d}")
            sub(c, "refdes", xid)
            for syn in item.syntax:
                sub(c, "syntax", syn)
            for j, part in enumerate(item.parts, start=1):
                element_xml(c, f"{xid}-{j:02d}", part, j, de, used, None, None)
        else:
            element_xml(e, xid, item, i, de, used, ov.get("codes"), ov.get("usage"))


def envelope_segments(version: str) -> dict[str, Seg]:
    v5 = version == "005010"
    icvn = VERSIONS[version][0]
    isa = Seg("ISA", "Interchange Control Header", [
        El("I01", "R", codes=["00", "01", "02", "03", "04", "05", "06"]), El("I02", "R"), El("I03", "R", codes=["00", "01"]),
        El("I04", "R"), El("I05", "R", "Interchange Sender ID Qualifier", QUALIFIERS),
        El("I06", "R"), El("I05", "R", "Interchange Receiver ID Qualifier", QUALIFIERS),
        El("I07", "R"), El("I08", "R"), El("I09", "R"),
        El("I65", "R") if v5 else El("I10", "R", codes=["U"]),
        El("I11", "R", codes=[icvn]), El("I12", "R"), El("I13", "R", codes=["0", "1"]),
        El("I14", "R", codes=["P", "T"]), El("I15", "R")])
    ta1 = Seg("TA1", "Interchange Acknowledgment", [
        El("I12", "R"), El("I08", "R"), El("I09", "R"), El("I17", "R", codes=["A", "E", "R"]),
        El("I18", "R", codes=[f"{i:03d}" for i in range(32)])])
    gs = Seg("GS", "Functional Group Header", [
        El("479", "R", codes=FICS), El("142", "R"), El("124", "R"),
        El("373", "R", "Functional Group Date"), El("337", "R", "Functional Group Time"),
        El("28", "R"), El("455", "R", codes=["T", "X"]), El("480", "R")])
    ge = Seg("GE", "Functional Group Trailer", [El("97", "R"), El("28", "R")])
    iea = Seg("IEA", "Interchange Control Trailer", [El("I16", "R"), El("I12", "R")])
    return {s.tag: s for s in (isa, ta1, gs, ge, iea)}


def body_xml(parent: etree._Element, nodes: list[S | L], segs: dict[str, Seg], de: dict,
             used: set[str], overrides: dict) -> None:
    for n in nodes:
        if isinstance(n, S):
            segment_xml(parent, segs[n.tag], n, de, used, overrides)
        else:
            lp = sub(parent, "loop")
            lp.set("xid", n.loop_id)
            sub(lp, "name", n.name)
            sub(lp, "usage", n.usage)
            sub(lp, "pos", f"{n.pos:04d}")
            sub(lp, "repeat", str(n.repeat))
            body_xml(lp, n.children, segs, de, used, overrides)


def build_map(version: str, set_id: str | None, used: set[str]) -> etree._Element:
    de = dataele(version)
    env = envelope_segments(version)
    segs = {**segments(version), **env}
    if set_id is None:
        root = etree.Element("transaction", xid="X12")
        sub(root, "name", "X12 Control")
        overrides: dict = {}
    else:
        fic, name, builder = SETS[set_id]
        root = etree.Element("transaction", xid=set_id)
        sub(root, "name", name)
        overrides = {("GS", 1): {"codes": [fic]}, ("ST", 1): {"codes": [set_id]}}
        if set_id == "999":
            overrides[("AK1", 3)] = {"usage": "R"}
    isa_loop = sub(root, "loop")
    isa_loop.set("xid", "ISA_LOOP")
    isa_loop.set("type", "explicit")
    sub(isa_loop, "name", "Interchange Control Header")
    sub(isa_loop, "usage", "R")
    sub(isa_loop, "pos", "001")
    sub(isa_loop, "repeat", ">1")
    segment_xml(isa_loop, env["ISA"], S("ISA", "R", 1, 10), de, used, overrides)
    segment_xml(isa_loop, env["TA1"], S("TA1", "S", 1, 15), de, used, overrides)
    gs_loop = sub(isa_loop, "loop")
    gs_loop.set("xid", "GS_LOOP")
    gs_loop.set("type", "explicit")
    sub(gs_loop, "name", "Functional Group Header")
    sub(gs_loop, "usage", "R")
    sub(gs_loop, "pos", "020")
    sub(gs_loop, "repeat", ">1")
    segment_xml(gs_loop, env["GS"], S("GS", "R", 1, 10), de, used, overrides)
    if set_id is not None:
        st_loop = sub(gs_loop, "loop")
        st_loop.set("xid", "ST_LOOP")
        st_loop.set("type", "explicit")
        sub(st_loop, "name", "Transaction Set Header")
        sub(st_loop, "usage", "R")
        sub(st_loop, "pos", "020")
        sub(st_loop, "repeat", ">1")
        body_xml(st_loop, SETS[set_id][2](), segs, de, used, overrides)
    segment_xml(gs_loop, env["GE"], S("GE", "R", 1, 30), de, used, overrides)
    segment_xml(isa_loop, env["IEA"], S("IEA", "R", 1, 30), de, used, overrides)
    return root


HEADER = {
    "map": " {title}. pyx12 map format (pyx12/map/map.xsd); see maps/x12/README.md.\n"
           "     pos = table * 1000 + position in the X12 table (1020 = table 1, pos 020). ",
}


def write(path: Path, root: etree._Element, comment: str) -> None:
    etree.indent(root, space="  ")
    body = etree.tostring(root, encoding="unicode")
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<!--{comment}-->\n{body}\n',
                    encoding="utf-8")


def main(out_root: Path) -> None:
    for version, (icvn, short) in VERSIONS.items():
        d = out_root / version
        d.mkdir(parents=True, exist_ok=True)
        used: set[str] = set()
        files: dict[str, str] = {}
        for set_id in SETS_BY_VERSION[version]:
            root = build_map(version, set_id, used)
            fname = f"{set_id}.{short}.xml"
            files[set_id] = fname
            title = f"X12 {version} {set_id} {SETS[set_id][1]} (supply chain)"
            write(d / fname, root, HEADER["map"].format(title=title))
        ctl = build_map(version, None, used)
        write(d / f"x12.control.{icvn}.xml", ctl,
              HEADER["map"].format(title=f"X12 {version} interchange and group control "
                                         f"segments (ISA/TA1/GS/GE/IEA)"))
        # maps.xml
        maps = etree.Element("maps")
        ver = sub(maps, "version")
        ver.set("icvn", icvn)
        for set_id in SETS_BY_VERSION[version]:
            fic = SETS[set_id][0]
            vriics = VRIIC_999 if set_id == "999" else [version + v for v in GS08_VARIANTS]
            for vriic in vriics:
                m = sub(ver, "map", files[set_id])
                m.set("vriic", vriic)
                m.set("fic", fic)
                m.set("abbr", set_id)
        m = sub(ver, "map", f"x12.control.{icvn}.xml")
        m.set("vriic", "")
        m.set("fic", "")
        m.set("abbr", "X12")
        write(d / "maps.xml", maps,
              f" Map index for ISA12 {icvn}: (GS08 vriic, GS01 fic) -> map file. pyx12 matches\n"
              "     vriic exactly; gateway.grammar.x12_maps also falls back to its first 6 chars. ")
        # dataele.xml
        de = dataele(version)
        root = etree.Element("data_elements")
        for num in sorted(used, key=lambda k: (k[0].isalpha(), int(k.lstrip("I")) if k.lstrip("I").isdigit() else 0, k)):
            typ, mn, mx, name = de[num]
            e = sub(root, "data_ele")
            e.set("ele_num", num)
            e.set("data_type", typ)
            e.set("min_len", str(mn))
            e.set("max_len", str(mx))
            e.set("name", name)
        write(d / "dataele.xml", root,
              f" X12 {version} data elements used by the maps in this folder (pyx12 dataele.xsd).\n"
              "     pyx12 reads types and lengths only from here, keyed by element number. ")




def write_codes(out_root: Path, pyx12_codes: Path) -> None:
    src = etree.parse(str(pyx12_codes))
    root = etree.Element("codesets")
    for cs in src.getroot().findall("codeset"):
        if cs.findtext("id") in ("states", "country", "currency"):
            root.append(cs)
    for version in VERSIONS:
        write(out_root / version / "codes.xml", root,
              " External code lists (pyx12 codes.xsd), copied from pyx12's bundled codes.xml:\n"
              "     Copyright (c) John Holland <john@zoner.org>, BSD license (pyx12 LICENSE.txt).\n"
              "     No map in this folder references them yet (valid_codes external=...). ")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
    write_codes(Path(sys.argv[1]), Path(sys.argv[2]))
