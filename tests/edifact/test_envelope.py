"""Envelope checks of the EDIFACT reader: UNB/UNZ, UNG/UNE, UNH/UNT, structure."""

from __future__ import annotations

import pytest

from gateway.edifact.envelope import valid_date, valid_time
from gateway.errors import CODES
from gateway.report import Defect
from gateway.stream import GroupEnd, GroupStart, InterchangeEnd, Message

from .util import codes, file_defects, interchanges, messages, read, summarise

HEAD = "UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER+240101:1200+IC1'"


def msg(ref: str = "1", n: int | None = None, trailer_ref: str | None = None,
        kind: str = "ORDERS") -> str:
    body = [f"UNH+{ref}+{kind}:D:96A:UN'", "BGM+220+PO1+9'"]
    count = n if n is not None else len(body) + 1
    return "".join(body) + f"UNT+{count}+{ref if trailer_ref is None else trailer_ref}'"


def one(defects: list[Defect]) -> Defect:
    assert len(defects) == 1, defects
    return defects[0]


# -- UNB ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("unb, expected", [
    ("UNB+UNOC:3+S+R+240101:1200+IC1'", []),
    ("UNB+UNOC:4+S+R+20240229:2400+IC1'", []),  # CCYYMMDD in syntax 4, leap day, 24:00
    ("UNB+UNOC:4+S+R+240229:0000+IC1'", []),  # YYMMDD still read in syntax 4
    ("UNB+UNOC:3+S+R+20240101:1200+IC1'", ["isa.date"]),  # 8 digits before syntax 4
    ("UNB+UNOC:3+S+R+241301:1200+IC1'", ["isa.date"]),
    ("UNB+UNOC:3+S+R+230229:1200+IC1'", ["isa.date"]),
    ("UNB+UNOC:3+S+R+240101:1260+IC1'", ["isa.time"]),
    ("UNB+UNOC:3+S+R+240101:12+IC1'", ["isa.time"]),
    ("UNB+UNOC:3+S+R+240101+IC1'", ["unb.missing_element"]),
    ("UNB+UNOC+S+R+240101:1200+IC1'", ["unb.missing_element"]),
    ("UNB+UNOC:3++R+240101:1200+IC1'", ["unb.missing_element"]),
    ("UNB+UNOC:3+S++240101:1200+IC1'", ["unb.missing_element"]),
    ("UNB+UNOC:5+S+R+240101:1200+IC1'", ["unb.syntax"]),
    ("UNB+UNOC:3+S+R+240101:1200+IC1234567890ABC'", ["isa.control_number"]),
    ("UNB+UNOC:3+" + "S" * 36 + "+R+240101:1200+IC1'", ["isa.sender_id"]),
    ("UNB+UNOC:3+S+" + "R" * 36 + "+240101:1200+IC1'", ["isa.receiver_id"]),
])
def test_unb_elements_and_formats(unb: str, expected: list[str]) -> None:
    ref = unb.split("+")[5].rstrip("'")
    evs = read(f"{unb}{msg()}UNZ+1+{ref}'")
    assert codes(interchanges(evs)[0].report.errors) == expected


def test_unb_defect_names_the_value() -> None:
    evs = read(f"UNB+UNOC:3+S+R+241301:1200+IC1'{msg()}UNZ+1+IC1'")
    d = one(interchanges(evs)[0].report.errors)
    assert d.message == "UNB04-01 date '241301' is not a valid YYMMDD date"
    assert (d.offset, d.segment, d.segment_position) == (0, "UNB", 1)
    assert (d.element, d.element_seq, d.component_seq, d.data_ele, d.value) == \
        ("UNB04-01", 4, 1, "0017", "241301")


def test_missing_control_reference() -> None:
    evs = read(f"UNB+UNOC:3+S+R+240101:1200'{msg()}UNZ+1'")
    d = one(interchanges(evs)[0].report.errors)
    assert d.code == "unb.missing_element"
    assert d.message == "UNB05 (interchange control reference, 0020) is missing"


@pytest.mark.parametrize("value, version, ok", [
    ("240101", "3", True), ("991231", "1", True), ("000229", "3", True), ("240230", "3", False),
    ("2401011", "4", False), ("20240101", "4", True), ("2024011", "4", False),
    ("24O101", "3", False), ("", "3", False),
])
def test_valid_date(value: str, version: str, ok: bool) -> None:
    assert valid_date(value, version) is ok


