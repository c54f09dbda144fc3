"""UN/EDIFACT message specifications (``maps/edifact``) loaded into the grammar model.

Why a format of our own: pydifact, the only EDIFACT library we use (as a tokenizing oracle),
ships no directory data, so it cannot tell a valid ORDERS from a broken one
(notes/pyx12-pydifact.md §8); the gateway validates EDIFACT itself (§10). The specs are data,
kept in a compact XML format described and checked by ``maps/edifact/spec.xsd``:

* ``<DIR>/elements.xml``  simple data elements (representation, code list) and composites,
* ``<DIR>/segments.xml``  segments as positions that refer to elements or composites,
* ``<DIR>/<MESSAGE>.xml`` a message's segment table with its segment groups,
* ``service.xml``         UNB/UNG/UNH/UNT/UNE/UNZ and the CONTRL segments per syntax version.

``load_edifact_grammar`` turns one message into a ``MessageGrammar`` (body from UNH to UNT);
``EdifactGuides.get`` finds it from a UNH message identifier (S009). A broken spec raises
``GrammarError`` naming the file, the line and what was expected; callers treat that as a
deployment error (not retryable), never as a defect of the partner's file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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
    Usage,
)

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "maps" / "edifact"

_USAGE: dict[str, Usage] = {"M": "R", "C": "S", "N": "N"}
_REPR = re.compile(r"^(an|a|n)(?:([1-9]\d*)|\.\.([1-9]\d*)|([1-9]\d*)\.\.([1-9]\d*))$")
_DIRECTORY = re.compile(r"^[DS]\d{2}[A-C]$")
_MESSAGE = re.compile(r"^[A-Z]{6}$")
_GROUP = re.compile(r"^SG[1-9]\d*$")


def parse_repr(text: str) -> tuple[str, int, int]:
    """``an..35`` -> ("an", 1, 35); ``a3`` -> ("a", 3, 3); ``n1..3`` -> ("n", 1, 3).

    A present EDIFACT value has at least one character, so ``..N`` means 1 to N."""
    m = _REPR.match(text)
    if m is None:
        raise ValueError(f"representation {text!r} is not a3, an..35 or n1..3 style")
    kind, exact, upto, lo, hi = m.groups()
    if exact:
        return kind, int(exact), int(exact)
    if upto:
        return kind, 1, int(upto)
    if int(lo) > int(hi):
        raise ValueError(f"representation {text!r} has its minimum above its maximum")
    return kind, int(lo), int(hi)


@dataclass(frozen=True, slots=True)
class SimpleSpec:
    id: str
    name: str
    data_type: str
    min_len: int
    max_len: int
    codes: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class CompositeSpec:
    id: str
    name: str
    components: tuple[tuple[str, Usage], ...]  # (element id, usage)
    where: tuple[str, ...] = ()  # "file:line" of each component, for error messages


@dataclass(frozen=True, slots=True)
class SegmentSpec:
    tag: str
    name: str
    positions: tuple[tuple[str, Usage, int], ...]  # (element or composite id, usage, repeat)
    where: tuple[str, ...] = ()  # "file:line" of each position, for error messages


@dataclass(frozen=True, slots=True)
class Dictionary:
    """Everything needed to build segment definitions: one directory or one syntax version."""

    elements: dict[str, SimpleSpec]
    composites: dict[str, CompositeSpec]
    segments: dict[str, SegmentSpec]
    elements_file: str
    segments_file: str


def _fail(path: Path, line: int | None, what: str) -> GrammarError:
    return GrammarError(f"{path}:{line or 0}: {what}")


def _parse(path: Path) -> etree._Element:
    try:
        return etree.parse(str(path)).getroot()
    except OSError as exc:
        raise GrammarError(f"{path}: cannot read the spec file ({exc})") from exc
    except etree.XMLSyntaxError as exc:
        raise GrammarError(f"{path}:{exc.lineno}: not well-formed XML: {exc.msg}") from exc


def _attr(path: Path, el: etree._Element, name: str) -> str:
    value = str(el.get(name) or "").strip()
    if not value:
        raise _fail(path, el.sourceline, f"<{el.tag}> needs attribute {name!r}")
    return value


def _usage(path: Path, el: etree._Element) -> Usage:
    status = _attr(path, el, "status")
    if status not in _USAGE:
        raise _fail(path, el.sourceline, f"status {status!r}: expected M, C or N")
    return _USAGE[status]


def _codes(path: Path, el: etree._Element) -> frozenset[str] | None:
    codes: set[str] = set()
    seen = False
    for child in el:
        if child.tag == "code":
            codes.add(_attr(path, child, "value"))
        elif child.tag == "range":
            lo, hi = _attr(path, child, "from"), _attr(path, child, "to")
            if not (lo.isdigit() and hi.isdigit() and int(lo) <= int(hi)):
                raise _fail(path, child.sourceline, f"range {lo}..{hi}: expected from <= to")
            codes.update(str(i) for i in range(int(lo), int(hi) + 1))
        else:
            continue
        seen = True
    return frozenset(codes) if seen else None


def _read_dictionary(path: Path, parent: etree._Element, into: Dictionary) -> None:
    for el in parent:
        if el.tag == "element":
            eid = _attr(path, el, "id")
            try:
                kind, lo, hi = parse_repr(_attr(path, el, "repr"))
            except ValueError as exc:
                raise _fail(path, el.sourceline, str(exc)) from exc
            into.elements[eid] = SimpleSpec(eid, _attr(path, el, "name"), kind, lo, hi,
                                            _codes(path, el))
        elif el.tag == "composite":
            cid = _attr(path, el, "id")
            kids = [c for c in el if c.tag == "component"]
            comps = tuple((_attr(path, c, "element"), _usage(path, c)) for c in kids)
            if not comps:
                raise _fail(path, el.sourceline, f"composite {cid} needs <component> children")
            into.composites[cid] = CompositeSpec(cid, _attr(path, el, "name"), comps,
                                                 tuple(f"{path}:{c.sourceline}" for c in kids))
        elif el.tag == "segment":
            tag = _attr(path, el, "tag")
            kids = [p for p in el if p.tag in ("element", "composite")]
            bad = [p for p in kids if not str(p.get("repeat", "1")).isdigit()]
            if bad:
                raise _fail(path, bad[0].sourceline, "repeat: expected a whole number >= 1")
            positions = tuple((_attr(path, p, "ref"), _usage(path, p), int(p.get("repeat", "1")))
                              for p in kids)
            if not positions:
                raise _fail(path, el.sourceline, f"segment {tag} needs element positions")
            into.segments[tag] = SegmentSpec(tag, _attr(path, el, "name"), positions,
                                             tuple(f"{path}:{p.sourceline}" for p in kids))


@lru_cache(maxsize=32)
def load_directory(root: Path, version: str) -> Dictionary:
    """The data elements, composites and segments of one directory (``D96A``)."""
    out = Dictionary({}, {}, {}, str(root / version / "elements.xml"),
                     str(root / version / "segments.xml"))
    for name, expected in (("elements.xml", "elements"), ("segments.xml", "segments")):
        path = root / version / name
        top = _parse(path)
        if top.tag != expected:
            raise _fail(path, top.sourceline, f"root <{top.tag}>: expected <{expected}>")
        _read_dictionary(path, top, out)
    return out


@lru_cache(maxsize=8)
def load_service(root: Path, syntax: str) -> Dictionary:
    """Service elements, composites and segments (UNB..UNZ, UCI..UCD) of syntax ``3`` or ``4``."""
    path = root / "service.xml"
    top = _parse(path)
    for block in top.iter("syntax"):
        if block.get("version") == syntax:
            out = Dictionary({}, {}, {}, str(path), str(path))
            _read_dictionary(path, block, out)
            return out
    raise _fail(path, top.sourceline, f"no <syntax version={syntax!r}> block")


def build_segment(tag: str, dicts: tuple[Dictionary, ...], where: str) -> SegmentDef:
    """The ``SegmentDef`` of ``tag``, looked up in ``dicts`` in order (directory, then service).

    References: ``NAD02`` for the 2nd position, ``NAD02-1`` for its 1st component."""
    for d in dicts:
        spec = d.segments.get(tag)
        if spec is not None:
            break
    else:
        raise GrammarError(f"{where}: segment {tag} is not defined in "
                           + " or ".join(d.segments_file for d in dicts))
    elements: list[ElementOrComposite] = []
    for seq, (ref, usage, repeat) in enumerate(spec.positions, start=1):
        designator = f"{tag}{seq:02d}"
        if ref in d.composites:
            comp = d.composites[ref]
            parts = tuple(_element(f"{designator}-{i}", eid, u, i, d, comp.where[i - 1])
                          for i, (eid, u) in enumerate(comp.components, start=1))
            elements.append(CompositeDef(designator, ref, comp.name, usage, seq, parts,
                                         repeat=repeat))
        else:
            el = _element(designator, ref, usage, seq, d, spec.where[seq - 1])
            elements.append(ElementDef(el.ref, el.data_ele, el.name, usage, seq, el.data_type,
                                       el.min_len, el.max_len, el.codes, repeat))
    return SegmentDef(tag, spec.name, tuple(elements))


def _element(ref: str, eid: str, usage: Usage, seq: int, d: Dictionary, where: str) -> ElementDef:
    spec = d.elements.get(eid)
    if spec is None:
        raise GrammarError(f"{where}: position {ref} refers to data element {eid}, which is "
                           f"not defined (expected an <element id={eid!r}> in {d.elements_file})")
    return ElementDef(ref, eid, spec.name, usage, seq, spec.data_type, spec.min_len,
                      spec.max_len, spec.codes)


def _structure(path: Path, parent: etree._Element, dicts: tuple[Dictionary, ...],
               cache: dict[str, SegmentDef], counter: list[int]) -> tuple[Node, ...]:
    nodes: list[Node] = []
    for el in parent:
        if el.tag not in ("segment", "group"):
            continue
        counter[0] += 10
        pos = f"{counter[0]:04d}"
        usage, mx = _usage(path, el), _attr(path, el, "max")
        if not mx.isdigit() or int(mx) < 1:
            raise _fail(path, el.sourceline, f"max {mx!r}: expected a whole number >= 1")
        if el.tag == "segment":
            tag = _attr(path, el, "tag")
            if tag not in cache:
                cache[tag] = build_segment(tag, dicts, f"{path}:{el.sourceline}")
            nodes.append(SegmentNode(cache[tag], usage, int(mx), pos))
            continue
        gid = _attr(path, el, "id")
        if not _GROUP.match(gid):
            raise _fail(path, el.sourceline, f"group id {gid!r}: expected SG1, SG2, ...")
        children = _structure(path, el, dicts, cache, counter)
        if not children or not isinstance(children[0], SegmentNode):
            raise _fail(path, el.sourceline, f"group {gid} must start with a segment")
        name = "-".join(c.tag if isinstance(c, SegmentNode) else c.loop_id for c in children)
        nodes.append(LoopNode(gid, name, usage, int(mx), children, pos))
    return tuple(nodes)


@lru_cache(maxsize=64)
def _load(root: Path, version: str, message: str) -> MessageGrammar:
    path = root / version / f"{message}.xml"
    if not path.is_file():
        raise GrammarError(f"{path}: no spec for {message} in directory {version}")
    top = _parse(path)
    if top.tag != "message":
        raise _fail(path, top.sourceline, f"root <{top.tag}>: expected <message>")
    if _attr(path, top, "id") != message or _attr(path, top, "version") != version:
        raise _fail(path, top.sourceline, f"<message> must say id={message!r} version={version!r}")
    dicts = (load_directory(root, version), load_service(root, top.get("syntax", "4")))
    body = _structure(path, top, dicts, {}, [0])
    first, last = body[0] if body else None, body[-1] if body else None
    if not (isinstance(first, SegmentNode) and first.tag == "UNH"
            and isinstance(last, SegmentNode) and last.tag == "UNT"):
        raise _fail(path, top.sourceline, "the segment table must start with UNH and end with UNT")
    return MessageGrammar("edifact", message, version, _attr(path, top, "name"), body,
                          source=str(path))


def load_edifact_grammar(version: str, message: str, root: Path = DEFAULT_ROOT) -> MessageGrammar:
    """The grammar of ``message`` (``ORDERS``) in directory ``version`` (``D96A``), cached."""
    return _load(Path(root).resolve(), version.upper(), message.upper())


def edifact_versions(root: Path = DEFAULT_ROOT) -> list[str]:
    """Directory versions that have specs under ``root``: ``["D01B", "D96A"]``."""
    return sorted(p.name for p in Path(root).iterdir()
                  if p.is_dir() and _DIRECTORY.match(p.name) and (p / "elements.xml").is_file())


def edifact_messages(version: str, root: Path = DEFAULT_ROOT) -> list[str]:
    """Message types with a spec in one directory: ``["CONTRL", "DESADV", ...]``."""
    folder = Path(root) / version.upper()
    return sorted(p.stem for p in folder.glob("*.xml") if _MESSAGE.match(p.stem))


class EdifactGuides:
    """Finds the grammar for a message from its UNH message identifier (S009).

    ``EdifactGuides.get("ORDERS:D:96A:UN:EAN008")`` or ``get("D96A", "ORDERS")`` -> the D96A
    ORDERS grammar; ``None`` when no spec exists (the validator reports the message as not
    supported). Service messages (CONTRL, version ``D:3`` or ``4:1``) carry the syntax version
    instead of a directory; their spec is taken from the first directory that has one.
    """

    SERVICE_MESSAGES = frozenset({"CONTRL"})

    @staticmethod
    def directory_of(identifier: str | tuple[str, ...] | list[str]) -> str | None:
        """``ORDERS:D:96A:UN`` / ``("D", "96A")`` / ``D:96A`` / ``D96A`` -> ``"D96A"``."""
        parts = identifier.split(":") if isinstance(identifier, str) else list(identifier)
        parts = [p.strip().upper() for p in parts]
        if parts and _MESSAGE.match(parts[0]) and len(parts) >= 3:
            parts = parts[1:3]
        if len(parts) == 1 and _DIRECTORY.match(parts[0]):
            return parts[0]
        if len(parts) >= 2 and _DIRECTORY.match(parts[0] + parts[1]):
            return parts[0] + parts[1]
        return None

    @classmethod
    def get(cls, version: str | tuple[str, ...] | list[str], message_type: str | None = None,
            root: Path | None = None) -> MessageGrammar | None:
        root = DEFAULT_ROOT if root is None else root
        parts = version.split(":") if isinstance(version, str) else list(version)
        if message_type is None and parts and _MESSAGE.match(parts[0].strip().upper()):
            message_type = parts[0]
        if message_type is None:
            return None
        message = message_type.strip().upper()
        directory = cls.directory_of(version)
        candidates = [directory] if directory else []
        if message in cls.SERVICE_MESSAGES:
            candidates += edifact_versions(root)
        for d in candidates:
            if d is not None and (Path(root) / d / f"{message}.xml").is_file():
                return load_edifact_grammar(d, message, root)
        return None
