"""EDIFACT CONTRL (syntax and service report) rendered from the validation report.

One CONTRL interchange per inbound interchange:

``[UNA] UNB UNH UCI (UCM (UCS UCD*)*)* (UCF (UCM (UCS UCD*)*)*)* UNT UNZ``

* UNA is written when the inbound had one (``envelope["UNA"]``) or when the outbound service
  characters differ from the defaults ``:+.? '``; UNB echoes the inbound syntax identifier and
  version, swaps sender and recipient and takes 0020 from ``ctx.numbers``.
* UNH: ``CONTRL:D:3:UN`` for syntax versions 1-3 (the form used by EANCOM and most partners),
  ``CONTRL:4:1:UN`` for syntax version 4 (the CONTRL of ISO 9735:1998, 2002 revision).
* UCI: the inbound 0020, sender and recipient (not swapped: they name the subject interchange),
  0083 = 4 when the interchange itself is rejected (with 0085, 0013 and S011 of its first
  defect, and nothing below), 8 for ``receipt_only``, 7 otherwise.
* UCM per message (0062, S009, 0083 = 7 or 4, 0085/0013/S011 of its first message-level
  defect), each followed by UCS (0096 segment position counted from UNH = 1, 0085) and UCD
  (0085, S011 = element:component[:occurrence in syntax 4]) for segment and element defects.
  Accepted messages get a UCM with 7 as well, so every message is answered explicitly.
* Messages inside UNG groups are reported under a UCF (0048, S006, S007, 0083) per group;
  a rejected group gets UCF 4 and no UCMs.

Every echoed value is release-escaped (or stripped when there is no release character).
CONTRL messages are never acknowledged: an interchange holding only CONTRLs gets None.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from gateway.acks._defects import element_position, first_defect, segment_errors
from gateway.acks.numbers import AckContext
from gateway.errors import spec
from gateway.report import Defect, GroupReport, InterchangeReport, TransactionReport
from gateway.stream import Delimiters

Action = Literal["4", "7", "8"]
Element = str | tuple[str, ...]

DEFAULT_DELIMITERS = Delimiters(element="+", component=":", segment="'", release="?",
                                repetition="*")
MAX_UCS = 999  # per UCM
MAX_UCD = 99  # per UCS


def render_contrl(ix: InterchangeReport, ctx: AckContext, *,
                  receipt_only: bool = False) -> str | None:
    """The CONTRL interchange answering ``ix``; None for X12, for an interchange of CONTRLs,
    and for messages that came without a UNB (there is no sender to address: the defect is
    reported to the user, and nothing can be sent).

    ``receipt_only`` reports receipt alone (UCI 0083 = 8, no UCF/UCM) unless the interchange
    itself is rejected.
    """
    if ix.standard != "edifact" or ix.envelope.get("synthetic") or not ix.sender:
        return None
    messages = [t for g in ix.groups for t in g.transactions]
    if messages and all(t.set_id == "CONTRL" for t in messages):
        return None
    syntax_id, syntax_version = _syntax(ix)
    v4 = syntax_version.isdigit() and int(syntax_version) >= 4
    d = outbound_delimiters(ix, ctx)
    w = _Writer(d, ctx.line_end(d), v4)
    if _wants_una(ix, ctx, d):
        w.raw("UNA" + d.component + d.element + d.decimal + (d.release or " ")
              + ((d.repetition or " ") if v4 else " "))
    ref = str(ctx.take("interchange"))
    w.add("UNB", *_unb(ix, ctx, syntax_id, syntax_version, v4, ref))
    msgref = str(ctx.take("transaction"))
    start = w.count
    w.add("UNH", msgref, ("CONTRL", "4", "1", "UN") if v4 else ("CONTRL", "D", "3", "UN"))
    if ix.rejected_itself:
        w.add("UCI", *_uci(ix), "4", *_error(first_edifact(ix.errors, "interchange"),
                                            ("UNA", "UNB", "UNZ"), v4))
    elif receipt_only:
        w.add("UCI", *_uci(ix), "8")
    else:
        w.add("UCI", *_uci(ix), "7")
        for g in ix.groups:  # messages without UNG first (CONTRL segment group 1)
            if g.synthetic:
                for t in g.transactions:
                    _ucm(w, t, v4, g.rejected_itself)
        for g in ix.groups:
            if not g.synthetic:
                _ucf(w, g, v4)
    w.add("UNT", str(w.count - start + 1), msgref)
    w.add("UNZ", "1", ref)
    return w.text()


def contrl_needed(ix: InterchangeReport) -> bool:
    """CONTRL by default: asked for (UNB0031 = 1) or something was rejected."""
    return ix.standard == "edifact" and (ix.ack_requested or ix.status != "accepted")


def outbound_delimiters(ix: InterchangeReport, ctx: AckContext) -> Delimiters:
    """``ctx.delimiters``, else the inbound interchange's (missing ones from the defaults)."""
    if ctx.delimiters is not None:
        return ctx.delimiters
    src, dft = ix.delimiters, DEFAULT_DELIMITERS
    return Delimiters(element=src.get("element") or dft.element,
                      component=src.get("component") or dft.component,
                      segment=src.get("segment") or dft.segment,
                      release=src.get("release") or dft.release,
                      repetition=src.get("repetition") or dft.repetition,
                      decimal=src.get("decimal") or dft.decimal)


def first_edifact(defects: list[Defect], level: str) -> Defect | None:
    """The first defect at ``level`` that has a CONTRL code, rejecting ones first."""
    coded = [d for d in defects if d.level == level and spec(d.code).edifact]
    return first_defect(coded)


