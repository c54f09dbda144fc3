"""The outbound X12 writer: what it writes reads back unchanged, with a clean envelope."""

from __future__ import annotations

import io
from collections.abc import Sequence as SequenceOf
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.acks.numbers import Sequence
from gateway.errors import GatewayError
from gateway.partners import PartnerProfile, load_folder
from gateway.report import InterchangeReport
from gateway.stream import Delimiters, Elements, FileDefect, InterchangeEnd, Message
from gateway.x12.reader import read_x12
from gateway.x12.writer import (
    ENVELOPE_TAGS,
    Element,
    Group,
    GroupHeader,
    Segment,
    Transaction,
    X12Envelope,
    envelope_from_profile,
    format_segment,
    group_from_profile,
    write_interchange,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2024, 3, 5, 14, 7)
PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))
SETS = [("850", "PO"), ("810", "IN"), ("856", "SH"), ("855", "PR"), ("997", "FA")]
DELIMITER_SETS = ["*>^~", "*:^~", "|^!\n", "!\\{'", "+:*'"]  # element, component, rep., end


def profiles() -> list[PartnerProfile]:
    loaded, errors = load_folder(ROOT / "partners")
    assert not errors
    return [lp.profile for lp in loaded]


# -- reading back -----------------------------------------------------------------------------
@dataclass
class ReadBack:
    ix: InterchangeReport
    messages: list[list[tuple[str, Elements]]] = field(default_factory=list)
    delimiters: Delimiters | None = None


def read_back(text: str, chunk_size: int = 1 << 20) -> ReadBack:
    """The one interchange in ``text``, checked to carry no defect at all (warnings too)."""
    ixs: list[InterchangeReport] = []
    messages: list[list[tuple[str, Elements]]] = []
    delimiters = None
    for ev in read_x12(io.BytesIO(text.encode("latin-1")), chunk_size=chunk_size):
        assert not isinstance(ev, FileDefect), ev.defect
        if isinstance(ev, Message):
            messages.append([(t.tag, t.elements) for t in ev.tokens()])
            delimiters = ev.delimiters
        elif isinstance(ev, InterchangeEnd):
            ixs.append(ev.report)
    assert len(ixs) == 1
    ix = ixs[0]
    defects = list(ix.errors)
    for g in ix.groups:
        defects += g.errors
        for t in g.transactions:
            defects += t.errors
    assert defects == []
    return ReadBack(ix, messages, delimiters)


def expected(elements: SequenceOf[Element]) -> Elements:
    """What a reader gives for ``elements`` once the writer dropped the trailing empties."""
    def comps(c: str | tuple[str, ...]) -> list[str]:
        out = [c] if isinstance(c, str) else list(c)
        while len(out) > 1 and not out[-1]:
            out.pop()
        return out or [""]

    out: Elements = []
    for e in elements:
        if isinstance(e, str | tuple):
            out.append([comps(e)])
        else:
            reps = [comps(r) for r in e]
            while len(reps) > 1 and reps[-1] == [""]:
                reps.pop()
            out.append(reps or [[""]])
    while out and out[-1] == [[""]]:
        out.pop()
    return out


# -- the round trip ---------------------------------------------------------------------------
@st.composite
def interchanges(draw: st.DrawFn) -> tuple[X12Envelope, list[Group]]:
    element, component, repetition, segment = tuple(draw(st.sampled_from(DELIMITER_SETS)))
    isa12 = draw(st.sampled_from(["00401", "00501"]))
    suffix = "" if segment == "\n" else draw(st.sampled_from(["", "\n", "\r\n"]))
    d = Delimiters(element=element, component=component, segment=segment,
                   repetition=repetition, suffix=suffix)
    env = X12Envelope("ZZ", draw(st.sampled_from(["SENDER", "A" * 15])), "01", "123456789",
                      isa12=isa12, usage=draw(st.sampled_from(["P", "T"])),
                      ack_requested=draw(st.booleans()), delimiters=d,
                      newline=draw(st.booleans()))
    used = {element, component, segment} | ({repetition} if isa12 >= "00402" else set())
    value = st.text(alphabet=[c for c in PRINTABLE if c not in used], max_size=8)
    composite = st.lists(value, min_size=1, max_size=4).map(tuple)
    elem: st.SearchStrategy[Element] = st.one_of(value, composite)
    if isa12 >= "00402":
        elem = st.one_of(elem, st.lists(st.one_of(value, composite), max_size=3))
    tag = st.from_regex(r"[A-Z]{2,3}", fullmatch=True).filter(lambda t: t not in ENVELOPE_TAGS)
    segments = st.lists(st.tuples(tag, st.lists(elem, max_size=6)), max_size=5)
    groups: list[Group] = []
    for _ in range(draw(st.integers(0, 3))):
        set_id, fid = draw(st.sampled_from(SETS))
        sets = [Transaction(set_id, draw(segments),
                            draw(st.sampled_from(["", "005010X228"])) if isa12 >= "00501"
                            else "")
                for _ in range(draw(st.integers(0, 3)))]
        groups.append((GroupHeader(fid, "APPSENDER", "APPRECEIVER", isa12 + "0"), sets))
    return env, groups


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interchanges(), st.integers(1, 999_999_000), st.sampled_from([5, 64, 1 << 20]),
       st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)))
