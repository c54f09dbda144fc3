"""CONTRL rendered from hand-built reports, tokenized back with pydifact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from pydifact.segmentcollection import Interchange

from gateway.acks import AckContext, AckPolicy, Sequence, render_acks
from gateway.acks.contrl import contrl_needed, render_contrl
from gateway.report import Defect, GroupReport, InterchangeReport, TransactionReport
from gateway.stream import Delimiters

pytestmark = pytest.mark.filterwarnings("ignore::Warning")  # pydifact: no directory data

NOW = datetime(1999, 12, 31, 23, 58)
DELIMS = {"element": "+", "component": ":", "segment": "'", "release": "?"}


# -- fixtures ---------------------------------------------------------------------------------
def interchange(*groups: GroupReport, version: str = "UNOC:3", una: bool = True,
                **kw: Any) -> InterchangeReport:
    ix = InterchangeReport(standard="edifact", sender="5412345000013", receiver="4012345000009",
                           control_number="REF42", version=version, sender_qualifier="14",
                           receiver_qualifier="14", date="991230", time="1200",
                           delimiters=dict(DELIMS), envelope={"UNA": True} if una else {})
    for k, v in kw.items():
        setattr(ix, k, v)
    ix.groups.extend(groups)
    return ix


def messages(*sets: TransactionReport) -> GroupReport:
    g = GroupReport(None, "D96A", None, synthetic=True)
    g.transactions.extend(sets)
    return g


def ung(ref: str, *sets: TransactionReport, errors: list[Defect] | None = None) -> GroupReport:
    g = GroupReport("ORDERS", "D96A", ref, sender="APPSEND", receiver="APPRECV")
    g.transactions.extend(sets)
    g.errors.extend(errors or [])
    return g


def msg(ref: str, *errors: Defect, kind: str = "ORDERS") -> TransactionReport:
    return TransactionReport(kind, ref, segment_count=9, version="D96A",
                             message_identifier=(kind, "D", "96A", "UN", "EAN008"),
                             errors=list(errors))


def ctx(start: int = 1, **kw: Any) -> AckContext:
    return AckContext(numbers=Sequence(start), now=NOW, **kw)


def parsed(text: str) -> list[tuple[str, list[Any]]]:
    """Tokenize with pydifact; UNB/UNZ are kept by it in the Interchange header/trailer."""
    ix = Interchange.from_str(text)
    return [(s.tag, s.elements) for s in ix.segments]


def check_counts(text: str) -> list[tuple[str, list[Any]]]:
    segs = parsed(text)
    tags = [t for t, _ in segs]
    assert tags[0] == "UNH" and tags[-1] == "UNT"
    unh, unt = segs[0][1], segs[-1][1]
    assert unt == [str(len(segs)), unh[0]]
    unb_ref = Interchange.from_str(text).control_reference
    assert text.rstrip("\n").endswith(f"UNZ+1+{unb_ref}'")
    return segs


MISSING_BGM = Defect("segment.missing", "BGM missing", segment="BGM", segment_position=2)
LONG_NAD = Defect("element.too_long", "NAD02-1 too long", segment="NAD", segment_position=5,
                  element="NAD02-1", value="x" * 40)


# -- tests ------------------------------------------------------------------------------------
def test_all_accepted_golden() -> None:
    text = render_contrl(interchange(messages(msg("M1"), msg("M2"))), ctx())
    assert text == (
        "UNA:+.? 'UNB+UNOC:3+4012345000009:14+5412345000013:14+991231:2358+1'"
        "UNH+1+CONTRL:D:3:UN'UCI+REF42+5412345000013:14+4012345000009:14+7'"
        "UCM+M1+ORDERS:D:96A:UN:EAN008+7'UCM+M2+ORDERS:D:96A:UN:EAN008+7'"
        "UNT+5+1'UNZ+1+1'")
    check_counts(text)


def test_rejected_message_with_segment_and_element_errors() -> None:
    ix = interchange(messages(msg("M1"), msg("M2", MISSING_BGM, LONG_NAD)))
    segs = check_counts(render_contrl(ix, ctx()) or "")
    assert segs[1:] == [
        ("UCI", ["REF42", ["5412345000013", "14"], ["4012345000009", "14"], "7"]),
        ("UCM", ["M1", ["ORDERS", "D", "96A", "UN", "EAN008"], "7"]),
        ("UCM", ["M2", ["ORDERS", "D", "96A", "UN", "EAN008"], "4"]),
        ("UCS", ["2", "13"]),
        ("UCS", ["5"]),
        ("UCD", ["39", ["2", "1"]]),
        ("UNT", ["8", "1"]),
    ]


def test_message_level_defect_on_ucm() -> None:
    bad = Defect("st.count", "UNT01 says 12", segment="UNT", element_seq=1)
    segs = check_counts(render_contrl(interchange(messages(msg("M1", bad))), ctx()) or "")
    assert segs[2] == ("UCM", ["M1", ["ORDERS", "D", "96A", "UN", "EAN008"], "4", "29", "UNT",
                               "1"])


def test_interchange_rejected_reports_uci_only() -> None:
    ix = interchange(messages(msg("M1")), errors=[
        Defect("unb.syntax", "UNOX not supported", segment="UNB", element_seq=1,
               component_seq=1)])
    segs = check_counts(render_contrl(ix, ctx()) or "")
    assert [t for t, _ in segs] == ["UNH", "UCI", "UNT"]
    assert segs[1][1][3:] == ["4", "2", "UNB", ["1", "1"]]
    assert [a.type for a in render_acks(ix, ctx())] == ["CONTRL"]


def test_groups_nest_ucm_under_ucf() -> None:
    rejected = ung("G2", msg("M3"), errors=[Defect("gs.count", "UNE01 says 5", segment="UNE")])
    ix = interchange(ung("G1", msg("M1"), msg("M2", MISSING_BGM)), rejected)
    segs = check_counts(render_contrl(ix, ctx()) or "")
    assert [(t, e[0], e[3] if len(e) > 3 else None) for t, e in segs[2:-1]] == [
        ("UCF", "G1", "7"), ("UCM", "M1", None), ("UCM", "M2", None), ("UCS", "2", None),
        ("UCF", "G2", "4")]
    assert segs[2][1][1:] == ["APPSEND", "APPRECV", "7"]
    assert segs[-2][1][4] == "29"


def test_release_escaping_of_echoed_values() -> None:
    ix = interchange(messages(msg("M'1?")), control_number="A+B:C")
    ix.sender = "ACME?'CO"
    text = render_contrl(ix, ctx()) or ""
    assert "UCI+A?+B?:C+ACME???'CO:14+" in text
    segs = check_counts(text)
    assert segs[1][1][0] == "A+B:C" and segs[1][1][1] == ["ACME?'CO", "14"]
    assert segs[2][1][0] == "M'1?"


def test_escaping_with_other_delimiters_and_newline() -> None:
    ours = Delimiters(element="*", component="^", segment="~", release="!")
    text = render_contrl(interchange(messages(msg("M*1"))), ctx(delimiters=ours, newline=True))
    assert text is not None and text.startswith("UNA^*.! ~\nUNB*UNOC^3*")
    assert "UCM*M!*1*ORDERS^D^96A^UN^EAN008*7~\n" in text


def test_syntax_4_uses_contrl_4_1() -> None:
    d = Defect("element.too_long", "long", segment="FTX", segment_position=4, element_seq=4,
               component_seq=1, repetition=2)
    text = render_contrl(interchange(messages(msg("M1", d)), version="UNOC:4"), ctx()) or ""
    assert text.startswith("UNA:+.?*'")  # UNA5 is the repetition separator in syntax 4
    assert "UNB+UNOC:4+4012345000009:14+5412345000013:14+19991231:2358+1'" in text
    assert "UNH+1+CONTRL:4:1:UN'" in text
    assert "UCS+4'UCD+39+4:1:2'" in text
    check_counts(text)


def test_no_una_when_inbound_had_none_and_defaults_apply() -> None:
    text = render_contrl(interchange(messages(msg("M1")), una=False), ctx()) or ""
    assert text.startswith("UNB+UNOC:3+")
    check_counts(text)


def test_test_indicator_is_unb_0035() -> None:
    text = render_contrl(interchange(messages(msg("M1")), test=True), ctx()) or ""
    assert "+991231:2358+1++++++1'" in text
    assert "+1'UNH" in (render_contrl(interchange(messages(msg("M1")), test=True),
                                      ctx(test_indicator=False)) or "")


def test_never_contrl_a_contrl() -> None:
    ix = interchange(messages(msg("C1", kind="CONTRL")), ack_requested=True)
    assert render_contrl(ix, ctx()) is None
    assert render_acks(ix, ctx(), AckPolicy(contrl="always")) == []


def test_policy() -> None:
    ok = interchange(messages(msg("M1")))
    assert not contrl_needed(ok) and render_acks(ok, ctx()) == []
    asked = interchange(messages(msg("M1")), ack_requested=True)
    assert [a.type for a in render_acks(asked, ctx())] == ["CONTRL"]
    bad = interchange(messages(msg("M1", MISSING_BGM)))
    assert [a.interchange_control_number for a in render_acks(bad, ctx())] == ["REF42"]
    assert render_acks(bad, ctx(), AckPolicy(contrl="never")) == []
    assert len(render_acks(ok, ctx(), AckPolicy(contrl="always"))) == 1


def test_numbers_and_determinism() -> None:
    ix = interchange(messages(msg("M1", MISSING_BGM)))
    c = ctx(start=7)
    first, second = render_contrl(ix, c) or "", render_contrl(ix, c) or ""
    assert "UNZ+1+7'" in first and "UNH+7+" in first
    assert "UNZ+1+8'" in second and "UNH+8+" in second
    assert render_contrl(ix, ctx(start=7)) == first
    assert render_contrl(interchange(), ctx()) is not None  # an empty interchange is answered


def test_receipt_only() -> None:
    text = render_contrl(interchange(messages(msg("M1", MISSING_BGM))), ctx(),
                         receipt_only=True) or ""
    assert [t for t, _ in check_counts(text)] == ["UNH", "UCI", "UNT"]
    assert "+8'UNT" in text


def test_x12_report_gets_no_contrl() -> None:
    ix = interchange(messages(msg("M1")))
    ix.standard = "x12"
    assert render_contrl(ix, ctx()) is None
