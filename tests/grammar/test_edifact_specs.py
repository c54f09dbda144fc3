"""EDIFACT message specs: schema, lint, loader, and agreement with the fixtures.

The fixture part tokenizes every file under fixtures/edifact with pydifact (the independent
tokenizer) and walks it against the loaded grammars with a deliberately small checker written
here: envelope counts and references, the segment table, element lengths, types and codes.
Valid fixtures must come out clean; every other file must produce the CONTRL 0085 code that
fixtures/edifact/README.md lists for it, so specs, fixtures and README cannot drift apart.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from gateway.errors import GrammarError
from gateway.grammar.edifact_lint import lint_edifact_specs
from gateway.grammar.edifact_specs import (
    EdifactGuides,
    build_segment,
    edifact_messages,
    edifact_versions,
    load_edifact_grammar,
    load_service,
    parse_repr,
)
from gateway.grammar.model import CompositeDef, ElementDef, LoopNode, Node, SegmentDef, SegmentNode

REPO = Path(__file__).resolve().parents[2]
SPECS = REPO / "maps" / "edifact"
FIXTURES = REPO / "fixtures" / "edifact"
SPEC_FILES = sorted(p for p in SPECS.rglob("*.xml"))
MESSAGES = [(v, m) for v in ("D96A", "D01B")
            for m in ("ORDERS", "ORDRSP", "DESADV", "INVOIC", "CONTRL")]


def _id(p: Path) -> str:
    return str(p.relative_to(REPO))


# -- schema and lint ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SPECS / "spec.xsd"))


@pytest.mark.parametrize("path", SPEC_FILES, ids=_id)
def test_spec_file_is_valid_against_spec_xsd(schema: xmlschema.XMLSchema, path: Path) -> None:
    schema.validate(str(path))


def test_shipped_specs_cover_both_directories_and_all_messages() -> None:
    assert edifact_versions(SPECS) == ["D01B", "D96A"]
    for version in ("D96A", "D01B"):
        assert edifact_messages(version, SPECS) == ["CONTRL", "DESADV", "INVOIC", "ORDERS",
                                                     "ORDRSP"]


def test_lint_is_clean_on_shipped_specs() -> None:
    assert lint_edifact_specs(SPECS) == []


TINY_SERVICE = """<service><syntax version="4">
  <element id="0062" name="Message reference number" repr="an..14"/>
  <element id="0074" name="Number of segments" repr="n..10"/>
  <element id="0020" name="Interchange control reference" repr="an..14"/>
  <element id="0036" name="Interchange control count" repr="n..6"/>
  <segment tag="UNB" name="Interchange header"><element ref="0020" status="M"/></segment>
  <segment tag="UNH" name="Message header"><element ref="0062" status="M"/></segment>
  <segment tag="UNT" name="Message trailer"><element ref="0074" status="M"/>
    <element ref="0062" status="M"/></segment>
  <segment tag="UNZ" name="Interchange trailer"><element ref="0036" status="M"/>
    <element ref="0020" status="M"/></segment>
</syntax></service>
"""
TINY_ELEMENTS = """<elements version="D99A">
  <element id="1001" name="Document name code" repr="an..3"><code value="220"/></element>
  <element id="1004" name="Document identifier" repr="an..35"/>
  <element id="3035" name="Party function code qualifier" repr="an..3"/>
  <element id="3039" name="Party identifier" repr="an..35"/>
  <composite id="C002" name="Document name"><component element="1001" status="C"/></composite>
  <composite id="C082" name="Party identification"><component element="3039" status="M"/>
  </composite>
</elements>
"""
TINY_SEGMENTS = """<segments version="D99A">
  <segment tag="BGM" name="Beginning of message"><composite ref="C002" status="C"/>
    <element ref="1004" status="C"/></segment>
  <segment tag="NAD" name="Name and address"><element ref="3035" status="M"/>
    <composite ref="C082" status="C"/></segment>
</segments>
"""
TINY_MESSAGE = """<message id="ORDERS" version="D99A" name="Tiny order">
  <segment tag="UNH" status="M" max="1"/>
  <segment tag="BGM" status="M" max="1"/>
  <group id="SG1" status="C" max="9">
    <segment tag="NAD" status="M" max="1"/>
  </group>
  <segment tag="UNT" status="M" max="1"/>