def test_round_trip(ic: tuple[X12Envelope, list[Group]], start: int, chunk: int,
                    now: datetime) -> None:
    env, groups = ic
    seq = Sequence(start)
    text = write_interchange(env, groups, seq, now)
    back = read_back(text, chunk)
    ix = back.ix
    # the control numbers are the sequence's, each series in file order
    n_sets = sum(len(sets) for _, sets in groups)
    assert (seq.peek("interchange"), seq.peek("group"), seq.peek("transaction")) == (
        start + 1, start + len(groups), start + n_sets)
    assert ix.control_number == f"{start:09d}"
    assert [g.control_number for g in ix.groups] == [str(start + k) for k in range(len(groups))]
    assert [t.control_number for g in ix.groups for t in g.transactions] == [
        f"{start + k:04d}" for k in range(n_sets)]
    # the envelope says what the envelope was given
    assert (ix.sender_qualifier, ix.sender, ix.receiver_qualifier, ix.receiver) == (
        env.sender_qualifier, env.sender_id, env.receiver_qualifier, env.receiver_id)
    assert (ix.version, ix.test, ix.ack_requested) == (env.isa12, env.usage == "T",
                                                       env.ack_requested)
    assert [(g.functional_id, g.sender, g.receiver, g.version) for g in ix.groups] == [
        (h.functional_id, h.app_sender, h.app_receiver, h.version) for h, _ in groups]
    # every segment and value is back, in order
    sets_in = [t for _, sets in groups for t in sets]
    assert len(back.messages) == len(sets_in)
    for t, got in zip(sets_in, back.messages, strict=True):
        assert got[1:-1] == [(tag, expected(els)) for tag, els in t[1]]
        assert got[0][1][0] == [[t[0]]]
        st03 = t.implementation_reference if isinstance(t, Transaction) else ""
        assert (got[0][1][2][0][0] if len(got[0][1]) > 2 else "") == st03
    if back.delimiters is not None:
        d = env.delimiters
        assert (back.delimiters.element, back.delimiters.component, back.delimiters.segment) \
            == (d.element, d.component, d.segment)
        assert back.delimiters.repetition == (d.repetition if env.isa12 >= "00402" else None)


def test_several_groups_and_sets_exact_text() -> None:
    env = X12Envelope("ZZ", "ACMEHOMEGOODS", "08", "6141410000", newline=True,
                      delimiters=Delimiters("*", ">", "~"))
    po = GroupHeader("PO", "ACMEHOMEGOODS", "6141410000", "004010VICS")
    inv = GroupHeader("IN", "ACMEHOMEGOODS", "6141410000", "004010VICS")
    second: list[Segment] = [("BEG", ["00", "SA", "4500002", "", "20240305"]),
                             ("REF", ["DP", "", "", ""]), ("PO1", ["1", "5", "EA", ("", "")])]
    groups: list[Group] = [
        (po, [("850", [("BEG", ["00", "SA", "4500001", "", "20240305"])]), ("850", second)]),
        (inv, [("810", [("BIG", ["20240305", "INV1"])])]),
    ]
    seq = Sequence(41)
    text = write_interchange(env, groups, seq, NOW)
    assert text == (
        "ISA*00*          *00*          *ZZ*ACMEHOMEGOODS  *08*6141410000     *240305*1407*U*"
        "00401*000000041*0*P*>~\n"
        "GS*PO*ACMEHOMEGOODS*6141410000*20240305*1407*41*X*004010VICS~\n"
        "ST*850*0041~\nBEG*00*SA*4500001**20240305~\nSE*3*0041~\n"
        "ST*850*0042~\nBEG*00*SA*4500002**20240305~\nREF*DP~\nPO1*1*5*EA~\nSE*5*0042~\n"
        "GE*2*41~\n"
        "GS*IN*ACMEHOMEGOODS*6141410000*20240305*1407*42*X*004010VICS~\n"
        "ST*810*0043~\nBIG*20240305*INV1~\nSE*3*0043~\nGE*1*42~\n"
        "IEA*2*000000041~\n")
    assert len(text.split("~")[0]) == 105  # the ISA is fixed width (106 with its terminator)
    back = read_back(text)
    assert [g.declared_count for g in back.ix.groups] == [2, 1]
    assert [t.segment_count for g in back.ix.groups for t in g.transactions] == [3, 5, 3]


