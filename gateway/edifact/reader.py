"""The streaming EDIFACT reader: bytes → interchanges, groups and messages with envelope checks.

``read_edifact`` walks a file once and yields the events of ``gateway.stream`` in file order.
Only the current message's segments are held; memory is bounded by one chunk plus the largest
message. Envelope defects (counts, control references, formats, character set) are already on
the report nodes when their event is yielded: message defects on ``Message.report``, group
defects on the ``GroupReport``, interchange defects on the ``InterchangeReport``, whose
trailer checks are done before ``InterchangeEnd``.

Decisions (see also the scanner and charset modules):

* Messages outside UNG/UNE are put in a synthetic group per run of such messages, versioned
  from its first message ("D96A" = UNH S009 version + release).
* A message without any UNB (UNA + UNH..UNT) is read in a synthetic interchange: no sender,
  receiver or control number, ``envelope == {"synthetic": True}``, a header token ``UNB`` with
  no elements and position 0, and the defect ``isa.structure``. Its characters are read as
  UTF-8 when valid, latin-1 otherwise, without charset defects.
* A missing trailer closes what it should have closed, with a defect: ``st.trailer_missing``
  on the message, ``gs.trailer_missing`` on the group, ``isa.eof`` on the interchange at the end
  of the file, ``isa.structure`` when a new UNA/UNB starts before UNZ. Incomplete messages are
  still yielded, with their defect, so the ack can reject them.
* Message segments other than UNH and UNT stay unsplit text in ``Message.texts`` (release
  characters still in); ``Message.tokens()`` makes them ``tokens.LazyToken``s on demand, which
  split their elements on first access. Building the nested element lists is most of the cost
  of reading, and the validator's fast path matches the texts without ever splitting them.
* ``unb.charset`` defects sit on the interchange (the code's level), one per segment, at most
  ``MAX_CHARSET_DEFECTS`` listed plus one that counts the rest.
* Bytes outside any interchange are reported as one ``FileDefect(file.junk)`` per run. When no
  interchange can be read at all, ``ReadError`` is raised instead: ``file.empty`` for empty or
  white-space input, ``file.not_edi`` otherwise; ``file.unreadable`` when the source fails.
* More than ``MAX_SEGMENT_BYTES`` without a terminator stops the reading: the open interchange
  is closed with ``isa.terminator`` (or a ``FileDefect(file.junk)`` is yielded outside one, or
  ``ReadError(file.not_edi)`` if nothing was read before).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from gateway.edifact.charset import LENIENT, decode_checked
from gateway.edifact.scanner import MAX_SEGMENT_BYTES, Batch, Overflow, ServiceChars, Una, scan
from gateway.edifact.state import MAX_CHARSET_DEFECTS, SERVICE, Envelope
from gateway.edifact.tokens import split_text
from gateway.errors import ReadError
from gateway.report import Defect
from gateway.stream import Event, SegmentToken

__all__ = ["MAX_CHARSET_DEFECTS", "MAX_SEGMENT_BYTES", "read_edifact"]


def read_edifact(source: BinaryIO | Path | str, *, tolerant_charset: bool = False,
                 chunk_size: int = 1 << 20) -> Iterator[Event]:
    """Yield the events of an EDIFACT file in file order (see the module docstring).

    ``source`` is a binary stream (read, not closed) or a file path. Raises ``ReadError`` when
    nothing can be read as EDIFACT, or when the source itself fails (``file.unreadable``).
    """
    if isinstance(source, (str, Path)):
        try:
            fh = open(source, "rb")  # noqa: SIM115 - closed below, after the last event
        except OSError as exc:
            raise ReadError(f"cannot open {source}: {exc}", code="file.unreadable") from exc
        with fh:
            yield from _Reader(tolerant_charset).run(fh.read, chunk_size)
    else:
        yield from _Reader(tolerant_charset).run(source.read, chunk_size)


class _Reader(Envelope):
    def __init__(self, tolerant: bool) -> None:
        super().__init__()
        self.tolerant = tolerant

    # -- driving --------------------------------------------------------------------------

    def run(self, read: Callable[[int], bytes], chunk_size: int) -> Iterator[Event]:
        offset = 0

        def guarded(n: int) -> bytes:
            nonlocal offset
            try:
                data = read(n)
            except OSError as exc:
                raise ReadError(f"reading failed at offset {offset}: {exc}",
                                code="file.unreadable", offset=offset) from exc
            offset += len(data)
            return data

        for item in scan(guarded, max(1, chunk_size)):
            if isinstance(item, Batch):
                if not self.seen_any:
                    self.seen_any = True
                    self.first_offset = item.offsets[0]
                yield from self._batch(item)
            elif isinstance(item, Una):
                if not self.seen_any:
                    self.seen_any = True
                    self.first_offset = item.offset
                self._una(item)
                yield from self._flush()
            else:
                self._overflow(item)
                yield from self._flush()
                return
        self._eof(offset)
        yield from self._flush()

    def _flush(self) -> Iterator[Event]:
        if self.out:
            out, self.out = self.out, []
            yield from out

    def _batch(self, b: Batch) -> Iterator[Event]:
        self.batch = b
        ch = b.chars
        elem, comp, rel = ch.element, ch.component, ch.release
        ic = self.ic
        rep = ic.rep if ic is not None else None
        suspect = self.suspect
        dirty = suspect is not None and suspect.search(b.text, b.start, b.end) is not None
        msg = self.msg
        toks = msg.tokens if msg is not None else None
        offs = msg.offsets if msg is not None else None
        for off, s in zip(b.offsets, b.segments, strict=True):
            if dirty and suspect is not None and suspect.search(s) is not None:
                self._odd(off, s, ch)
            else:
                tag = s[:3]
                if toks is not None and tag not in SERVICE and (s[3:4] == elem or len(s) == 3):
                    # a message segment: kept as text, split when first asked for
                    toks.append(s)
                    offs.append(off)  # type: ignore[union-attr]
                    continue
                tag, els = split_text(s, elem, comp, rel, rep)
                if toks is not None and tag not in SERVICE:
                    toks.append(SegmentToken(tag, els, off, len(toks) + 1))
                    offs.append(off)  # type: ignore[union-attr]
                    continue
                self._segment(tag, els, off)
            if self.out:
                out, self.out = self.out, []
                yield from out
            msg = self.msg
            toks = msg.tokens if msg is not None else None
            offs = msg.offsets if msg is not None else None
            ic = self.ic
            rep = ic.rep if ic is not None else None
            if self.recheck:
                self.recheck = False
                suspect = self.suspect
                dirty = suspect is not None and \
                    suspect.search(b.text, off - b.base, b.end) is not None

    def _odd(self, off: int, s: str, ch: ServiceChars) -> None:
        """A segment with characters outside plain ASCII or the declared repertoire."""
        ic = self.ic
        cs = ic.charset if ic is not None else LENIENT
        text, problem = decode_checked(s, cs, ch.all(), self.tolerant)
        rep = ic.rep if ic is not None else None
        tag, els = split_text(text, ch.element, ch.component, ch.release, rep)
        if self.msg is not None and tag not in SERVICE:
            toks = self.msg.tokens
            toks.append(SegmentToken(tag, els, off, len(toks) + 1))
            self.msg.offsets.append(off)
        else:
            self._segment(tag, els, off)
        if problem is None or self.ic is None or self.ic is not ic or ic.synthetic:
            return
        if ic.charset_listed >= MAX_CHARSET_DEFECTS:
            ic.charset_hidden += 1
            return
        ic.charset_listed += 1
        msg = self.msg
        if msg is not None and tag not in SERVICE:
            where = f"position {len(msg.tokens)} of message '{msg.report.control_number}'"
            position = msg.pos0 + len(msg.tokens)
        else:
            position = ic.pos
            where = f"position {position} of the interchange"
        ic.report.errors.append(Defect(
            "unb.charset", f"{problem.reason} (segment {tag} at offset {off}, {where}; the "
            f"interchange declares {cs.name})", offset=off + problem.index, segment=tag,
            segment_position=position))

    # -- segments -------------------------------------------------------------------------

    def _eof(self, size: int) -> None:
        if self.ic is not None:
            self._close_ic("isa.eof", f"the file ends (at byte {size}) before", size)
        if self.una is not None:
            self._junk(SegmentToken("UNA", [], self.una.offset, 0))
            self.una = None
        self._give_up_if_nothing(None)
        self._end_junk()

    def _overflow(self, item: Overflow) -> None:
        text = (f"no segment terminator in the {item.length} bytes after offset {item.offset} "
                f"(at most {MAX_SEGMENT_BYTES} bytes per segment): the rest of the file was not "
                f"read")
        if self.ic is not None:
            self._close_ic("isa.terminator", f"{text}; this ends the interchange before",
                           item.offset)
            return
        self._give_up_if_nothing(item)
        self._end_junk()
        self._file_defect(Defect("file.junk", text, offset=item.offset))

    def _give_up_if_nothing(self, overflow: Overflow | None) -> None:
        if self.started:
            return
        if not self.seen_any and overflow is None:
            raise ReadError("the file is empty or holds only white space", code="file.empty")
        reasons = [d.message for d in self.pending]
        if self.junk is not None:
            reasons.append(self.junk.message)
        if overflow is not None:
            reasons.append(f"no segment terminator in the first {overflow.length} bytes after "
                           f"offset {overflow.offset}")
        detail = "; ".join(reasons) or "no segment found"
        raise ReadError(f"this is not EDIFACT: no UNB or UNH segment could be read ({detail})",
                        code="file.not_edi",
                        offset=overflow.offset if overflow is not None else self.first_offset)
