"""The outbound EDIFACT writer: escaped values read back unchanged, with a clean envelope."""

from __future__ import annotations

import io
from collections.abc import Sequence as SequenceOf
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.acks.numbers import Sequence
from gateway.edifact import read_edifact
from gateway.edifact.writer import (
    SERVICE_TAGS,
    EdifactEnvelope,
    EdifactGroupHeader,
    EdifactMessage,
    Element,
    GroupLike,
    Segment,
    envelope_from_profile,
    format_segment,
    message_identifier,
    write_interchange,
)
from gateway.errors import GatewayError
from gateway.partners import PartnerProfile, load_folder
from gateway.report import GroupReport, InterchangeReport
from gateway.stream import Delimiters, Elements, FileDefect, InterchangeEnd, Message

from .util import check_nesting

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2024, 3, 5, 14, 7)
PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))
ORDERS = message_identifier("ORDERS", "D96A", "EAN008")
INVOIC = message_identifier("INVOIC", "D96A")


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
    unz: Elements | None = None


def read_back(text: str, encoding: str = "latin-1", chunk_size: int = 1 << 20) -> ReadBack:
    """The one interchange in ``text``, checked to carry no defect at all (warnings too)."""
    events = list(read_edifact(io.BytesIO(text.encode(encoding)), chunk_size=chunk_size))
    check_nesting(events)
    back: ReadBack | None = None
    messages: list[list[tuple[str, Elements]]] = []
    delimiters = None
    for ev in events:
        assert not isinstance(ev, FileDefect), ev.defect
        if isinstance(ev, Message):
            messages.append([(t.tag, t.elements) for t in ev.tokens()])
            delimiters = ev.delimiters
        elif isinstance(ev, InterchangeEnd):
            assert back is None
            back = ReadBack(ev.report, messages, delimiters,
                            ev.trailer.elements if ev.trailer else None)
    assert back is not None
    defects = list(back.ix.errors)
    for g in back.ix.groups:
        defects += g.errors
        for t in g.transactions:
            defects += t.errors
    assert defects == []
    return back


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


def real_groups(ix: InterchangeReport) -> list[GroupReport]:
    return [g for g in ix.groups if not g.synthetic]


# -- the round trip ---------------------------------------------------------------------------
Messages = list[EdifactMessage]
Groups = list[tuple[EdifactGroupHeader, list[EdifactMessage]]]


@st.composite
def interchanges(draw: st.DrawFn) -> tuple[EdifactEnvelope, Messages, Groups | None]:
    version = draw(st.sampled_from([1, 2, 3, 3, 4, 4]))
    # component, element, release, repetition, terminator: the defaults or a permutation
    chars = draw(st.sampled_from([":+?*'", ":+?*'", "+:?^'", ":|!*~", "^~\\#'"]))
    comp, elem, rel, rep, term = tuple(chars)
    d = Delimiters(element=elem, component=comp, segment=term, release=rel,
                   repetition=draw(st.sampled_from([rep, None])),
                   decimal=draw(st.sampled_from([".", ","])),
                   suffix=draw(st.sampled_from(["", "\n", "\r\n"])))
    env = EdifactEnvelope(
        draw(st.sampled_from(["5400001000019", "SENDER?+:'"])), "8712345000011",
        sender_qualifier="14", recipient_qualifier=draw(st.sampled_from(["", "14", "ZZZ"])),
        syntax_id="UNOC", syntax_version=version, delimiters=d, una=draw(st.booleans()),
        newline=draw(st.booleans()), test=draw(st.booleans()),
        ack_requested=draw(st.booleans()))
    value = st.text(alphabet=PRINTABLE, max_size=8)  # service characters included
    composite = st.lists(value, min_size=1, max_size=4).map(tuple)
    element: st.SearchStrategy[Element] = st.one_of(value, composite)
    if version == 4:
        element = st.one_of(element, st.lists(st.one_of(value, composite), max_size=3))
    tag = st.from_regex(r"[A-Z]{3}", fullmatch=True).filter(lambda t: t not in SERVICE_TAGS)
    segments = st.lists(st.tuples(tag, st.lists(element, max_size=6)), max_size=5)
    message = st.builds(EdifactMessage, st.sampled_from([ORDERS, INVOIC]), segments)
    if draw(st.booleans()):
        return env, draw(st.lists(message, max_size=4)), None
    header = st.builds(EdifactGroupHeader, st.sampled_from(["ORDERS", "INVOIC"]),
                       st.sampled_from(["APP?S", "5400001000019"]), st.just("APPR"),
                       association=st.sampled_from(["", "EAN008"]))
    groups = draw(st.lists(st.tuples(header, st.lists(message, max_size=3)), min_size=1,
                           max_size=3))
    return env, [m for _, ms in groups for m in ms], groups


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interchanges(), st.integers(1, 999_999_000), st.sampled_from([5, 64, 1 << 20]),
       st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)))
