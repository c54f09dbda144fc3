"""X12 acknowledgements rendered from the validation report: 997, 999 and TA1.

Why our own writer and not pyx12's ``error_997_visitor`` (notes/pyx12-pydifact.md §2): it
never writes AK9 "P" (nor AK501 "E"), sets GS08 to the ISA12 value ("00401") so the ack is
unreadable by pyx12 itself, takes ISA13 from the clock (two acks in one minute collide) and
copies the inbound GS06, writes the TA1 after GE instead of before the first GS, folds every
interchange of a file into one ack built from the last envelope, and silently drops a
transaction set whose ST01 does not belong in its group. Here:

* one ack interchange per inbound interchange, sender and receiver swapped (with qualifiers);
* one GS/ST per acknowledged inbound group; a 997's GS08 echoes the inbound GS08, a 999's
  GS08 and ST03 name its guide, 005010X231A1 (AK103 carries the inbound GS08);
* every inbound transaction set gets an AK2/AK5 (IK5), whatever its type;
* AK9 says A, E, P or R from the set statuses and the group's own defects;
* control numbers come from ``AckContext.numbers`` and the time from ``AckContext.now``,
  so the same report and context give byte-identical output;
* a TA1 is a separate interchange (no GS) or, on request, sits before the first GS.

Groups whose GS01 is FA are acks themselves and are never acknowledged. An interchange
rejected at envelope level (``InterchangeReport.rejected_itself``) gets no 997/999: its TA1
rejects everything in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

from gateway.acks._defects import element_position, first_defect, segment_errors, unique
from gateway.acks.numbers import AckContext
from gateway.errors import spec
from gateway.report import Defect, GroupReport, InterchangeReport, TransactionReport
from gateway.stream import Delimiters

FunctionalAck = Literal["997", "999"]

DEFAULT_DELIMITERS = Delimiters(element="*", component=":", segment="~", repetition="^")
MAX_AK4 = 99  # AK4 / IK4 per AK3 / IK3
MAX_CODES = 5  # AK502..AK506, AK905..AK909
_SET_NOT_SUPPORTED = ("gs.not_supported", "gs.version")
_ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)


# -- public API -------------------------------------------------------------------------------
def render_997(ix: InterchangeReport, ctx: AckContext, *,
               groups: Sequence[GroupReport] | None = None, with_ta1: bool = False) -> str | None:
    """A 997 interchange acknowledging ``groups`` (default: every non-FA group of ``ix``).

    ``with_ta1`` puts the TA1 segment before the first GS. None when there is nothing to
    acknowledge; in that case no control number is taken.
    """
    return _render_functional("997", ix, ctx, groups, with_ta1)


def render_999(ix: InterchangeReport, ctx: AckContext, *,
               groups: Sequence[GroupReport] | None = None, with_ta1: bool = False) -> str | None:
    """Like ``render_997`` with IK3/IK4/IK5 and the 999 codes (``CodeSpec.x12_999``)."""
    return _render_functional("999", ix, ctx, groups, with_ta1)


def ta1_needed(ix: InterchangeReport) -> bool:
    """A TA1 answers an interchange that asked for one (ISA14 = 1) or has envelope defects."""
    return ix.standard == "x12" and (ix.ack_requested or bool(ix.errors))


def ta1_segment(ix: InterchangeReport, ctx: AckContext) -> str:
    """The bare TA1 segment (no terminator) in the outbound delimiters, for embedding."""
    d = outbound_delimiters(ix, ctx)
    return _Writer(d, "", _is_5010(ack_version(ix))).segment("TA1", *_ta1_elements(ix))


def render_ta1(ix: InterchangeReport, ctx: AckContext, *, force: bool = False) -> str | None:
    """A TA1 in its own ISA/IEA envelope (no GS), or None when ``ta1_needed`` says no
    (``force`` renders one anyway)."""
    if not (force or ta1_needed(ix)):
        return None
    w = _writer(ix, ctx)
    isa13 = f"{ctx.take('interchange'):09d}"
    w.raw(_isa(ix, ctx, w.d, isa13))
    w.add("TA1", *_ta1_elements(ix))
    w.add("IEA", "0", isa13)
    return w.text()


def functional_groups(ix: InterchangeReport) -> list[GroupReport]:
    """The groups a 997/999 acknowledges: none when the envelope was rejected, never FA."""
    if ix.standard != "x12" or ix.rejected_itself:
        return []
    return [g for g in ix.groups if (g.functional_id or "").strip() != "FA"]


def ack_kind(g: GroupReport, ix: InterchangeReport) -> FunctionalAck:
    """997 for GS08 before 005010, 999 from 005010 on; ISA12 decides when GS08 is unusable."""
    v = (g.version or "")[:6]
    if v.isdigit():
        return "999" if int(v) >= 5010 else "997"
    return "999" if _is_5010(ack_version(ix)) else "997"


def outbound_delimiters(ix: InterchangeReport, ctx: AckContext) -> Delimiters:
    """``ctx.delimiters``, else the inbound interchange's (missing ones from the defaults)."""
    if ctx.delimiters is not None:
        d = ctx.delimiters
    else:
        src, dft = ix.delimiters, DEFAULT_DELIMITERS
        d = Delimiters(element=src.get("element") or dft.element,
                       component=src.get("component") or dft.component,
                       segment=src.get("segment") or dft.segment,
                       repetition=src.get("repetition") or dft.repetition)
    if not d.repetition:  # ISA11 of a 5010 ack needs one; take a character not in use
        used = {d.element, d.component, d.segment}
        d = replace(d, repetition=next(c for c in "^{}!|" if c not in used))
    return d


