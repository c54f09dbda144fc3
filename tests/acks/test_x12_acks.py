"""997 / 999 / TA1 rendered from hand-built reports, read back with pyx12."""

from __future__ import annotations

import io
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyx12.x12file import X12Reader  # type: ignore[import-untyped]

from gateway.acks import AckContext, AckPolicy, Sequence, render_acks
from gateway.acks.x12 import render_997, render_999, render_ta1, ta1_needed, ta1_segment
from gateway.report import Defect, GroupReport, InterchangeReport, TransactionReport
from gateway.stream import Delimiters

NOW = datetime(1999, 12, 31, 23, 58)
ROOT = Path(__file__).resolve().parents[2]


# -- fixtures ---------------------------------------------------------------------------------
def interchange(*groups: GroupReport, version: str = "00401", component: str = ">",
                **kw: object) -> InterchangeReport:
    ix = InterchangeReport(
        standard="x12", sender="BUYERCO", receiver="SUPPLIERCO", control_number="000000042",
        version=version, sender_qualifier="ZZ", receiver_qualifier="12", date="241122",
        time="1511", delimiters={"element": "*", "component": component, "segment": "~",
                                 "repetition": "^"})
    for k, v in kw.items():
        setattr(ix, k, v)
    ix.groups.extend(groups)
    return ix


def group(*sets: TransactionReport, fid: str = "PO", version: str = "004010VICS",
          declared: int | None = None, errors: list[Defect] | None = None) -> GroupReport:
    g = GroupReport(fid, version, "17", sender="BUYERAPP", receiver="SUPPAPP",
                    declared_count=len(sets) if declared is None else declared)
    g.transactions.extend(sets)
    g.errors.extend(errors or [])
    return g


def tx(n: int, *errors: Defect, set_id: str = "850", version: str | None = None
       ) -> TransactionReport:
    return TransactionReport(set_id, f"{n:04d}", segment_count=12, version=version,
                             errors=list(errors))


def ctx(start: int = 1, **kw: Any) -> AckContext:
    return AckContext(numbers=Sequence(start), now=NOW, **kw)


def segments(text: str) -> list[str]:
    return [s for s in text.split("~") if s]


def read_back(text: str) -> list[list[str]]:
    """Read an ack with pyx12's reader; fail on any envelope or count error it reports."""
    reader = X12Reader(io.StringIO(text))
    out = []
    for seg in reader:
        out.append(seg.format().rstrip("~").split("*"))  # pyx12's default delimiters
        assert reader.pop_errors() == []
    assert reader.pop_errors() == []
    return out


MISSING_BEG = Defect("segment.missing", "BEG missing", segment="BEG", segment_position=2)
TOO_LONG = Defect("element.too_long", "BEG03 too long", segment="BEG", segment_position=2,
                  element="BEG03", element_seq=3, data_ele="324",
                  value="PO-NUMBER-THAT-IS-WAY-TOO-LONG")


# -- 997 --------------------------------------------------------------------------------------
def test_all_accepted_golden() -> None:
    ix = interchange(group(tx(1), tx(2)))
    assert render_997(ix, ctx()) == (
        "ISA*00*          *00*          *12*SUPPLIERCO     *ZZ*BUYERCO        *991231*2358*U*"
        "00401*000000001*0*P*>~"
        "GS*FA*SUPPAPP*BUYERAPP*19991231*2358*1*X*004010VICS~"
        "ST*997*0001~AK1*PO*17~AK2*850*0001~AK5*A~AK2*850*0002~AK5*A~AK9*A*2*2*2~"
        "SE*8*0001~GE*1*1~IEA*1*000000001~")


def test_one_of_two_rejected_is_partial() -> None:
    text = render_997(interchange(group(tx(1), tx(2, MISSING_BEG))), ctx())
    assert text is not None
    segs = segments(text)
    assert "AK2*850*0002" in segs
    assert segs[segs.index("AK2*850*0002") + 1] == "AK3*BEG*2**3"
    assert "AK5*R*5" in segs
    assert "AK9*P*2*2*1" in segs