def test_round_trip(ic: tuple[EdifactEnvelope, Messages, Groups | None], start: int, chunk: int,
                    now: datetime) -> None:
    env, messages, grouped = ic
    groups = grouped or []
    seq = Sequence(start)
    text = write_interchange(env, messages if grouped is None else grouped, seq, now)
    back = read_back(text, env.encoding, chunk)
    ix = back.ix
    # the references are the sequence's, each series in file order
    assert (seq.peek("interchange"), seq.peek("group"), seq.peek("transaction")) == (
        start + 1, start + len(groups), start + len(messages))
    assert ix.control_number == str(start)
    assert [g.control_number for g in real_groups(ix)] == [
        str(start + k) for k in range(len(groups))]
    assert [t.control_number for g in ix.groups for t in g.transactions] == [
        str(start + k) for k in range(len(messages))]
    # UNZ counts the groups when there are any, the messages otherwise; UNE its messages
    assert back.unz is not None
    assert back.unz[0] == [[str(len(messages) if grouped is None else len(groups))]]
    assert [g.declared_count for g in real_groups(ix)] == [len(ms) for _, ms in groups]
    # the envelope says what it was given
    assert (ix.sender, ix.sender_qualifier, ix.receiver, ix.receiver_qualifier or "") == (
        env.sender, env.sender_qualifier, env.recipient, env.recipient_qualifier)
    assert (ix.version, ix.test, ix.ack_requested) == (
        f"UNOC:{env.syntax_version}", env.test, env.ack_requested)
    assert [(g.functional_id, g.sender, g.version) for g in real_groups(ix)] == [
        (h.functional_id, h.app_sender, h.version + h.release) for h, _ in groups]
    # every segment and value is back, in order, released characters unescaped
    assert len(back.messages) == len(messages)
    for m, got in zip(messages, back.messages, strict=True):
        assert got[0][1][1] == [list(m[0])]
        assert got[1:-1] == [(tag, expected(els)) for tag, els in m[1]]
    d = env.delimiters
    if back.delimiters is not None:
        b = back.delimiters
        assert (b.element, b.component, b.segment, b.release, b.decimal) == (
            d.element, d.component, d.segment, d.release, d.decimal)
        assert b.repetition == ((d.repetition or "*") if env.syntax_version == 4 else None)
        # the reader takes the suffix from the first unreleased terminator after UNB in its
        # current chunk (gateway.edifact.state.suffix_after): a chunk ending right after it
        # hides the suffix
        if chunk > len(text):
            assert b.suffix == d.suffix or (env.newline and not d.suffix and b.suffix == "\n")
    custom = (d.component, d.element, d.decimal, d.release, d.segment) != tuple(":+.?'") or (
        env.syntax_version == 4 and d.repetition not in (None, "*"))
    assert text.startswith("UNA") == (env.una or custom)


def test_escaping_exact_text() -> None:
    env = EdifactEnvelope("8712345000011", "5400001000019", "14", "14", una=False)
    body: list[Segment] = [("BGM", ["380", "INV?1+2:3'4", "9"]),
                           ("FTX", ["AAI", "", "", ("a:b", "", ""), "", ""]),
                           ("NAD", ["BY", ("5400001000019", "", "9")])]
    text = write_interchange(env, [(INVOIC, body)], Sequence(12), NOW)
    assert text == ("UNB+UNOC:3+8712345000011:14+5400001000019:14+240305:1407+12'"
                    "UNH+12+INVOIC:D:96A:UN'"
                    "BGM+380+INV??1?+2?:3?'4+9'"
                    "FTX+AAI+++a?:b'"
                    "NAD+BY+5400001000019::9'"
                    "UNT+5+12'"
                    "UNZ+1+12'")
    assert read_back(text).messages[0][1:-1] == [(t, expected(e)) for t, e in body]


