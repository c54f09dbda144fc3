"""The X12 maps (maps/x12): pyx12's XSDs, our lint, our loader, and pyx12 itself as validator.

pyx12 checks every fixture under fixtures/x12/<version>/<set>/ with our maps: own files
(``valid_*`` pass, ``broken_*`` fail with exactly the listed errors) and real files copied from
the shared corpus (listed in fixtures/x12/PROVENANCE.md, with the errors each must give).
"""

from __future__ import annotations

import io
import json
import logging
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pytest
import pyx12.params  # type: ignore[import-untyped]
import pyx12.x12n_document  # type: ignore[import-untyped]
import xmlschema

from gateway.errors import GrammarError
from gateway.grammar.lint import lint_x12_map_dir
from gateway.grammar.model import CompositeDef, ElementDef, LoopNode, SegmentNode, SyntaxRule
from gateway.grammar.x12_maps import (
    X12Guides,
    load_x12_grammar,
    load_x12_map,
    load_x12_version,
    parse_syntax,
)

REPO = Path(__file__).resolve().parents[2]
MAPS = REPO / "maps" / "x12"
FIXTURES = REPO / "fixtures" / "x12"
VERSIONS = ("004010", "005010")
SETS = {"004010": ("810", "850", "855", "856", "997"),
        "005010": ("810", "850", "855", "856", "997", "999")}
PYX12_MAP = Path(str(files("pyx12") / "map"))
KIND = {"maps.xml": "maps", "dataele.xml": "dataele", "codes.xml": "codes"}

logging.getLogger("pyx12").setLevel(logging.CRITICAL)  # pyx12 logs every data error


# -- pyx12's XSDs ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def schemas() -> dict[str, xmlschema.XMLSchema]:
    return {k: xmlschema.XMLSchema(str(PYX12_MAP / f"{k}.xsd"))
            for k in ("map", "maps", "dataele", "codes")}


@pytest.mark.parametrize("path", sorted(MAPS.glob("*/*.xml")), ids=lambda p: p.parent.name
                         + "/" + p.name)
def test_every_file_passes_pyx12_xsd(path: Path, schemas: dict[str, xmlschema.XMLSchema]
                                     ) -> None:
    errors = [f"{e.path}: {e.reason}" for e in schemas[KIND.get(path.name, "map")]
              .iter_errors(str(path))]
    assert errors == []


@pytest.mark.parametrize("version", VERSIONS)
def test_folder_is_complete_for_pyx12(version: str) -> None:
    names = {p.name for p in (MAPS / version).glob("*.xml")}
    short = version[2:]  # 004010 -> 4010
    icvn = version[:5]
    assert {"maps.xml", "dataele.xml", "codes.xml", f"x12.control.{icvn}.xml"} <= names
    assert {f"{s}.{short}.xml" for s in SETS[version]} <= names


# -- lint --------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_lint_is_clean(version: str) -> None:
    assert lint_x12_map_dir(MAPS / version) == []


def _el(xid: str, num: str, seq: int, usage: str = "S", codes: tuple[str, ...] = ()) -> str:
    vc = ("<valid_codes>" + "".join(f"<code>{c}</code>" for c in codes) + "</valid_codes>"
          if codes else "")
    return (f'<element xid="{xid}"><data_ele>{num}</data_ele><name>{xid}</name>'
            f"<usage>{usage}</usage><seq>{seq:02d}</seq>{vc}</element>")


def _seg(tag: str, pos: int, elements: str, syntax: str = "", usage: str = "R") -> str:
    return (f'<segment xid="{tag}"><name>{tag}</name><usage>{usage}</usage><pos>{pos}</pos>'
            f"<max_use>1</max_use>{syntax}{elements}</segment>")


def _loop(xid: str, pos: int, body: str) -> str:
    return (f'<loop xid="{xid}"><name>{xid}</name><usage>R</usage><pos>{pos}</pos>'
            f"<repeat>&gt;1</repeat>{body}</loop>")


TINY_BODY = {
    "ST": _seg("ST", 1010, _el("ST01", "143", 1, "R", ("850",)) + _el("ST02", "329", 2, "R")),
    "BEG": _seg("BEG", 1020, _el("BEG01", "353", 1, "R") + _el("BEG02", "92", 2, "R")
                + _el("BEG03", "324", 3, "R"), "<syntax>P0203</syntax>"),
    "N1": _loop("N1", 1310, _seg("N1", 1310, _el("N101", "98", 1, "R")
                                 + _el("N102", "93", 2))),
    "SE": _seg("SE", 3030, _el("SE01", "96", 1, "R") + _el("SE02", "329", 2, "R")),
}
TINY_DATAELE = {"143": "ID 3 3", "329": "AN 4 9", "353": "ID 2 2", "92": "ID 2 2",
                "324": "AN 1 22", "98": "ID 2 3", "93": "AN 1 60", "96": "N0 1 10",
                "I11": "ID 5 5", "479": "ID 2 2", "480": "AN 1 12"}


