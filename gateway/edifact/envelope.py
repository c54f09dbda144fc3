"""EDIFACT service segments → report nodes and envelope defects.

Pure functions over ``SegmentToken``s: UNB → ``InterchangeReport``, UNG → ``GroupReport``,
UNH → ``TransactionReport``, and the trailer checks (UNT, UNE, UNZ) that compare counts and
control references. Each returns the defects it found; the reader decides where they go.
Element references read like ``UNB04-01`` (element 4, component 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gateway.edifact.charset import LENIENT, Charset, charset_for
from gateway.edifact.scanner import ServiceChars
from gateway.report import Defect, GroupReport, InterchangeReport, TransactionReport
from gateway.stream import Delimiters, SegmentToken

SYNTAX_VERSIONS = ("1", "2", "3", "4")
# UNB elements by position: composites get "Sxxx-n" keys in InterchangeReport.envelope
_UNB_NAMES = {1: "S001", 2: "S002", 3: "S003", 4: "S004", 5: "0020", 6: "S005", 7: "0026",
              8: "0029", 9: "0031", 10: "0032", 11: "0035"}


def designator(tag: str, seq: int, component: int | None = None) -> str:
    ref = f"{tag}{seq:02d}"
    return ref if component is None else f"{ref}-{component:02d}"


def _defect(code: str, message: str, tok: SegmentToken, position: int, seq: int | None = None,
            component: int | None = None, data_ele: str | None = None,
            value: str | None = None) -> Defect:
    return Defect(code, message, offset=tok.offset, segment=tok.tag, segment_position=position,
                  element=None if seq is None else designator(tok.tag, seq, component),
                  element_seq=seq, component_seq=component, data_ele=data_ele, value=value)


def valid_date(value: str, syntax_version: str) -> bool:
    """YYMMDD; CCYYMMDD too from syntax version 4 on."""
    if not value.isdigit() or len(value) not in ((6, 8) if syntax_version == "4" else (6,)):
        return False
    if len(value) == 6:
        yy = int(value[:2])
        year = (2000 if yy < 50 else 1900) + yy
    else:
        year = int(value[:4])
    try:
        date(year, int(value[-4:-2]), int(value[-2:]))
    except ValueError:
        return False
    return True


def valid_time(value: str) -> bool:
    """HHMM (24:00 allowed for the end of a day)."""
    if len(value) != 4 or not value.isdigit():
        return False
    hh, mm = int(value[:2]), int(value[2:])
    return (hh < 24 and mm < 60) or (hh == 24 and mm == 0)


@dataclass(slots=True)
class Header:
    """What the reader needs to know about an interchange after its UNB."""

    report: InterchangeReport
    delimiters: Delimiters
    charset: Charset
    syntax_version: str
    repetition: str | None


def read_unb(tok: SegmentToken, chars: ServiceChars, suffix: str) -> Header:
    """Build the interchange report from a UNB and check its mandatory elements and formats."""
    v = tok.value
    syntax_id, version = v(1, 1), v(1, 2)
    repetition = chars.repetition if version == "4" else None
    delims = Delimiters(element=chars.element, component=chars.component,
                        segment=chars.terminator, repetition=repetition,
                        release=chars.release, decimal=chars.decimal, suffix=suffix)
    envelope: dict[str, str] = {}
    for seq, el in enumerate(tok.elements, 1):
        name = _UNB_NAMES.get(seq, designator("UNB", seq))
        comps = el[0] if el else []
        if name.startswith("S"):
            for c, val in enumerate(comps, 1):
                if val:
                    envelope[f"{name}-{c}"] = val
        elif comps and comps[0]:
            envelope[name] = comps[0]
    control = v(5)
    report = InterchangeReport(
        standard="edifact", sender=v(2, 1) or None, receiver=v(3, 1) or None,
        control_number=control or None,
        version=f"{syntax_id}:{version}" if syntax_id or version else None,
        offset=tok.offset, sender_qualifier=v(2, 2) or None,
        receiver_qualifier=v(3, 2) or None, date=v(4, 1) or None, time=v(4, 2) or None,
        ack_requested=v(9) == "1", test=v(11) == "1", delimiters=delims.to_json(),
        envelope=envelope)
    errors = report.errors
    mandatory = ((1, 1, "0001", "syntax identifier"), (1, 2, "0002", "syntax version number"),
                 (2, 1, "0004", "interchange sender identification"),
                 (3, 1, "0010", "interchange recipient identification"),
                 (4, 1, "0017", "date"), (4, 2, "0019", "time"))
    for seq, comp, ele, name in mandatory:
        if not v(seq, comp):
            errors.append(_defect("unb.missing_element",
                                  f"{designator('UNB', seq, comp)} ({name}, {ele}) is missing",
                                  tok, 1, seq, comp, ele))
    if not control:
        errors.append(_defect("unb.missing_element",
                              "UNB05 (interchange control reference, 0020) is missing",
                              tok, 1, 5, None, "0020"))
    elif len(control) > 14:
        errors.append(_defect("isa.control_number",
                              f"UNB05 interchange control reference '{control}' is longer "
                              f"than 14 characters", tok, 1, 5, None, "0020", control))
    charset = charset_for(syntax_id)
    if charset is None:
        charset = LENIENT
        if syntax_id:
            errors.append(_defect("unb.syntax",
                                  f"UNB01-01 syntax identifier '{syntax_id}' is not supported "
                                  f"(UNOA..UNOL, UNOW, UNOY, IATA, IATB); the interchange is "
                                  f"read without a character set check", tok, 1, 1, 1, "0001",
                                  syntax_id))
    if version and version not in SYNTAX_VERSIONS:
        errors.append(_defect("unb.syntax", f"UNB01-02 syntax version '{version}' is not "
                              f"supported (1 to 4)", tok, 1, 1, 2, "0002", version))
    for seq, code, name in ((2, "isa.sender_id", "sender"), (3, "isa.receiver_id", "recipient")):
        ident = v(seq, 1)
        if len(ident) > 35:
            errors.append(_defect(code, f"{designator('UNB', seq, 1)} {name} identification "
                                  f"'{ident}' is longer than 35 characters", tok, 1, seq, 1,
                                  None, ident))
    day, hhmm = v(4, 1), v(4, 2)
    if day and not valid_date(day, version):
        form = "YYMMDD or CCYYMMDD" if version == "4" else "YYMMDD"
        errors.append(_defect("isa.date", f"UNB04-01 date '{day}' is not a valid {form} date",
                              tok, 1, 4, 1, "0017", day))
    if hhmm and not valid_time(hhmm):
        errors.append(_defect("isa.time", f"UNB04-02 time '{hhmm}' is not a valid HHMM time",
                              tok, 1, 4, 2, "0019", hhmm))
    return Header(report, delims, charset, version, repetition)


def check_unz(tok: SegmentToken, position: int, report: InterchangeReport, messages: int,
              groups: int) -> list[Defect]:
    """UNZ01 against the messages (or groups, when UNG is used), UNZ02 against UNB05."""
    out: list[Defect] = []
    count, ref = tok.value(1), tok.value(2)
    counted, what = (groups, "functional group(s)") if groups else (messages, "message(s)")
    if not count.isdigit() or int(count) != counted:
        out.append(_defect("isa.group_count", f"UNZ01 '{count}' does not match the {counted} "
                           f"{what} in the interchange", tok, position, 1, None, "0036", count))
    unb_ref = report.control_number or ""
    if ref != unb_ref:
        out.append(_defect("isa.control_mismatch", f"UNZ02 '{ref}' does not match UNB05 "
                           f"'{unb_ref}'", tok, position, 2, None, "0020", ref))
    return out


def read_ung(tok: SegmentToken, position: int, syntax_version: str) -> GroupReport:
    """Build a group report from a UNG; its defects are on the report."""
    v = tok.value
    version = v(7, 1) + v(7, 2)
    ref = v(5)
    group = GroupReport(functional_id=v(1) or None, version=version or None,
                        control_number=ref or None, sender=v(2, 1) or None,
                        receiver=v(3, 1) or None, date=v(4, 1) or None, time=v(4, 2) or None,
                        offset=tok.offset)
    if not ref:
        group.errors.append(_defect("gs.control_number", "UNG05 (group reference number, "
                                    "0048) is missing", tok, position, 5, None, "0048"))
    elif len(ref) > 14:
        group.errors.append(_defect("gs.control_number", f"UNG05 group reference number "
                                    f"'{ref}' is longer than 14 characters", tok, position, 5,
                                    None, "0048", ref))
    if syntax_version != "4":  # from version 4 on only the reference is mandatory
        mandatory = ((1, None, "0038", "functional group identification"),
                     (2, 1, "0040", "application sender identification"),
                     (3, 1, "0044", "application recipient identification"),
                     (4, 1, "0017", "date"), (4, 2, "0019", "time"),
                     (6, None, "0051", "controlling agency"),
                     (7, 1, "0052", "message version number"),
                     (7, 2, "0054", "message release number"))
        for seq, comp, ele, name in mandatory:
            if not v(seq, comp or 1):
                group.errors.append(_defect("gs.format", f"{designator('UNG', seq, comp)} "
                                            f"({name}, {ele}) is missing", tok, position, seq,
                                            comp, ele))
    day, hhmm = v(4, 1), v(4, 2)
    if day and not valid_date(day, syntax_version):
        group.errors.append(_defect("gs.format", f"UNG04-01 date '{day}' is not a valid date",
                                    tok, position, 4, 1, "0017", day))
    if hhmm and not valid_time(hhmm):
        group.errors.append(_defect("gs.format", f"UNG04-02 time '{hhmm}' is not a valid "
                                    f"HHMM time", tok, position, 4, 2, "0019", hhmm))
    return group


def check_une(tok: SegmentToken, position: int, group: GroupReport, messages: int) -> None:
    """UNE01 against the messages in the group, UNE02 against UNG05; defects go on the group."""
    count, ref = tok.value(1), tok.value(2)
    if count.isdigit():
        group.declared_count = int(count)
    if not count.isdigit() or int(count) != messages:
        group.errors.append(_defect("gs.count", f"UNE01 '{count}' does not match the "
                                    f"{messages} message(s) in group '{group.control_number}'",
                                    tok, position, 1, None, "0060", count))
    unb_ref = group.control_number or ""
    if ref != unb_ref:
        group.errors.append(_defect("gs.control_mismatch", f"UNE02 '{ref}' does not match "
                                    f"UNG05 '{unb_ref}'", tok, position, 2, None, "0048", ref))


def read_unh(tok: SegmentToken) -> TransactionReport:
    """Build a message report from a UNH (position 1 of its message)."""
    s009 = tok.elements[1][0] if len(tok.elements) > 1 and tok.elements[1] else []
    ref = tok.value(1)
    report = TransactionReport(set_id=tok.value(2, 1), control_number=ref, offset=tok.offset,
                               version=(tok.value(2, 2) + tok.value(2, 3)) or None,
                               message_identifier=tuple(s009))
    if not ref:
        report.errors.append(_defect("st.control_number", "UNH01 (message reference number, "
                                     "0062) is missing", tok, 1, 1, None, "0062"))
    elif len(ref) > 14:
        report.errors.append(_defect("st.control_number", f"UNH01 message reference number "
                                     f"'{ref}' is longer than 14 characters", tok, 1, 1, None,
                                     "0062", ref))
    return report


def check_unt(tok: SegmentToken, report: TransactionReport) -> None:
    """UNT01 against the segments counted from UNH to UNT, UNT02 against UNH01."""
    count, ref = tok.value(1), tok.value(2)
    n = report.segment_count
    if not count.isdigit() or int(count) != n:
        report.errors.append(_defect("st.count", f"UNT01 '{count}' does not match the {n} "
                                     f"segments counted from UNH to UNT", tok, tok.position, 1,
                                     None, "0074", count))
    if ref != report.control_number:
        report.errors.append(_defect("st.control_mismatch", f"UNT02 '{ref}' does not match "
                                     f"UNH01 '{report.control_number}'", tok, tok.position, 2,
                                     None, "0062", ref))