# -- parts ------------------------------------------------------------------------------------
def _ucf(w: _Writer, g: GroupReport, v4: bool) -> None:
    if g.rejected_itself:
        w.add("UCF", g.control_number or "", (g.sender or "",), (g.receiver or "",), "4",
              *_error(first_edifact(g.errors, "group"), ("UNG", "UNE"), v4))
        return
    w.add("UCF", g.control_number or "", (g.sender or "",), (g.receiver or "",), "7")
    for t in g.transactions:
        _ucm(w, t, v4, False)


def _ucm(w: _Writer, t: TransactionReport, v4: bool, group_rejected: bool) -> None:
    action: Action = "4" if group_rejected or t.status == "rejected" else "7"
    w.add("UCM", t.control_number, _s009(t), action,
          *_error(first_edifact(t.errors, "transaction"), ("UNH", "UNT"), v4))
    for s in segment_errors(t)[:MAX_UCS]:
        code = spec(s.defect.code).edifact if s.defect is not None else None
        w.add("UCS", str(s.position), code or "")
        for e in s.elements[:MAX_UCD]:
            ecode = spec(e.code).edifact
            s011 = _s011(e, v4)
            if ecode and s011:  # UCD needs both; the UCS above still names the segment
                w.add("UCD", ecode, s011)


def _error(d: Defect | None, tags: tuple[str, ...], v4: bool) -> list[Element]:
    """0085, 0013 and S011 for UCI / UCF / UCM."""
    if d is None:
        return []
    out: list[Element] = [spec(d.code).edifact or ""]
    if d.segment in tags:
        out.append(d.segment or "")
        s011 = _s011(d, v4)
        if s011:
            out.append(s011)
    return out


def _s011(d: Defect, v4: bool) -> tuple[str, ...] | None:
    seq, comp, rep = element_position(d)
    if seq is None:
        return None
    parts = [str(seq), str(comp) if comp is not None else ""]
    if v4 and rep is not None:
        parts.append(str(rep))
    return tuple(parts)


def _s009(t: TransactionReport) -> tuple[str, ...]:
    if t.message_identifier:
        return tuple(t.message_identifier)
    v = t.version or ""
    if len(v) == 4 and v[0] == "D":  # "D96A" -> D:96A:UN
        return (t.set_id, "D", v[1:], "UN")
    return (t.set_id, v)


def _uci(ix: InterchangeReport) -> list[Element]:
    return [ix.control_number or "", (ix.sender or "", ix.sender_qualifier or ""),
            (ix.receiver or "", ix.receiver_qualifier or "")]


def _unb(ix: InterchangeReport, ctx: AckContext, syntax_id: str, syntax_version: str,
         v4: bool, ref: str) -> list[Element]:
    sender = ctx.sender or (ix.receiver_qualifier or "", ix.receiver or "")
    recipient = ctx.receiver or (ix.sender_qualifier or "", ix.sender or "")
    now: datetime = ctx.now
    out: list[Element] = [(syntax_id, syntax_version), (sender[1], sender[0]),
                          (recipient[1], recipient[0]),
                          (now.strftime("%Y%m%d" if v4 else "%y%m%d"), now.strftime("%H%M")),
                          ref]
    test = ix.test if ctx.test_indicator is None else ctx.test_indicator
    if test:
        out += ["", "", "", "", "", "1"]  # S005 0026 0029 0031 0032, then 0035
    return out


def _syntax(ix: InterchangeReport) -> tuple[str, str]:
    raw = (ix.version or "").replace(ix.delimiters.get("component", ":"), ":")
    ident, _, version = raw.partition(":")
    return ident or "UNOC", (version.split(":")[0] or "3")


def _wants_una(ix: InterchangeReport, ctx: AckContext, d: Delimiters) -> bool:
    if ix.envelope.get("UNA") or ix.envelope.get("una"):
        return True
    dft = DEFAULT_DELIMITERS
    return (d.element, d.component, d.segment, d.release, d.decimal) != (
        dft.element, dft.component, dft.segment, dft.release, dft.decimal)


class _Writer:
    """Collects segments; release-escapes every value it is given."""

    def __init__(self, d: Delimiters, end: str, v4: bool) -> None:
        self.d = d
        self.end = end
        self.special = {d.element, d.component, d.segment}
        if d.release:
            self.special.add(d.release)
        if v4 and d.repetition:
            self.special.add(d.repetition)
        self.parts: list[str] = []

    @property
    def count(self) -> int:
        return len(self.parts)

    def escape(self, value: str) -> str:
        value = value.replace("\r", "").replace("\n", "")
        rel = self.d.release
        if rel:
            return "".join(rel + ch if ch in self.special else ch for ch in value)
        return "".join(ch for ch in value if ch not in self.special)

    def add(self, tag: str, *elements: Element) -> None:
        values: list[str] = []
        for e in elements:
            if isinstance(e, tuple):
                comps = [self.escape(c) for c in e]
                while comps and not comps[-1]:
                    comps.pop()
                values.append(self.d.component.join(comps))
            else:
                values.append(self.escape(e))
        while values and not values[-1]:
            values.pop()
        self.parts.append(self.d.element.join([tag, *values]))

    def raw(self, text: str) -> None:
        self.parts.append(text)

    def text(self) -> str:
        # a raw UNA part is "UNA" + five characters: the joining terminator is its sixth
        return self.end.join(self.parts) + self.end
