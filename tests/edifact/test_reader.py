"""The streaming EDIFACT reader on the public corpus and on the layouts partners send."""

from __future__ import annotations

import dataclasses
import io
import pickle
import tracemalloc
import warnings
from pathlib import Path
from typing import BinaryIO, cast

import pytest

from gateway.edifact import MAX_SEGMENT_BYTES, read_edifact
from gateway.edifact.tokens import segment_text
from gateway.errors import ReadError
from gateway.stream import GroupStart, InterchangeStart, Message, SegmentToken

from .util import (
    CORPUS,
    all_tokens,
    codes,
    file_defects,
    interchanges,
    messages,
    read,
    summarise,
)

UNA = "UNA:+.? '"
UNB = "UNB+UNOC:3+SENDER:14+RECEIVER:14+240101:1200+REF1'"


def ic(*body: str, unb: str = UNB, una: str = UNA, unz: str | None = None, nl: str = "") -> str:
    """An interchange around message segments; UNZ counts the UNH it holds."""
    n = sum(1 for s in body if s.startswith("UNH"))
    ref = unb.split("+")[5].rstrip("'")
    segs = [una] if una else []
    segs += [unb, *body, unz if unz is not None else f"UNZ+{n}+{ref}'"]
    return nl.join(segs)


ORDER = ["UNH+1+ORDERS:D:96A:UN'", "BGM+220+PO1+9'", "DTM+137:20240101:102'", "UNT+4+1'"]

# -- the public corpus: every file gives its messages and exactly the defects of its faults -----

# file -> (file defects, [(UNB05, interchange defects, [(type, UNH01, segments, defects)])])
EXPECTED: dict[str, tuple[list[str], list[tuple[str | None, list[str],
                                                  list[tuple[str, str, int, list[str]]]]]]] = {
    "APERAK/edinet_issue235_APERAK_D96A_double-UNB_ERR.edi": ([], [
        # the bogus "UNB+++++4" lacks everything but its reference, and no UNZ closes it
        ("4", ["unb.missing_element"] * 6 + ["isa.structure"], []),
        (None, ["unb.missing_element", "isa.control_mismatch"],
         [("APERAK", "041310181", 9, [])])]),
    "APERAK/pydifact_aperak_rejected_v3_D96A.edi": ([], [
        ("000000003", ["unb.charset"], [("APERAK", "1", 7, ["st.count"])])]),
    "APERAK/pydifact_aperak_v4_D96A.edi": ([], [
        ("000000005", ["unb.charset"], [("APERAK", "1", 7, ["st.count"])])]),
    "IFTMIN/chemaclass_IFTMIN_S93A_blank-lines.edi": ([], [
        ("8", ["isa.date", "isa.time"],
         [("IFTMIN", "1", 18, []), ("IFTMIN", "2", 18, ["st.count"])])]),
    "INVOIC/edinet_issue256_D97A_EDIN03.edi": ([], [
        ("33611", ["unb.charset"] * 4, [("INVOIC", "1", 55, [])])]),
    "INVOIC/edinet_issue288_D01B_EAN010_bad-UNZ.edi": ([], [
        ("1256685", ["isa.group_count", "isa.control_mismatch"],
         [("INVOIC", "4", 22, ["st.control_mismatch"])])]),
    "INVOIC/pydifact_invoice1_D97A.edi": ([], [
        ("PAYO0012101221", [], [("INVOIC", "1", 24, [])])]),
    "INVOIC/pydifact_invoice_colon-at-end_D97A.edi": ([], [
        ("PAYO0012101221", [], [("INVOIC", "1", 24, [])])]),
    "ORDERS/edifact-rs_D01B_ORDERS_malformed_ERR.edi": (["file.junk"], [
        (None, ["isa.structure"], [("ORDERS", "1", 4, ["st.count"])])]),
    "ORDERS/edifact-rs_D01B_ORDERS_no-UNB-envelope.edi": ([], [
        (None, ["isa.structure"], [("ORDERS", "1", 7, [])])]),
    "ORDERS/pydifact_order2_D96A_UNOC_no-UNZ.edi": ([], [
        ("000000001", ["isa.eof"], [("ORDERS", "1", 11, [])])]),
    "ORDERS/pydifact_order_D96A_EAN008_no-UNZ.edi": ([], [
        ("807", ["isa.eof"], [("ORDERS", "1", 16, [])])]),
    "ORDERS/pydifact_wikipedia_de_D96A_UNOC.edi": ([], [
        # UNZ02 repeats UNB07 (application reference) instead of UNB05
        ("1", ["isa.control_mismatch"], [("ORDERS", "1", 9, [])])]),
    "ORDRSP/edinet_ordrsp-2_D10A_single-line_release-plus.edi": ([], [
        ("DAREFNR0000001", ["isa.control_mismatch"],
         [("ORDRSP", "9IMX20YSP0009", 31, ["st.count", "st.control_mismatch"])])]),
    "ORDRSP/edinet_ordrsp_D10A_single-line.edi": ([], [
        ("DAREFNR0000001", ["isa.control_mismatch"],
         [("ORDRSP", "9IMX20YSP0009", 31, ["st.count", "st.control_mismatch"])])]),
    "PAORES/edinet_wikipedia_PAORES_IATB.edi": ([], [
        ("1", [], [("PAORES", "1", 13, [])])]),
    "QUOTES/edinet_multi-message_D96A_EDIEL2_tab-indented.edi": ([], [
        ("HBQ001", ["isa.control_mismatch"],
         [("QUOTES", "1", 31, ["st.count"]), ("QUOTES", "1", 31, ["st.duplicate", "st.count"])])]),
}


