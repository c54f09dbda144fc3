"""pyx12 as a second, independent X12 validator (``validate --engine pyx12``) and as the oracle
of the differential tests (``tests/validate/test_differential.py``).

pyx12 walks the same maps as our own engine (``maps/x12/004010`` or ``maps/x12/005010``, see
``gateway.grammar.x12_maps``) with code written by someone else, so where both engines agree on
which transaction sets are accepted, the maps and our engine are probably right. Our reader
and its envelope checks still run; this module only replaces the guide validation. It is slow
(about 0.2 MB/s per core) and is not meant for production volumes.

``validate_interchange`` is called at each X12 ``InterchangeEnd``. It reads the interchange's
bytes again, runs ``pyx12.x12n_document`` once per functional group (a failure in one group
cannot hide the others) and turns pyx12's JSON error tree into ``Defect``\\ s on our report:
set-level AK5 codes become ``st.*``, group-level AK9 codes ``gs.*``, AK304 segment codes
``segment.*`` and AK403 element codes ``element.*``, each message prefixed with ``pyx12:``.
Offsets are the byte offsets of the segments pyx12 names (its line numbers are counted in the
text the adapter built, whose segments it maps back to the file). A set or group code that our
envelope checks already reported (SE01 count, SE02/GE02 mismatch…) is not added twice.

Known pyx12 defects (notes/pyx12-pydifact.md §2, §7, §11) and what the adapter does about them:

* it cannot read a BOM or white space before ISA, an ISA that is not exactly 106 characters wide
  or an ISA12 other than 00401/00501: the adapter rebuilds the ISA from our reader's values,
  padded to the fixed widths with our delimiters. **ISA12 other than 00401/00501 is rewritten to
  00401 for 004010 groups and to 00501 otherwise**; the map folder follows that version;
* it reads a leading space as an unrecognized segment and stops reading at an empty segment
  (``~~``) or crashes on a blank one: the adapter cleans each segment the way our reader does
  (white space and line breaks around it dropped, empty segments skipped: our reader reports
  them as a warning and does not count them);
* it looks a map up by GS08 exactly, where our guide lookup falls back to GS08's first six
  characters (``004010XYZ`` -> ``004010``): when only the prefix is in ``maps.xml``, GS08 is
  rewritten to it for pyx12;
* a path is opened as ASCII: the adapter passes text (UTF-8 when the bytes decode, else latin-1);
* ``EngineError`` when no map matches the group (or a map is broken), ``X12Error`` on input it
  cannot tokenize, and any other exception: each set of that group gets ``st.not_supported``
  with the reason; the adapter never raises;
* a transaction set whose ST01 does not match the group's map is dropped from the tree without
  a trace ("No current segment in error_handler"): a set that pyx12 did not report gets
  ``st.not_supported`` (unless already rejected), so it is never accepted unvalidated;
* HL errors carry the non-X12 codes ``HL1``/``HL2`` (its own 997 drops them): mapped to
  ``segment.hierarchy`` / ``element.hl_parent``; ``SEG1`` (trailing element separators) is kept
  as a warning, as pyx12's own 997 does not reject it;
* not worked around: the 5010 repetition separator is never applied, so a repeated value is
  one long value (no element of our maps repeats yet); when the mandatory segment that closes
  a loop pass is missing and the loop starts again (a 997 without its first AK5), pyx12 says
  nothing (listed in the differential tests). ISA-level errors are left to our own checks.
  pyx12 checks AN values against the X12 extended character set, our engine does not.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from gateway.errors import CODES
from gateway.report import Defect, GroupReport, InterchangeReport, TransactionReport
from gateway.x12.isa import ISA_WIDTHS, WHITESPACE

MAPS = Path(__file__).resolve().parents[2] / "maps" / "x12"
ReadBack = Callable[[int, int | None], bytes]


def _by_number(level: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in CODES.values():  # first code listed for a number wins
        if c.level == level and c.x12 is not None:
            out.setdefault(c.x12, c.code)
    return out


_SEGMENT = _by_number("segment") | {"HL1": "segment.hierarchy", "LX": "segment.hierarchy"}
_ELEMENT = _by_number("element")
_SET = _by_number("transaction")
_GROUP = _by_number("group") | {"6": "gs.duplicate"}  # pyx12's GS 6: GS06 not unique


@dataclass
class _Group:
    """The cleaned segments of one functional group and their file offsets."""

    offset: int  # of the GS
    segments: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)


def validate_interchange(ix: InterchangeReport, read_back: ReadBack) -> None:
    """Validate every group of ``ix`` with pyx12 and add its findings to our report."""
    try:
        data = read_back(ix.offset, ix.envelope.get("end"))
        groups = _split(data, ix)
    except Exception as exc:  # noqa: BLE001 - never crash on a second opinion
        for g in ix.groups:
            _unsupported(g, f"the interchange could not be prepared for pyx12: {exc}")
        return
    found = {grp.offset: grp for grp in groups}
    for g in ix.groups:
        grp = found.get(g.offset)
        if grp is None:
            _unsupported(g, "the transaction sets are not inside a GS/GE group")
            continue
        _validate_group(ix, g, grp)


def _split(data: bytes, ix: InterchangeReport) -> list[_Group]:
    """Segments of each group, cleaned like our reader does (``gateway.x12.reader``)."""
    d = ix.delimiters
    term = d["segment"]
    try:
        text_enc = "utf-8"
        data.decode("utf-8")
    except UnicodeDecodeError:
        text_enc = "latin-1"
    tb = term.encode(text_enc)
    el = d["element"]
    groups: list[_Group] = []
    cur: _Group | None = None
    pos = ix.offset
    for raw in data.split(tb):
        lead = len(raw) - len(raw.lstrip(WHITESPACE))
        seg = raw.lstrip(WHITESPACE).replace(b"\r", b"").replace(b"\n", b"")
        at, pos = pos + lead, pos + len(raw) + len(tb)
        if not seg:
            continue
        s = seg.decode(text_enc)
        tag = s.split(el, 1)[0]
        if tag in ("ISA", "IEA"):
            cur = None
            continue
        if tag == "GS":
            cur = _Group(at)
            groups.append(cur)
        if cur is not None:
            cur.segments.append(s)
            cur.offsets.append(at)
        if tag == "GE":
            cur = None
    return groups


def _isa(ix: InterchangeReport, icvn: str) -> str:
    d = ix.delimiters
    vals = [str(ix.envelope.get(f"ISA{n:02d}", "")) for n in range(1, 17)]
    vals[11] = icvn
    vals[15] = d.get("component") or vals[15][:1] or ":"
    fixed = [v.strip().ljust(w)[:w] for v, w in zip(vals, ISA_WIDTHS, strict=True)]
    return "ISA" + d["element"] + d["element"].join(fixed)


def _version(isa12: str, gs08: str) -> tuple[str, Path]:
    icvn = isa12 if isa12 in ("00401", "00501") else (
        "00401" if gs08.startswith("004010") else "00501")
    return icvn, MAPS / ("004010" if icvn == "00401" else "005010")


@contextmanager
def _quiet() -> Iterator[list[logging.LogRecord]]:
    """Keep pyx12's ERROR-level data messages out of the application's logs (collected for
    error reports instead). Changes the ``pyx12`` logger for the duration: not thread-safe."""
    records: list[logging.LogRecord] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    log = logging.getLogger("pyx12")
    handler, propagate = _Keep(logging.DEBUG), log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        yield records
    finally:
        log.removeHandler(handler)
        log.propagate = propagate


def run_pyx12(text: str, map_path: Path,
              callback: Callable[..., Any] | None = None) -> dict[str, Any]:
    """pyx12's JSON error tree for one interchange text. Raises on any pyx12 failure."""
    import pyx12.params  # type: ignore[import-untyped, unused-ignore]
    import pyx12.x12n_document  # type: ignore[import-untyped, unused-ignore]

    buf, src = io.StringIO(), io.StringIO(text)
    with _quiet() as records:
        pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(), src_file=src, fd_997=None, fd_html=None,
            fd_json=buf, map_path=str(map_path), callback=callback)
    if not buf.getvalue():
        said = "; ".join(r.getMessage().replace(f'"{src}"', "the input")
                         for r in records if r.levelno >= logging.ERROR)
        raise RuntimeError(f"pyx12 gave no result: {said or 'the input was not read'}")
    tree: dict[str, Any] = json.loads(buf.getvalue())
    return tree


