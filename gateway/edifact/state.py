"""The envelope state of the EDIFACT reader: which interchange, group and message are open.

``Envelope`` takes the service segments (UNB, UNG, UNH, UNT, UNE, UNZ) and UNA advices in file
order, opens and closes the report nodes, runs the checks of ``gateway.edifact.envelope`` and
queues the events for the reader to yield (``out``). A trailer that does not come is made up
for with a defect on the node it should have closed (see ``gateway.edifact.reader``).
"""

from __future__ import annotations

from re import Pattern

from gateway.edifact.charset import LENIENT, Charset, suspect_pattern
from gateway.edifact.envelope import (
    check_une,
    check_unt,
    check_unz,
    read_unb,
    read_ung,
    read_unh,
)
from gateway.edifact.scanner import Batch, ServiceChars, Una
from gateway.report import Defect, GroupReport, InterchangeReport, TransactionReport
from gateway.stream import (
    Delimiters,
    Elements,
    Event,
    FileDefect,
    GroupEnd,
    GroupStart,
    InterchangeEnd,
    InterchangeStart,
    Message,
    SegmentToken,
)

MAX_CHARSET_DEFECTS = 10
SERVICE = frozenset({"UNB", "UNG", "UNH", "UNT", "UNE", "UNZ"})

class _Ic:
    """An open interchange."""

    __slots__ = ("report", "delims", "charset", "rep", "pos", "synthetic", "refs",
                 "group_refs", "messages", "groups", "loose_at", "ung_at", "mixed",
                 "charset_listed", "charset_hidden", "stray", "stray_text", "stray_n")

    def __init__(self, report: InterchangeReport, delims: Delimiters, charset: Charset,
                 rep: str | None, synthetic: bool) -> None:
        self.report = report
        self.delims = delims
        self.charset = charset
        self.rep = rep
        self.pos = 1  # segments of the interchange read so far, header included
        self.synthetic = synthetic
        self.refs: dict[str, int] = {}  # UNH0062 -> offset
        self.group_refs: dict[str, int] = {}
        self.messages = 0
        self.groups = 0  # real UNG groups
        self.loose_at = -1  # first UNH outside UNG
        self.ung_at = -1  # first UNG
        self.mixed = False
        self.charset_listed = 0
        self.charset_hidden = 0
        self.stray: Defect | None = None  # the defect of the current run of stray segments
        self.stray_text = ""
        self.stray_n = 0


class _Group:
    __slots__ = ("report", "real", "count")

    def __init__(self, report: GroupReport, real: bool) -> None:
        self.report = report
        self.real = real
        self.count = 0


class _Msg:
    __slots__ = ("report", "tokens", "offsets", "pos0")

    def __init__(self, report: TransactionReport, tokens: list[SegmentToken], pos0: int) -> None:
        self.report = report
        # message segments as tokens, or as their unsplit text (made tokens on demand)
        self.tokens: list[SegmentToken | str] = list(tokens)
        self.offsets = [t.offset for t in tokens]
        self.pos0 = pos0  # interchange position of the UNH, minus one