def test_every_corpus_file_has_an_expectation() -> None:
    files = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.edi"))
    assert files == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str) -> None:
    data = (CORPUS / name).read_bytes()
    file_codes, expected = EXPECTED[name]
    s = summarise(read(data))
    assert s.file == file_codes
    assert s.interchanges == expected
    # the same with tiny chunks: chunk boundaries fall everywhere
    assert summarise(read(data, chunk_size=7)) == s


def test_corpus_defect_messages_name_the_values() -> None:
    data = (CORPUS / "INVOIC/edinet_issue288_D01B_EAN010_bad-UNZ.edi").read_bytes()
    evs = read(data)
    (end,) = interchanges(evs)
    assert [d.message for d in end.report.errors] == [
        "UNZ01 '1256685' does not match the 1 message(s) in the interchange",
        "UNZ02 '2' does not match UNB05 '1256685'"]
    unz = end.trailer
    assert unz is not None and unz.tag == "UNZ"
    assert end.report.errors[1].offset == unz.offset == data.index(b"UNZ")
    assert end.report.errors[1].element == "UNZ02"
    assert end.report.errors[1].segment_position == 24  # UNB, 22 message segments, UNZ
    (msg,) = messages(evs)
    (d,) = msg.report.errors
    assert d.message == "UNT02 '1256685' does not match UNH01 '4'"
    assert (d.segment, d.segment_position, d.element) == ("UNT", 22, "UNT02")


def test_truncated_file_gives_its_complete_message_and_a_clear_defect() -> None:
    evs = read((CORPUS / "ORDERS/pydifact_order2_D96A_UNOC_no-UNZ.edi").read_bytes())
    (msg,) = messages(evs)
    assert msg.report.status == "accepted"
    assert [t.tag for t in msg.tokens()][-1] == "UNT"
    (end,) = interchanges(evs)
    assert end.trailer is None
    (d,) = end.report.errors
    assert d.code == "isa.eof"
    data = (CORPUS / "ORDERS/pydifact_order2_D96A_UNOC_no-UNZ.edi").read_bytes()
    assert d.message == (f"the file ends (at byte {len(data)}) before UNZ closed interchange "
                         "'000000001' (UNB at offset 0)")
    assert d.offset == len(data)


def test_synthetic_interchange_ends_quietly_at_the_next_unb() -> None:
    data = "UNA:+.? '" + "".join(ORDER) + ic(*ORDER, una="")
    s = summarise(read(data))
    assert s.interchanges == [(None, ["isa.structure"], [("ORDERS", "1", 4, [])]),
                              ("REF1", [], [("ORDERS", "1", 4, [])])]