@lru_cache(maxsize=8)
def _index(map_path: Path) -> Any:
    import pyx12.map_index  # type: ignore[import-untyped, unused-ignore]

    return pyx12.map_index.map_index(str(map_path))


def _gs(gs: str, el: str, icvn: str, map_path: Path) -> str:
    """The GS with GS08 cut to its first six characters when only those have a map."""
    v = gs.split(el)
    if len(v) > 8 and len(v[8]) > 6 and _index(map_path).get_filename(icvn, v[8], v[1]) is None \
            and _index(map_path).get_filename(icvn, v[8][:6], v[1]) is not None:
        v[8] = v[8][:6]
    return el.join(v)


def _validate_group(ix: InterchangeReport, g: GroupReport, grp: _Group) -> None:
    icvn, map_path = _version((ix.version or "").strip(), (g.version or "").strip())
    term, el = ix.delimiters["segment"], ix.delimiters["element"]
    iea = f"IEA{el}1{el}{ix.control_number or ''}"
    lines = [_isa(ix, icvn), _gs(grp.segments[0], el, icvn, map_path), *grp.segments[1:], iea]
    offsets = [ix.offset, *grp.offsets, grp.offsets[-1]]
    end = term if term in "\r\n" else term + "\n"
    seen: list[int] = []
    try:
        tree = run_pyx12("".join(s + end for s in lines), map_path, lambda *a: seen.append(1))
    except Exception as exc:  # noqa: BLE001 - EngineError, X12Error, bugs: never crash
        where = offsets[min(len(seen), len(offsets) - 1)]
        _unsupported(g, f"{type(exc).__name__}: {exc} (near byte {where})")
        return
    for isa in tree.get("interchanges", []):
        for gs in isa.get("groups", []):
            _apply_group(g, gs, offsets)