# -- groups -----------------------------------------------------------------------------------
def test_ung_une_counts() -> None:
    env = EdifactEnvelope("SENDER", "RECIPIENT", syntax_version=4, una=False)
    header = EdifactGroupHeader("INVOIC", "APPS", "APPR", association="EAN008")
    msg = EdifactMessage(INVOIC, [("BGM", ["380", "1"])])
    groups: list[GroupLike] = [(header, [msg, msg]), (header, []), (header, [msg])]
    text = write_interchange(env, groups, Sequence(5), NOW)
    assert not text.startswith("UNA")  # version 4 defaults (repetition '*') need none
    assert "UNB+UNOC:4+SENDER+RECIPIENT+20240305:1407+5'" in text
    assert "UNG+INVOIC+APPS+APPR+20240305:1407+5+UN+D:96A:EAN008'" in text
    assert [s for s in text.split("'") if s[:3] in ("UNE", "UNZ")] == [
        "UNE+2+5", "UNE+0+6", "UNE+1+7", "UNZ+3+5"]
    back = read_back(text)
    assert [g.declared_count for g in back.ix.groups] == [2, 0, 1]
    assert [t.control_number for g in back.ix.groups for t in g.transactions] == ["5", "6", "7"]


def test_messages_without_groups_count_messages() -> None:
    env = EdifactEnvelope("SENDER", "RECIPIENT")
    msg = EdifactMessage(ORDERS, [("BGM", ["220", "1"])])
    text = write_interchange(env, [msg, msg, msg], Sequence(), NOW)
    assert text.endswith("UNZ+3+1'")
    assert "UNG" not in text
    read_back(text)


def test_groups_and_messages_do_not_mix() -> None:
    msg = EdifactMessage(ORDERS, [])
    content = [msg, (EdifactGroupHeader("ORDERS", "A", "B"), [msg])]
    with pytest.raises(GatewayError, match="either messages or UNG groups"):
        write_interchange(EdifactEnvelope("S", "R"), content, Sequence(),  # type: ignore[arg-type]
                          NOW)


# -- syntax version 4 -------------------------------------------------------------------------
def test_syntax_4_repetitions_and_date() -> None:
    env = EdifactEnvelope("S", "R", syntax_version=4, una=False,
                          delimiters=Delimiters("+", ":", "'", release="?", repetition="^"))
    seg: Segment = ("PAT", [["1*2^3", ("A", "B^C")], ("x",), ["", ""], []])
    text = write_interchange(env, [(INVOIC, [seg])], Sequence(), NOW)
    assert text.startswith("UNA:+.?^'")  # a repetition other than '*' needs a UNA
    assert "+20240305:1407+" in text  # CCYYMMDD in version 4
    assert "PAT+1*2?^3^A:B?^C+x'" in text
    back = read_back(text)
    assert back.messages[0][1] == ("PAT", [[["1*2^3"], ["A", "B^C"]], [["x"]]])


def test_repetitions_need_syntax_4() -> None:
    with pytest.raises(GatewayError, match="PAT01 has repetitions, which need syntax version 4"):
        write_interchange(EdifactEnvelope("S", "R"), [(INVOIC, [("PAT", [["a", "b"]])])],
                          Sequence(), NOW)
    # below version 4 the repetition character is an ordinary one
    text = write_interchange(EdifactEnvelope("S", "R"), [(INVOIC, [("PAT", ["a*b"])])],
                             Sequence(), NOW)
    assert "PAT+a*b'" in text and "+240305:1407+" in text
    read_back(text)


# -- what cannot be written -------------------------------------------------------------------
def test_line_break_in_value() -> None:
    seq = Sequence(3)
    with pytest.raises(GatewayError) as info:
        write_interchange(EdifactEnvelope("S", "R"), [(INVOIC, [("FTX", ["AAI", ("a", "b\nc")])])],
                          seq, NOW)
    assert info.value.code == "outbound.delimiter_in_value"
    assert info.value.message.startswith("FTX02-02 value 'b\\nc' contains a line break")
    assert seq.peek("interchange") == 3  # refused before any reference was taken


def test_no_release_character() -> None:
    d = Delimiters("+", ":", "'", release=None)
    assert format_segment("FTX", ["a?b"], d) == "FTX+a?b"
    with pytest.raises(GatewayError, match="data element separator '\\+' and there is no "
                                           "release character"):
        format_segment("FTX", ["a+b"], d)
    text = write_interchange(EdifactEnvelope("S", "R", una=False, delimiters=d),
                             [(INVOIC, [("FTX", ["a?b"])])], Sequence(), NOW)
    assert text.startswith("UNA:+. ")  # no release character: position 6 is a space
    assert read_back(text).messages[0][1] == ("FTX", [[["a?b"]]])


