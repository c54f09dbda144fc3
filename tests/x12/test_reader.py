"""The streaming X12 reader on real corpus files and on the layouts real partners produce."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest

from gateway.errors import ReadError
from gateway.report import Defect, InterchangeReport
from gateway.stream import FileDefect, InterchangeEnd, Message
from gateway.x12.reader import read_x12

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "x12" / "corpus"
WIDGET = (CORPUS / "node-x12_850.edi").read_bytes()


def read(data: bytes, chunk_size: int = 1 << 20
         ) -> tuple[list[Message], list[InterchangeReport], list[Defect]]:
    msgs, ixs, file_defects = [], [], []
    for ev in read_x12(io.BytesIO(data), chunk_size=chunk_size):
        if isinstance(ev, Message):
            ev.tokens()  # materialise while the event is current
            msgs.append(ev)
        elif isinstance(ev, InterchangeEnd):
            ixs.append(ev.report)
        elif isinstance(ev, FileDefect):
            file_defects.append(ev.defect)
    return msgs, ixs, file_defects


def codes(ixs: list[InterchangeReport], *, warnings: bool = False) -> list[str]:
    out = []
    for ix in ixs:
        out += [d.code for d in ix.errors if warnings or not d.warning]
        for g in ix.groups:
            out += [d.code for d in g.errors if warnings or not d.warning]
            for t in g.transactions:
                out += [d.code for d in t.errors if warnings or not d.warning]
    return out


def shape(data: bytes, chunk_size: int = 1 << 20) -> list[tuple[str, ...]]:
    """What a consumer sees, independent of layout: tags, values and defect codes."""
    msgs, ixs, _ = read(data, chunk_size)
    out: list[tuple[str, ...]] = []
    for m in msgs:
        for t in m.tokens():
            out.append((t.tag, repr(t.elements)))
    return out + [tuple(codes(ixs))]


# -- the corpus: what each real file gives ----------------------------------------------------

EXPECTED = {
    "node-x12_850.edi": (1, []),
    "node-x12_850_newline-terminated.edi": (1, []),
    "node-x12_850_two-interchanges.edi": (2, []),
    "ediengine_850_ok_newline.edi": (1, []),
    "ediengine_850_composite_SLN.edi": (1, []),
    "ediengine_856_crossdock_newline.edi": (1, []),
    "edinet_x12.810a_ariba_indented.edi": (1, []),
    "edinet_x12.810b_ariba_tax_indented.edi": (1, []),
    "edinet_x12.810c_ariba_header-invoice_indented.edi": (1, []),
    "edinet_x12.850.edi": (1, ["isa.control_mismatch"]),
    "edinet_x12.850a_indented_short-ISA.edi": (1, ["isa.control_mismatch"]),
    "edinet_x12.850_issue135_no-ISA16_2ST.edi":
        (2, ["isa.component_separator", "st.count", "st.duplicate"]),
    "edinet_x12.810-mandatory-conditions_BAL-fragment_ERR.edi":
        (1, ["isa.control_mismatch", "st.count"]),
    "stedi-bootstrap_850_005010_dropship.edi": (1, ["st.wrong_group"]),
    "stedi-bootstrap_855_005010_ISA11-caret.edi": (1, []),
    "stedi-bootstrap_855_005010_trailing-empty-segment.edi": (1, []),
    "node-x12_855.edi": (1, []),
    "ediengine_940.edi": (1, []),
    "ediengine_940_acktest_multi-GS_ERR.edi": (3, []),
    "ediengine_940_control-numbers-mismatch_ERR.edi":
        (1, ["isa.control_mismatch", "gs.control_mismatch", "st.control_mismatch"]),
    "ediengine_940_multi-ISA-multi-GS.edi": (6, []),
    "ediengine_940_wrong-group-and-txn-counts_ERR.edi": (1, ["isa.group_count", "gs.count"]),
    "pyx12_997_bad-elements_AK4-composite-position.edi": (1, []),
    "pyx12_997_simple1_reject.edi": (1, []),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str) -> None:
    n_sets, expected = EXPECTED[name]
    data = (CORPUS / name).read_bytes()
    msgs, ixs, _ = read(data)
    assert len(msgs) == n_sets
    assert sorted(codes(ixs)) == sorted(expected)
    for m in msgs:  # every offset points at its segment
        for t in m.tokens():
            assert data[t.offset:].startswith(t.tag.encode()), (t.tag, t.offset)
        assert m.report.segment_count == len(m.tokens())


def test_corpus_non_edi_is_unreadable() -> None:
    with pytest.raises(ReadError) as exc:
        read((CORPUS / "ediengine_non-edi.edi").read_bytes())
    assert exc.value.code == "file.not_edi"


def test_defects_name_offset_segment_and_position() -> None:
    data = (CORPUS / "ediengine_940_control-numbers-mismatch_ERR.edi").read_bytes()
    _, ixs, _ = read(data)
    se = ixs[0].groups[0].transactions[0].errors[0]
    assert se.code == "st.control_mismatch" and se.segment == "SE" and se.element == "SE02"
    assert data[se.offset:].startswith(b"SE*") and se.segment_position == 5
    iea = [d for d in ixs[0].errors if d.code == "isa.control_mismatch"][0]
    assert data[iea.offset:].startswith(b"IEA*") and "000003439" in iea.message


# -- layouts ------------------------------------------------------------------------------------

def _flat(data: bytes) -> bytes:
    return data.replace(b"\r", b"").replace(b"\n", b"")


def test_wrapped_at_80_columns_even_inside_the_isa() -> None:
    flat = _flat(WIDGET)
    wrapped = b"\n".join(flat[i:i + 80] for i in range(0, len(flat), 80)) + b"\n"
    assert shape(wrapped) == shape(flat)
    msgs, _, _ = read(wrapped)
    for t in msgs[0].tokens():
        assert wrapped[t.offset:].startswith(t.tag.encode())


@pytest.mark.parametrize("suffix", [b"\r\n", b"\n", b"\r", b"  \n", b"\n\t"])
def test_terminator_suffixes_and_indentation(suffix: bytes) -> None:
    flat = _flat(WIDGET)
    assert shape(flat.replace(b"~", b"~" + suffix)) == shape(flat)


def test_newline_as_terminator() -> None:
    flat = _flat(WIDGET)
    assert shape(flat.replace(b"~", b"\r\n")) == shape(flat)


def test_multibyte_terminator_in_utf8() -> None:
    flat = _flat(WIDGET)
    ellipsis = "\u2026".encode()
    data = flat.replace(b"~", ellipsis).replace(b"WIDGET", "WIDGÉT".encode())
    msgs, ixs, _ = read(data)
    assert codes(ixs) == [] and ixs[0].delimiters["segment"] == "\u2026"
    assert any("WIDGÉT" in repr(t.elements) for t in msgs[0].tokens())


def test_bom_blank_lines_and_spaces_before_isa() -> None:
    flat = _flat(WIDGET)
    assert shape(b"\xef\xbb\xbf\r\n\n   \t" + flat) == shape(flat)


def test_two_interchanges_with_their_own_delimiters() -> None:
    flat = _flat(WIDGET)
    other = flat.replace(b"*", b"|").replace(b"~", b"!\n").replace(b">", b"^")
    msgs, ixs, _ = read(flat + b"\n" + other)
    assert len(ixs) == 2 and codes(ixs) == []
    assert [m.tokens()[1].elements for m in msgs][0] == [m.tokens()[1].elements for m in msgs][1]
    assert ixs[1].delimiters["element"] == "|" and ixs[1].delimiters["segment"] == "!"


def _isa(version: str, rep: str = "U", sep: str = "*", comp: str = ">") -> str:
    return sep.join(["ISA", "00", " " * 10, "00", " " * 10, "ZZ", "SENDER".ljust(15), "ZZ",
                     "RECEIVER".ljust(15), "261122", "1200", rep, version, "000000007", "0", "P",
                     comp])


def _group(fid: str, version: str, ctl: int, sets: list[str]) -> str:
    body = "".join(sets)
    return f"GS*{fid}*SENDER*RECEIVER*20261122*1200*{ctl}*X*{version}~{body}" \
           f"GE*{len(sets)}*{ctl}~"


def _set(set_id: str, ctl: str, segs: list[str]) -> str:
    return f"ST*{set_id}*{ctl}~" + "".join(s + "~" for s in segs) + \
        f"SE*{len(segs) + 2}*{ctl}~"


@pytest.mark.parametrize("version", ["00200", "00300", "00305", "00401", "00403", "00501",
                                     "00601", "00801"])
def test_envelope_versions(version: str) -> None:
    rep = "U" if version < "00402" else "^"
    data = (_isa(version, rep) + "~" + _group("PO", "004010", 1, [_set("850", "0001", [
        "BEG*00*SA*1**20261122", "N3*1 MAIN ST^SUITE 5"])]) + "IEA*1*000000007~").encode()
    msgs, ixs, _ = read(data)
    assert codes(ixs) == []
    n3 = msgs[0].tokens()[2]
    if rep == "^":
        assert n3.elements[0] == [["1 MAIN ST"], ["SUITE 5"]]  # repetitions split
    else:
        assert n3.elements[0] == [["1 MAIN ST^SUITE 5"]]


def test_unknown_envelope_version_is_reported() -> None:
    data = (_isa("00900") + "~" + _group("PO", "004010", 1, [_set("850", "0001", [
        "BEG*00*SA*1**20261122"])]) + "IEA*1*000000007~").encode()
    _, ixs, _ = read(data)
    assert codes(ixs) == ["isa.version"]


def test_groups_of_different_versions_and_a_set_in_the_wrong_group() -> None:
    data = (_isa("00501", "^") + "~"
            + _group("PO", "004010", 1, [_set("850", "0001", ["BEG*00*SA*1**20261122"])])
            + _group("PO", "005010", 2, [_set("850", "0001", ["BEG*00*SA*2**20261122"]),
                                          _set("940", "0002", ["W05*N*1"])])
            + "IEA*2*000000007~").encode()
    msgs, ixs, _ = read(data)
    assert [g.version for g in ixs[0].groups] == ["004010", "005010"]
    assert len(msgs) == 3 and codes(ixs) == ["st.wrong_group"]
    assert "940" in ixs[0].groups[1].transactions[1].errors[0].message


def test_truncated_file_keeps_complete_sets() -> None:
    sets = [_set("850", f"000{n}", ["BEG*00*SA*1**20261122", "CTT*1"]) for n in (1, 2, 3)]
    data = (_isa("00401") + "~" + _group("PO", "004010", 1, sets) + "IEA*1*000000007~").encode()
    cut = data.index(b"ST*850*0003") + 20
    msgs, ixs, _ = read(data[:cut])
    assert len(msgs) == 3 and [m.report.status for m in msgs] == ["accepted", "accepted",
                                                                    "rejected"]
    assert sorted(codes(ixs)) == ["gs.trailer_missing", "isa.eof", "st.trailer_missing"]


def test_empty_and_blank_files() -> None:
    for data in (b"", b"\n\n  \r\n", b"\xef\xbb\xbf"):
        with pytest.raises(ReadError) as exc:
            read(data)
        assert exc.value.code == "file.empty"


def test_junk_after_an_interchange_is_reported_not_fatal() -> None:
    msgs, ixs, file_defects = read(_flat(WIDGET) + b"\nTHIS IS NOT EDI\n")
    assert len(msgs) == 1 and codes(ixs) == []
    assert [d.code for d in file_defects] == ["file.junk"] and not file_defects[0].warning


def test_empty_segment_is_skipped_with_a_warning_and_nothing_is_lost() -> None:
    flat = _flat(WIDGET)
    data = flat.replace(b"~PO1", b"~~PO1", 1)
    msgs, ixs, _ = read(data)
    assert shape(data)[:-1] == shape(flat)[:-1]
    assert codes(ixs) == [] and "segment.empty" in codes(ixs, warnings=True)


def test_long_line_without_delimiters_is_bounded() -> None:
    junk = b"A" * (20 << 20)
    tracemalloc.start()
    with pytest.raises(ReadError):
        read(junk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 << 20


def test_interchange_followed_by_megabytes_without_terminator_is_bounded() -> None:
    data = _isa("00401").encode() + b"~GS*PO*A*B*20261122*1200*1*X*004010~ST*850*0001~BEG*" \
        + b"X" * (20 << 20)
    tracemalloc.start()
    _, ixs, _ = read(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "isa.terminator" in codes(ixs)
    assert peak < 16 << 20


@pytest.mark.parametrize("chunk", [1, 7, 64, 333, 4096])
def test_chunk_size_does_not_change_what_is_read(chunk: int) -> None:
    for name in ("ediengine_940_multi-ISA-multi-GS.edi", "edinet_x12.810a_ariba_indented.edi",
                 "edinet_x12.850_issue135_no-ISA16_2ST.edi", "node-x12_850_two-interchanges.edi"):
        data = (CORPUS / name).read_bytes()
        assert shape(data, chunk) == shape(data), name