def _apply_group(g: GroupReport, gs: dict[str, Any], offsets: list[int]) -> None:
    for e in gs.get("errors", []):
        code = _GROUP.get(str(e["err_cde"]), "gs.format")
        if not any(d.code == code for d in g.errors):
            g.errors.append(Defect(code, f"pyx12: {e['err_str']}", offset=g.offset,
                                   segment="GS"))
    left = list(g.transactions)
    for st in gs.get("transactions", []):
        tx = next((t for t in left if t.control_number == st["trn_set_control_num"]), None)
        if tx is None:
            continue
        left.remove(tx)
        _apply_set(tx, st, offsets)
    for tx in left:
        if not any(not d.warning for d in tx.errors):
            tx.errors.append(Defect(
                "st.not_supported", f"pyx12: transaction set {tx.set_id} {tx.control_number} "
                "was not validated: pyx12 skipped it (ST01 does not match the group's map, or "
                "it stopped reading)", offset=tx.offset, segment="ST", segment_position=1))


def _apply_set(tx: TransactionReport, st: dict[str, Any], offsets: list[int]) -> None:
    for e in st.get("errors", []):
        code = _SET.get(str(e["err_cde"]), "st.segment_errors")
        if not any(d.code == code for d in tx.errors):
            tx.errors.append(Defect(code, f"pyx12: {e['err_str']}", offset=tx.offset))
    for seg in st.get("segments", []):
        line = int(seg.get("cur_line") or 0)
        at = offsets[line - 1] if 0 < line <= len(offsets) else tx.offset
        tx.errors.extend(_segment_defects(seg, at))


def _segment_defects(seg: dict[str, Any], offset: int) -> Iterator[Defect]:
    tag: str | None = seg.get("seg_id")
    where: dict[str, Any] = {"segment": tag, "offset": offset, "loop_id": seg.get("ls_id"),
                             "segment_position": seg.get("seg_count")}
    for e in seg.get("errors", []):
        cde, msg = str(e["err_cde"]), f"pyx12: {e['err_str']}"
        if cde == "HL2":
            yield Defect("element.hl_parent", msg, element="HL02", element_seq=2,
                         data_ele="734", **where)
        elif cde == "SEG1":  # trailing element separators: pyx12's own 997 accepts them
            yield Defect("segment.element_errors", msg, warning=True, **where)
        else:
            yield Defect(_SEGMENT.get(cde, "segment.element_errors"), msg,
                         value=e.get("err_val"), **where)
    for ele in seg.get("elements", []):
        seq, comp = ele.get("ele_pos"), ele.get("subele_pos")
        ref = f"{tag}{seq:02d}" if isinstance(seq, int) else None
        if ref and isinstance(comp, int):
            ref += f"-{comp:02d}"
        for e in ele.get("errors", []):
            yield Defect(_ELEMENT.get(str(e["err_cde"]), "element.invalid_code"),
                         f"pyx12: {e['err_str']}", element=ref, element_seq=seq,
                         component_seq=comp, repetition=ele.get("repeat_pos"),
                         data_ele=ele.get("ele_ref_num"), value=e.get("err_val"), **where)


def _unsupported(g: GroupReport, why: str) -> None:
    for tx in g.transactions:
        tx.errors.append(Defect("st.not_supported", f"pyx12: transaction set {tx.set_id} "
                                f"{tx.control_number} could not be validated: {why}",
                                offset=tx.offset, segment="ST", segment_position=1))