def _tiny_map(body: dict[str, str], gs08: tuple[str, ...] = ()) -> str:
    isa = _seg("ISA", 10, _el("ISA12", "I11", 1, "R", ("00401",)))
    # pyx12 would want all 16 ISA elements; lint and loader find ISA12 by its xid.
    gs = _seg("GS", 10, _el("GS01", "479", 1, "R", ("PO",)) + _el("GS08", "480", 2, "R", gs08))
    st_loop = _loop("ST_LOOP", 20, "".join(body.values()))
    return ('<?xml version="1.0"?>\n<transaction xid="850"><name>PO</name>'
            + _loop("ISA_LOOP", 1, isa + _loop("GS_LOOP", 20, gs + st_loop)) + "</transaction>")


def _write_tiny_dir(folder: Path, body: dict[str, str], dataele: dict[str, str],
                    rows: str = '<map vriic="004010" fic="PO" abbr="850">850.4010.xml</map>',
                    gs08: tuple[str, ...] = ()) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "850.4010.xml").write_text(_tiny_map(body, gs08))
    (folder / "x12.control.00401.xml").write_text(_tiny_map({}, gs08).replace(
        _loop("ST_LOOP", 20, ""), ""))
    des = "".join(f'<data_ele ele_num="{k}" data_type="{v.split()[0]}" min_len="{v.split()[1]}"'
                  f' max_len="{v.split()[2]}" name="e{k}"/>' for k, v in dataele.items())
    (folder / "dataele.xml").write_text(f"<data_elements>{des}</data_elements>")
    (folder / "maps.xml").write_text(
        f'<maps><version icvn="00401">{rows}<map vriic="" fic="" abbr="X12">'
        "x12.control.00401.xml</map></version></maps>")


def test_lint_accepts_the_tiny_clean_dir(tmp_path: Path) -> None:
    _write_tiny_dir(tmp_path, TINY_BODY, TINY_DATAELE)
    assert lint_x12_map_dir(tmp_path) == []


def _pitfall(name: str) -> tuple[dict[str, str], dict[str, str], dict[str, object]]:
    body, dataele = dict(TINY_BODY), dict(TINY_DATAELE)
    extra: dict[str, object] = {}
    if name == "undefined data element":
        del dataele["92"]
    elif name == "pos not ascending":
        body["BEG"] = body["BEG"].replace("<pos>1020</pos>", "<pos>1005</pos>")
    elif name == "seq not in order":
        body["BEG"] = body["BEG"].replace("<seq>03</seq>", "<seq>04</seq>")
    elif name == "duplicate xid":
        body["BEG"] = body["BEG"].replace('xid="BEG02"', 'xid="BEG01"')
    elif name == "code list on 01":
        body["BEG"] = body["BEG"].replace(_el("BEG01", "353", 1, "R"),
                                          _el("BEG01", "353", 1, "R", ("00", "05")))
    elif name == "wrapper loop":
        body["N1"] = _loop("DETAIL", 1300, body["N1"])
    elif name == "table wrapper by name":
        body["BEG"] = _loop("HEADER", 1020, body["BEG"])
    elif name == "syntax names missing element":
        body["BEG"] = body["BEG"].replace("P0203", "P0309")
    elif name == "row points to missing file":
        extra["rows"] = '<map vriic="004010" fic="PO" abbr="850">850.4010.xml</map>' \
                        '<map vriic="004010" fic="PR" abbr="855">855.4010.xml</map>'
    elif name == "row disagrees with GS01/ST01":
        extra["rows"] = '<map vriic="004010" fic="IN" abbr="810">850.4010.xml</map>'
    elif name == "GS08 code list lacks the row's vriic":
        extra["gs08"] = ("004010",)
        extra["rows"] = '<map vriic="004010UCS" fic="PO" abbr="850">850.4010.xml</map>'
    return body, dataele, extra