@pytest.mark.parametrize("value, ok", [
    ("0000", True), ("2359", True), ("2400", True), ("2401", False), ("1260", False),
    ("123", False), ("12:0", False),
])
def test_valid_time(value: str, ok: bool) -> None:
    assert valid_time(value) is ok


# -- UNZ ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("unz, expected", [
    ("UNZ+2+IC1'", []),
    ("UNZ+3+IC1'", ["isa.group_count"]),
    ("UNZ+X+IC1'", ["isa.group_count"]),
    ("UNZ++IC1'", ["isa.group_count"]),
    ("UNZ+2+IC2'", ["isa.control_mismatch"]),
    ("UNZ+2'", ["isa.control_mismatch"]),
    ("UNZ'", ["isa.group_count", "isa.control_mismatch"]),
])
def test_unz_count_and_reference(unz: str, expected: list[str]) -> None:
    evs = read(HEAD + msg("1") + msg("2") + unz)
    assert codes(interchanges(evs)[0].report.errors) == expected


def test_unz_defect_message() -> None:
    evs = read(HEAD + msg() + "UNZ+1+ICX'")
    d = one(interchanges(evs)[0].report.errors)
    assert d.message == "UNZ02 'ICX' does not match UNB05 'IC1'"
    assert (d.segment, d.segment_position, d.element, d.data_ele, d.value) == \
        ("UNZ", 5, "UNZ02", "0020", "ICX")
    assert CODES[d.code].edifact == "28"


def test_missing_unz_at_end_of_file() -> None:
    data = HEAD + msg()
    evs = read(data)
    end = interchanges(evs)[0]
    assert end.trailer is None
    d = one(end.report.errors)
    size = len(data.encode("latin-1"))
    assert (d.code, d.message) == ("isa.eof", f"the file ends (at byte {size}) before UNZ "
                                              "closed interchange 'IC1' (UNB at offset 9)")
    assert d.offset == size


def test_new_interchange_before_unz() -> None:
    second = "UNB+UNOC:3+SENDER+RECEIVER+240101:1200+IC2'" + msg() + "UNZ+1+IC2'"
    evs = read(HEAD + msg() + second)
    first, nxt = interchanges(evs)
    d = one(first.report.errors)
    assert d.code == "isa.structure"
    assert d.message.startswith("UNB at offset ")
    assert "before UNZ closed interchange 'IC1'" in d.message
    assert nxt.report.errors == []


def test_unz_closes_an_open_message() -> None:
    evs = read(HEAD + "UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'UNZ+1+IC1'")
    (m,) = messages(evs)
    d = one(m.report.errors)
    assert d.code == "st.trailer_missing"
    assert d.message.startswith("UNZ at offset ") and "UNT closed message '1'" in d.message
    assert m.report.segment_count == 2
    assert interchanges(evs)[0].report.errors == []


# -- UNH / UNT ----------------------------------------------------------------------------------

@pytest.mark.parametrize("message, expected", [
    (msg(), []),
    (msg(n=2), ["st.count"]),
    (msg(n=0), ["st.count"]),
    ("UNH+1+ORDERS:D:96A:UN'BGM+220'UNT++1'", ["st.count"]),
    (msg(trailer_ref="2"), ["st.control_mismatch"]),
    ("UNH++ORDERS:D:96A:UN'BGM+220'UNT+3'", ["st.control_number"]),
    ("UNH+123456789012345+ORDERS:D:96A:UN'UNT+2+123456789012345'", ["st.control_number"]),
])
def test_unh_unt(message: str, expected: list[str]) -> None:
    evs = read(HEAD + message + "UNZ+1+IC1'")
    assert codes(messages(evs)[0].report.errors) == expected


def test_unt_defect_messages() -> None:
    evs = read(HEAD + msg(n=9, trailer_ref="X") + "UNZ+1+IC1'")
    errs = messages(evs)[0].report.errors
    assert [d.message for d in errs] == [
        "UNT01 '9' does not match the 3 segments counted from UNH to UNT",
        "UNT02 'X' does not match UNH01 '1'"]
    assert [(d.segment, d.segment_position, d.element) for d in errs] == \
        [("UNT", 3, "UNT01"), ("UNT", 3, "UNT02")]
    assert [CODES[d.code].edifact for d in errs] == ["29", "28"]


def test_duplicate_message_reference() -> None:
    data = HEAD + msg("A") + msg("B") + msg("A") + "UNZ+3+IC1'"
    evs = read(data)
    first, second, third = messages(evs)
    assert first.report.errors == second.report.errors == []
    d = one(third.report.errors)
    assert d.code == "st.duplicate"
    assert d.message == ("UNH01 message reference 'A' is already used by the message at "
                         f"offset {data.index('UNH')} in this interchange")
    assert d.offset == data.rindex("UNH")


