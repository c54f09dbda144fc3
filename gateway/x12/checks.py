"""X12 envelope checks on GS/GE, ST/SE and IEA: counts, control numbers, formats.

Pure functions over the split elements of one envelope segment; each finding is a ``Defect``
on the report node it concerns (interchange, group or transaction set).
"""

from __future__ import annotations

from datetime import date

from gateway.report import Defect, GroupReport, InterchangeReport, TransactionReport
from gateway.x12.isa import valid_time

# GS01 functional identifier for each transaction set we know (X12 standard list, extract)
FUNCTIONAL_IDS: dict[str, str] = {
    "810": "IN", "819": "IN", "820": "RA", "824": "AG", "830": "PS", "832": "SC", "846": "IB",
    "850": "PO", "852": "PD", "855": "PR", "856": "SH", "857": "BS", "860": "PC", "861": "RC",
    "862": "SS", "864": "TX", "865": "CA", "867": "PT", "869": "RS", "870": "RS", "875": "OG",
    "880": "GP", "940": "OW", "943": "AR", "944": "RE", "945": "SW", "947": "AW", "990": "GF",
    "997": "FA", "999": "FA", "753": "GF", "754": "GF", "204": "SM", "210": "IM", "214": "QM",
    "180": "AN", "816": "OR", "812": "CD", "827": "FC", "866": "SS", "868": "EI",
}


def _valid_date8(s: str) -> bool:
    if len(s) == 6:
        s = "20" + s
    if len(s) != 8 or not s.isdigit():
        return False
    try:
        date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return False
    return True


def _num(s: str) -> int | None:
    s = s.strip()
    return int(s) if s.isdigit() else None


def _get(el: list[str], n: int) -> str:
    return el[n].strip() if n < len(el) else ""


def group_header(el: list[str], offset: int, ix: InterchangeReport
                 ) -> tuple[GroupReport, list[Defect]]:
    g = GroupReport(functional_id=_get(el, 1) or None, version=_get(el, 8) or None,
                    control_number=_get(el, 6) or None, sender=_get(el, 2),
                    receiver=_get(el, 3), date=_get(el, 4), time=_get(el, 5), offset=offset)
    out: list[Defect] = []

    def bad(n: int, code: str, msg: str) -> None:
        out.append(Defect(code, msg, offset=offset, segment="GS", element=f"GS{n:02d}",
                          element_seq=n, value=_get(el, n)))

    if len(el) - 1 < 8:
        bad(len(el), "gs.format", f"GS has {len(el) - 1} elements, 8 are required")
    if len(el) - 1 > 8:
        bad(9, "gs.format", f"GS has {len(el) - 1} elements, at most 8 are allowed")
    fid = _get(el, 1)
    if len(fid) != 2 or not fid.isalnum():
        bad(1, "gs.format", f"GS01 {fid!r} is not a functional identifier code")
    for n in (2, 3):
        if not _get(el, n):
            bad(n, "gs.format", f"GS{n:02d} application code is empty")
    if not _valid_date8(_get(el, 4)):
        bad(4, "gs.format", f"GS04 {_get(el, 4)!r} is not a date CCYYMMDD")
    if not valid_time(_get(el, 5)):
        bad(5, "gs.format", f"GS05 {_get(el, 5)!r} is not a time HHMM[SS[d]]")
    ctl = _get(el, 6)
    if not ctl.isdigit() or len(ctl) > 9:
        bad(6, "gs.control_number", f"GS06 {ctl!r} is not a group control number (1-9 digits)")
    if _get(el, 7) not in ("X", "T"):
        bad(7, "gs.format", f"GS07 {_get(el, 7)!r} must be X (X12) or T (TDCC)")
    if not _get(el, 8):
        bad(8, "gs.version", "GS08 version / release / industry code is empty")
    return g, out


def group_trailer(g: GroupReport, el: list[str] | None, offset: int) -> None:
    if el is None:
        g.errors.append(Defect("gs.trailer_missing", f"group {g.control_number} has no GE "
                               "trailer", offset=offset, segment="GE"))
        return
    count, ctl = _get(el, 1), _get(el, 2)
    g.declared_count = _num(count)
    n = len(g.transactions)
    if g.declared_count != n:
        g.errors.append(Defect("gs.count", f"GE01 says {count or 'nothing'} transaction sets, "
                               f"the group has {n}", offset=offset, segment="GE",
                               element="GE01", element_seq=1, value=count))
    if ctl != (g.control_number or "") and _num(ctl) != _num(g.control_number or "x"):
        g.errors.append(Defect("gs.control_mismatch", f"GE02 {ctl!r} does not match GS06 "
                               f"{g.control_number!r}", offset=offset, segment="GE",
                               element="GE02", element_seq=2, value=ctl))


