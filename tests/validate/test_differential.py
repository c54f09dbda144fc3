"""Differential tests: our native engine and pyx12 (``gateway.validate.pyx12_engine``) must
agree on which X12 transaction sets are accepted and which are rejected.

The inputs are every ``valid_*``/``broken_*`` fixture under ``fixtures/x12`` and every other
fixture there (the public corpus) holding an 850/855/856/810/997/999 of version 004010/005010,
plus a few files derived from them in memory (``DERIVED``): some check the adapter's
workarounds for what pyx12 cannot read, some show a known pyx12 defect.

``KNOWN_DISAGREEMENTS`` lists each case where the engines differ, with the reason; a listed
disagreement that no longer happens fails the test, so the list cannot go stale. Reasons that
start with "OPEN:" are ours to fix, not pyx12's.

The acks we render are checked too: 997s (GS08 004010…) with pyx12 against ``maps/x12/004010``,
999s with our own engine against the 005010 999 grammar (GS08 005010X231A1).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pytest

from gateway.report import Ack, FileReport
from gateway.stream import GroupStart
from gateway.validate.pyx12_engine import MAPS, run_pyx12
from gateway.validate.run import Options, detect, validate_file
from gateway.x12.reader import read_x12

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "x12"
SETS = {"850", "855", "856", "810", "997", "999"}
VERSIONS = {"004010", "005010"}


def _drop_first_ak5(b: bytes) -> bytes:
    return b.replace(b"AK5*A~\n", b"", 1).replace(b"SE*10*0001", b"SE*9*0001")


def _insert_before(tag: bytes, what: bytes) -> Callable[[bytes], bytes]:
    return lambda b: b[:b.index(tag)] + what + b[b.index(tag):]


PO_4010 = "004010/850/valid_dc_order_with_store_sdq.edi"
# name -> (source fixture, transformation)
DERIVED: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "derived/850_bom_and_blank_lines.edi": (PO_4010, lambda b: b"\xef\xbb\xbf\r\n  \n" + b),
    "derived/850_empty_segments.edi": (PO_4010, _insert_before(b"REF*", b"~~   ~")),
    "derived/850_isa12_00400_gs08_xyz.edi": (
        PO_4010, lambda b: b.replace(b"*00401*", b"*00400*").replace(b"*004010VICS~", b"*004010XYZ~")),
    "derived/850_non_ascii_name.edi": (
        PO_4010, lambda b: b.replace(b"N1*ST*", "N1*ST*ÉCOLE ".encode(), 1)),
    "derived/997_without_first_ak5.edi": ("004010/997/valid_partial_accept.edi", _drop_first_ak5),
}

KNOWN_DISAGREEMENTS: dict[tuple[str, str], str] = {
    ("derived/997_without_first_ak5.edi", "0001"):
        "pyx12 defect: when the mandatory segment that closes a loop pass (AK5 of the first AK2 "
        "loop) is missing and the loop starts again (next AK2), pyx12 reports nothing; ours "
        "says AK3*AK5*4**3 (fixtures/x12/README.md, last paragraph)",
}


def _is_candidate(path: Path) -> bool:
    if path.name.endswith(".acks.edi") or detect(path.read_bytes()[:4096]) != "x12":
        return False  # golden ack files of tests/test_golden.py, non-EDI corpus samples
    if path.name.startswith(("valid_", "broken_")):
        return True
    report = validate_file(path, Options(acks=False, envelope_only=True))
    return any(t.set_id in SETS and (g.version or "")[:6] in VERSIONS
               for ix in report.interchanges for g in ix.groups for t in g.transactions)


FILES = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.edi") if _is_candidate(p))
CASES = FILES + sorted(DERIVED)


def _data(name: str) -> bytes:
    if name in DERIVED:
        source, change = DERIVED[name]
        return change((ROOT / source).read_bytes())
    return (ROOT / name).read_bytes()


@cache
def _report(name: str, engine: Literal["native", "pyx12"]) -> FileReport:
    return validate_file(io.BytesIO(_data(name)), Options(engine=engine), name=name)


def _verdicts(r: FileReport) -> list[tuple[int, str, str, str]]:
    """(group number, ST01, ST02, status) of every transaction set, in file order; a set in a
    group that is rejected as a whole counts as rejected."""
    out: list[tuple[int, str, str, str]] = []
    n = 0
    for ix in r.interchanges:
        for g in ix.groups:
            n += 1
            out.extend((n, t.set_id, t.control_number,
                        "rejected" if g.rejected_itself else t.status) for t in g.transactions)
    return out


def _why(r: FileReport, st02: str) -> list[str]:
    return [f"{d.code} {d.segment}@{d.segment_position}: {d.message}"
            for ix in r.interchanges for g in ix.groups for t in g.transactions
            if t.control_number == st02 for d in t.errors]


@pytest.mark.parametrize("name", CASES)
def test_engines_agree_on_accepted_and_rejected_sets(name: str) -> None:
    native, pyx12 = _report(name, "native"), _report(name, "pyx12")
    a, b = _verdicts(native), _verdicts(pyx12)
    assert [v[:3] for v in a] == [v[:3] for v in b], "both engines see the same sets"
    assert a, f"{name}: no transaction set read"
    differ = {(name, x[2]) for x, y in zip(a, b, strict=True) if x[3] != y[3]}
    known = {k for k in KNOWN_DISAGREEMENTS if k[0] == name}
    details = {k[1]: {"native": _why(native, k[1]), "pyx12": _why(pyx12, k[1])}
               for k in differ ^ known}
    assert differ - known == set(), f"new disagreement: {details}"
    assert known - differ == set(), f"listed disagreement no longer happens: {details}"


def test_known_disagreements_name_existing_cases() -> None:
    assert {k[0] for k in KNOWN_DISAGREEMENTS} <= set(CASES)
    assert len(FILES) >= 40, "the fixture tree was not found"


def test_adapter_reports_with_our_codes_and_offsets() -> None:
    r = _report("004010/850/broken_beg03_too_long.edi", "pyx12")
    (tx,) = [t for ix in r.interchanges for g in ix.groups for t in g.transactions]
    (d,) = tx.errors
    data = _data("004010/850/broken_beg03_too_long.edi")
    assert (d.code, d.element, d.segment_position, d.data_ele) == ("element.too_long", "BEG03",
                                                                   2, "324")
    assert d.message.startswith("pyx12: ") and d.offset is not None
    assert data[d.offset:d.offset + 4] == b"BEG*"


# -- our acknowledgements ------------------------------------------------------------------
def _acks(kind: str) -> list[tuple[str, Ack]]:
    return [(name, a) for name in FILES for a in _report(name, "native").acks if a.type == kind]


def _gs08(text: str) -> list[str]:
    return [ev.report.version or "" for ev in read_x12(io.BytesIO(text.encode("latin-1")))
            if isinstance(ev, GroupStart)]


def _pyx12_errors(tree: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for isa in tree["interchanges"]:
        out += [e["err_str"] for e in isa["errors"]]
        for gs in isa["groups"]:
            out += [e["err_str"] for e in gs["errors"]]
            for st in gs["transactions"]:
                out += [e["err_str"] for e in st["errors"]]
                for seg in st["segments"]:
                    out += [e["err_str"] for e in seg["errors"]]
                    out += [e["err_str"] for el in seg["elements"] for e in el["errors"]]
    return out


def test_our_997s_pass_pyx12() -> None:
    checked = 0
    for name, ack in _acks("997"):
        if not all(v.startswith("004010") for v in _gs08(ack.text)):
            continue
        text = ack.text  # our ISA is fixed width; it echoes ISA12, which pyx12 reads only as 00401
        text = text[:84] + "00401" + text[89:]
        tree = run_pyx12(text, MAPS / "004010")
        sets = sum(len(gs["transactions"]) for isa in tree["interchanges"] for gs in isa["groups"])
        assert sets == text.count("ST" + text[3] + "997"), name
        assert _pyx12_errors(tree) == [], f"{name}:\n{ack.text}"
        checked += 1
    assert checked >= 20


def test_our_999s_pass_our_999_grammar(tmp_path: Path) -> None:
    checked = 0
    for name, ack in _acks("999"):
        path = tmp_path / "ack.edi"
        path.write_text(ack.text, encoding="latin-1")
        r = validate_file(path, Options(acks=False))
        assert [t.set_id for ix in r.interchanges for g in ix.groups for t in g.transactions] \
            == ["999"], name
        assert r.all_accepted, (name, _why(r, "0001"), ack.text)
        checked += 1
    assert checked >= 10