def test_message_without_unb_is_read_in_a_synthetic_interchange() -> None:
    evs = read((CORPUS / "ORDERS/edifact-rs_D01B_ORDERS_no-UNB-envelope.edi").read_bytes())
    start = evs[0]
    assert isinstance(start, InterchangeStart)
    assert start.report.envelope == {"synthetic": True}
    assert start.report.sender is None and start.report.control_number is None
    assert (start.header.tag, start.header.elements, start.header.position) == ("UNB", [], 0)
    assert "no UNB before it" in start.report.errors[0].message
    group = evs[1]
    assert isinstance(group, GroupStart) and group.report.synthetic
    assert group.report.version == "D01B"
    (msg,) = messages(evs)
    assert msg.report.message_identifier == ("ORDERS", "D", "01B", "UN")


def _as_pydifact(tok: SegmentToken) -> tuple[str, list[object]]:
    out: list[object] = []
    for el in tok.elements:
        comps = list(el[0])
        while len(comps) > 1 and comps[-1] == "":  # pydifact drops trailing empty components
            comps.pop()
        out.append(comps[0] if len(comps) == 1 else comps)
    return tok.tag, out


# pydifact cannot read the double-UNB file (IndexError) and takes the BGM before UNH in the
# malformed file as a segment (we report it as junk); tabs are removed for it (it rejects them)
ORACLE = sorted(set(EXPECTED) - {"APERAK/edinet_issue235_APERAK_D96A_double-UNB_ERR.edi",
                                 "ORDERS/edifact-rs_D01B_ORDERS_malformed_ERR.edi"})


@pytest.mark.parametrize("name", ORACLE)
def test_tokens_agree_with_pydifact(name: str) -> None:
    from pydifact.parser import Parser

    data = (CORPUS / name).read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = [(s.tag, s.elements) for s in
                  Parser().parse(data.decode("latin-1").replace("\t", "")) if s.tag != "UNA"]
    ours = [_as_pydifact(t) for t in all_tokens(read(data))]
    assert ours == theirs


def test_trailing_empty_component_is_kept() -> None:
    evs = read((CORPUS / "INVOIC/pydifact_invoice_colon-at-end_D97A.edi").read_bytes())
    rff = [t for t in messages(evs)[0].tokens() if t.tag == "RFF"][0]
    assert rff.elements == [[["VA", "382324067", ""]]]


# -- sources ------------------------------------------------------------------------------------

def test_path_str_and_stream_sources_agree(tmp_path: Path) -> None:
    data = ic(*ORDER).encode()
    f = tmp_path / "x.edi"
    f.write_bytes(data)
    a = summarise(list(read_edifact(f)))
    b = summarise(list(read_edifact(str(f))))
    c = summarise(list(read_edifact(io.BytesIO(data))))
    assert a == b == c
    assert a.interchanges == [("REF1", [], [("ORDERS", "1", 4, [])])]


def test_missing_file_is_a_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as exc:
        list(read_edifact(tmp_path / "missing.edi"))
    assert exc.value.code == "file.unreadable"


def test_failing_stream_is_a_read_error() -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            raise OSError("device gone")

    with pytest.raises(ReadError) as exc:
        list(read_edifact(cast(BinaryIO, Broken())))
    assert exc.value.code == "file.unreadable" and "device gone" in exc.value.message


# -- what a message carries ---------------------------------------------------------------------