def test_element_too_long_copies_value() -> None:
    text = render_997(interchange(group(tx(1, TOO_LONG))), ctx())
    assert text is not None
    assert "AK3*BEG*2**8~AK4*3*324*5*PO-NUMBER-THAT-IS-WAY-TOO-LONG~AK5*R*5~AK9*R*1*1*0~" in text


def test_segment_defect_and_its_elements_share_one_ak3() -> None:
    seg = Defect("segment.max_use", "too many", segment="REF", segment_position=4)
    text = render_997(interchange(group(tx(1, TOO_LONG, seg, MISSING_BEG))), ctx())
    assert text is not None
    body = segments(text)[4:-4]
    assert body == ["AK2*850*0001", "AK3*BEG*2**3", "AK4*3*324*5*PO-NUMBER-THAT-IS-WAY-TOO-LONG",
                    "AK3*REF*4**5", "AK5*R*5"]


def test_composite_position_uses_the_ack_component_separator() -> None:
    d = Defect("element.invalid_code", "bad", segment="REF", segment_position=5,
               element="REF04-02", data_ele="127", value="ZZ")  # seq parsed from the reference
    ix = interchange(group(tx(1, d)), component=">")
    assert "AK4*4>2*127*7*ZZ" in (render_997(ix, ctx()) or "")
    ours = Delimiters(element="|", component="^", segment="\\")
    text = render_997(ix, ctx(delimiters=ours)) or ""
    assert "AK4|4^2|127|7|ZZ\\" in text
    isa = text.split("\\")[0].split("|")
    assert isa[0] == "ISA" and isa[16] == "^"


def test_repetition_position_only_for_5010() -> None:
    d = Defect("element.too_long", "long", segment="N3", segment_position=6, element_seq=2,
               repetition=3, data_ele="166", value="X" * 60)
    five = interchange(group(tx(1, d, version="005010"), version="005010"), version="00501",
                       component=":")
    assert "IK4*2::3*166*5*" in (render_999(five, ctx()) or "")
    assert "AK4*2::3*166*5*" in (render_997(five, ctx()) or "")
    four = interchange(group(tx(1, d)))
    assert "AK4*2*166*5*" in (render_997(four, ctx()) or "")


def test_group_count_mismatch_rejects_group() -> None:
    g = group(tx(1), tx(2), declared=3,
              errors=[Defect("gs.count", "GE01 3, counted 2", segment="GE")])
    segs = segments(render_997(interchange(g), ctx()) or "")
    assert "AK9*R*3*2*0*5" in segs
    assert segs.count("AK5*R") == 2


def test_group_rejected_wholly() -> None:
    g = group(tx(1), tx(2, MISSING_BEG),
              errors=[Defect("gs.control_mismatch", "GE02 differs", segment="GE")])
    segs = segments(render_997(interchange(g), ctx()) or "")
    assert "AK9*R*2*2*0*4" in segs
    assert [s for s in segs if s.startswith("AK5")] == ["AK5*R", "AK5*R*5"]


def test_wrong_set_in_group_is_answered_not_dropped() -> None:
    wrong = tx(2, Defect("st.wrong_group", "855 in a PO group", segment="ST",
                         segment_position=1), set_id="855")
    segs = segments(render_997(interchange(group(tx(1), wrong)), ctx()) or "")
    i = segs.index("AK2*855*0002")
    assert segs[i + 1] == "AK5*R*6"
    assert "AK9*P*2*2*1" in segs


def test_unknown_version() -> None:
    g = group(tx(1), version="009999",
              errors=[Defect("gs.version", "GS08 009999 not supported", segment="GS")])
    segs = segments(render_997(interchange(g), ctx()) or "")
    assert "GS*FA*SUPPAPP*BUYERAPP*19991231*2358*1*X*009999" in segs
    assert segs[segs.index("AK2*850*0001") + 1] == "AK5*R*1"
    assert "AK9*R*1*1*0*2" in segs