def ack_version(ix: InterchangeReport) -> str:
    """ISA12 of the ack: the inbound ISA12 when it is 5 digits, else 00401."""
    v = (ix.version or "").strip()
    return v if len(v) == 5 and v.isdigit() else "00401"


# -- the functional ack -----------------------------------------------------------------------
def _render_functional(kind: FunctionalAck, ix: InterchangeReport, ctx: AckContext,
                       groups: Sequence[GroupReport] | None, with_ta1: bool) -> str | None:
    ackable = functional_groups(ix)
    todo = ackable if groups is None else [g for g in groups if any(g is a for a in ackable)]
    if not todo:
        return None
    w = _writer(ix, ctx)
    isa13 = f"{ctx.take('interchange'):09d}"
    w.raw(_isa(ix, ctx, w.d, isa13))
    if with_ta1:
        w.add("TA1", *_ta1_elements(ix))
    date, hhmm = ctx.now.strftime("%Y%m%d"), ctx.now.strftime("%H%M")
    for g in todo:
        gs06 = str(ctx.take("group"))
        # a 999 names its own guide (X12 005010X231A1); a 997 echoes the inbound version
        gs08 = "005010X231A1" if kind == "999" else (g.version or "004010")
        w.add("GS", "FA", ctx.app_sender or g.receiver or ix.receiver or "",
              ctx.app_receiver or g.sender or ix.sender or "", date, hhmm, gs06, "X", gs08)
        st02 = f"{ctx.take('transaction'):04d}"
        start = w.count
        w.add("ST", kind, st02, gs08 if kind == "999" else "")
        _group_body(kind, w, g)
        w.add("SE", str(w.count - start + 1), st02)
        w.add("GE", "1", gs06)
    w.add("IEA", str(len(todo)), isa13)
    return w.text()


def _group_body(kind: FunctionalAck, w: _Writer, g: GroupReport) -> None:
    w.add("AK1", g.functional_id or "", g.control_number or "",
          (g.version or "") if kind == "999" else "")
    v = (g.version or "")[:6]
    repetition = v.isdigit() and int(v) >= 5010
    # sets of a group whose GS01 / GS08 is not supported are themselves not supported (AK502 1)
    inherited = "1" if any(d.code in _SET_NOT_SUPPORTED and not d.warning
                           for d in g.errors) else None
    for t in g.transactions:
        _set_response(kind, w, t, g.rejected_itself, inherited, repetition)
    w.add("AK9", _group_status(g),
          str(g.declared_count if g.declared_count is not None else len(g.transactions)),
          str(len(g.transactions)), str(g.accepted_count),
          *unique(_code(kind, d) for d in g.errors if d.level == "group")[:MAX_CODES])


def _set_response(kind: FunctionalAck, w: _Writer, t: TransactionReport, group_rejected: bool,
                  inherited: str | None, repetition: bool) -> None:
    if not t.errors and not group_rejected and kind == "997":  # the common case, quickly
        sep = w.d.element
        w.parts.append(f"AK2{sep}{w.clean(t.set_id)}{sep}{w.clean(t.control_number)}")
        w.parts.append(f"AK5{sep}A")
        return
    w.add("AK2", t.set_id, t.control_number, (t.version or "") if kind == "999" else "")
    seg_tag, ele_tag = ("IK3", "IK4") if kind == "999" else ("AK3", "AK4")
    for s in segment_errors(t):
        seg_code = _code(kind, s.defect) if s.defect is not None else "8"
        loop_id = s.loop_id if s.loop_id and len(s.loop_id) <= 4 else ""  # 447 is AN 1-4
        w.add(seg_tag, s.tag, str(s.position), loop_id, seg_code or "8")
        for e in s.elements[:MAX_AK4]:
            pos = _element_ref(e, repetition)
            if pos is not None:  # without a position only the AK3 can speak for it
                w.add(ele_tag, pos, e.data_ele or "", _code(kind, e) or "",
                      w.clean(e.value or "")[:99])
    codes = unique(_code(kind, d) for d in t.errors if d.level == "transaction")
    if any(d.level in ("segment", "element") for d in t.errors) and "5" not in codes:
        codes.append("5")
    rejected = group_rejected or t.status == "rejected"
    if group_rejected and not codes and inherited:
        codes = [inherited]
    status = "R" if rejected else ("E" if t.errors else "A")
    w.add("IK5" if kind == "999" else "AK5", status, *codes[:MAX_CODES])