def test_message_report_and_tokens() -> None:
    evs = read(ic("UNH+M1+ORDERS:D:96A:UN:EAN008'", "BGM+220+PO?+1?:2+9'",
                  "FTX+AAI+++O?'NEILL ?? SONS'", "UNT+4+M1'"))
    (msg,) = messages(evs)
    r = msg.report
    assert (r.set_id, r.control_number, r.version, r.segment_count) == ("ORDERS", "M1", "D96A", 4)
    assert r.message_identifier == ("ORDERS", "D", "96A", "UN", "EAN008")
    assert msg.raw is None
    toks = msg.tokens()
    assert [t.tag for t in toks] == ["UNH", "BGM", "FTX", "UNT"]
    assert toks[1].elements == [[["220"]], [["PO+1:2"]], [["9"]]]
    assert toks[2].value(4) == "O'NEILL ? SONS"
    assert [t.position for t in toks] == [1, 2, 3, 4]
    data = ic("UNH+M1+ORDERS:D:96A:UN:EAN008'", "BGM+220+PO?+1?:2+9'",
              "FTX+AAI+++O?'NEILL ?? SONS'", "UNT+4+M1'").encode()
    assert [t.offset for t in toks] == [data.index(b"UNH"), data.index(b"BGM"),
                                        data.index(b"FTX"), data.index(b"UNT")]
    assert msg.offsets() == [t.offset for t in toks]
    assert msg.group.synthetic and msg.group.version == "D96A"
    assert msg.interchange.control_number == "REF1"


def test_tokens_are_plain_segment_tokens_to_their_users() -> None:
    (msg,) = messages(read(ic(*ORDER)))
    bgm = msg.tokens()[1]
    assert isinstance(bgm, SegmentToken)
    assert segment_text(bgm) == "BGM+220+PO1+9"
    assert bgm == SegmentToken("BGM", [[["220"]], [["PO1"]], [["9"]]], bgm.offset, 2)
    assert type(bgm) is SegmentToken  # split on first use, then a plain token
    assert segment_text(bgm) is None
    nxt = dataclasses.replace(msg.tokens()[2], position=9)
    assert (nxt.tag, nxt.elements, nxt.position) == ("DTM", [[["137", "20240101", "102"]]], 9)
    dtm = msg.tokens()[2]
    copy = pickle.loads(pickle.dumps(dtm))
    assert copy == dtm and type(copy) is SegmentToken
    assert repr(msg.tokens()[2]).startswith("SegmentToken(tag='DTM'")


def test_interchange_report_from_unb() -> None:
    unb = "UNB+UNOB:4:1+SENDER:14:ROUTE+RECV:ZZ+20240131:2359+IC77+PW:AA+APP+A+1++1'"
    evs = read(ic(*ORDER, unb=unb, una=""))
    start = evs[0]
    assert isinstance(start, InterchangeStart)
    r = start.report
    assert (r.standard, r.sender, r.receiver, r.control_number) == \
        ("edifact", "SENDER", "RECV", "IC77")
    assert (r.sender_qualifier, r.receiver_qualifier, r.version) == ("14", "ZZ", "UNOB:4")
    assert (r.date, r.time, r.ack_requested, r.test) == ("20240131", "2359", True, True)
    assert r.envelope == {"S001-1": "UNOB", "S001-2": "4", "S001-3": "1", "S002-1": "SENDER",
                          "S002-2": "14", "S002-3": "ROUTE", "S003-1": "RECV", "S003-2": "ZZ",
                          "S004-1": "20240131", "S004-2": "2359", "0020": "IC77",
                          "S005-1": "PW", "S005-2": "AA", "0026": "APP", "0029": "A",
                          "0031": "1", "0035": "1"}
    assert r.delimiters == {"element": "+", "component": ":", "segment": "'",
                            "repetition": "*", "release": "?"}
    assert start.delimiters.decimal == "."
    assert start.header.tag == "UNB" and start.header.position == 1
    assert r.errors == []


# -- UNA and delimiters -------------------------------------------------------------------------

def test_una_with_other_service_characters() -> None:
    # component |, element ~, decimal ",", release #, repetition ^, terminator !
    data = ("UNA|~,#^!UNB~UNOC|4~S~R~240101|1200~X1!UNH~1~ORDERS|D|96A|UN!"
            "FTX~AAA~~~a#~b#|c#!d##|x^y|z!UNT~3~1!UNZ~1~X1!")
    evs = read(data)
    start = evs[0]
    assert isinstance(start, InterchangeStart)
    assert start.report.delimiters == {"element": "~", "component": "|", "segment": "!",
                                       "repetition": "^", "release": "#"}
    assert start.delimiters.decimal == ","
    (msg,) = messages(evs)
    assert msg.report.errors == []
    assert msg.tokens()[1].elements == [[["AAA"]], [[""]], [[""]],
                                        [["a~b|c!d#", "x"], ["y", "z"]]]
    assert interchanges(evs)[0].report.errors == []