def test_unknown_functional_id_sets_still_answered() -> None:
    g = group(tx(1, Defect("st.not_supported", "no 999 here"), set_id="123"), fid="ZZ",
              errors=[Defect("gs.not_supported", "GS01 ZZ")])
    segs = segments(render_997(interchange(g), ctx()) or "")
    assert segs[3:6] == ["AK1*ZZ*17", "AK2*123*0001", "AK5*R*1"]
    assert "AK9*R*1*1*0*1" in segs


def test_warnings_give_e() -> None:
    w = Defect("element.pattern", "odd", segment="BEG", segment_position=2, element_seq=3,
               warning=True)
    segs = segments(render_997(interchange(group(tx(1, w), tx(2))), ctx()) or "")
    assert "AK3*BEG*2**8" in segs and "AK4*3**7" in segs
    assert "AK5*E*5" in segs
    assert "AK9*E*2*2*2" in segs


def test_999_codes_and_st03() -> None:
    d = Defect("element.not_used", "not used", segment="REF", segment_position=3, element_seq=3,
               data_ele="352", value="X")
    g = group(tx(1, d, version="005010X222A1"), fid="HC", version="005010X222A1")
    text = render_999(interchange(g, version="00501"), ctx()) or ""
    segs = segments(text)
    assert segs[0][81:84] == "*^*"  # ISA11 is the repetition separator in 5010
    assert "ST*999*0001*005010X231A1" in segs  # the 999 names its own guide
    assert "AK1*HC*17*005010X222A1" in segs  # AK103 echoes the inbound GS08
    assert "AK1*HC*17*005010X222A1" in segs
    assert "AK2*850*0001*005010X222A1" in segs
    assert "IK3*REF*3**8" in segs and "IK4*3*352*I10*X" in segs and "IK5*R*5" in segs


def test_never_ack_an_ack() -> None:
    ix = interchange(group(tx(1, set_id="997"), fid="FA", version="004010"))
    assert render_997(ix, ctx()) is None
    assert render_acks(ix, ctx()) == []


def test_sender_receiver_swap_and_override() -> None:
    ix = interchange(group(tx(1)))
    isa = segments(render_997(ix, ctx()) or "")[0].split("*")
    assert isa[5:9] == ["12", "SUPPLIERCO     ", "ZZ", "BUYERCO        "]
    own = ctx(sender=("01", "123456789"), receiver=("ZZ", "PARTNER"), app_sender="US",
              app_receiver="THEM")
    segs = segments(render_997(ix, own) or "")
    assert segs[0].split("*")[5:9] == ["01", "123456789      ", "ZZ", "PARTNER        "]
    assert segs[1].startswith("GS*FA*US*THEM*")


def test_test_indicator_echo_and_fixed_width_isa() -> None:
    ix = interchange(group(tx(1)), test=True)
    isa = segments(render_997(ix, ctx()) or "")[0]
    assert len(isa) == 105 and isa.split("*")[15] == "T"
    forced = segments(render_997(ix, ctx(test_indicator=False)) or "")[0]
    assert forced.split("*")[15] == "P"


def test_control_numbers_come_from_the_sequence() -> None:
    seq = Sequence(start=41)
    c = AckContext(numbers=seq, now=NOW)
    ix = interchange(group(tx(1)), group(tx(1)))
    first = segments(render_997(ix, c) or "")
    second = segments(render_997(ix, c) or "")
    assert first[0].split("*")[13] == "000000041" and first[-1] == "IEA*2*000000041"
    assert second[0].split("*")[13] == "000000042"
    gs06 = [s.split("*")[6] for s in first + second if s.startswith("GS*")]
    st02 = [s.split("*")[2] for s in first + second if s.startswith("ST*")]
    assert gs06 == ["41", "42", "43", "44"] and st02 == ["0041", "0042", "0043", "0044"]
    assert seq.peek("interchange") == 43