def transaction_header(el: list[str], offset: int, g: GroupReport,
                       seen: set[str]) -> TransactionReport:
    n = len(el)  # hot path: one call per transaction set
    set_id = el[1].strip() if n > 1 else ""
    ctl = el[2].strip() if n > 2 else ""
    tx = TransactionReport(set_id, ctl, offset, 0, (el[3].strip() or None) if n > 3 else None)
    if len(set_id) != 3 or not set_id.isdigit():
        tx.errors.append(Defect("st.not_supported", f"ST01 {set_id!r} is not a transaction set "
                                "identifier", offset=offset, segment="ST", segment_position=1,
                                element="ST01", element_seq=1, value=set_id))
    elif g.functional_id and FUNCTIONAL_IDS.get(set_id, g.functional_id) != g.functional_id:
        tx.errors.append(Defect(
            "st.wrong_group", f"transaction set {set_id} does not belong in a "
            f"{g.functional_id} group (GS01 {FUNCTIONAL_IDS[set_id]} expected)", offset=offset,
            segment="ST", segment_position=1, element="ST01", element_seq=1, value=set_id))
    if not (4 <= len(ctl) <= 9) or not ctl.isalnum():
        tx.errors.append(Defect("st.control_number", f"ST02 {ctl!r} is not a control number "
                                "(4-9 characters)", offset=offset, segment="ST",
                                segment_position=1, element="ST02", element_seq=2, value=ctl))
    elif ctl in seen:
        tx.errors.append(Defect("st.duplicate", f"ST02 {ctl} is used by an earlier transaction "
                                f"set of group {g.control_number}", offset=offset, segment="ST",
                                segment_position=1, element="ST02", element_seq=2, value=ctl))
    seen.add(ctl)
    return tx


def transaction_trailer(tx: TransactionReport, el: list[str] | None, count: int,
                        offset: int) -> None:
    tx.segment_count = count
    if el is not None and len(el) == 3 and el[2] == tx.control_number and el[1].isdigit() and \
            int(el[1]) == count:
        return  # the common case, decided without building anything
    if el is None:
        tx.errors.append(Defect("st.trailer_missing", f"transaction set {tx.set_id} "
                                f"{tx.control_number} has no SE trailer", offset=offset,
                                segment="SE"))
        return
    declared, ctl = _get(el, 1), _get(el, 2)
    if _num(declared) != count:
        tx.errors.append(Defect("st.count", f"SE01 says {declared or 'nothing'} segments, the "
                                f"transaction set has {count}", offset=offset, segment="SE",
                                segment_position=count, element="SE01", element_seq=1,
                                value=declared))
    if ctl != tx.control_number:
        tx.errors.append(Defect("st.control_mismatch", f"SE02 {ctl!r} does not match ST02 "
                                f"{tx.control_number!r}", offset=offset, segment="SE",
                                segment_position=count, element="SE02", element_seq=2,
                                value=ctl))


def interchange_trailer(ix: InterchangeReport, el: list[str], groups: int,
                        offset: int) -> None:
    count, ctl = _get(el, 1), _get(el, 2)
    if _num(count) != groups:
        ix.errors.append(Defect("isa.group_count", f"IEA01 says {count or 'nothing'} groups, "
                                f"the interchange has {groups}", offset=offset, segment="IEA",
                                element="IEA01", element_seq=1, value=count))
    isa13 = ix.control_number or ""
    if ctl != isa13:
        if _num(ctl) is not None and _num(ctl) == _num(isa13):
            ix.errors.append(Defect("isa.format", f"IEA02 {ctl!r} is not zero-padded to 9 "
                                    f"digits like ISA13 {isa13!r} (accepted)", offset=offset,
                                    segment="IEA", element="IEA02", element_seq=2, value=ctl,
                                    warning=True))
        else:
            ix.errors.append(Defect("isa.control_mismatch", f"IEA02 {ctl!r} does not match "
                                    f"ISA13 {isa13!r}", offset=offset, segment="IEA",
                                    element="IEA02", element_seq=2, value=ctl))