def test_unh_inside_a_message_closes_it() -> None:
    evs = read(HEAD + "UNH+1+ORDERS:D:96A:UN'BGM+220'" + msg("2") + "UNZ+2+IC1'")
    first, second = messages(evs)
    assert codes(first.report.errors) == ["st.trailer_missing"]
    assert first.report.segment_count == 2
    assert second.report.errors == []


def test_messages_keep_their_own_versions_in_one_synthetic_group() -> None:
    evs = read(HEAD + msg("1") + msg("2", kind="INVOIC") + "UNZ+2+IC1'")
    starts = [e for e in evs if isinstance(e, GroupStart)]
    assert len(starts) == 1 and starts[0].report.synthetic and starts[0].header is None
    assert starts[0].report.functional_id is None and starts[0].report.control_number is None
    assert [t.set_id for t in starts[0].report.transactions] == ["ORDERS", "INVOIC"]


# -- UNG / UNE ----------------------------------------------------------------------------------

def ung(ref: str = "G1", fid: str = "ORDERS") -> str:
    return f"UNG+{fid}+APPS+APPR+240101:1200+{ref}+UN+D:96A'"


def test_groups() -> None:
    data = HEAD + ung("G1") + msg("1") + msg("2") + "UNE+2+G1'" + ung("G2", "INVOIC") + \
        msg("3", kind="INVOIC") + "UNE+1+G2'UNZ+2+IC1'"
    evs = read(data)
    s = summarise(evs)
    assert s.groups == [[], []]
    assert s.interchanges == [("IC1", [], [("ORDERS", "1", 3, []), ("ORDERS", "2", 3, []),
                                           ("INVOIC", "3", 3, [])])]
    starts = [e for e in evs if isinstance(e, GroupStart)]
    g = starts[0].report
    assert (g.functional_id, g.version, g.control_number, g.sender, g.receiver, g.date, g.time) \
        == ("ORDERS", "D96A", "G1", "APPS", "APPR", "240101", "1200")
    assert not g.synthetic and starts[0].header is not None
    ends = [e for e in evs if isinstance(e, GroupEnd)]
    assert ends[0].report.declared_count == 2
    assert ends[0].trailer is not None and ends[0].trailer.tag == "UNE"
    assert [m.group.control_number for m in messages(evs)] == ["G1", "G1", "G2"]


@pytest.mark.parametrize("une, expected", [
    ("UNE+1+G1'", []),
    ("UNE+2+G1'", ["gs.count"]),
    ("UNE+1+G9'", ["gs.control_mismatch"]),
    ("UNE+A+G9'", ["gs.count", "gs.control_mismatch"]),
])
def test_une_count_and_reference(une: str, expected: list[str]) -> None:
    evs = read(HEAD + ung() + msg() + une + "UNZ+1+IC1'")
    (end,) = [e for e in evs if isinstance(e, GroupEnd)]
    assert codes(end.report.errors) == expected


def test_une_defect_message() -> None:
    evs = read(HEAD + ung() + msg() + "UNE+4+G1'UNZ+1+IC1'")
    (end,) = [e for e in evs if isinstance(e, GroupEnd)]
    d = one(end.report.errors)
    assert d.message == "UNE01 '4' does not match the 1 message(s) in group 'G1'"
    assert (d.segment, d.segment_position, d.element) == ("UNE", 6, "UNE01")


def test_unz_counts_groups_when_there_are_groups() -> None:
    data = HEAD + ung("G1") + msg("1") + msg("2") + "UNE+2+G1'UNZ+2+IC1'"
    d = one(interchanges(read(data))[0].report.errors)
    assert d.message == "UNZ01 '2' does not match the 1 functional group(s) in the interchange"


def test_ung_mandatory_elements_before_syntax_4() -> None:
    evs = read(HEAD + "UNG++++240101:1200+G1'" + msg() + "UNE+1+G1'UNZ+1+IC1'")
    (start,) = [e for e in evs if isinstance(e, GroupStart)]
    # 0038, S006 0040, S007 0044, 0051, S008 0052 and 0054
    assert codes(start.report.errors) == ["gs.format"] * 6
    head4 = HEAD.replace("UNOC:3", "UNOC:4")
    evs = read(head4 + "UNG+++++G1'" + msg() + "UNE+1+G1'UNZ+1+IC1'")
    (start,) = [e for e in evs if isinstance(e, GroupStart)]
    assert start.report.errors == []