PITFALLS = {
    "undefined data element": r"850\.4010\.xml:\d+: BEG02: data element '92' is not defined",
    "pos not ascending": r"850\.4010\.xml:\d+: BEG: pos 1005 is not above",
    "seq not in order": r"850\.4010\.xml:\d+: BEG03: seq 04 where 3 was expected",
    "duplicate xid": r"850\.4010\.xml:\d+: xid BEG01 occurs twice under BEG",
    "code list on 01": r"850\.4010\.xml:\d+: BEG01: code list on a qualifier position",
    "wrapper loop": r"850\.4010\.xml:\d+: loop DETAIL starts with a loop",
    "table wrapper by name": r"850\.4010\.xml:\d+: loop HEADER is a table wrapper",
    "syntax names missing element": r"850\.4010\.xml:\d+: BEG: syntax note P0309 names "
                                    r"position\(s\) \[9\]",
    "row points to missing file": r"maps\.xml:\d+: 855\.4010\.xml: no such map file",
    "row disagrees with GS01/ST01": r"maps\.xml:\d+: 850\.4010\.xml: row says GS01=IN .*\n"
                                    r"maps\.xml:\d+: 850\.4010\.xml: row says ST01=810",
    "GS08 code list lacks the row's vriic": r"maps\.xml:\d+: 850\.4010\.xml: GS08 code list "
                                            r"lacks '004010UCS'",
}


@pytest.mark.parametrize("name", sorted(PITFALLS))
def test_lint_finds_each_pitfall(tmp_path: Path, name: str) -> None:
    body, dataele, extra = _pitfall(name)
    _write_tiny_dir(tmp_path, body, dataele, **extra)  # type: ignore[arg-type]
    problems = lint_x12_map_dir(tmp_path)
    assert re.search(PITFALLS[name], "\n".join(problems)), problems


# -- loader ------------------------------------------------------------------------------------

def test_every_set_and_version_loads() -> None:
    for version in VERSIONS:
        grammars = load_x12_version(MAPS / version)
        assert sorted(g.message_id for g in grammars.values()) == sorted(SETS[version])
        for (fic, set_id), g in grammars.items():
            assert g.version == version and g.functional_id == fic and g.message_id == set_id
            first, last = g.body[0], g.body[-1]
            assert isinstance(first, SegmentNode) and first.tag == "ST"
            assert isinstance(last, SegmentNode) and last.tag == "SE"


def _element(version: str, set_id: str, ref: str) -> ElementDef:
    seg = load_x12_grammar(MAPS / version, set_id).segments()[ref[:-2]]
    item = seg.elements[int(ref[-2:]) - 1]
    assert isinstance(item, ElementDef)
    return item


def test_lengths_types_and_codes_come_from_the_folder() -> None:
    beg03 = _element("004010", "850", "BEG03")
    assert (beg03.data_ele, beg03.data_type, beg03.min_len, beg03.max_len, beg03.usage) == (
        "324", "AN", 1, 22, "R")
    assert _element("004010", "850", "REF02").max_len == 30
    assert _element("005010", "850", "REF02").max_len == 50
    assert _element("004010", "850", "PER04").max_len == 80
    assert _element("005010", "850", "PER04").max_len == 256
    assert _element("004010", "850", "BEG01").codes is None  # no code list on an 01 element
    assert _element("004010", "997", "AK101").codes is None  # no HIPAA-only list
    assert _element("004010", "855", "BAK02").codes is not None
    assert {"AC", "AD", "RJ"} <= (_element("004010", "855", "BAK02").codes or set())
    assert _element("004010", "850", "ST01").codes == frozenset({"850"})
    assert _element("004010", "856", "HL03").codes is None
    assert _element("004010", "850", "PO102").data_type == "R"
    assert _element("004010", "810", "TDS01").data_type == "N2"


def test_syntax_notes_and_composites() -> None:
    g = load_x12_grammar(MAPS / "004010", "850")
    po1 = g.segments()["PO1"]
    assert po1.syntax[:3] == (SyntaxRule("C", (3, 2)), SyntaxRule("C", (5, 4)),
                              SyntaxRule("P", (6, 7)))
    assert len(po1.syntax) == 12 and po1.syntax[-1].text == "P2425"
    assert parse_syntax("R020305") == SyntaxRule("R", (2, 3, 5))
    sln05 = g.segments()["SLN"].elements[4]
    assert isinstance(sln05, CompositeDef)
    assert (sln05.ref, sln05.data_ele, sln05.seq, len(sln05.components)) == ("SLN05", "C001",
                                                                             5, 15)
    assert [c.ref for c in sln05.components[:3]] == ["SLN05-01", "SLN05-02", "SLN05-03"]
    assert (sln05.components[0].data_ele, sln05.components[0].usage) == ("355", "R")
    assert SyntaxRule("C", (5, 4)) in sln05.syntax
    ak401 = load_x12_grammar(MAPS / "005010", "997").segments()["AK4"].elements[0]
    assert isinstance(ak401, CompositeDef) and len(ak401.components) == 3