def test_empty_interchange_and_empty_group() -> None:
    env = X12Envelope("ZZ", "A", "ZZ", "B")
    assert read_back(write_interchange(env, [], Sequence(), NOW)).ix.groups == []
    back = read_back(write_interchange(env, [(GroupHeader("PO", "A", "B", "004010"), [])],
                                       Sequence(), NOW))
    assert back.ix.groups[0].declared_count == 0


# -- values that cannot be written -------------------------------------------------------------
@pytest.mark.parametrize(("elements", "where", "what"), [
    (["ST", "ACME*WEST"], "N102", "element separator '*'"),
    (["ST", ("A", "B>C")], "N102-02", "component separator '>'"),
    (["ST", "ACME~"], "N102", "segment terminator '~'"),
    (["ST", "two\nlines"], "N102", "line break"),
    (["ST", "cr\r"], "N102", "line break"),
])
def test_delimiter_in_value_is_refused(elements: list[Element], where: str, what: str) -> None:
    env = X12Envelope("ZZ", "A", "ZZ", "B")
    seq = Sequence(7)
    body: list[Segment] = [("BEG", ["00"]), ("N1", elements)]
    groups: list[Group] = [(GroupHeader("PO", "A", "B", "004010"), [("850", body)])]
    with pytest.raises(GatewayError) as info:
        write_interchange(env, groups, seq, NOW)
    err = info.value
    assert err.code == "outbound.delimiter_in_value"
    assert err.message.startswith(f"{where} value ")
    assert what in err.message and "no release character" in err.message
    # nothing was taken from the sequence: the refused document uses up no numbers
    assert (seq.peek("interchange"), seq.peek("group"), seq.peek("transaction")) == (7, 7, 7)


def test_repetition_separator_is_a_delimiter_from_00402_only() -> None:
    d = Delimiters("*", ">", "~", repetition="^")
    assert format_segment("MSG", ["a^b"], replace(d, repetition=None)) == "MSG*a^b"
    with pytest.raises(GatewayError, match=r"MSG01 .*repetition separator '\^'"):
        format_segment("MSG", ["a^b"], d)


def test_envelope_values_are_checked() -> None:
    seq = Sequence()
    with pytest.raises(GatewayError, match="ISA06 .* longer than 15"):
        write_interchange(X12Envelope("ZZ", "X" * 16, "ZZ", "B"), [], seq, NOW)
    with pytest.raises(GatewayError, match="ISA08 .* contains the element separator"):
        write_interchange(X12Envelope("ZZ", "A", "ZZ", "B*C"), [], seq, NOW)
    with pytest.raises(GatewayError, match="belongs in a PO group"):
        write_interchange(X12Envelope("ZZ", "A", "ZZ", "B"),
                          [(GroupHeader("IN", "A", "B", "004010"), [("850", [])])], seq, NOW)
    with pytest.raises(GatewayError, match="envelope segment SE"):
        write_interchange(X12Envelope("ZZ", "A", "ZZ", "B"),
                          [(GroupHeader("PO", "A", "B", "004010"),
                            [("850", [("SE", ["1", "0001"])])])], seq, NOW)
    with pytest.raises(GatewayError, match="not an X12 tag"):
        format_segment("beg", [], Delimiters("*", ">", "~"))
    with pytest.raises(GatewayError, match="both the element separator and"):
        write_interchange(X12Envelope("ZZ", "A", "ZZ", "B",
                                      delimiters=Delimiters("*", "*", "~")), [], seq, NOW)
    with pytest.raises(GatewayError, match="needs a repetition separator"):
        write_interchange(X12Envelope("ZZ", "A", "ZZ", "B", isa12="00501",
                                      delimiters=Delimiters("*", ">", "~")), [], seq, NOW)
    assert seq.peek("interchange") == 1


def test_control_numbers_out_of_range_are_refused() -> None:
    class Broken:
        def next(self, kind: str) -> int:
            return 1_000_000_000

    with pytest.raises(GatewayError) as info:
        write_interchange(X12Envelope("ZZ", "A", "ZZ", "B"), [], Broken(), NOW)
    assert info.value.code == "outbound.control_number"