def test_no_clock_same_inputs_same_bytes() -> None:
    ix = interchange(group(tx(1), tx(2, MISSING_BEG, TOO_LONG)))
    a = render_acks(ix, ctx(), AckPolicy(ta1="always"))
    b = render_acks(ix, ctx(), AckPolicy(ta1="always"))
    assert [x.text for x in a] == [x.text for x in b]
    assert "*991231*2358*" in a[0].text  # the date is ctx.now, not today


def test_newline_after_terminator() -> None:
    text = render_997(interchange(group(tx(1))), ctx(newline=True)) or ""
    assert text.count("~\n") == 10 and text.endswith("~\n")
    assert len(read_back(text)) == 10


def test_newline_terminator_is_not_doubled() -> None:
    ix = interchange(group(tx(1)))
    ix.delimiters["segment"] = "\n"
    text = render_997(ix, ctx(newline=True)) or ""
    assert "\n\n" not in text and text.count("\n") == 10


def test_5010_ack_gets_a_repetition_separator_that_is_free() -> None:
    ours = Delimiters(element="*", component="^", segment="~")
    ix = interchange(group(tx(1, version="005010"), version="005010"), version="00501")
    isa = segments(render_999(ix, ctx(delimiters=ours)) or "")[0].split("*")
    assert isa[11] == "{" and isa[16] == "^"


def test_delimiters_inside_bad_value_do_not_break_the_ack() -> None:
    bad = Defect("element.invalid_char", "bad", segment="N1", segment_position=3,
                 element_seq=2, data_ele="93", value="ACME*CORP>~\r\nX" + "Y" * 200)
    text = render_997(interchange(group(tx(1, bad))), ctx()) or ""
    rows = read_back(text)
    ak4 = [r for r in rows if r[0] == "AK4"]
    assert ak4 == [["AK4", "2", "93", "6", "ACMECORPX" + "Y" * 90]]
    assert len(rows) == len(segments(text))


# -- TA1 --------------------------------------------------------------------------------------
def test_ta1_for_control_number_mismatch() -> None:
    ix = interchange(group(tx(1)), errors=[
        Defect("isa.control_mismatch", "IEA02 differs", segment="IEA")])
    assert ta1_needed(ix)
    assert ta1_segment(ix, ctx()) == "TA1*000000042*241122*1511*R*001"
    acks = render_acks(ix, ctx())
    assert [a.type for a in acks] == ["TA1"]  # rejected envelope: no 997
    segs = segments(acks[0].text)
    assert [s[:3] for s in segs] == ["ISA", "TA1", "IEA"]
    assert segs[2] == "IEA*0*000000001"
    assert len(read_back(acks[0].text)) == 3


def test_ta1_when_requested() -> None:
    ix = interchange(group(tx(1)), ack_requested=True)
    acks = render_acks(ix, ctx())
    assert [a.type for a in acks] == ["TA1", "997"]
    assert "TA1*000000042*241122*1511*A*000" in acks[0].text
    assert all(a.interchange_control_number == "000000042" for a in acks)
    isa13 = [segments(a.text)[0].split("*")[13] for a in acks]
    assert isa13 == ["000000001", "000000002"]


def test_ta1_warning_is_e_and_not_needed_without_cause() -> None:
    ix = interchange(group(tx(1)), errors=[
        Defect("isa.group_count", "IEA01 off", warning=True)])
    assert ta1_segment(ix, ctx()).endswith("*E*021")
    assert not ta1_needed(interchange(group(tx(1))))
    assert render_ta1(interchange(group(tx(1))), ctx()) is None


def test_embedded_ta1_sits_before_the_first_gs() -> None:
    ix = interchange(group(tx(1)), ack_requested=True)
    acks = render_acks(ix, ctx(), AckPolicy(embed_ta1=True))
    assert [a.type for a in acks] == ["997"]
    assert [s[:3] for s in segments(acks[0].text)][:3] == ["ISA", "TA1", "GS*"]
    assert len(read_back(acks[0].text)) == 11