def _find_loop(nodes: tuple[SegmentNode | LoopNode, ...], loop_id: str) -> LoopNode:
    for n in nodes:
        if isinstance(n, LoopNode):
            if n.loop_id == loop_id:
                return n
            try:
                return _find_loop(n.children, loop_id)
            except LookupError:
                pass
    raise LookupError(loop_id)


def test_loops_repeats_and_856_levels() -> None:
    po = load_x12_grammar(MAPS / "004010", "850")
    po1 = _find_loop(po.body, "PO1")
    assert (po1.usage, po1.repeat, po1.trigger.tag) == ("R", 100000, "PO1")
    assert _find_loop(po1.children, "N1").repeat == 200  # store-level ship-to inside the line
    assert _find_loop(po1.children, "SLN").repeat == 1000
    ref = next(n for n in po.body if isinstance(n, SegmentNode) and n.tag == "REF")
    assert ref.max_use is None  # ">1"
    assert [n.pos for n in po.body[:3]] == ["1010", "1020", "1040"]
    asn = load_x12_grammar(MAPS / "004010", "856")
    hl = _find_loop(asn.body, "HL")
    assert (hl.repeat, hl.trigger.tag) == (200000, "HL")
    # one flat HL loop for every level: no nested HL loops, only the N1 and SAC loops
    assert {n.loop_id for n in hl.children if isinstance(n, LoopNode)} == {"N1", "SAC"}
    assert {"LIN", "SN1", "PRF", "TD1", "TD5", "MAN", "PO4", "PID", "REF", "DTM"} <= {
        n.tag for n in hl.children if isinstance(n, SegmentNode)}
    assert asn.hl_levels["S"] == frozenset({""})
    assert asn.hl_levels["O"] == frozenset({"S"})
    assert asn.hl_levels["T"] == frozenset({"S", "O"})
    assert asn.hl_levels["P"] == frozenset({"S", "O", "T"})
    assert asn.hl_levels["I"] == frozenset({"S", "O", "T", "P"})
    assert po.hl_levels == {}
    ack = _find_loop(load_x12_grammar(MAPS / "004010", "855").body, "ACK")
    assert (ack.repeat, ack.trigger.tag) == (104, "ACK")


def test_guides_lookup() -> None:
    g = X12Guides.get("004010VICS", "850")
    assert g is not None and (g.version, g.message_id) == ("004010", "850")
    assert X12Guides.get("004010", "850") is g  # cached: one grammar object per map file
    fallback = X12Guides.get("004010XYZ", "856")
    assert fallback is not None and fallback.version == "004010"
    five = X12Guides.get("005010UCS", "810", "IN")
    assert five is not None and five.version == "005010"
    ia = X12Guides.get("005010X231A1", "999")
    assert ia is not None and ia.message_id == "999"
    assert X12Guides.get("005010", "999") is None  # 999 only under its X231 guide ids
    assert X12Guides.get("003040", "850") is None
    assert X12Guides.get("004010", "850", "IN") is None  # GS01 does not match ST01
    assert X12Guides.get("004010", "940") is None


def test_broken_map_raises_grammar_error_with_file_and_line(tmp_path: Path) -> None:
    body = dict(TINY_BODY)
    body["BEG"] = body["BEG"].replace("<data_ele>92</data_ele>", "<data_ele>9999</data_ele>")
    _write_tiny_dir(tmp_path, body, TINY_DATAELE)
    with pytest.raises(GrammarError, match=r"850\.4010\.xml:\d+: BEG02: data element 9999 is "
                                           r"not defined"):
        load_x12_map(tmp_path / "850.4010.xml")
    wrapped = dict(TINY_BODY)
    wrapped["N1"] = _loop("DETAIL", 1300, wrapped["N1"])
    _write_tiny_dir(tmp_path / "w", wrapped, TINY_DATAELE)
    with pytest.raises(GrammarError, match=r"850\.4010\.xml:\d+: loop DETAIL must start with a "
                                           r"segment"):
        load_x12_map(tmp_path / "w" / "850.4010.xml")
    with pytest.raises(GrammarError, match="no map row for transaction set 856"):
        load_x12_grammar(tmp_path, "856")