def test_missing_group_reference_and_duplicates() -> None:
    data = HEAD + "UNG+ORDERS+A+B+240101:1200++UN+D:96A'" + msg("1") + "UNE+1'" + \
        ung("G1") + msg("2") + "UNE+1+G1'" + ung("G1") + msg("3") + "UNE+1+G1'UNZ+3+IC1'"
    evs = read(data)
    starts = [e.report for e in evs if isinstance(e, GroupStart)]
    assert [codes(g.errors) for g in starts] == [["gs.control_number"], [], ["gs.duplicate"]]


def test_missing_une() -> None:
    evs = read(HEAD + ung() + msg() + "UNZ+1+IC1'")
    (end,) = [e for e in evs if isinstance(e, GroupEnd)]
    assert end.trailer is None
    d = one(end.report.errors)
    assert d.code == "gs.trailer_missing"
    assert d.message.startswith("UNZ at offset") and "UNE closed group 'G1'" in d.message
    evs = read(HEAD + ung("G1") + msg("1") + ung("G2") + msg("2") + "UNE+1+G2'UNZ+2+IC1'")
    assert summarise(evs).groups == [["gs.trailer_missing"], []]


def test_une_without_ung_and_unt_without_unh() -> None:
    evs = read(HEAD + msg() + "UNE+1+G1'UNT+2+1'UNZ+1+IC1'")
    errs = interchanges(evs)[0].report.errors
    assert codes(errs) == ["isa.structure", "isa.structure"]
    assert "(UNE) has no UNG before it" in errs[0].message
    assert "(UNT) has no UNH before it" in errs[1].message


def test_groups_mixed_with_loose_messages() -> None:
    data = HEAD + msg("1") + ung() + msg("2") + "UNE+1+G1'UNZ+1+IC1'"
    evs = read(data)
    d = one(interchanges(evs)[0].report.errors)
    assert d.code == "isa.structure"
    assert d.message == (f"the interchange mixes messages outside groups (UNH at offset "
                         f"{data.index('UNH')}) with UNG groups (UNG at offset "
                         f"{data.index('UNG')})")
    starts = [e.report for e in evs if isinstance(e, GroupStart)]
    assert [g.synthetic for g in starts] == [True, False]


# -- segments outside any message ---------------------------------------------------------------

def test_stray_segments_between_messages() -> None:
    data = HEAD + msg("1") + "BGM+1'DTM+2'FTX+3'" + msg("2") + "UNZ+2+IC1'"
    evs = read(data)
    d = one(interchanges(evs)[0].report.errors)
    assert d.code == "isa.structure"
    at = data.index("BGM+1'")
    assert d.message == f"segment BGM at offset {at} is outside any message (3 segments in a row)"
    assert (d.segment, d.segment_position) == ("BGM", 5)
    assert [len(m.tokens()) for m in messages(evs)] == [3, 3]


def test_segments_outside_any_interchange_are_junk() -> None:
    evs = read(HEAD + msg() + "UNZ+1+IC1'UNZ+1+IC1'UNT+1+1'")
    (d,) = file_defects(evs)
    assert d.code == "file.junk"
    assert "2 segments from offset" in d.message


def test_interchange_positions_of_envelope_segments() -> None:
    data = HEAD + ung() + msg("1") + "UNE+1+G1'UNZ+1+IC1'"
    evs = read(data)
    (gs,) = [e for e in evs if isinstance(e, GroupStart)]
    (ge,) = [e for e in evs if isinstance(e, GroupEnd)]
    (ie,) = [e for e in evs if isinstance(e, InterchangeEnd)]
    assert gs.header is not None and ge.trailer is not None and ie.trailer is not None
    assert (gs.header.position, ge.trailer.position, ie.trailer.position) == (2, 6, 7)
    assert [gs.header.offset, ge.trailer.offset, ie.trailer.offset] == \
        [data.index("UNG"), data.index("UNE"), data.index("UNZ")]
    assert isinstance(evs[2], Message) or isinstance(evs[1], GroupStart)


def test_report_tree_is_filled() -> None:
    evs = read(HEAD + msg("1") + msg("2", n=7) + "UNZ+2+IC1'")
    report = interchanges(evs)[0].report
    (group,) = report.groups
    assert [t.control_number for t in group.transactions] == ["1", "2"]
    assert report.status == "partially_accepted"
    assert group.status == "partially_accepted"
