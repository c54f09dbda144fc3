"""Streaming X12 reader with envelope checks.

``read_x12(source)`` walks a file once, in chunks of ``chunk_size`` bytes, and yields the
events of ``gateway.stream``. Memory is bounded by the chunk plus the largest transaction set:
a transaction's segments are handed over in one ``Message`` and then dropped.

Speed comes from doing as little per segment as possible: a chunk is split on the segment
terminator in one C call, and the Python loop looks at the first three bytes of each segment
only; elements are split for envelope segments (ISA, GS, ST, SE, GE, IEA) alone. Byte offsets
are computed from segment lengths when they are needed, not for every segment.

Each envelope defect carries a stable code (``gateway.errors``), the byte offset, the segment
and its position; none stops the reader. Only input that holds no interchange at all raises
``ReadError``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import BinaryIO

from gateway.errors import ReadError
from gateway.report import Defect, GroupReport, InterchangeReport, TransactionReport
from gateway.stream import (
    Delimiters,
    Event,
    FileDefect,
    GroupEnd,
    GroupStart,
    InterchangeEnd,
    InterchangeStart,
    Message,
    SegmentToken,
)
from gateway.x12 import checks
from gateway.x12.isa import ISA_SCAN_LIMIT, WHITESPACE, IsaHeader, IsaIncomplete, parse_isa

CHUNK = 1 << 20
MAX_SEGMENT = 1 << 20  # a segment longer than this is not X12: stop before memory grows
BOM = b"\xef\xbb\xbf"


def _open(source: BinaryIO | Path | str) -> tuple[BinaryIO, bool]:
    if isinstance(source, (str, Path)):
        try:
            return open(source, "rb"), True  # noqa: SIM115 - closed by read_x12
        except OSError as exc:
            raise ReadError(f"cannot open {source}: {exc.strerror}") from exc
    return source, False


def read_x12(source: BinaryIO | Path | str, *, chunk_size: int = CHUNK,
             messages: bool = True) -> Iterator[Event]:
    """Yield the events of every interchange in ``source`` (a path or a binary stream).

    ``messages=False`` checks envelopes only: no ``Message`` events (nothing to validate)."""
    stream, owned = _open(source)
    try:
        yield from _Reader(stream, chunk_size, messages).run()
    finally:
        if owned:
            stream.close()


@dataclass(slots=True)
class _Open:
    """The envelope state of the interchange being read."""

    ix: InterchangeReport
    delims: Delimiters
    encoding: str
    sepb: bytes  # what separates two segments in a cleaned chunk
    group: GroupReport | None = None
    group_seen_controls: set[str] = field(default_factory=set)
    tx: TransactionReport | None = None
    tx_parts: list[tuple[bytes, bytes]] = field(default_factory=list)  # (text, joint)
    tx_count: int = 0  # segments in tx_parts
    tx_anchors: list[tuple[int, int]] = field(default_factory=list)  # (segment, offset)
    tx_controls: set[str] = field(default_factory=set)
    group_count: int = 0
    seg_base: int = 1  # segments of the interchange before the current chunk (the ISA)
    empties: bool = False  # some chunk had an empty segment: look for them per set


class _Reader:
    def __init__(self, stream: BinaryIO, chunk_size: int, messages: bool = True) -> None:
        self.messages = messages
        self.stream = stream
        self.chunk_size = chunk_size
        # a bytearray: dropping its head is cheap (CPython keeps an offset), where a bytes
        # object would be copied at the end of every interchange
        self.buf = bytearray()
        self.base = 0  # file offset of buf[0]
        self.eof = False
        self.seen_interchange = False
        self.saw_data = False

    # -- buffer ---------------------------------------------------------------------------
    def _fill(self) -> bool:
        if self.eof:
            return False
        try:
            data = self.stream.read(self.chunk_size)
        except OSError as exc:
            raise ReadError(f"read failed at byte {self.base + len(self.buf)}: {exc}") from exc
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _drop(self, n: int) -> None:
        del self.buf[:n]
        self.base += n

    # -- top level ------------------------------------------------------------------------
    def run(self) -> Iterator[Event]:
        self._fill()
        if self.buf.startswith(BOM):
            self._drop(3)
        while True:
            # skip white space between interchanges
            while True:
                if self.buf[:1].isspace() or self.buf[:1] == b"\x00":
                    self._drop(len(self.buf) - len(self.buf.lstrip(WHITESPACE)))
                if self.buf or not self._fill():
                    break
            if not self.buf:
                break
            while len(self.buf) < 3 and self._fill():
                pass
            if not self.buf.startswith(b"ISA"):
                yield from self._junk()
                continue
            header = self._isa()
            if header is None:
                continue
            self.seen_interchange = True
            yield from self._interchange(header)
        if not self.seen_interchange:
            if not self.saw_data:
                raise ReadError("the file is empty", code="file.empty")
            raise ReadError("no X12 interchange found: the file does not contain an ISA header",
                            code="file.not_edi")

    def _junk(self) -> Iterator[Event]:
        """Bytes that are not an ISA: report them once, skip to the next ISA."""
        self.saw_data = True
        start = self.base
        sample = bytes(self.buf[:64])
        while True:
            k = self.buf.find(b"ISA", 1)
            if k >= 0:
                self._drop(k)
                break
            keep = 2  # "IS" may be the start of the next ISA
            self._drop(max(0, len(self.buf) - keep))
            if not self._fill():
                self._drop(len(self.buf))
                break
        if not self.seen_interchange and not self.buf:
            raise ReadError(f"no X12 interchange found: unexpected data at byte {start} "
                            f"({sample[:20]!r})", code="file.not_edi", offset=start)
        size = self.base - start
        # a stray terminator or two after an IEA is noise, not lost data
        harmless = size <= 4 and not any(chr(b).isalnum() for b in sample[:size])
        yield FileDefect(Defect("file.junk", f"{size} bytes at offset {start} do not belong "
                                f"to any interchange and were skipped ({sample[:20]!r})",
                                offset=start, warning=harmless))

    def _isa(self) -> IsaHeader | None:
        while True:
            try:
                head = bytes(memoryview(self.buf)[:ISA_SCAN_LIMIT * 2])
                return parse_isa(head, 0, self.base,
                                 eof=self.eof and len(head) == len(self.buf))
            except IsaIncomplete:
                if not self._fill():
                    continue
            except ValueError as exc:
                if not self.seen_interchange and self.buf.find(b"ISA", 3) < 0 and self.eof:
                    raise ReadError(f"unreadable ISA at byte {self.base}: {exc}",
                                    code="file.not_edi", offset=self.base) from exc
                self._drop(3)
                return None

    # -- one interchange ------------------------------------------------------------------
    def _interchange(self, h: IsaHeader) -> Iterator[Event]:
        d = h.delimiters
        v = h.elements
        ix = InterchangeReport(
            standard="x12", sender=v[5].strip(), receiver=v[7].strip(),
            control_number=v[12].strip(), version=v[11].strip(), offset=self.base,
            sender_qualifier=v[4].strip(), receiver_qualifier=v[6].strip(),
            date=v[8].strip(), time=v[9].strip(), ack_requested=v[13].strip() == "1",
            test=v[14].strip() == "T", delimiters=d.to_json(),
            envelope={f"ISA{n:02d}": val for n, val in enumerate(v, start=1)})
        ix.errors.extend(h.defects)
        term = h.term
        suffix = d.suffix.encode("latin-1")
        sepb = term + suffix
        st = _Open(ix, d, h.encoding, sepb)
        isa_token = SegmentToken("ISA", [[[x]] for x in v], self.base, 1)
        self._drop(h.end)
        yield InterchangeStart(ix, d, isa_token)
        sep = re.escape(d.element.encode("latin-1"))
        isa_mark = sepb + b"ISA"
        nl_per_sep = sepb.count(b"\n") + sepb.count(b"\r")
        envelope_re = {
            key: re.compile(re.escape(key) + rb"(?:(?:S[ET]|G[SE])" + sep + rb"|I(?:EA|SA))")
            for key in {sepb, term}}
        while True:
            if self.buf[:1].isspace():  # white space after the previous terminator
                self._drop(len(self.buf) - len(self.buf.lstrip(WHITESPACE)))
            # stop at the next ISA: its delimiters may differ (bounds the work per pass)
            nxt = self.buf.find(isa_mark, 1)
            cut = nxt if nxt > 0 else self.buf.rfind(term)
            if cut < 0:
                if len(self.buf) > MAX_SEGMENT:
                    yield from self._oversized(st)
                    return
                if self._fill():
                    continue
                if self.buf:
                    self.buf += term  # the file ends without a last terminator
                    continue
                break
            if not self.eof and cut + len(sepb) >= len(self.buf) and self._fill():
                continue  # need the bytes after the last terminator to see its suffix
            body = bytes(memoryview(self.buf)[:cut])
            if self._plain(body, term, sepb, nl_per_sep) and \
                    self.buf[cut: cut + len(sepb)] == sepb:
                # fast path: every terminator is followed by the same suffix, nothing else
                joint, anchors = sepb, None
                consumed = cut + len(sepb)
            else:
                # odd layout (indentation, wrapped lines, mixed line ends): clean each segment
                raw = body.split(term)
                anchors = []
                pos = self.base
                for r in raw:
                    anchors.append(pos + _lead(r))
                    pos += len(r) + len(term)
                body = term.join(map(_clean, raw))
                joint = term
                consumed = cut + len(term)
            stop, events = self._scan(st, body, joint, anchors, envelope_re[joint], consumed)
            yield from events
            if stop is not None:
                self._drop(stop)
                break
            self._drop(consumed)
        yield from self._close(st)

    @staticmethod
    def _plain(body: bytes, term: bytes, sepb: bytes, nl_per_sep: int) -> bool:
        """Every terminator is followed by the same suffix and there is no other white space
        between segments (line breaks inside segments included): split as it is."""
        if len(sepb) == len(term) and term.strip():  # no suffix, a visible terminator
            # single-byte searches first (memchr speed); the two-byte ones only when needed
            return (b"\n" not in body and b"\r" not in body and term + b" " not in body
                    and (b"\t" not in body or term + b"\t" not in body))
        nsep = body.count(sepb)
        return (body.count(term) == nsep
                and body.count(b"\n") + body.count(b"\r") == nsep * nl_per_sep
                and sepb + b" " not in body and sepb + b"\t" not in body)

    def _scan(self, st: _Open, body: bytes, joint: bytes, anchors: list[int] | None,
              envelope: re.Pattern[bytes], consumed: int) -> tuple[int | None, list[Event]]:
        """Walk the envelope segments of one cleaned chunk, found by position.

        ``body`` holds whole segments separated by ``joint``; ``consumed`` is how many buffer
        bytes it stands for. ``anchors`` gives each segment's file offset when the chunk had to
        be cleaned (None: offsets follow from lengths). Returns the number of buffer bytes to
        drop when the interchange ended here (None when it goes on) and the events.
        """
        events: list[Event] = []
        base = self.base
        jl = len(joint)
        elem = st.delims.element.encode("latin-1")
        starts = [m.start() + jl for m in envelope.finditer(body)]
        st.empties = st.empties or joint + joint in body or body.startswith(joint)
        if _is_envelope(body, elem):
            starts.insert(0, 0)
        idx_pos, idx_count = 0, 0  # incremental segment index; positions only grow

        def index_of(b: int) -> int:
            nonlocal idx_pos, idx_count
            idx_count += body.count(joint, idx_pos, b)
            idx_pos = b
            return idx_count

        def offset_of(b: int) -> int:
            return base + b if anchors is None else anchors[index_of(b)]

        def buffer_pos(b: int) -> int:
            """Bytes of the buffer before body position ``b`` (a segment start)."""
            if b >= len(body):
                return consumed
            return b if anchors is None else anchors[index_of(b)] - base

        def take(a: int, a_index: int, b: int) -> None:
            """Add the whole segments body[a:b] to the open transaction set."""
            if b <= a:
                return
            if anchors is None:
                n = body.count(joint, a, b) + 1
                st.tx_anchors.append((st.tx_count, base + a))
            else:
                n = index_of(b) + 1 - a_index
                st.tx_anchors.extend((st.tx_count + k, anchors[a_index + k]) for k in range(n))
            st.tx_parts.append((body[a:b], joint))
            st.tx_count += n

        expect = 0 if st.tx is None else -1  # where the next segment outside a set starts
        tx_from, tx_from_index = 0, 0
        st_mark, se_mark = b"ST" + elem, b"SE" + elem
        enc, esep = st.encoding, st.delims.element
        i, n_starts = 0, len(starts)
        while i < n_starts:
            b = starts[i]
            i += 1
            # the common case, a whole ST..SE in this chunk of a plain layout, in one step
            if (anchors is None and st.tx is None and st.group is not None and i < n_starts
                    and expect == b and not st.empties and body.startswith(st_mark, b)
                    and body.startswith(se_mark, starts[i])):
                b2 = starts[i]
                i += 1
                end = body.find(joint, b2)
                if end < 0:
                    end = len(body)
                tx = checks.transaction_header(
                    body[b:body.find(joint, b)].decode(enc, "replace").split(esep), base + b,
                    st.group, st.tx_controls)
                checks.transaction_trailer(tx, body[b2:end].decode(enc, "replace").split(esep),
                                           body.count(joint, b, end) + 1, base + b2)
                st.group.transactions.append(tx)
                if self.messages:
                    msg = Message(tx, st.group, st.ix, st.delims, encoding=enc,
                                  blob=body[b:end], blob_sep=joint)
                    msg._offsets = partial(_lazy_offsets, None, msg.blob, joint,
                                           [(0, base + b)])
                    events.append(msg)
                expect = end + jl
                continue
            end = body.find(joint, b)
            if end < 0:
                end = len(body)
            seg = body[b:end]
            tag = seg[:3].rstrip(elem)
            if st.tx is None and 0 <= expect < b:
                self._strays(st, body, expect, b - jl, joint, offset_of)
            expect = end + jl
            if tag == b"SE" and st.tx is not None:
                take(tx_from, tx_from_index, end)
                events.extend(self._end_tx(st, seg, offset_of(b)))
                continue
            if st.tx is not None:
                take(tx_from, tx_from_index, b - jl)
                events.extend(self._end_tx(st, None, offset_of(b)))
            if tag == b"ST":
                tx_from, tx_from_index = b, (0 if anchors is None else index_of(b))
                events.extend(self._start_tx(st, seg, offset_of(b)))
                continue
            # an envelope segment: its defects get its position in the interchange (ISA = 1)
            group = st.group
            marks = [(st.ix.errors, len(st.ix.errors))]
            if group is not None:
                marks.append((group.errors, len(group.errors)))
            if tag == b"SE":
                self._stray(st, seg, offset_of(b))
            elif tag == b"GS":
                events.extend(self._start_group(st, seg, offset_of(b)))
            elif tag == b"GE":
                events.extend(self._end_group(st, seg, offset_of(b)))
            elif tag == b"IEA":
                events.extend(self._iea(st, seg, offset_of(b)))
                _position(marks, st.seg_base + index_of(b))
                return buffer_pos(end + jl), events
            else:  # ISA: a new interchange starts before this one's IEA
                st.seg_base += index_of(b)
                return buffer_pos(b), events
            if st.group is not None and st.group is not group:
                marks.append((st.group.errors, 0))
            _position(marks, st.seg_base + index_of(b))
        if st.tx is not None:
            take(tx_from, tx_from_index, len(body))
        elif 0 <= expect < len(body):
            self._strays(st, body, expect, len(body), joint, offset_of)
        st.seg_base += index_of(len(body)) + 1 if body else 0
        return None, events

    def _strays(self, st: _Open, body: bytes, a: int, b: int, joint: bytes,
                offset_of: Callable[[int], int]) -> None:
        """Segments between transaction sets: report each, except empty ones."""
        for seg in body[a:b].split(joint):
            if seg.strip(WHITESPACE):
                self._stray(st, seg, offset_of(a))
            elif not seg:
                st.ix.errors.append(Defect("segment.empty", "empty segment (two terminators in"
                                           " a row) skipped", offset=offset_of(a),
                                           warning=True))
            a += len(seg) + len(joint)

    # -- envelope segments ----------------------------------------------------------------
    def _split(self, st: _Open, seg: bytes) -> list[str]:
        text = seg.decode(st.encoding, "replace")
        if "\n" in text or "\r" in text:
            text = text.replace("\r", "").replace("\n", "")
        return text.split(st.delims.element)

    def _start_group(self, st: _Open, seg: bytes, offset: int) -> Iterator[Event]:
        if st.group is not None:
            yield from self._end_group(st, None, offset)
        el = self._split(st, seg)
        g, defects = checks.group_header(el, offset, st.ix)
        g.errors.extend(defects)
        if g.control_number in st.group_seen_controls:
            g.errors.append(Defect("gs.duplicate", f"GS06 {g.control_number} is used by an "
                                   "earlier group of this interchange", offset=offset,
                                   segment="GS", element="GS06", value=g.control_number))
        st.group_seen_controls.add(g.control_number or "")
        st.group = g
        st.tx_controls = set()
        st.group_count += 1
        st.ix.groups.append(g)
        yield GroupStart(g, st.ix, SegmentToken("GS", [[[x]] for x in el[1:]], offset, 0))

    def _end_group(self, st: _Open, seg: bytes | None, offset: int) -> Iterator[Event]:
        g = st.group
        el = self._split(st, seg) if seg is not None else None
        if g is None:
            st.ix.errors.append(Defect("isa.structure", "GE without a GS", offset=offset,
                                       segment="GE"))
            return
        checks.group_trailer(g, el, offset)
        st.group = None
        token = SegmentToken("GE", [[[x]] for x in el[1:]], offset, 0) if el else None
        yield GroupEnd(g, st.ix, token)

    def _start_tx(self, st: _Open, seg: bytes, offset: int) -> list[Event]:
        el = self._split(st, seg)
        out: list[Event] = []
        if st.group is None:
            st.ix.errors.append(Defect("isa.structure", "ST outside a functional group (no GS "
                                       "before it)", offset=offset, segment="ST"))
            g = GroupReport(None, None, None, offset=offset)
            g.errors.append(Defect("gs.format", "transaction set without a GS header",
                                   offset=offset, segment="ST"))
            st.ix.groups.append(g)
            st.group = g
            out.append(GroupStart(g, st.ix, None))
        st.tx = checks.transaction_header(el, offset, st.group, st.tx_controls)
        st.tx_parts, st.tx_count, st.tx_anchors = [], 0, []
        return out

    def _end_tx(self, st: _Open, seg: bytes | None, offset: int) -> list[Event]:
        tx, g = st.tx, st.group
        assert tx is not None and g is not None
        el = self._split(st, seg) if seg is not None else None
        parts, anchors, count = st.tx_parts, st.tx_anchors, st.tx_count
        st.tx, st.tx_parts, st.tx_count, st.tx_anchors = None, [], 0, []
        g.transactions.append(tx)
        if not self.messages and not st.empties:
            checks.transaction_trailer(tx, el, count, offset)
            return []
        if len(parts) == 1:
            blob, joint = parts[0]
        else:
            if len({j for _, j in parts}) > 1:  # a set that spans a fast and a cleaned chunk
                term = st.delims.segment.encode(st.encoding)
                parts = [(p.replace(j, term), term) for p, j in parts]
            joint = parts[0][1] if parts else st.sepb
            blob = joint.join(p for p, _ in parts)
        raw: list[bytes] | None = None
        if st.empties and (joint + joint in blob or blob.endswith(joint)
                           or blob.startswith(joint)):  # empty segments: not counted
            raw = blob.split(joint)
            keep = [i for i, r in enumerate(raw) if r]
            tx.errors.append(Defect("segment.empty", f"{len(raw) - len(keep)} empty segment(s) "
                                    "(two terminators in a row) skipped", offset=tx.offset,
                                    segment="ST", warning=True))
            offs = _offsets(raw, joint, anchors)
            raw = [raw[i] for i in keep]
            anchors = [(k, offs[i]) for k, i in enumerate(keep)]
            count = len(raw)
        checks.transaction_trailer(tx, el, count, offset)
        if not self.messages:
            return []
        msg = Message(tx, g, st.ix, st.delims, raw=raw, encoding=st.encoding, blob=blob,
                      blob_sep=joint)
        msg._offsets = partial(_lazy_offsets, raw, blob, joint, anchors)
        return [msg]

    def _iea(self, st: _Open, seg: bytes, offset: int) -> Iterator[Event]:
        if st.group is not None:
            yield from self._end_group(st, None, offset)
        checks.interchange_trailer(st.ix, self._split(st, seg), st.group_count, offset)
        st.ix.envelope["closed"] = True
        st.ix.envelope["end"] = offset + len(seg) + len(st.delims.segment.encode(st.encoding))

    def _stray(self, st: _Open, seg: bytes, offset: int) -> None:
        tag = seg.split(st.delims.element.encode("latin-1"), 1)[0][:8].decode("latin-1",
                                                                              "replace")
        where = "between transaction sets" if st.group is not None else "outside any group"
        st.ix.errors.append(Defect("isa.structure", f"segment {tag} {where} belongs to no "
                                   "transaction set", offset=offset, segment=tag))

    # -- the end of an interchange --------------------------------------------------------
    def _close(self, st: _Open) -> Iterator[Event]:
        ix = st.ix
        if st.tx is not None:
            yield from self._end_tx(st, None, self.base)
        if st.group is not None:
            yield from self._end_group(st, None, self.base)
        ix.envelope.setdefault("end", self.base)
        if not ix.envelope.get("closed"):
            ix.errors.append(Defect("isa.eof", f"interchange {ix.control_number} has no IEA "
                                    "trailer: the file ends or a new ISA starts at byte "
                                    f"{self.base}", offset=self.base, segment="IEA",
                                    segment_position=st.seg_base))
        yield InterchangeEnd(ix, None)

    def _oversized(self, st: _Open) -> Iterator[Event]:
        st.ix.errors.append(Defect(
            "isa.terminator", f"no segment terminator {st.delims.segment!r} in "
            f"{len(self.buf)} bytes from offset {self.base}: the rest of the file is not read",
            offset=self.base))
        self.buf = bytearray()
        self.eof = True
        yield from self._close(st)


def _position(marks: list[tuple[list[Defect], int]], position: int) -> None:
    """Give the defects added since ``marks`` were taken this segment position."""
    for defects, start in marks:
        for d in defects[start:]:
            if d.segment_position is None:
                d.segment_position = position


def _lazy_offsets(raw: list[bytes] | None, blob: bytes | None, joint: bytes,
                  anchors: list[tuple[int, int]]) -> list[int]:
    """A message's segment offsets, worked out when asked. It is given the message's
    segments, not the message: a closure over the message would be a reference cycle, which
    keeps every message until a full garbage collection (memory then grows with the file)."""
    if raw is None:
        assert blob is not None
        raw = blob.split(joint)
    return _offsets(raw, joint, anchors)


def _offsets(raw: list[bytes], joint: bytes, anchors: list[tuple[int, int]]) -> list[int]:
    """File offset of each segment from the anchors (segment index, offset) and lengths."""
    out = [0] * len(raw)
    marks = dict(anchors)
    pos = 0
    for i, seg in enumerate(raw):
        pos = marks.get(i, pos)
        out[i] = pos
        pos += len(seg) + len(joint)
    return out


def _is_envelope(body: bytes, sep: bytes) -> bool:
    head = body[:4]
    return head[:3] in (b"ISA", b"IEA") or head[:3] in (b"ST" + sep, b"SE" + sep, b"GS" + sep,
                                                       b"GE" + sep)


def _lead(raw: bytes) -> int:
    return len(raw) - len(raw.lstrip(WHITESPACE))


def _clean(raw: bytes) -> bytes:
    """A segment without the white space around it and without the line breaks of a
    hard-wrapped file."""
    seg = raw.lstrip(WHITESPACE)
    if b"\n" in seg or b"\r" in seg:
        seg = seg.replace(b"\r", b"").replace(b"\n", b"")
    return seg