# -- pyx12 with our maps -----------------------------------------------------------------------

ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1)


def pyx12_view(text: str, gs01: str | None = None) -> str:
    """What pyx12 can read: a fixed-width ISA (ISA12 00400 read as 00401), no indentation
    around segments, one segment per line. Only the envelope layout changes; ``gs01``
    replaces a group's functional id where the corpus file itself has the wrong one."""
    text = text.lstrip("\ufeff \t\r\n")
    sep, at = text[3], -1
    for _ in range(16):
        at = text.index(sep, at + 1)
    component, term = text[at + 1], text[at + 2]
    out = []
    for seg in (s.strip() for s in text.split(term)):
        fields = seg.split(sep)
        if fields[0] == "ISA":
            vals = [v if i in (1, 3) else v.strip() for i, v in enumerate(fields[1:16])]
            vals = [v.rjust(w, "0") if i == 12 else v.ljust(w)[:w]
                    for i, (v, w) in enumerate(zip(vals, ISA_WIDTHS, strict=True))]
            vals[11] = "00401" if vals[11] == "00400" else vals[11]
            fields = ["ISA", *vals, component]
        elif fields[0] == "GS" and gs01:
            fields[1] = gs01
        if seg:
            out.append(sep.join(fields))
    end = "~" if term in "\r\n" else term
    return "".join(f"{s}{end}\n" for s in out)


def pyx12_errors(text: str, version: str) -> tuple[bool, set[tuple[str, str]]]:
    """(valid, {(where, code)}) from pyx12's JSON error tree; ``where`` is ISA/GS/ST, a
    segment ID or an element reference such as BEG03."""
    buf = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=None, fd_html=None,
        fd_json=buf, map_path=str(MAPS / version))
    found: set[tuple[str, str]] = set()
    for isa in json.loads(buf.getvalue())["interchanges"]:
        found |= {("ISA", e["err_cde"]) for e in isa["errors"]}
        for gs in isa["groups"]:
            found |= {("GS", e["err_cde"]) for e in gs["errors"]}
            for st in gs["transactions"]:
                found |= {("ST", e["err_cde"]) for e in st["errors"]}
                for seg in st["segments"]:
                    found |= {(seg["seg_id"], e["err_cde"]) for e in seg["errors"]}
                    for el in seg["elements"]:
                        ref = f"{seg['seg_id']}{el['ele_pos']:02d}"
                        found |= {(ref, e["err_cde"]) for e in el["errors"]}
    return ok, found


@dataclass(frozen=True)
class Corpus:
    expect: frozenset[tuple[str, str]] = frozenset()
    gs01: str | None = None


def _c(*expect: tuple[str, str], gs01: str | None = None) -> Corpus:
    return Corpus(frozenset(expect), gs01)


# Real files copied from the shared corpus (fixtures/x12/PROVENANCE.md) and what pyx12 must
# report with our maps; an empty set means valid.
CORPUS: dict[str, Corpus] = {
    "004010/810/edinet_x12.810a_ariba_indented.edi": _c(),
    "004010/810/edinet_x12.810b_ariba_tax_indented.edi": _c(),
    "004010/810/edinet_x12.810c_ariba_header-invoice_indented.edi": _c(),
    "004010/850/ediengine_850_composite_SLN.edi": _c(),
    "004010/850/ediengine_850_ok_newline.edi": _c(),
    "004010/850/ediengine_850_syntaxnotes_ERR.edi": _c(("PO1", "8"), ("PO4", "8")),
    "004010/850/edinet_x12.850.edi": _c(("ISA", "001"), ("N3", "SEG1")),
    "004010/850/edinet_x12.850a_indented_short-ISA.edi": _c(("ISA", "001"), ("N402", "5")),
    "004010/850/node-x12_850.edi": _c(),
    "004010/850/node-x12_850_newline-terminated.edi": _c(),
    "004010/850/node-x12_850_two-interchanges.edi": _c(("ISA", "025")),
    "004010/855/node-x12_855.edi": _c(),
    "004010/856/ediengine_856_crossdock_newline.edi": _c(),
    "004010/997/pyx12_997_bad-elements_AK4-composite-position.edi": _c(),
    "004010/997/pyx12_997_simple1_reject.edi": _c(),
    "005010/850/stedi-bootstrap_850_005010_dropship.edi": _c(gs01="PO"),
    "005010/855/stedi-bootstrap_855_005010_ISA11-caret.edi": _c(),
    "005010/855/stedi-bootstrap_855_005010_trailing-empty-segment.edi": _c(),
}

