"""Cuts an EDIFACT byte stream into segments, one chunk at a time.

The stream is read in chunks and decoded as latin-1, which maps every byte to one character, so
string indexes are byte offsets and nothing can fail to decode here (the declared character set
is checked later, per interchange). Each chunk is split on the segment terminator with
``str.split``; pieces whose split point was released (an odd run of release characters before
it) are glued back. When a chunk's layout is regular (every terminator followed by the same line
break, no other line breaks, no indentation) this is done with C-level operations only (split,
``accumulate`` for the offsets, a regular expression for the released terminators); otherwise a
loop over the pieces does it. Layout is not data: a BOM at the start, spaces, tabs, CR and LF before a
segment, and CR / LF inside a segment (line-wrapped files) are dropped.

What the scanner yields, in stream order:

* ``Batch``: consecutive segments cut with the same service characters (a chunk's worth);
* ``Una``: a service string advice; its characters apply from there on;
* ``Overflow``: MAX_SEGMENT_BYTES were read without a terminator; the scanner stops.

A UNA changes the service characters; a UNB not preceded by UNA resets them to the defaults of
its syntax level (``UNB+`` level A ``:+.? '``, ``UNB`` + IS3 level B). Memory stays bounded by
one chunk plus the longest segment.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from itertools import accumulate, repeat
from operator import add

MAX_SEGMENT_BYTES = 1 << 20
"""The longest segment read. A longer run of bytes without a terminator ends the reading."""

WS = " \t\r\n"
BOM = "\xef\xbb\xbf"  # UTF-8 byte order mark, as latin-1 characters
_HOT = re.compile("UN[AB]")
_INF = 1 << 62


@dataclass(frozen=True, slots=True)
class ServiceChars:
    """The delimiters of one interchange (UNA, or the defaults of its syntax level)."""

    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str | None = "?"
    repetition: str | None = "*"  # UNA position 5; only used from syntax version 4 on
    terminator: str = "'"
    una: str | None = None  # the service string advice as read, None for defaults

    def all(self) -> str:
        return "".join(c for c in (self.component, self.element, self.release,
                                   self.repetition, self.terminator) if c)


LEVEL_A_CHARS = ServiceChars()
# level B: IS1 component, IS3 element, IS4 terminator, no release; IS2 repetition (syntax 4)
LEVEL_B_CHARS = ServiceChars("\x1f", "\x1d", ".", None, "\x1e", "\x1c")


@dataclass(slots=True)
class Batch:
    offsets: list[int]  # byte offset of each segment's first byte
    segments: list[str]  # segment text (latin-1 decoded), terminator and layout removed
    chars: ServiceChars
    text: str  # the decoded buffer the segments were cut from
    base: int  # absolute offset of text[0]
    start: int  # index in text where the first segment's bytes start
    end: int  # index in text after the last segment's terminator


@dataclass(slots=True)
class Una:
    offset: int
    text: str  # the 9 characters "UNA:+.? '" (fewer at the end of the file)
    chars: ServiceChars | None  # None when the advice cannot be used
    problem: str = ""
    code: str = ""


@dataclass(slots=True)
class Overflow:
    offset: int  # where the segment without terminator starts
    length: int  # how many bytes were read of it


Item = Batch | Una | Overflow


def parse_una(text: str) -> tuple[ServiceChars | None, str, str]:
    """Read a service string advice; returns (chars, problem, code) with chars None if unusable."""
    if len(text) < 9:
        return None, f"the service string advice {text!r} is cut short", "isa.terminator"
    comp, elem, dec, rel, rep, term = text[3], text[4], text[5], text[6], text[7], text[8]
    named = [("segment terminator", term, "isa.terminator"),
             ("data element separator", elem, "isa.element_separator"),
             ("component data element separator", comp, "isa.component_separator")]
    if rel != " ":
        named.append(("release character", rel, "isa.terminator"))
    if rep != " ":
        named.append(("repetition separator", rep, "isa.repetition_separator"))
    seen: dict[str, str] = {}
    for name, ch, code in named:
        if ch.isalnum() or ch == " " or ord(ch) >= 0x80:
            return None, f"UNA declares {ch!r} as the {name}: a letter, digit, space or " \
                         f"non-ASCII character cannot be a service character", code
        if ch in seen:
            return None, f"UNA declares {ch!r} both as the {seen[ch]} and as the {name}", code
        seen[ch] = name
    chars = ServiceChars(comp, elem, dec, None if rel == " " else rel,
                         None if rep == " " else rep, term, text[:9])
    return chars, "", ""


def default_chars(after_tag: str) -> ServiceChars:
    """The defaults for a UNB without UNA, chosen by the character that follows the tag."""
    return LEVEL_B_CHARS if after_tag == LEVEL_B_CHARS.element else LEVEL_A_CHARS


def _released(work: str, rel: str, term: str, end: int) -> list[int]:
    """Where terminators preceded by an odd run of release characters sit (before ``end``)."""
    out: list[int] = []
    pair = rel + term
    q = work.find(pair, 0, end)
    while q >= 0:
        j = q
        while j > 0 and work[j - 1] == rel:
            j -= 1
        if (q - j) % 2 == 0:  # q - j release characters before the one at q
            out.append(q + 1)
        q = work.find(pair, q + 2, end)
    return out


Control = Generator[Item, None, tuple[int, int]]


class _Scanner:
    def __init__(self) -> None:
        self.chars = LEVEL_A_CHARS
        self.una_pending = False  # a UNA was read and no segment followed yet

    def run(self, read: Callable[[int], bytes], chunk_size: int) -> Iterator[Item]:
        text = ""
        base = 0  # absolute offset of text[0]
        eof = False
        first = True
        while not eof:
            data = read(chunk_size)
            if not data:
                eof = True
            else:
                chunk = data.decode("latin-1")
                text = text + chunk if text else chunk
            if first:
                if len(text) < 3 and not eof:
                    continue
                first = False
                if text.startswith(BOM):
                    text = text[3:]
                    base += 3
            i = 0  # where the unprocessed part of text starts
            while True:
                work = text[i:] if i else text
                wbase = base + i
                fast = None if eof else self._fast_cut(work, wbase)
                if fast is not None:
                    restart, rest = yield from self._walk(work, wbase, *fast)
                else:
                    restart, rest = yield from self._slow(work, wbase, eof)
                if restart >= 0:
                    i += restart
                    continue
                if eof:
                    return
                tail = work[rest:]
                if len(tail) > MAX_SEGMENT_BYTES:
                    yield Overflow(wbase + rest + (len(tail) - len(tail.lstrip(WS))), len(tail))
                    return
                text = tail
                base = wbase + rest
                break

    def _batch(self, offs: list[int], segs: list[str], work: str, wbase: int, start: int,
               end: int) -> Batch:
        self.una_pending = False
        return Batch(offs, segs, self.chars, work, wbase, start, end)

    def _fast_cut(self, work: str, wbase: int) -> tuple[list[int], list[str], list[int], int] | None:
        """Segments, offsets, indexes of UNA/UNB segments and the end of what was cut; or None
        when the layout is not regular enough for C-level cutting."""
        term, rel = self.chars.terminator, self.chars.release
        if not work or work[0] in WS or BOM in work:
            return None
        suffix = "\r\n" if term + "\r\n" in work else "\n" if term + "\n" in work else ""
        sep = term + suffix
        pieces = work.split(sep)
        tail = pieces.pop()
        n = len(pieces)
        if not n or "" in pieces:
            return None
        end = len(work) - len(tail)
        # every CR / LF belongs to a separator; nothing indents a segment
        if work.count("\n", 0, end) != (n if suffix else 0) or \
                work.count("\r", 0, end) != (n if suffix == "\r\n" else 0) or \
                sep + " " in work or sep + "\t" in work:
            return None
        released = [] if rel is None else _released(work, rel, term, end)
        glue = [q for q in released if work.startswith(suffix, q + 1)] if suffix else released
        # every terminator that is not released ends a segment (is followed by the suffix)
        if work.count(term, 0, end) - len(released) != n - len(glue):
            return None
        offs = list(accumulate(map(add, map(len, pieces), repeat(len(sep))), initial=wbase))
        offs.pop()
        if glue:
            idx = [bisect_right(offs, wbase + q) - 1 for q in glue]
            if idx[-1] == n - 1:
                return None  # glued to the unread tail: let the slow path do it
            offs, pieces = _glue(offs, pieces, idx, term)
        hot: list[int] = []
        if "UNA" in work or "UNB" in work:
            for m in _HOT.finditer(work, 0, end):
                k = bisect_right(offs, wbase + m.start()) - 1
                if offs[k] == wbase + m.start():
                    if pieces[k][:3] == "UNA" and len(pieces[k]) != 8:
                        return None  # an advice with other delimiters: the slow path re-cuts
                    hot.append(k)
        return offs, pieces, hot, end

    def _walk(self, work: str, wbase: int, offs: list[int], segs: list[str], hot: list[int],
              end: int) -> Control:
        """Yield the fast cut as batches, split at UNA (and at UNB that change the defaults)."""
        a = 0
        for k in hot:
            s = segs[k]
            start = offs[k] - wbase
            if s[:3] == "UNA":
                if a < k:
                    yield self._batch(offs[a:k], segs[a:k], work, wbase, offs[a] - wbase, start)
                adv = work[start:start + 9]
                new, problem, code = parse_una(adv)
                yield Una(wbase + start, adv, new, problem, code)
                a = k + 1
                self.una_pending = new is not None
                if new is not None:
                    old, self.chars = self.chars, new
                    if new.terminator != old.terminator or new.release != old.release:
                        return start + 9, -1
                continue
            if self.una_pending and a == k:
                self.una_pending = False
                continue
            new = default_chars(s[3:4])
            if new != self.chars:
                if a < k:
                    yield self._batch(offs[a:k], segs[a:k], work, wbase, offs[a] - wbase, start)
                a = k
                old, self.chars = self.chars, new
                if new.terminator != old.terminator or new.release != old.release:
                    return start, -1
        if a < len(segs):
            yield self._batch(offs[a:], segs[a:], work, wbase, offs[a] - wbase, end)
        return -1, end

    def _slow(self, work: str, wbase: int, eof: bool) -> Control:
        """Cut piece by piece: layout white space, line breaks inside segments, a BOM, advices
        with other delimiters, the end of the file."""
        chars = self.chars
        term, rel = chars.terminator, chars.release
        pieces = work.split(term)
        if not eof:
            pieces.pop()  # the part after the last terminator: read on
        hots = [m.start() for m in _HOT.finditer(work)]
        hot_i = 0
        nh = hots[0] if hots else _INF
        nl = "\n" in work or "\r" in work
        offs: list[int] = []
        segs: list[str] = []
        pos = 0
        bstart = 0
        glue = -1  # start of a piece whose terminator was released
        for p in pieces:
            start = pos
            pos += len(p) + 1
            if glue >= 0:
                start = glue
                p = work[glue:pos - 1]
                glue = -1
            if rel is not None and p[-1:] == rel and (len(p) - len(p.rstrip(rel))) & 1 \
                    and not (nh < pos and p.lstrip(WS + BOM)[:3] == "UNA"):
                glue = start  # a released terminator (an advice's last char may look so)
                continue
            s = p.lstrip(WS)
            if not s:
                continue
            if len(s) != len(p):
                start += len(p) - len(s)
            if nh < pos:
                while nh < pos:
                    hot_i += 1
                    nh = hots[hot_i] if hot_i < len(hots) else _INF
                if s.startswith(BOM):
                    s2 = s[3:].lstrip(WS)
                    start += len(s) - len(s2)
                    s = s2
                tag = s[:3]
                if tag == "UNA":
                    adv = work[start:start + 9]
                    if len(adv) < 9 and not eof:
                        if offs:
                            yield self._batch(offs, segs, work, wbase, bstart, start)
                        return -1, start  # read more before deciding
                    if offs:
                        yield self._batch(offs, segs, work, wbase, bstart, start)
                        offs, segs = [], []
                    new, problem, code = parse_una(adv)
                    yield Una(wbase + start, adv, new, problem, code)
                    self.una_pending = new is not None
                    bstart = pos
                    if new is not None:
                        self.chars = chars = new
                        if new.terminator != term or new.release != rel:
                            return start + 9, -1
                    if start + 9 < pos - 1:  # more than the advice before the terminator
                        return start + 9, -1
                    continue
                if tag == "UNB":
                    if self.una_pending and not offs:
                        self.una_pending = False
                    else:
                        new = default_chars(s[3:4])
                        if new != chars:
                            if offs:
                                yield self._batch(offs, segs, work, wbase, bstart, start)
                                offs, segs = [], []
                            self.chars = chars = new
                            bstart = start
                            if new.terminator != term or new.release != rel:
                                return start, -1
            if nl and ("\n" in s or "\r" in s):
                s = s.replace("\r", "").replace("\n", "")
                if not s:
                    continue
            offs.append(wbase + start)
            segs.append(s)
        if glue >= 0:
            rest = glue
            if eof:  # the file ends on a release character: keep what is there
                s = work[glue:].strip(WS).replace("\r", "").replace("\n", "")
                if s:
                    offs.append(wbase + glue + work[glue:].index(s[:1]))
                    segs.append(s)
        else:
            rest = min(pos, len(work))
        if offs:
            yield self._batch(offs, segs, work, wbase, bstart, rest)
        return -1, rest


def _glue(offs: list[int], pieces: list[str], idx: list[int],
          term: str) -> tuple[list[int], list[str]]:
    """Join piece i with piece i + 1 for every i in ``idx`` (sorted): released terminators."""
    out_offs: list[int] = []
    out_segs: list[str] = []
    i0 = 0
    j = 0
    while j < len(idx):
        i = idx[j]
        out_offs.extend(offs[i0:i])
        out_segs.extend(pieces[i0:i])
        text = pieces[i]
        k = i
        while j < len(idx) and idx[j] == k:
            text = text + term + pieces[k + 1]
            k += 1
            j += 1
        out_offs.append(offs[i])
        out_segs.append(text)
        i0 = k + 1
    out_offs.extend(offs[i0:])
    out_segs.extend(pieces[i0:])
    return out_offs, out_segs


def scan(read: Callable[[int], bytes], chunk_size: int) -> Iterator[Item]:
    """Yield batches of segments, UNA advices and at most one overflow, in stream order."""
    return _Scanner().run(read, chunk_size)