def test_una_without_release_character() -> None:
    data = "UNA:+.  'UNB+UNOC:3+S+R+240101:1200+X'UNH+1+ORDERS:D:96A:UN'FTX+AAA+++A?B'UNT+3+1'" \
           "UNZ+1+X'"
    (msg,) = messages(read(data))
    assert msg.tokens()[1].value(4) == "A?B"
    assert msg.delimiters.release is None


def test_syntax_3_reads_the_una_position_5_as_data() -> None:
    data = "UNA:+.?*'UNB+UNOC:3+S+R+240101:1200+X'UNH+1+ORDERS:D:96A:UN'FTX+AAA+++A*B'" \
           "UNT+3+1'UNZ+1+X'"
    (msg,) = messages(read(data))
    assert msg.tokens()[1].elements[3] == [["A*B"]]
    assert msg.delimiters.repetition is None


def test_syntax_4_repetition_separator() -> None:
    body = ["UNH+1+ORDERS:D:01B:UN'", "FTX+AAA+++A:B*C:D*E'", "UNT+3+1'"]
    unb4 = "UNB+UNOC:4+S+R+20240101:1200+X'"
    # no UNA: the syntax 4 default repetition separator is "*"
    (msg,) = messages(read(ic(*body, unb=unb4, una="")))
    assert msg.tokens()[1].elements[3] == [["A", "B"], ["C", "D"], ["E"]]
    assert msg.delimiters.repetition == "*"
    # released repetition separator
    (msg,) = messages(read(ic("UNH+1+ORDERS:D:01B:UN'", "FTX+AAA+++A?*B*C'", "UNT+3+1'",
                              unb=unb4, una="")))
    assert msg.tokens()[1].elements[3] == [["A*B"], ["C"]]
    # a UNA with a space in position 5 declares no repetition separator
    (msg,) = messages(read(ic(*body, unb=unb4, una="UNA:+.? '")))
    assert msg.tokens()[1].elements[3] == [["A", "B*C", "D*E"]]


def test_several_interchanges_each_with_its_own_una() -> None:
    one = ic(*ORDER)
    two = ("UNA|~,#^!UNB~UNOC|3~S~R~240101|1200~REF2!UNH~7~INVOIC|D|96A|UN!"
           "FTX~AAA~~~x#!y!UNT~3~7!UNZ~1~REF2!")
    three = "UNB+UNOC:3+S+R+240101:1200+REF3'UNH+9+DESADV:D:96A:UN'FTX+AAA+++O?'K'UNT+3+9'" \
            "UNZ+1+REF3'"
    for sep in ("", "\n", "\r\n"):
        evs = read(sep.join([one, two, three]))
        assert summarise(evs).interchanges == [
            ("REF1", [], [("ORDERS", "1", 4, [])]),
            ("REF2", [], [("INVOIC", "7", 3, [])]),
            ("REF3", [], [("DESADV", "9", 3, [])])]
        msgs = messages(evs)
        assert msgs[1].tokens()[1].value(4) == "x!y"
        assert msgs[2].tokens()[1].value(4) == "O'K"
        assert [m.delimiters.segment for m in msgs] == ["'", "!", "'"]


def test_level_b_default_separators() -> None:
    data = "UNB\x1dUNOB\x1f3\x1dS\x1dR\x1d240101\x1f1200\x1dX\x1cUNH\x1d1\x1dORDERS\x1fD\x1f96A" \
           "\x1fUN\x1cFTX\x1dAAA\x1d\x1d\x1dlower case?\x1cUNT\x1d3\x1d1\x1cUNZ\x1d1\x1dX\x1c"
    evs = read(data)
    (msg,) = messages(evs)
    assert msg.tokens()[1].value(4) == "lower case?"
    assert msg.delimiters.release is None
    assert interchanges(evs)[0].report.errors == []