# Own broken files: exactly these pyx12 errors (README.md says which 997/999 codes they mean).
BROKEN: dict[str, set[tuple[str, str]]] = {
    "004010/810/broken_big01_bad_date.edi": {("BIG01", "8")},
    "004010/810/broken_it1_P020304.edi": {("IT1", "8")},
    "004010/810/broken_missing_tds.edi": {("TDS", "3")},
    "004010/850/broken_beg03_too_long.edi": {("BEG03", "5")},
    "004010/850/broken_missing_beg.edi": {("BEG", "3")},
    "004010/850/broken_po1_product_id_pair_P0607.edi": {("PO1", "8")},
    "004010/850/broken_ref02_over_30.edi": {("REF02", "5")},
    "004010/850/broken_se01_count.edi": {("ST", "4")},
    "004010/855/broken_ack04_without_ack05_C0405.edi": {("ACK", "8")},
    "004010/855/broken_bak02_bad_code.edi": {("BAK02", "7")},
    "004010/856/broken_hl_parent_unknown.edi": {("HL", "HL2")},
    "004010/856/broken_missing_bsn.edi": {("BSN", "3")},
    "004010/856/broken_sn1_missing_uom.edi": {("SN103", "1")},
    "004010/997/broken_ak403_bad_code.edi": {("AK403", "7")},
    "004010/997/broken_missing_ak9.edi": {("AK9", "3")},
    "005010/810/broken_missing_big.edi": {("BIG", "3")},
    "005010/810/broken_unknown_segment.edi": {("CUX", "1")},
    "005010/850/broken_missing_po1_loop.edi": {("PO1", "3")},
    "005010/850/broken_ref02_over_50.edi": {("REF02", "5")},
    "005010/850/broken_sln_missing_relationship.edi": {("SLN03", "1")},
    "005010/855/broken_po102_not_numeric.edi": {("PO102", "6")},
    "005010/855/broken_se02_mismatch.edi": {("ST", "3")},
    "005010/856/broken_hl_parent_forward.edi": {("HL", "HL2")},
    "005010/856/broken_td1_weight_pair_P0708.edi": {("TD1", "8")},
    "005010/997/broken_ak502_bad_code.edi": {("AK502", "7")},
    "005010/997/broken_missing_ak5.edi": {("AK5", "3")},
    "005010/999/broken_ik403_bad_code.edi": {("IK403", "7")},
    "005010/999/broken_missing_ik5.edi": {("IK5", "3")},
}


def _fixtures(prefix: str) -> list[str]:
    """Input files (not the golden ``*.acks.edi`` outputs tests/test_golden.py keeps beside)."""
    return sorted(str(p.relative_to(FIXTURES)) for v in VERSIONS
                  for p in (FIXTURES / v).glob(f"*/{prefix}*.edi")
                  if not p.name.endswith(".acks.edi"))


def test_every_fixture_is_accounted_for() -> None:
    every = set(_fixtures(""))
    own = set(_fixtures("valid_")) | set(_fixtures("broken_"))
    assert every - own == set(CORPUS)
    assert set(_fixtures("broken_")) == set(BROKEN)
    for version in VERSIONS:
        for set_id in SETS[version]:
            assert [n for n in _fixtures("valid_") if n.startswith(f"{version}/{set_id}/")]
            assert len([n for n in _fixtures("broken_")
                        if n.startswith(f"{version}/{set_id}/")]) >= 2, (version, set_id)
    provenance = (FIXTURES / "PROVENANCE.md").read_text(encoding="utf-8")
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    for name in CORPUS:
        assert f"`{name}`" in provenance, name
    for name in BROKEN:
        assert f"`{name}`" in readme, name


@pytest.mark.parametrize("name", _fixtures("valid_"))
def test_own_valid_files_pass_pyx12(name: str) -> None:
    text = (FIXTURES / name).read_text(encoding="ascii")
    assert pyx12_errors(text, name[:6]) == (True, set())


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_own_broken_files_fail_pyx12_as_documented(name: str) -> None:
    text = (FIXTURES / name).read_text(encoding="ascii")
    assert pyx12_errors(text, name[:6]) == (False, BROKEN[name])


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_files_under_pyx12(name: str) -> None:
    case = CORPUS[name]
    text = pyx12_view((FIXTURES / name).read_text(encoding="latin-1"), case.gs01)
    ok, found = pyx12_errors(text, name[:6])
    assert (ok, found) == (not case.expect, set(case.expect))
