"""Character repertoires of the EDIFACT syntax identifiers (UNB S001 data element 0001).

The reader decodes every chunk as latin-1 first (one byte = one character, so string indexes are
byte offsets) and runs one regular expression per chunk that finds the characters a repertoire
may not hold. Only the segments it flags come here, to be decoded with the declared codec and
checked character by character; clean segments are plain ASCII and need no further work.

Repertoires (ISO 9735, code list 0001):

* UNOA  level A: upper-case letters, digits, space and ``. , - ( ) / = ! " % & * ; < > ' + : ?``
* UNOB  level B: level A plus lower-case letters (and the IS1..IS4 separators it may use)
* UNOC..UNOL  ISO 8859-1, -2, -5, -7, -3, -4, -6, -8, -9, -15 (graphic characters only)
* UNOW, UNOY  ISO 10646 as UTF-8 (UNOY: any character, UNOW: no C0 controls)
* IATA / IATB  the IATA syntax: read as level A / level B

Besides the repertoire, the interchange's own delimiters and the layout characters CR, LF and TAB
are always allowed. ``tolerant`` (the reader's ``tolerant_charset``) lets UNOA, UNOB and UNOC
interchanges carry UTF-8 text: valid UTF-8 is decoded as UTF-8 without a defect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

LEVEL_A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/=!\"%&*;<>'+:?"
LEVEL_B = LEVEL_A + "abcdefghijklmnopqrstuvwxyz"
LAYOUT = "\t\r\n"
# C0 and C1 control characters, DEL: never graphic characters of any ISO 8859 part
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Charset:
    """How one syntax identifier's bytes are decoded and checked."""

    name: str  # "UNOA"
    codec: str  # Python codec for the bytes
    repertoire: str | None  # the allowed characters for levels A / B; None = all graphic chars
    utf8: bool = False
    any_char: bool = False  # UNOY: every UTF-8 character, controls included
    tolerant_utf8: bool = False  # tolerant mode may read UTF-8 instead (UNOA, UNOB, UNOC)
    declared: bool = True  # False for the lenient set used when nothing was declared


CHARSETS: dict[str, Charset] = {
    "UNOA": Charset("UNOA", "ascii", LEVEL_A, tolerant_utf8=True),
    "UNOB": Charset("UNOB", "ascii", LEVEL_B, tolerant_utf8=True),
    "UNOC": Charset("UNOC", "latin-1", None, tolerant_utf8=True),
    "UNOD": Charset("UNOD", "iso8859-2", None),
    "UNOE": Charset("UNOE", "iso8859-5", None),
    "UNOF": Charset("UNOF", "iso8859-7", None),
    "UNOG": Charset("UNOG", "iso8859-3", None),
    "UNOH": Charset("UNOH", "iso8859-4", None),
    "UNOI": Charset("UNOI", "iso8859-6", None),
    "UNOJ": Charset("UNOJ", "iso8859-8", None),
    "UNOK": Charset("UNOK", "iso8859-9", None),
    "UNOL": Charset("UNOL", "iso8859-15", None),
    "UNOW": Charset("UNOW", "utf-8", None, utf8=True),
    "UNOY": Charset("UNOY", "utf-8", None, utf8=True, any_char=True),
    "IATA": Charset("IATA", "ascii", LEVEL_A, tolerant_utf8=True),
    "IATB": Charset("IATB", "ascii", LEVEL_B, tolerant_utf8=True),
}

# no UNB (or an unknown syntax identifier): UTF-8 when it is valid UTF-8, latin-1 otherwise,
# without charset defects (the missing or unknown UNB is reported on its own)
LENIENT = Charset("", "latin-1", None, declared=False)


def charset_for(syntax_id: str) -> Charset | None:
    return CHARSETS.get(syntax_id)


@lru_cache(maxsize=64)
def suspect_pattern(cs: Charset, delimiters: str) -> re.Pattern[str]:
    """A pattern over latin-1 decoded text that finds every character needing a closer look.

    Text without a match is plain ASCII inside the repertoire: its latin-1 decoding is final.
    """
    allowed = set(LAYOUT) | set(delimiters)
    if cs.repertoire is not None:
        allowed |= set(cs.repertoire)
    elif cs.any_char or not cs.declared:
        allowed |= {chr(c) for c in range(0x80)}
    else:
        allowed |= {chr(c) for c in range(0x20, 0x7F)}
    return re.compile("[^" + "".join(re.escape(c) for c in sorted(allowed)) + "]")