def _group_status(g: GroupReport) -> str:
    if g.rejected_itself:
        return "R"
    accepted = g.accepted_count
    if accepted == len(g.transactions):
        noted = g.errors or any(t.errors for t in g.transactions)
        return "E" if noted else "A"
    return "R" if accepted == 0 else "P"


def _element_ref(d: Defect, with_repetition: bool) -> tuple[str, ...] | None:
    """AK401 / IK401 (C030): element position, component position, repetition (5010)."""
    seq, comp, rep = element_position(d)
    if seq is None:
        return None
    parts = [str(seq), str(comp) if comp is not None else ""]
    if with_repetition and rep is not None:
        parts.append(str(rep))
    return tuple(parts)


def _code(kind: FunctionalAck, d: Defect) -> str | None:
    s = spec(d.code)
    return s.x12_999 if kind == "999" else s.x12


# -- TA1 and envelope -------------------------------------------------------------------------
def _ta1_elements(ix: InterchangeReport) -> list[str]:
    status = "R" if ix.rejected_itself else ("E" if ix.errors else "A")
    first = first_defect(ix.errors)
    note = "000"
    if first is not None:
        s = spec(first.code)
        note = s.x12 if s.level == "interchange" and s.x12 else "024"
    return [ix.control_number or "", ix.date or "", ix.time or "", status, note]


def _isa(ix: InterchangeReport, ctx: AckContext, d: Delimiters, isa13: str) -> str:
    version = ack_version(ix)
    sender = ctx.sender or (ix.receiver_qualifier or "ZZ", ix.receiver or "")
    receiver = ctx.receiver or (ix.sender_qualifier or "ZZ", ix.sender or "")
    test = ix.test if ctx.test_indicator is None else ctx.test_indicator
    values = ["00", "", "00", "", sender[0], sender[1], receiver[0], receiver[1],
              ctx.now.strftime("%y%m%d"), ctx.now.strftime("%H%M"),
              (d.repetition or "^") if _is_5010(version) else "U", version, isa13, "0",
              "T" if test else "P", d.component]
    cleaned = [v if n in (10, 15) else _strip(v, d, _is_5010(version))
               for n, v in enumerate(values)]
    fixed = [v.ljust(width)[:width] for v, width in zip(cleaned, _ISA_WIDTHS, strict=True)]
    return "ISA" + d.element + d.element.join(fixed)


def _is_5010(isa12: str) -> bool:
    return isa12.isdigit() and int(isa12) >= 501


def _strip_table(d: Delimiters, repetition: bool) -> dict[int, int | None]:
    bad = d.element + d.component + d.segment + "\r\n"
    if repetition and d.repetition:
        bad += d.repetition
    return str.maketrans("", "", bad)


def _strip(value: str, d: Delimiters, repetition: bool) -> str:
    return value.translate(_strip_table(d, repetition))


class _Writer:
    """Collects segments; strips our delimiters out of every value it is given."""

    def __init__(self, d: Delimiters, end: str, repetition: bool) -> None:
        self.d = d
        self.end = end
        self.repetition = repetition
        self.table = _strip_table(d, repetition)
        self.parts: list[str] = []

    @property
    def count(self) -> int:
        return len(self.parts)

    def clean(self, value: str) -> str:
        return value.translate(self.table)

    def segment(self, tag: str, *elements: str | tuple[str, ...]) -> str:
        """One segment; a tuple is a composite. Trailing empty elements / components go."""
        values: list[str] = []
        for e in elements:
            if isinstance(e, tuple):
                comps = [self.clean(c) for c in e]
                while comps and not comps[-1]:
                    comps.pop()
                values.append(self.d.component.join(comps))
            else:
                values.append(self.clean(e))
        while values and not values[-1]:
            values.pop()
        return self.d.element.join([tag, *values])

    def add(self, tag: str, *elements: str | tuple[str, ...]) -> None:
        self.parts.append(self.segment(tag, *elements))

    def raw(self, text: str) -> None:
        self.parts.append(text)

    def text(self) -> str:
        return self.end.join(self.parts) + self.end


def _writer(ix: InterchangeReport, ctx: AckContext) -> _Writer:
    d = outbound_delimiters(ix, ctx)
    return _Writer(d, ctx.line_end(d), _is_5010(ack_version(ix)))