</message>
"""


def _tiny(tmp_path: Path, **replace: tuple[str, str]) -> Path:
    """A tiny, clean spec tree; ``replace`` maps a file to (old, new) to break it."""
    files = {"service.xml": TINY_SERVICE, "D99A/elements.xml": TINY_ELEMENTS,
             "D99A/segments.xml": TINY_SEGMENTS, "D99A/ORDERS.xml": TINY_MESSAGE}
    for key, (old, new) in replace.items():
        name = {"service": "service.xml", "elements": "D99A/elements.xml",
                "segments": "D99A/segments.xml", "message": "D99A/ORDERS.xml"}[key]
        assert old in files[name], old
        files[name] = files[name].replace(old, new)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_lint_and_loader_accept_the_tiny_spec(tmp_path: Path, schema: xmlschema.XMLSchema) -> None:
    root = _tiny(tmp_path)
    assert lint_edifact_specs(root) == []
    for path in root.rglob("*.xml"):
        schema.validate(str(path))
    grammar = load_edifact_grammar("D99A", "ORDERS", root)
    assert [n.tag if isinstance(n, SegmentNode) else n.loop_id for n in grammar.body] == [
        "UNH", "BGM", "SG1", "UNT"]


BROKEN_SPECS = [
    ("undefined element", {"segments": ('ref="1004"', 'ref="1005"')},
     "D99A/segments.xml:3: data element 1005 is not defined"),
    ("undefined composite", {"segments": ('ref="C082"', 'ref="C083"')},
     "D99A/segments.xml:5: composite C083 is not defined"),
    ("undefined component", {"elements": ('element="3039"', 'element="3040"')},
     "D99A/elements.xml:7: data element 3040 is not defined"),
    ("undefined segment", {"message": ('tag="NAD"', 'tag="NAX"')},
     "D99A/ORDERS.xml:5: segment NAX is not defined"),
    ("duplicate element", {"elements": ('id="1004"', 'id="1001"')},
     "D99A/elements.xml:3: data element 1001 is defined twice"),
    ("duplicate group id", {"message": ('<segment tag="UNT"',
                                        '<group id="SG1" status="C" max="1"><segment tag="NAD" '
                                        'status="M" max="1"/></group><segment tag="UNT"')},
     "group SG1 is used twice"),
    ("group numbering", {"message": ('id="SG1"', 'id="SG2"')},
     "groups are not numbered SG1..SG1 in table order: SG2"),
    ("group not starting with a segment",
     {"message": ('<segment tag="NAD" status="M" max="1"/>',
                  '<group id="SG2" status="C" max="1"><segment tag="NAD" status="M" max="1"/>'
                  '</group>')},
     "group SG1 does not start with a segment"),
    ("trigger not mandatory", {"message": ('<segment tag="NAD" status="M" max="1"/>',
                                           '<segment tag="NAD" status="C" max="1"/>')},
     "trigger segment NAD of SG1 must be status M, max 1"),
    ("UNH not first", {"message": ('<segment tag="UNH" status="M" max="1"/>\n'
                                   '  <segment tag="BGM" status="M" max="1"/>',
                                   '<segment tag="BGM" status="M" max="1"/>\n'
                                   '  <segment tag="UNH" status="M" max="1"/>')},
     "the segment table must start with UNH"),
    ("UNT inside a group", {"message": ('<segment tag="NAD" status="M" max="1"/>',
                                        '<segment tag="NAD" status="M" max="1"/>'
                                        '<segment tag="UNT" status="C" max="1"/>')},
     "UNT may only open/close the message"),
    ("bad representation", {"elements": ('repr="an..35"/>\n  <element id="3035"',
                                         'repr="x..35"/>\n  <element id="3035"')},
     "D99A/elements.xml:3: representation 'x..35'"),
    ("code longer than the element", {"elements": ('<code value="220"/>',
                                                   '<code value="2200"/>')},
     "code '2200' of 1001 is longer than its an..3"),
    ("service without UNZ", {"service": ('tag="UNZ"', 'tag="UNE"')},
     "syntax 4 lacks UNZ"),
    ("directory version", {"segments": ('version="D99A"', 'version="D98B"')},
     "D99A/segments.xml:1: version 'D98B' differs from directory D99A"),
]


@pytest.mark.parametrize(("name", "replace", "expected"), BROKEN_SPECS,
                         ids=[b[0] for b in BROKEN_SPECS])
def test_lint_finds_broken_specs(tmp_path: Path, name: str,
                                 replace: dict[str, tuple[str, str]], expected: str) -> None:
    problems = lint_edifact_specs(_tiny(tmp_path, **replace))
    assert any(expected in p for p in problems), problems


# -- loader -------------------------------------------------------------------------------------

def _find(nodes: tuple[Node, ...], loop_id: str) -> LoopNode:
    for n in nodes:
        if isinstance(n, LoopNode):
            if n.loop_id == loop_id:
                return n
            try:
                return _find(n.children, loop_id)
            except KeyError:
                pass
    raise KeyError(loop_id)


@pytest.mark.parametrize(("version", "message"), MESSAGES)
def test_every_message_spec_loads(version: str, message: str) -> None:
    g = load_edifact_grammar(version, message, SPECS)
    assert (g.standard, g.message_id, g.version, g.functional_id) == ("edifact", message,
                                                                       version, None)
    first, last = g.body[0], g.body[-1]
    assert isinstance(first, SegmentNode) and first.tag == "UNH" and first.usage == "R"
    assert isinstance(last, SegmentNode) and last.tag == "UNT"
    assert load_edifact_grammar(version.lower(), message.lower(), SPECS) is g  # cached


def test_orders_d96a_facts() -> None:
    g = load_edifact_grammar("D96A", "ORDERS", SPECS)
    sg2 = _find(g.body, "SG2")
    assert (sg2.trigger.tag, sg2.repeat, sg2.usage) == ("NAD", 99, "S")
    assert [c.loop_id for c in sg2.children if isinstance(c, LoopNode)] == ["SG3", "SG4", "SG5"]
    assert _find(sg2.children, "SG5").trigger.tag == "CTA"
    lin = _find(g.body, "SG25")
    assert (lin.trigger.tag, lin.repeat) == ("LIN", 200000)
    assert _find(lin.children, "SG28").trigger.tag == "PRI"
    assert _find(lin.children, "SG33").trigger.tag == "LOC"
    assert _find(_find(lin.children, "SG39").children, "SG42").trigger.tag == "MOA"
    groups = [n.loop_id for n in _walk_loops(g.body)]
    assert groups == [f"SG{i}" for i in range(1, 55)]
    bgm = g.segments()["BGM"]
    c002 = bgm.elements[0]
    assert isinstance(c002, CompositeDef) and c002.ref == "BGM01" and c002.data_ele == "C002"
    assert c002.components[0].codes is not None and "220" in c002.components[0].codes
    nad = g.segments()["NAD"]
    c082 = nad.elements[1]
    assert isinstance(c082, CompositeDef)
    party = c082.components[0]
    assert (party.ref, party.data_ele, party.usage, party.data_type, party.min_len,
            party.max_len) == ("NAD02-1", "3039", "R", "an", 1, 35)
    dtm = g.segments()["DTM"].elements[0]
    assert isinstance(dtm, CompositeDef) and dtm.usage == "R"
    assert dtm.components[2].codes is not None and {"102", "203", "718"} <= dtm.components[2].codes
    uns = g.segments()["UNS"].elements[0]
    assert isinstance(uns, ElementDef) and uns.codes == frozenset({"D", "S"})


def _walk_loops(nodes: tuple[Node, ...]) -> list[LoopNode]:
    out: list[LoopNode] = []
    for n in nodes:
        if isinstance(n, LoopNode):
            out.append(n)
            out += _walk_loops(n.children)
    return out


def test_other_message_facts() -> None:
    inv = load_edifact_grammar("D96A", "INVOIC", SPECS)
    sg48 = _find(inv.body, "SG48")
    assert (sg48.trigger.tag, sg48.usage, sg48.repeat) == ("MOA", "R", 100)
    assert _find(load_edifact_grammar("D01B", "INVOIC", SPECS).body, "SG50").usage == "R"
    des = load_edifact_grammar("D96A", "DESADV", SPECS)
    cps = _find(des.body, "SG10")
    assert cps.trigger.tag == "CPS"
    assert _find(_find(cps.children, "SG11").children, "SG14").trigger.tag == "GIN"
    assert _find(cps.children, "SG15").trigger.tag == "LIN"
    d01b_bgm = load_edifact_grammar("D01B", "ORDERS", SPECS).segments()["BGM"].elements[1]
    assert isinstance(d01b_bgm, CompositeDef) and d01b_bgm.data_ele == "C106"
    contrl = load_edifact_grammar("D96A", "CONTRL", SPECS)
    assert _find(contrl.body, "SG2").trigger.tag == "UCS"
    ucm = contrl.segments()["UCM"].elements[2]
    assert isinstance(ucm, ElementDef) and ucm.data_ele == "0083" and ucm.codes is not None
    assert "4" in ucm.codes and "7" in ucm.codes
    unh = contrl.segments()["UNH"].elements[1]
    assert isinstance(unh, CompositeDef) and [c.data_ele for c in unh.components] == [
        "0065", "0052", "0054", "0051", "0057"]


@pytest.mark.parametrize(("text", "expected"), [
    ("an..35", ("an", 1, 35)), ("a3", ("a", 3, 3)), ("n..15", ("n", 1, 15)),
    ("an1..3", ("an", 1, 3)), ("n4", ("n", 4, 4))])
def test_parse_repr(text: str, expected: tuple[str, int, int]) -> None:
    assert parse_repr(text) == expected


@pytest.mark.parametrize("text", ["x..3", "an", "an..", "an3..1", "a..0"])
def test_parse_repr_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_repr(text)


def test_edifact_guides_lookup() -> None:
    g = EdifactGuides.get("ORDERS:D:96A:UN:EAN008", root=SPECS)
    assert g is not None and (g.message_id, g.version) == ("ORDERS", "D96A")
    assert EdifactGuides.get(("INVOIC", "D", "01B", "UN", "EAN010"), root=SPECS) is \
        load_edifact_grammar("D01B", "INVOIC", SPECS)
    assert EdifactGuides.get("D01B", "desadv", root=SPECS) is \
        load_edifact_grammar("D01B", "DESADV", SPECS)
    contrl = EdifactGuides.get("CONTRL:D:3:UN", root=SPECS)
    assert contrl is not None and contrl.message_id == "CONTRL"
    assert EdifactGuides.get("ORDERS:D:93A:UN", root=SPECS) is None
    assert EdifactGuides.get("D96A", "PRICAT", root=SPECS) is None
    assert EdifactGuides.directory_of("ORDERS:D:96A:UN:EAN008") == "D96A"
    assert EdifactGuides.directory_of(["D", "01B"]) == "D01B"
    assert EdifactGuides.directory_of("CONTRL:2:2:UN") is None


@pytest.mark.parametrize(("replace", "expected"), [
    ({"segments": ('ref="1004"', 'ref="1005"')},
     r"segments\.xml:3: position BGM02 refers to data element 1005, which is not defined"),
    ({"elements": ('repr="an..35"/>\n  <element id="3035"', 'repr="x..35"/>\n  <element '
                                                             'id="3035"')},
     r"elements\.xml:3: representation 'x\.\.35'"),
    ({"message": ('tag="NAD"', 'tag="NAX"')}, r"ORDERS\.xml:5: segment NAX is not defined"),
    ({"message": ('max="9"', 'max="many"')}, r"ORDERS\.xml:4: max 'many': expected a whole"),
    ({"message": ('<segment tag="NAD" status="M" max="1"/>\n  </group>',
                  '<segment tag="NAD" status="M" max="1"/>\n  </grup>')},
     r"ORDERS\.xml:6: not well-formed XML"),
    ({"message": ('status="M" max="1"/>\n  <segment tag="BGM"', 'status="X" max="1"/>\n  '
                                                                '<segment tag="BGM"')},
     r"ORDERS\.xml:2: status 'X': expected M, C or N"),
])
def test_loader_errors_name_file_line_and_expectation(
        tmp_path: Path, replace: dict[str, tuple[str, str]], expected: str) -> None:
    root = _tiny(tmp_path, **replace)
    with pytest.raises(GrammarError, match=expected):
        load_edifact_grammar("D99A", "ORDERS", root)


def test_missing_message_spec_is_a_grammar_error(tmp_path: Path) -> None:
    with pytest.raises(GrammarError, match="no spec for DESADV"):
        load_edifact_grammar("D99A", "DESADV", _tiny(tmp_path))


# -- fixtures: tokenized by pydifact, walked against the grammars ---------------------------------

def _tokens(path: Path) -> list[tuple[str, list[Any]]]:
    from pydifact.parser import Parser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        segments = list(Parser().parse(path.read_text(encoding="utf-8")))
    return [(s.tag, list(s.elements)) for s in segments if s.tag != "UNA"]


class Checker:
    """Small reference checker: collects CONTRL 0085 codes for what it finds wrong."""

    def __init__(self) -> None:
        self.codes: list[tuple[str, str]] = []

    def error(self, code: str, what: str) -> None:
        self.codes.append((code, what))

    # element level
    def value(self, d: ElementDef, value: str) -> None:
        if d.data_type == "n":
            digits = value.lstrip("-").replace(".", "", 1).replace(",", "", 1)
            if not digits.isdigit():
                return self.error("37", f"{d.ref} {value!r} is not numeric")
            size = len(digits)
        else:
            size = len(value)
        if size > d.max_len:
            self.error("39", f"{d.ref} {value!r} longer than {d.max_len}")
        elif size < d.min_len:
            self.error("40", f"{d.ref} {value!r} shorter than {d.min_len}")
        if d.codes is not None and value not in d.codes:
            self.error("12", f"{d.ref} {value!r} not in its code list")

    def segment(self, sdef: SegmentDef, values: list[Any]) -> None:
        if len(values) > len(sdef.elements):
            self.error("16", f"{sdef.tag} has {len(values)} elements")
        for d, v in zip(sdef.elements, values + [""] * len(sdef.elements), strict=False):
            parts = v if isinstance(v, list) else [v]
            if isinstance(d, ElementDef):
                if len(parts) > 1:
                    self.error("16", f"{d.ref} has components")
                elif parts[0]:
                    self.value(d, parts[0])
                elif d.usage == "R":
                    self.error("13", f"{d.ref} missing")
                continue
            if not any(parts):
                if d.usage == "R":
                    self.error("13", f"{d.ref} missing")
                continue
            if len(parts) > len(d.components):
                self.error("16", f"{d.ref} has {len(parts)} components")
            for c, cv in zip(d.components, parts + [""] * len(d.components), strict=False):
                if cv:
                    self.value(c, cv)
                elif c.usage == "R":
                    self.error("13", f"{c.ref} missing")

    # segment table
    def message(self, segs: list[tuple[str, list[Any]]]) -> None:
        ident = segs[0][1][1] if len(segs[0][1]) > 1 else []
        grammar = EdifactGuides.get(tuple(ident) if isinstance(ident, list) else (ident,),
                                    root=SPECS)
        if grammar is None:
            return self.error("14", f"no spec for {ident}")
        known = grammar.segments()
        pos = self.nodes(grammar.body[:-1], segs[:-1], 0, known)  # UNT: see trailer()
        if pos < len(segs) - 1:
            tag = segs[pos][0]
            self.error("15" if tag in known else "14", f"{tag} at position {pos + 1}")
        self.segment(known["UNT"], segs[-1][1])

    def nodes(self, nodes: tuple[Node, ...], segs: list[tuple[str, list[Any]]], i: int,
              known: dict[str, SegmentDef]) -> int:
        def peek(j: int) -> str | None:
            return segs[j][0] if j < len(segs) else None

        for node in nodes:
            count = 0
            if isinstance(node, SegmentNode):
                limit = node.max_use or 10**9
                while peek(i) == node.tag and count < limit:
                    self.segment(node.segment, segs[i][1])
                    i, count = i + 1, count + 1
                if peek(i) == node.tag:
                    self.error("35", f"{node.tag} more than {limit} times")
                    while peek(i) == node.tag:
                        i += 1
            else:
                limit = node.repeat or 10**9
                while peek(i) == node.trigger.tag and count < limit:
                    self.segment(node.trigger.segment, segs[i][1])
                    i = self.nodes(node.children[1:], segs, i + 1, known)
                    count += 1
                if peek(i) == node.trigger.tag:
                    self.error("36", f"{node.loop_id} more than {limit} times")
            if count == 0 and node.usage == "R":
                tag = node.tag if isinstance(node, SegmentNode) else node.trigger.tag
                self.error("13", f"mandatory {tag} missing before position {i + 1}")
        return i

    # envelope
    def interchange(self, tokens: list[tuple[str, list[Any]]]) -> None:
        if not tokens or tokens[0][0] != "UNB":
            self.error("18", "no UNB interchange header")
        syntax, icr, groups, messages, in_group = "3", "", 0, 0, 0
        group_ref, current, ended = "", None, False
        for tag, values in tokens:
            if tag == "UNB":
                s001 = values[0] if isinstance(values[0], list) else [values[0]]
                syntax = "4" if len(s001) > 1 and s001[1] == "4" else "3"
                icr = values[4]
                self.segment(self._service(syntax, tag), values)
            elif current is not None:
                current.append((tag, values))
                if tag == "UNT":
                    self.trailer(current)
                    current = None
            elif tag == "UNH":
                current, messages, in_group = [(tag, values)], messages + 1, in_group + 1
            elif tag == "UNG":
                groups, in_group, group_ref = groups + 1, 0, values[4]
                self.segment(self._service(syntax, tag), values)
            elif tag == "UNE":
                self._count_ref(values, in_group, group_ref, "UNE")
            elif tag == "UNZ":
                self._count_ref(values, groups or messages, icr, "UNZ")
                ended = True
            else:
                self.error("33", f"{tag} outside any message")
        if current is not None:
            self.error("13", "UNT missing")
        if tokens and tokens[0][0] == "UNB" and not ended:
            self.error("13", "UNZ missing")

    def trailer(self, segs: list[tuple[str, list[Any]]]) -> None:
        unh, unt = segs[0][1], segs[-1][1]
        if unt[0] != str(len(segs)):
            self.error("29", f"UNT counts {unt[0]}, message has {len(segs)}")
        if len(unt) < 2 or unt[1] != unh[0]:
            self.error("28", "UNT reference differs from UNH")
        self.message(segs)

    def _count_ref(self, values: list[Any], count: int, ref: str, tag: str) -> None:
        if values[0] != str(count):
            self.error("29", f"{tag} counts {values[0]}, found {count}")
        if len(values) < 2 or values[1] != ref:
            self.error("28", f"{tag} reference differs from its header")

    @staticmethod
    def _service(syntax: str, tag: str) -> SegmentDef:
        return build_segment(tag, (load_service(SPECS, syntax),), "service")


def _readme_codes() -> dict[str, str]:
    rows = re.findall(r"^\| (\S+\.edi) \| .* \| (\S+) \|$",
                      (FIXTURES / "README.md").read_text(encoding="utf-8"), re.M)
    return dict(rows)


# golden acknowledgement files (tests/test_golden.py) may sit beside the fixtures: not inputs
FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*.edi")
                       if not p.name.endswith(".acks.edi") and "corpus" not in p.parts)


def test_every_fixture_is_in_the_readme_and_provenance() -> None:
    readme = _readme_codes()
    listed = {str(p.relative_to(FIXTURES)) for p in FIXTURE_FILES}
    assert set(readme) == listed
    provenance = (FIXTURES / "PROVENANCE.md").read_text(encoding="utf-8")
    for name in listed:
        if not Path(name).name.startswith(("valid_", "broken_")):
            assert name in provenance, name
    for version, message in MESSAGES:
        names = [Path(n).name for n in listed if n.startswith(f"{version}/{message}/")]
        assert sum(n.startswith("valid_") for n in names) >= 1, (version, message)
        assert sum(n.startswith("broken_") for n in names) >= 2, (version, message)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_agrees_with_specs(path: Path) -> None:
    expected = _readme_codes()[str(path.relative_to(FIXTURES))]
    checker = Checker()
    checker.interchange(_tokens(path))
    found = {code for code, _ in checker.codes}
    if expected == "-":
        assert checker.codes == []
    else:
        assert expected in found, checker.codes
    if path.name.startswith("broken_"):  # one defect each, reported once
        assert found == {expected}, checker.codes


def test_valid_fixtures_cover_the_required_syntax_variants() -> None:
    texts = {p: p.read_text(encoding="utf-8") for p in FIXTURE_FILES if p.name.startswith("valid_")}
    assert all(t.startswith("UNA") and "\nUNB+" in t and "UNZ+" in t for t in texts.values())
    assert any("\nUNG+" in t and "\nUNE+" in t for t in texts.values())
    assert any(t.startswith("UNA:+.?*'") and "UNB+UNOC:4" in t for t in texts.values())
    assert any(all(r in t for r in ("?+", "?:", "?'", "??")) for t in texts.values())