# -- policy -----------------------------------------------------------------------------------
def test_policy_splits_by_version_and_can_force() -> None:
    old = group(tx(1))
    new = group(tx(1, version="005010"), version="005010")
    ix = interchange(old, new)
    acks = render_acks(ix, ctx())
    assert [a.type for a in acks] == ["997", "999"]
    assert "AK1*PO*17~" in acks[0].text and "AK1*PO*17*005010~" in acks[1].text
    forced = render_acks(ix, ctx(), AckPolicy(functional="997"))
    assert [a.type for a in forced] == ["997"] and forced[0].text.count("GS*") == 2
    assert render_acks(ix, ctx(), AckPolicy(functional="none")) == []


# -- pyx12 as the independent reader / validator -----------------------------------------------
def _pyx12_validate(text: str, map_path: str | None = None) -> tuple[bool, str]:
    import pyx12.params  # type: ignore[import-untyped]
    import pyx12.x12n_document  # type: ignore[import-untyped]

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    out = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), None, None,
                                           fd_json=out, map_path=map_path)
    return bool(ok), out.getvalue()


def _hipaa_case(version: str, isa12: str) -> InterchangeReport:
    # pyx12's bundled 997/999 maps accept only HIPAA functional ids (notes §2 defect 13)
    inner = TOO_LONG if isa12 == "00401" else Defect(
        "element.too_long", "long", segment="REF", segment_position=4, element_seq=2,
        repetition=2, data_ele="127", value="A*B")
    return interchange(group(tx(1, set_id="837", version=version),
                             tx(2, MISSING_BEG, inner, set_id="837", version=version),
                             fid="HC", version=version), version=isa12, component=":",
                       receiver_qualifier="ZZ")  # the bundled ISA map knows no "12"


def test_997_validates_against_pyx12_bundled_map() -> None:
    text = render_997(_hipaa_case("004010X098A1", "00401"), ctx()) or ""
    ok, report = _pyx12_validate(text)
    assert ok, report
    assert "AK9*P*2*2*1" in text


def test_999_validates_against_pyx12_bundled_map() -> None:
    text = render_999(_hipaa_case("005010X231A1", "00501"), ctx()) or ""
    ok, report = _pyx12_validate(text)
    assert ok, report
    assert "IK4*2::2*127*5*AB" in text


@pytest.mark.skipif(not (ROOT / "maps/x12/004010/997.4010.xml").exists(),
                    reason="maps/x12/004010 has no 997 map yet")
def test_997_validates_against_our_maps() -> None:
    ix = interchange(group(tx(1), tx(2, MISSING_BEG, TOO_LONG)), component=":")
    ok, report = _pyx12_validate(render_997(ix, ctx()) or "", str(ROOT / "maps/x12/004010"))
    assert ok, report


@settings(max_examples=60, deadline=None)
@given(value=st.text(max_size=150), seq=st.integers(1, 99), comp=st.none() | st.integers(1, 9))
def test_any_bad_value_keeps_the_ack_readable(value: str, seq: int, comp: int | None) -> None:
    d = Defect("element.invalid_char", "bad", segment="N1", segment_position=3, element_seq=seq,
               component_seq=comp, data_ele="93", value=value)
    text = render_997(interchange(group(tx(1, d))), ctx()) or ""
    rows = text.split("~")[:-1]
    assert len(rows) == 12
    ak4 = next(r for r in rows if r.startswith("AK4"))
    fields = ak4.split("*")
    assert len(fields) <= 5 and len(fields[-1]) <= 99


@settings(max_examples=30, deadline=None)
@given(start=st.integers(1, 999_999_000), n=st.integers(1, 5))
def test_control_numbers_unique_and_increasing(start: int, n: int) -> None:
    c = AckContext(numbers=Sequence(start), now=NOW)
    ix = interchange(group(tx(1)))
    isa13 = [int(segments(render_997(ix, c) or "")[0].split("*")[13]) for _ in range(n)]
    assert isa13 == list(range(start, start + n))