class Envelope:
    """Open report nodes and the events waiting to be yielded."""

    def __init__(self) -> None:
        self.out: list[Event] = []
        self.pending: list[Defect] = []  # file defects before the first interchange
        self.started = False  # an interchange was yielded
        self.seen_any = False  # any non-blank byte
        self.first_offset = 0
        self.ic: _Ic | None = None
        self.grp: _Group | None = None
        self.msg: _Msg | None = None
        self.una: Una | None = None  # the advice for the next UNB
        self.junk: Defect | None = None
        self.junk_n = 0
        self.suspect: Pattern[str] | None = None
        self.recheck = False
        self.batch: Batch | None = None

    def _segment(self, tag: str, els: Elements, off: int) -> None:
        tok = SegmentToken(tag, els, off, 0)
        if tag == "UNH":
            self._unh(tok)
        elif tag == "UNT":
            self._unt(tok)
        elif tag == "UNB":
            self._unb(tok)
        elif tag == "UNZ":
            self._unz(tok)
        elif tag == "UNG":
            self._ung(tok)
        elif tag == "UNE":
            self._une(tok)
        elif self.ic is not None:
            self._stray(tok, "is outside any message")
        else:
            self._junk(tok)

    def _stray(self, tok: SegmentToken, why: str) -> None:
        ic = self.ic
        assert ic is not None
        ic.pos += 1
        tok.position = ic.pos
        if ic.stray is not None and tok.tag not in SERVICE:
            ic.stray_n += 1
            ic.stray.message = f"{ic.stray_text} ({ic.stray_n} segments in a row)"
            return
        text = f"segment {tok.tag} at offset {tok.offset} {why}"
        d = Defect("isa.structure", text, offset=tok.offset, segment=tok.tag,
                   segment_position=tok.position)
        ic.report.errors.append(d)
        ic.stray = d if tok.tag not in SERVICE else None
        ic.stray_text = text
        ic.stray_n = 1

    def _junk(self, tok: SegmentToken) -> None:
        """A segment outside any interchange: one defect per run of them."""
        tag = tok.tag if tok.tag.isalnum() and len(tok.tag) <= 6 else repr(tok.tag[:12])
        if self.junk is None:
            self.junk = Defect("file.junk", "", offset=tok.offset, segment=tag)
            self.junk_n = 0
            self.junk.message = (f"segment {tag} at offset {tok.offset} belongs to no "
                                 f"interchange (no UNB before it)")
        self.junk_n += 1
        if self.junk_n > 1:
            self.junk.message = (f"{self.junk_n} segments from offset {self.junk.offset} "
                                 f"({self.junk.segment}) to offset {tok.offset} ({tag}) belong "
                                 f"to no interchange (no UNB before them)")

    def _end_junk(self) -> None:
        if self.junk is not None:
            self._file_defect(self.junk)
            self.junk = None

    def _file_defect(self, d: Defect) -> None:
        if self.started:
            self.out.append(FileDefect(d))
        else:
            self.pending.append(d)

    def _start_ic(self, report: InterchangeReport, delims: Delimiters, charset: Charset,
                  rep: str | None, header: SegmentToken, synthetic: bool) -> _Ic:
        self._end_junk()
        if not self.started:
            self.started = True
            self.out.extend(FileDefect(d) for d in self.pending)
            self.pending = []
        ic = _Ic(report, delims, charset, rep, synthetic)
        self.ic = ic
        cs = charset
        b = self.batch
        self.suspect = suspect_pattern(cs, b.chars.all() if b is not None else "")
        self.recheck = True
        self.out.append(InterchangeStart(report, delims, header))
        return ic

    def _unb(self, tok: SegmentToken) -> None:
        if self.ic is not None:
            self._close_ic("isa.structure", f"UNB at offset {tok.offset} starts a new "
                           f"interchange before", tok.offset)
        b = self.batch
        assert b is not None
        chars = b.chars
        una, self.una = self.una, None
        if una is None or una.chars != chars:
            chars = ServiceChars(chars.component, chars.element, chars.decimal, chars.release,
                                 chars.repetition, chars.terminator, None)
        tok.position = 1
        header = read_unb(tok, chars, suffix_after(b, tok.offset))
        self._start_ic(header.report, header.delimiters, header.charset, header.repetition,
                       tok, False)

    def _una(self, una: Una) -> None:
        if self.ic is not None:
            self._close_ic("isa.structure", f"UNA at offset {una.offset} starts a new "
                           f"interchange before", una.offset)
        if una.chars is None:
            self._end_junk()
            self._file_defect(Defect(una.code, f"UNA at offset {una.offset} ({una.text!r}) "
                                     f"cannot be used: {una.problem}", offset=una.offset,
                                     segment="UNA"))
            self.una = None
            return
        self.una = una

    def _synthetic_ic(self, tok: SegmentToken) -> _Ic:
        b = self.batch
        assert b is not None
        ch = b.chars
        rep = ch.repetition if ch.una is not None else None
        delims = Delimiters(element=ch.element, component=ch.component, segment=ch.terminator,
                            repetition=rep, release=ch.release, decimal=ch.decimal,
                            suffix=suffix_after(b, tok.offset))
        report = InterchangeReport(standard="edifact", sender=None, receiver=None,
                                   control_number=None, version=None, offset=tok.offset,
                                   delimiters=delims.to_json(), envelope={"synthetic": True})
        report.errors.append(Defect(
            "isa.structure", f"message UNH at offset {tok.offset} is not inside an interchange "
            f"(no UNB before it); it is read in a synthetic interchange without envelope",
            offset=tok.offset, segment="UNH", segment_position=0))
        self.una = None
        ic = self._start_ic(report, delims, LENIENT, rep, SegmentToken("UNB", [], tok.offset, 0),
                            True)
        ic.pos = 0
        return ic

    def _unh(self, tok: SegmentToken) -> None:
        ic = self.ic if self.ic is not None else self._synthetic_ic(tok)
        ic.stray = None
        if self.msg is not None:
            self._close_msg(Defect(
                "st.trailer_missing", f"UNH at offset {tok.offset} starts a new message before "
                f"UNT closed message '{self.msg.report.control_number}'", offset=tok.offset,
                segment="UNH"))
        report = read_unh(tok)
        if self.grp is None:
            ic.loose_at = tok.offset if ic.loose_at < 0 else ic.loose_at
            self._mixing(ic, tok)
            grp = GroupReport(functional_id=None, version=report.version, control_number=None,
                              offset=tok.offset, synthetic=True)
            ic.report.groups.append(grp)
            self.grp = _Group(grp, False)
            self.out.append(GroupStart(grp, ic.report, None))
        ref = report.control_number
        if ref in ic.refs:
            report.errors.append(Defect(
                "st.duplicate", f"UNH01 message reference '{ref}' is already used by the "
                f"message at offset {ic.refs[ref]} in this interchange", offset=tok.offset,
                segment="UNH", segment_position=1, element="UNH01", element_seq=1,
                data_ele="0062", value=ref))
        elif ref:
            ic.refs[ref] = tok.offset
        tok.position = 1
        self.msg = _Msg(report, [tok], ic.pos)

    def _unt(self, tok: SegmentToken) -> None:
        msg = self.msg
        if msg is None:
            if self.ic is not None:
                self._stray(tok, "(UNT) has no UNH before it")
            else:
                self._junk(tok)
            return
        tok.position = len(msg.tokens) + 1
        msg.tokens.append(tok)
        msg.offsets.append(tok.offset)
        msg.report.segment_count = len(msg.tokens)
        check_unt(tok, msg.report)
        self._close_msg(None)

    def _close_msg(self, missing: Defect | None) -> None:
        msg, ic, grp = self.msg, self.ic, self.grp
        assert msg is not None and ic is not None and grp is not None
        self.msg = None
        if missing is not None:
            last_offset = msg.offsets[-1]
            missing.segment_position = len(msg.tokens)
            msg.report.errors.append(missing)
            msg.report.segment_count = len(msg.tokens)
            if missing.offset is None:
                missing.offset = last_offset
        ic.pos += len(msg.tokens)
        ic.messages += 1
        grp.count += 1
        grp.report.transactions.append(msg.report)
        self.out.append(Message(msg.report, grp.report, ic.report, ic.delims,
                                encoding=ic.charset.codec, texts=msg.tokens,
                                text_offsets=msg.offsets))

    def _ung(self, tok: SegmentToken) -> None:
        ic = self.ic
        if ic is None:
            self._junk(tok)
            return
        ic.stray = None
        why = f"UNG at offset {tok.offset} starts a group before"
        self._close_open(why, tok.offset)
        ic.pos += 1
        tok.position = ic.pos
        grp = read_ung(tok, ic.pos, ic.report.version[-1:] if ic.report.version else "")
        ref = grp.control_number
        if ref and ref in ic.group_refs:
            grp.errors.append(Defect(
                "gs.duplicate", f"UNG05 group reference '{ref}' is already used by the group at "
                f"offset {ic.group_refs[ref]} in this interchange", offset=tok.offset,
                segment="UNG", segment_position=ic.pos, element="UNG05", element_seq=5,
                data_ele="0048", value=ref))
        elif ref:
            ic.group_refs[ref] = tok.offset
        ic.groups += 1
        ic.ung_at = tok.offset if ic.ung_at < 0 else ic.ung_at
        self._mixing(ic, tok)
        ic.report.groups.append(grp)
        self.grp = _Group(grp, True)
        self.out.append(GroupStart(grp, ic.report, tok))

    def _mixing(self, ic: _Ic, tok: SegmentToken) -> None:
        if ic.mixed or ic.loose_at < 0 or ic.ung_at < 0:
            return
        ic.mixed = True
        ic.report.errors.append(Defect(
            "isa.structure", f"the interchange mixes messages outside groups (UNH at offset "
            f"{ic.loose_at}) with UNG groups (UNG at offset {ic.ung_at})", offset=tok.offset,
            segment=tok.tag, segment_position=ic.pos + 1))

    def _une(self, tok: SegmentToken) -> None:
        ic = self.ic
        if ic is None:
            self._junk(tok)
            return
        if self.grp is None or not self.grp.real:
            if self.msg is not None:
                self._close_msg(Defect("st.trailer_missing", f"UNE at offset {tok.offset} "
                                       f"comes before UNT closed message "
                                       f"'{self.msg.report.control_number}'",
                                       offset=tok.offset))
            self._stray(tok, "(UNE) has no UNG before it")
            return
        ic.stray = None
        if self.msg is not None:
            self._close_msg(Defect("st.trailer_missing", f"UNE at offset {tok.offset} ends the "
                                   f"group before UNT closed message "
                                   f"'{self.msg.report.control_number}'", offset=tok.offset))
        ic.pos += 1
        tok.position = ic.pos
        grp = self.grp
        check_une(tok, ic.pos, grp.report, grp.count)
        self.grp = None
        self.out.append(GroupEnd(grp.report, ic.report, tok))

    def _close_group(self, why: str, offset: int | None) -> None:
        grp, ic = self.grp, self.ic
        assert grp is not None and ic is not None
        self.grp = None
        if grp.real:
            grp.report.errors.append(Defect(
                "gs.trailer_missing", f"{why} UNE closed group '{grp.report.control_number}'",
                offset=offset, segment="UNG"))
        self.out.append(GroupEnd(grp.report, ic.report, None))

    def _unz(self, tok: SegmentToken) -> None:
        ic = self.ic
        if ic is None:
            self._junk(tok)
            return
        why = f"UNZ at offset {tok.offset} ends the interchange before"
        self._close_open(why, tok.offset)
        ic.pos += 1
        tok.position = ic.pos
        if not ic.synthetic:
            ic.report.errors.extend(check_unz(tok, ic.pos, ic.report, ic.messages, ic.groups))
        self._end_ic(tok)

    def _close_open(self, why: str, offset: int | None) -> None:
        """Close the open message (without its UNT) and group (without its UNE), if any.
        ``why`` names what came instead and ends in "before"."""
        if self.msg is not None:
            self._close_msg(Defect("st.trailer_missing", f"{why} UNT closed message "
                                   f"'{self.msg.report.control_number}'", offset=offset))
        if self.grp is not None:
            self._close_group(why, offset)

    def _close_ic(self, code: str, why: str, offset: int | None) -> None:
        """Close the open interchange without its UNZ. ``why`` ends in "before" (UNZ...)."""
        ic = self.ic
        assert ic is not None
        self._close_open(why, offset)
        if not ic.synthetic or code == "isa.terminator":  # no UNZ is owed without a UNB
            ic.report.errors.append(Defect(
                code, f"{why} UNZ closed interchange '{ic.report.control_number or ''}' "
                f"(UNB at offset {ic.report.offset})", offset=offset,
                segment_position=ic.pos))
        self._end_ic(None)

    def _end_ic(self, trailer: SegmentToken | None) -> None:
        ic = self.ic
        assert ic is not None
        if ic.charset_hidden:
            ic.report.errors.append(Defect(
                "unb.charset", f"{ic.charset_hidden} more segment(s) with characters outside "
                f"{ic.charset.name} are not listed", offset=ic.report.offset, segment="UNB",
                segment_position=1))
        self.ic = None
        self.suspect = None
        self.recheck = True
        self.out.append(InterchangeEnd(ic.report, trailer))

    # -- the end --------------------------------------------------------------------------


def suffix_after(b: Batch, offset: int) -> str:
    """The line break that follows the terminator of the segment at ``offset``."""
    text = b.text
    term, rel = b.chars.terminator, b.chars.release
    i = text.find(term, offset - b.base)
    while i > 0 and rel and (i - len(text[:i].rstrip(rel))) % 2:  # a released terminator
        i = text.find(term, i + 1)
    if i < 0:
        return ""
    nxt = text[i + 1:i + 3]
    return "\r\n" if nxt == "\r\n" else nxt[:1] if nxt[:1] in ("\r", "\n") else ""