@dataclass(frozen=True, slots=True)
class CharProblem:
    index: int  # byte index in the segment where the first bad character sits
    reason: str


def _hex(b: bytes) -> str:
    return " ".join(f"{x:02x}" for x in b)


def decode_checked(text: str, cs: Charset, delimiters: str,
                   tolerant: bool) -> tuple[str, CharProblem | None]:
    """Decode one flagged segment (given as its latin-1 decoding) and find its first bad char.

    Returns the decoded text and the first problem, if any. The text is always usable: invalid
    bytes are replaced (U+FFFD) or kept as latin-1, never raised.
    """
    raw = text.encode("latin-1")
    ok_extra = set(LAYOUT) | set(delimiters)
    if not cs.declared:
        try:
            return raw.decode("utf-8"), None
        except UnicodeDecodeError:
            return text, None
    if tolerant and cs.tolerant_utf8:
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            bad = _first_control(decoded, ok_extra)
            if bad is None:
                return decoded, None
            return decoded, CharProblem(_byte_index(decoded, bad),
                                        f"control character {decoded[bad]!r}")
    if cs.utf8:
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            fixed = raw.decode("utf-8", errors="replace")
            return fixed, CharProblem(
                exc.start, f"bytes {_hex(raw[exc.start:exc.start + 4])} are not valid UTF-8")
        if cs.any_char:
            return decoded, None
        bad = _first_control(decoded, ok_extra)
        return decoded, None if bad is None else CharProblem(
            _byte_index(decoded, bad),
            f"control character {decoded[bad]!r} is not allowed in {cs.name}")
    if cs.repertoire is not None:
        allowed = cs.repertoire
        for i, ch in enumerate(text):
            if ch not in allowed and ch not in ok_extra:
                return text, CharProblem(i, _not_in(ch, cs, raw, i))
        return text, None
    # an ISO 8859 part
    if any(b >= 0x80 for b in raw):
        utf8_at = _utf8_sequence(raw)
        if utf8_at is not None:
            start, end = utf8_at
            return _decode_8859(raw, cs)[0], CharProblem(
                start, f"bytes {_hex(raw[start:end])} look like UTF-8 "
                       f"({raw[start:end].decode('utf-8')!r}), not {cs.name} ({cs.codec})")
    decoded, problem = _decode_8859(raw, cs)
    if problem is not None:
        return decoded, problem
    bad = _first_control(decoded, ok_extra)
    return decoded, None if bad is None else CharProblem(
        bad, f"control character {decoded[bad]!r} (byte {raw[bad]:02x}) is not in {cs.name}")


def _not_in(ch: str, cs: Charset, raw: bytes, i: int) -> str:
    if ord(ch) >= 0x80:
        seq = _utf8_sequence(raw[i:])
        if seq is not None and seq[0] == 0:
            s = raw[i:i + seq[1]]
            return f"bytes {_hex(s)} (UTF-8 {s.decode('utf-8')!r}) are not in {cs.name}"
        return f"byte {ord(ch):02x} ({ch!r} in latin-1) is not in {cs.name}"
    return f"character {ch!r} (byte {ord(ch):02x}) is not in {cs.name}"


def _decode_8859(raw: bytes, cs: Charset) -> tuple[str, CharProblem | None]:
    try:
        return raw.decode(cs.codec), None
    except UnicodeDecodeError as exc:
        return raw.decode(cs.codec, errors="replace"), CharProblem(
            exc.start, f"byte {raw[exc.start]:02x} is not assigned in {cs.name} ({cs.codec})")


_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _utf8_sequence(raw: bytes) -> tuple[int, int] | None:
    """Where the first UTF-8 multi-byte sequence sits, if the whole text is valid UTF-8."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    m = _UTF8_SEQ.search(raw)
    return None if m is None else (m.start(), m.end())


def _byte_index(decoded: str, index: int) -> int:
    return len(decoded[:index].encode("utf-8"))


def _first_control(text: str, ok: set[str]) -> int | None:
    for m in _CONTROLS.finditer(text):
        if m.group() not in ok:
            return m.start()
    return None
