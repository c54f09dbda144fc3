"""Lint for the EDIFACT message specs: what ``maps/edifact/spec.xsd`` cannot check.

The schema checks each file alone; this checks them together: every element, composite and
segment a spec refers to is defined; ids are unique; representations parse and code values fit
them; groups are numbered SG1..SGn in table order, start with a mandatory trigger segment used
once; UNH opens and UNT closes the message and appear nowhere else. ``lint_edifact_specs``
returns human-readable problems (``"D96A/ORDERS.xml:12: ..."``), empty when all is well; CI
and ``tests/grammar`` call it on the shipped specs.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from gateway.grammar.edifact_specs import DEFAULT_ROOT, parse_repr

_GROUP = re.compile(r"^SG([1-9]\d*)$")
_SERVICE_ENVELOPE = ("UNB", "UNH", "UNT", "UNZ")


class _Linter:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[str] = []

    def say(self, path: Path, line: int | None, text: str) -> None:
        self.problems.append(f"{path.relative_to(self.root)}:{line or 0}: {text}")

    def parse(self, path: Path) -> etree._Element | None:
        try:
            return etree.parse(str(path)).getroot()
        except (OSError, etree.XMLSyntaxError) as exc:
            self.say(path, getattr(exc, "lineno", 0), f"cannot be read as XML: {exc}")
            return None

    def dictionary(self, path: Path, parent: etree._Element, elements: dict[str, str],
                   composites: dict[str, list[str]], segments: set[str]) -> None:
        """Collect one directory's (or syntax block's) definitions, checking them as it goes."""
        pending: list[tuple[etree._Element, str]] = []
        for el in parent:
            if el.tag == "element":
                eid = el.get("id", "")
                if eid in elements:
                    self.say(path, el.sourceline, f"data element {eid} is defined twice")
                elements[eid] = self.element_repr(path, el)
            elif el.tag == "composite":
                cid = el.get("id", "")
                if cid in composites:
                    self.say(path, el.sourceline, f"composite {cid} is defined twice")
                composites[cid] = [c.get("element", "") for c in el if c.tag == "component"]
                pending += [(c, c.get("element", "")) for c in el if c.tag == "component"]
            elif el.tag == "segment":
                tag = el.get("tag", "")
                if tag in segments:
                    self.say(path, el.sourceline, f"segment {tag} is defined twice")
                segments.add(tag)
                for pos in el:
                    if pos.tag in ("element", "composite"):
                        pending.append((pos, pos.get("ref", "")))
        self.resolve(path, pending, elements, composites)

    def resolve(self, path: Path, refs: list[tuple[etree._Element, str]],
                elements: dict[str, str], composites: dict[str, list[str]]) -> None:
        for el, ref in refs:
            wants_composite = el.tag == "composite"
            if wants_composite and ref not in composites:
                self.say(path, el.sourceline, f"composite {ref} is not defined")
            elif not wants_composite and ref not in elements:
                self.say(path, el.sourceline, f"data element {ref} is not defined")

    def element_repr(self, path: Path, el: etree._Element) -> str:
        rep = str(el.get("repr", ""))
        try:
            kind, _lo, hi = parse_repr(rep)
        except ValueError as exc:
            self.say(path, el.sourceline, str(exc))
            return rep
        for code in el:
            value = code.get("value") if code.tag == "code" else code.get("to")
            if value is None:
                continue
            if len(value) > hi:
                self.say(path, code.sourceline,
                         f"code {value!r} of {el.get('id')} is longer than its {rep}")
            if kind == "n" and not value.isdigit():
                self.say(path, code.sourceline, f"code {value!r} of numeric {el.get('id')}")
        return rep

    def message(self, path: Path, top: etree._Element, segments: set[str]) -> None:
        if top.tag != "message":
            self.say(path, top.sourceline, f"root <{top.tag}>: expected <message>")
            return
        if top.get("id") != path.stem:
            self.say(path, top.sourceline, f"message id {top.get('id')!r} differs from file name")
        if top.get("version") != path.parent.name:
            self.say(path, top.sourceline,
                     f"version {top.get('version')!r} differs from directory {path.parent.name}")
        kids = [k for k in top if k.tag in ("segment", "group")]
        if not kids:
            self.say(path, top.sourceline, "the message has no segment table")
            return
        for k, want, edge in ((kids[0], "UNH", "start"), (kids[-1], "UNT", "end")):
            if k.tag != "segment" or k.get("tag") != want:
                self.say(path, k.sourceline, f"the segment table must {edge} with {want}")
            elif k.get("status") != "M" or k.get("max") != "1":
                self.say(path, k.sourceline, f"{want} must be status M, max 1")
        seen: dict[str, int] = {}
        numbers: list[int] = []
        for node in top.iter("segment", "group"):
            if node.tag == "segment":
                tag = node.get("tag", "")
                if tag not in segments:
                    self.say(path, node.sourceline, f"segment {tag} is not defined")
                if tag in ("UNH", "UNT") and node not in (kids[0], kids[-1]):
                    self.say(path, node.sourceline, f"{tag} may only open/close the message")
                continue
            gid = node.get("id", "")
            if gid in seen:
                self.say(path, node.sourceline,
                         f"group {gid} is used twice (first on line {seen[gid]})")
            seen[gid] = node.sourceline or 0
            m = _GROUP.match(gid)
            if m:
                numbers.append(int(m.group(1)))
            first = next((k for k in node if k.tag in ("segment", "group")), None)
            if first is None or first.tag != "segment":
                self.say(path, node.sourceline, f"group {gid} does not start with a segment")
            elif first.get("status") != "M" or first.get("max") != "1":
                self.say(path, first.sourceline,
                         f"trigger segment {first.get('tag')} of {gid} must be status M, max 1")
        if numbers and numbers != list(range(1, len(numbers) + 1)):
            self.say(path, top.sourceline,
                     f"groups are not numbered SG1..SG{len(numbers)} in table order: "
                     + " ".join(f"SG{n}" for n in numbers))


def lint_edifact_specs(root: Path = DEFAULT_ROOT) -> list[str]:
    """Every problem found in the specs under ``root`` (empty list: clean)."""
    root = Path(root)
    lint = _Linter(root)
    service: set[str] = set()
    service_path = root / "service.xml"
    top = lint.parse(service_path) if service_path.is_file() else None
    if top is None:
        lint.problems.append("service.xml: missing or unreadable")
    else:
        for block in top.iter("syntax"):
            tags: set[str] = set()
            lint.dictionary(service_path, block, {}, {}, tags)
            missing = [t for t in _SERVICE_ENVELOPE if t not in tags]
            if missing:
                lint.say(service_path, block.sourceline,
                         f"syntax {block.get('version')} lacks {', '.join(missing)}")
            service |= tags
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        elements: dict[str, str] = {}
        composites: dict[str, list[str]] = {}
        segments: set[str] = set()
        for name in ("elements.xml", "segments.xml"):
            path = folder / name
            if not path.is_file():
                lint.problems.append(f"{folder.name}/{name}: missing")
                continue
            parsed = lint.parse(path)
            if parsed is not None:
                if parsed.get("version") != folder.name:
                    lint.say(path, parsed.sourceline, f"version {parsed.get('version')!r} "
                             f"differs from directory {folder.name}")
                lint.dictionary(path, parsed, elements, composites, segments)
        for path in sorted(folder.glob("*.xml")):
            if path.name in ("elements.xml", "segments.xml"):
                continue
            parsed = lint.parse(path)
            if parsed is not None:
                lint.message(path, parsed, segments | service)
    return lint.problems