@pytest.mark.parametrize("una, code", [
    ("UNA:+.? +", "isa.element_separator"),  # the terminator is the element separator
    ("UNA::.? '", "isa.component_separator"),
    ("UNA:+.?A'", "isa.repetition_separator"),
])
def test_unusable_una_is_a_file_defect(una: str, code: str) -> None:
    evs = read(una + "UNB+UNOC:3+S+R+240101:1200+X'UNZ+0+X'")
    (d,) = file_defects(evs)
    assert d.code == code and d.offset == 0
    assert "UNA at offset 0" in d.message
    # the interchange after it is read with the default service characters
    assert summarise(evs).interchanges == [("X", [], [])]


# -- layout: BOM, line breaks, indentation ------------------------------------------------------

def test_bom_crlf_blank_lines_and_indentation() -> None:
    text = "\ufeff\r\n  " + ic(*ORDER, nl="\r\n\r\n\t ") + "\r\n\r\n"
    data = text.encode("utf-8")
    evs = read(data)
    assert summarise(evs).interchanges == [("REF1", [], [("ORDERS", "1", 4, [])])]
    (msg,) = messages(evs)
    assert [data[t.offset:t.offset + 3].decode() for t in msg.tokens()] == \
        ["UNH", "BGM", "DTM", "UNT"]
    assert msg.delimiters.suffix == "\r\n"


def test_line_wrapped_segments_drop_the_line_breaks() -> None:
    evs = read(ic("UNH+1+ORDERS:D:96A:UN'", "FTX+AAA+++LONG\r\nTEXT'", "UNT+3+1'", nl="\n"))
    (msg,) = messages(evs)
    assert msg.tokens()[1].value(4) == "LONGTEXT"


def test_release_before_the_terminator_does_not_split() -> None:
    for seg, value in [("FTX+AAA+++A?'", "A'"), ("FTX+AAA+++A??", "A?"),
                       ("FTX+AAA+++A???'", "A?'"), ("FTX+AAA+++?'?'?'", "'''"),
                       ("FTX+AAA+++?+?:??", "+:?")]:
        for size in (1, 2, 3, 1 << 20):
            evs = read(ic("UNH+1+ORDERS:D:96A:UN'", seg + "'", "UNT+3+1'"), chunk_size=size)
            (msg,) = messages(evs)
            assert msg.tokens()[1].value(4) == value, (seg, size)
            assert msg.report.errors == []


def test_file_ending_on_a_release_character() -> None:
    evs = read(ic(*ORDER, unz="") + "UNH+2+ORDERS:D:96A:UN'FTX+AAA+++END?")
    msgs = messages(evs)
    assert msgs[-1].tokens()[-1].value(4) == "END?"
    assert codes(msgs[-1].report.errors) == ["st.trailer_missing"]


# -- character sets -----------------------------------------------------------------------------

def _charset_case(syntax: str, text: bytes, tolerant: bool = False) -> tuple[str, list[str]]:
    head = f"UNA:+.? 'UNB+{syntax}:3+S+R+240101:1200+X'UNH+1+ORDERS:D:96A:UN'FTX+AAA+++"
    data = head.encode() + text + b"'UNT+3+1'UNZ+1+X'"
    evs = read(data, tolerant_charset=tolerant)
    (msg,) = messages(evs)
    return msg.tokens()[1].value(4), codes(interchanges(evs)[0].report.errors)