# -- layout and versions ----------------------------------------------------------------------
@pytest.mark.parametrize(("suffix", "newline", "between"), [
    ("", False, "~"), ("", True, "~\n"), ("\r\n", False, "~\r\n"), ("\r\n", True, "~\r\n"),
    ("\n", True, "~\n"),
])
def test_line_ends(suffix: str, newline: bool, between: str) -> None:
    env = X12Envelope("ZZ", "A", "ZZ", "B", newline=newline,
                      delimiters=Delimiters("*", ">", "~", suffix=suffix))
    text = write_interchange(env, [(GroupHeader("PO", "A", "B", "004010"),
                                    [("850", [("BEG", ["00"])])])], Sequence(), NOW)
    assert text.count(between) == 7 and text.endswith(between)
    assert text.count("\n") == (7 if between.endswith("\n") else 0)
    back = read_back(text)
    assert back.delimiters is not None and back.delimiters.suffix == between[1:]


def test_5010_repetitions_and_st03() -> None:
    env = X12Envelope("ZZ", "A", "ZZ", "B", isa12="00501")
    hl = GroupHeader("HC", "A", "B", "005010X222A1")
    seg: Segment = ("HI", [[("ABK", "I10"), ("ABF", "E11"), ""], [("ABF", "Z00"), ("", "")],
                           "", []])
    text = write_interchange(env, [(hl, [Transaction("837", [seg], "005010X222A1")])],
                             Sequence(), NOW)
    assert "*^*00501*" in text  # ISA11 is the repetition separator
    assert "~ST*837*0001*005010X222A1~HI*ABK>I10^ABF>E11*ABF>Z00~SE*3*0001~" in text
    back = read_back(text)
    assert back.messages[0][0][1][2] == [["005010X222A1"]]
    assert back.messages[0][1] == ("HI", [[["ABK", "I10"], ["ABF", "E11"]], [["ABF", "Z00"]]])


def test_4010_has_no_repetitions() -> None:
    env = X12Envelope("ZZ", "A", "ZZ", "B")
    groups: list[Group] = [(GroupHeader("PO", "A", "B", "004010"),
                            [("850", [("REF", [["a", "b"]])])])]
    with pytest.raises(GatewayError, match="REF01 has repetitions"):
        write_interchange(env, groups, Sequence(), NOW)


# -- each example partner's syntax ------------------------------------------------------------
@pytest.mark.parametrize("profile", [p for p in profiles() if p.identities.x12],
                         ids=lambda p: p.id)
def test_partner_syntax(profile: PartnerProfile) -> None:
    env = envelope_from_profile(profile)
    syntax = profile.syntax.x12
    us, them = profile.us.x12, profile.identities.x12[0]
    assert us is not None
    header = group_from_profile(profile, "IN")
    body: list[Segment] = [("BIG", ["20240305", "INV-1"]), ("N1", ["ST", "STORE 12", "92", "12"])]
    seq = Sequence(profile.control_numbers.interchange.start)
    text = write_interchange(env, [(header, [("810", body), ("810", body)])], seq, NOW)
    back = read_back(text)
    ix = back.ix
    assert (ix.sender_qualifier, ix.sender) == (us.isa_qualifier, us.isa_id)
    assert (ix.receiver_qualifier, ix.receiver) == (them.isa_qualifier, them.isa_id)
    assert ix.version == syntax.isa12 and ix.test == profile.test
    assert ix.control_number == f"{profile.control_numbers.interchange.start:09d}"
    g = ix.groups[0]
    assert (g.sender, g.receiver, g.version) == (us.group_code, them.group_codes[0],
                                                 syntax.group_version)
    d = back.delimiters
    assert d is not None
    assert (d.element, d.component, d.segment, d.repetition) == (
        syntax.delimiters.element, syntax.delimiters.component, syntax.delimiters.segment,
        syntax.delimiters.repetition)
    assert d.suffix == ("\n" if syntax.newline else "")
    assert text.count("\n") == (text.count(d.segment) if syntax.newline else 0)
    assert [m[1:-1] for m in back.messages] == [[(t, expected(e)) for t, e in body]] * 2
    # inbound: the same partner as the sender, to us
    inbound = envelope_from_profile(profile, "inbound")
    assert (inbound.sender_id, inbound.receiver_id) == (env.receiver_id, env.sender_id)
    assert group_from_profile(profile, "PO", "inbound").app_sender == them.group_codes[0]


def test_partner_without_x12() -> None:
    edifact_only = [p for p in profiles() if not p.identities.x12]
    assert edifact_only
    with pytest.raises(GatewayError, match="no X12 identity"):
        envelope_from_profile(edifact_only[0])