def test_charset() -> None:
    env = EdifactEnvelope("S", "R", syntax_id="UNOA")
    with pytest.raises(GatewayError) as info:
        write_interchange(env, [(INVOIC, [("FTX", ["AAI", "lower case"])])], Sequence(), NOW)
    assert info.value.code == "outbound.charset"
    assert "UNOA" in info.value.message and "'l'" in info.value.message
    with pytest.raises(GatewayError, match="UNOC cannot carry"):
        write_interchange(EdifactEnvelope("S", "R"), [(INVOIC, [("FTX", ["\u20ac"])])],
                          Sequence(), NOW)
    text = write_interchange(EdifactEnvelope("S", "R", syntax_id="UNOW"),
                             [(INVOIC, [("FTX", ["\u20ac 5"])])], Sequence(), NOW)
    assert read_back(text, "utf-8").messages[0][1] == ("FTX", [[["\u20ac 5"]]])
    text = write_interchange(env, [(INVOIC, [("FTX", ["UPPER ?+:'"])])], Sequence(), NOW)
    read_back(text, "ascii")


def test_envelope_checks() -> None:
    with pytest.raises(GatewayError, match="service segment UNT"):
        write_interchange(EdifactEnvelope("S", "R"), [(INVOIC, [("UNT", ["2", "1"])])],
                          Sequence(), NOW)
    with pytest.raises(GatewayError, match="not an EDIFACT tag"):
        format_segment("BG", [], Delimiters("+", ":", "'", release="?"))
    with pytest.raises(GatewayError, match="both the data element separator and"):
        write_interchange(EdifactEnvelope("S", "R", delimiters=Delimiters("+", "+", "'")), [],
                          Sequence(), NOW)
    with pytest.raises(GatewayError, match="needs message type"):
        write_interchange(EdifactEnvelope("S", "R"), [(("INVOIC", "D"), [])], Sequence(), NOW)


# -- layout and partners ----------------------------------------------------------------------
@pytest.mark.parametrize(("suffix", "newline", "between"), [
    ("", False, "'"), ("", True, "'\n"), ("\r\n", False, "'\r\n"), ("\r\n", True, "'\r\n"),
])
def test_line_ends(suffix: str, newline: bool, between: str) -> None:
    env = EdifactEnvelope("S", "R", newline=newline,
                          delimiters=Delimiters("+", ":", "'", release="?", suffix=suffix))
    text = write_interchange(env, [(INVOIC, [("BGM", ["380"])])], Sequence(), NOW)
    assert text.count(between) == 6 and text.endswith(between)  # UNA UNB UNH BGM UNT UNZ
    assert text.startswith("UNA:+.? '" + between[1:] + "UNB+")
    back = read_back(text)
    assert back.delimiters is not None and back.delimiters.suffix == between[1:]


@pytest.mark.parametrize("profile", [p for p in profiles() if p.identities.edifact],
                         ids=lambda p: p.id)
def test_partner_syntax(profile: PartnerProfile) -> None:
    env = envelope_from_profile(profile)
    syntax = profile.syntax.edifact
    us, them = profile.us.edifact, profile.identities.edifact[0]
    assert us is not None
    body: list[Segment] = [("BGM", ["380", "INV+1"]), ("NAD", ["SU", (us.id, "", "9")])]
    ident = message_identifier("INVOIC", syntax.directory, "EAN008")
    text = write_interchange(env, [(ident, body), (ident, body)], Sequence(), NOW)
    assert text.startswith("UNA") == syntax.una
    back = read_back(text, env.encoding)
    ix = back.ix
    assert (ix.sender, ix.sender_qualifier) == (us.id, us.qualifier)
    assert (ix.receiver, ix.receiver_qualifier) == (them.id, them.qualifier)
    assert ix.version == f"{syntax.syntax_id}:{syntax.syntax_version}"
    assert ix.test == profile.test
    s, d = syntax.separators, back.delimiters
    assert d is not None
    assert (d.element, d.component, d.segment, d.release, d.decimal) == (
        s.element, s.component, s.segment, s.release, s.decimal)
    assert d.suffix == ("\n" if syntax.newline else "")
    assert [m[1:-1] for m in back.messages] == [[(t, expected(e)) for t, e in body]] * 2
    assert back.messages[0][0][1][1] == [["INVOIC", syntax.directory[:1],
                                          syntax.directory[1:], "UN", "EAN008"]]
    inbound = envelope_from_profile(profile, "inbound")
    assert (inbound.sender, inbound.recipient) == (them.id, us.id)


def test_partner_without_edifact() -> None:
    x12_only = [p for p in profiles() if not p.identities.edifact]
    with pytest.raises(GatewayError, match="no EDIFACT identity"):
        envelope_from_profile(x12_only[0])


def test_ung_mandatory_elements() -> None:
    with pytest.raises(GatewayError, match="UNG needs 0040 application sender"):
        write_interchange(EdifactEnvelope("S", "R"),
                          [(EdifactGroupHeader("INVOIC", "", "R"), [])], Sequence(), NOW)