@pytest.mark.parametrize("syntax, raw, value, defects", [
    ("UNOA", b"PLAIN TEXT 1.5 (A/B) = 'OK'!", "PLAIN TEXT 1.5 (A/B) = 'OK'!", ["unb.charset"]),
    ("UNOA", b"PLAIN TEXT %&*;<>\"", "PLAIN TEXT %&*;<>\"", []),
    ("UNOA", b"lower", "lower", ["unb.charset"]),
    ("UNOA", b"A_B", "A_B", ["unb.charset"]),
    ("UNOA", "MÜLLER".encode(), "MÃ\x9cLLER", ["unb.charset"]),
    ("UNOA", "MÜLLER".encode("latin-1"), "M\xdcLLER", ["unb.charset"]),
    ("UNOB", b"lower case", "lower case", []),
    ("UNOB", b"x@y", "x@y", ["unb.charset"]),
    ("UNOC", "Müller".encode("latin-1"), "Müller", []),
    ("UNOC", "Müller".encode(), "MÃ¼ller", ["unb.charset"]),
    ("UNOC", b"bell\x07", "bell\x07", ["unb.charset"]),
    ("UNOD", "Łódź".encode("iso8859-2"), "Łódź", []),
    ("UNOE", "Москва".encode("iso8859-5"), "Москва", []),
    ("UNOF", "Αθήνα".encode("iso8859-7"), "Αθήνα", []),
    ("UNOF", b"\xff", "\ufffd", ["unb.charset"]),  # not assigned in ISO 8859-7
    ("UNOW", "Müller €".encode(), "Müller €", []),
    ("UNOW", b"M\xfcller", "M\ufffdller", ["unb.charset"]),
    ("UNOY", "東京 \x01".encode(), "東京 \x01", []),
    ("UNOW", "東京 \x01".encode(), "東京 \x01", ["unb.charset"]),
])
def test_declared_character_sets(syntax: str, raw: bytes, value: str,
                                 defects: list[str]) -> None:
    if raw == b"PLAIN TEXT 1.5 (A/B) = 'OK'!":  # the apostrophe must be released
        raw = raw.replace(b"'", b"?'")
        defects = []
    assert _charset_case(syntax, raw) == (value, defects)


@pytest.mark.parametrize("syntax", ["UNOA", "UNOB", "UNOC"])
def test_tolerant_charset_reads_utf8(syntax: str) -> None:
    assert _charset_case(syntax, "Müller €".encode(), tolerant=True) == ("Müller €", [])
    assert _charset_case(syntax, b"lower", tolerant=True) == ("lower", [])
    # still a defect when the bytes are not UTF-8 under UNOA / UNOB either
    if syntax != "UNOC":
        assert _charset_case(syntax, b"M\xfcller", tolerant=True)[1] == ["unb.charset"]
    else:
        assert _charset_case(syntax, b"M\xfcller", tolerant=True) == ("Müller", [])


def test_charset_defect_names_offset_segment_and_position() -> None:
    head = "UNB+UNOA:3+S+R+240101:1200+X'UNH+1+ORDERS:D:96A:UN'BGM+220+PO1'FTX+AAA+++ÄB"
    data = head.encode() + b"'UNT+4+1'UNZ+1+X'"
    evs = read(data)
    (d,) = interchanges(evs)[0].report.errors
    assert d.code == "unb.charset"
    assert d.offset == data.index("Ä".encode())
    assert (d.segment, d.segment_position) == ("FTX", 4)
    assert "c3 84" in d.message and "UNOA" in d.message and "position 3 of message '1'" in d.message


def test_charset_defects_are_capped() -> None:
    body = ["UNH+1+ORDERS:D:96A:UN'"] + [f"FTX+AAA+++lower {i}'" for i in range(15)] + \
        ["UNT+17+1'"]
    evs = read(ic(*body, unb="UNB+UNOA:3+S+R+240101:1200+REF1'"))
    errs = interchanges(evs)[0].report.errors
    assert codes(errs) == ["unb.charset"] * 11
    assert errs[-1].message == "5 more segment(s) with characters outside UNOA are not listed"


def test_unknown_syntax_identifier() -> None:
    evs = read(ic(*ORDER, unb="UNB+UNOZ:3+S+R+240101:1200+REF1'"))
    (d,) = interchanges(evs)[0].report.errors
    assert d.code == "unb.syntax" and "'UNOZ'" in d.message


# -- what cannot be read ------------------------------------------------------------------------

@pytest.mark.parametrize("data, code", [
    (b"", "file.empty"),
    (b"  \r\n\t\n", "file.empty"),
    (b"\xef\xbb\xbf\n", "file.empty"),
    (b"Hello, world", "file.not_edi"),
    (b"ISA*00*          *00*          *ZZ*SENDER~", "file.not_edi"),
    (bytes(range(256)) * 3, "file.not_edi"),
    (b"UNA:+.? '", "file.not_edi"),
    (b"UNA:+", "file.not_edi"),
])
def test_nothing_readable_raises_read_error(data: bytes, code: str) -> None:
    with pytest.raises(ReadError) as exc:
        list(read_edifact(io.BytesIO(data)))
    assert exc.value.code == code
    assert exc.value.message


def test_junk_after_an_interchange_is_a_file_defect() -> None:
    data = ic(*ORDER) + "\n\x00\x01garbage'more garbage'\xff"
    evs = read(data)
    assert summarise(evs).interchanges == [("REF1", [], [("ORDERS", "1", 4, [])])]
    (d,) = file_defects(evs)
    assert d.code == "file.junk" and d.offset == len(ic(*ORDER)) + 1
    assert "3 segments" in d.message


def test_junk_before_an_interchange_comes_first() -> None:
    evs = read("junk'" + ic(*ORDER))
    (d,) = file_defects(evs)
    assert d.offset == 0
    assert evs.index(next(e for e in evs if e.__class__.__name__ == "FileDefect")) == 0


def _no_terminator(prefix: bytes, size: int) -> BinaryIO:
    """A stream of ``prefix`` then ``size`` bytes "A", made as it is read."""
    class Stream(io.RawIOBase):
        left = size
        head = prefix

        def readable(self) -> bool:
            return True

        def readinto(self, b: bytearray) -> int:  # type: ignore[override]
            if self.head:
                n = min(len(b), len(self.head))
                b[:n], self.head = self.head[:n], self.head[n:]
                return n
            n = min(len(b), self.left)
            b[:n] = b"A" * n
            self.left -= n
            return n

    return cast(BinaryIO, io.BufferedReader(Stream()))


def test_endless_segment_stops_with_bounded_memory() -> None:
    prefix = ic(*ORDER, unz="").encode() + b"UNH+2+ORDERS:D:96A:UN'FTX+AAA+++"
    tracemalloc.start()
    try:
        evs = list(read_edifact(_no_terminator(prefix, 20_000_000)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MAX_SEGMENT_BYTES
    s = summarise(evs)
    assert s.interchanges[0][2] == [("ORDERS", "1", 4, []),
                                    ("ORDERS", "2", 1, ["st.trailer_missing"])]
    (d,) = interchanges(evs)[0].report.errors
    assert d.code == "isa.terminator"
    assert d.offset == len(prefix) - len("FTX+AAA+++")
    assert "no segment terminator" in d.message


def test_endless_junk_without_anything_before_is_a_read_error() -> None:
    with pytest.raises(ReadError) as exc:
        list(read_edifact(_no_terminator(b"", 20_000_000)))
    assert exc.value.code == "file.not_edi"
    assert exc.value.offset == 0


def test_endless_junk_after_an_interchange_is_a_file_defect() -> None:
    prefix = ic(*ORDER).encode()
    evs = list(read_edifact(_no_terminator(prefix, 5_000_000)))
    assert summarise(evs).interchanges == [("REF1", [], [("ORDERS", "1", 4, [])])]
    (d,) = file_defects(evs)
    assert d.code == "file.junk" and d.offset == len(prefix)


def test_other_fixtures_read_without_reader_defects_when_valid() -> None:
    root = CORPUS.parent
    for path in sorted(p for p in root.rglob("valid_*.edi") if p.name.count(".") == 1):
        evs = read(path.read_bytes())
        s = summarise(evs)
        assert s.file == [], path
        for _ref, errs, msgs in s.interchanges:
            assert errs == [], path
            assert all(m[3] == [] for m in msgs), path
        assert all(g == [] for g in s.groups), path
        assert any(isinstance(e, Message) for e in evs)
