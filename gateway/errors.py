"""One error vocabulary for the whole gateway.

Two kinds of things go wrong:

* A *defect* in a document (a count that does not match, a missing segment, a bad code) is data:
  a ``Defect`` in the validation report, with a stable ``code`` from ``CODES``. Each code says at
  which level it sits and what it becomes in each acknowledgement: TA1 note code, AK9/IK5…
  (997/999 group and set codes), AK3/IK3 segment codes, AK4/IK4 element codes, and the EDIFACT
  syntax error code (data element 0085) used in CONTRL.
* A failure to go on (unreadable input, a broken map) is an exception from ``GatewayError``.
  ``retryable`` tells the pipeline whether trying again can help.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["file", "interchange", "group", "transaction", "segment", "element"]


@dataclass(frozen=True, slots=True)
class CodeSpec:
    code: str
    level: Level
    summary: str
    x12: str | None = None  # TA1 (3 digits), AK9 / AK5 / AK3 / AK4 code by level
    x12_999: str | None = None  # IK5 / IK3 / IK4 code when it differs from the 997's
    edifact: str | None = None  # 0085 syntax error code for CONTRL


def _c(code: str, level: Level, summary: str, x12: str | None = None,
       x12_999: str | None = None, edifact: str | None = None) -> CodeSpec:
    return CodeSpec(code, level, summary, x12, x12_999 or x12, edifact)


_ALL = [
    # -- file level: nothing could be read -------------------------------------------------
    _c("file.empty", "file", "the file is empty or holds only white space"),
    _c("file.not_edi", "file", "no ISA or UNA/UNB header where an interchange should start"),
    _c("file.unreadable", "file", "the file could not be read"),
    _c("file.junk", "file", "bytes between interchanges that belong to none", edifact="18"),
    # -- interchange (TA1 note codes / CONTRL UCI) -----------------------------------------
    _c("isa.control_mismatch", "interchange", "ISA13 and IEA02 differ", "001", edifact="28"),
    _c("isa.standard", "interchange", "ISA11 control standards identifier not supported", "002"),
    _c("isa.version", "interchange", "ISA12 version not supported", "003", edifact="2"),
    _c("isa.terminator", "interchange", "segment terminator invalid", "004", edifact="22"),
    _c("isa.sender_qualifier", "interchange", "ISA05 sender qualifier invalid", "005"),
    _c("isa.sender_id", "interchange", "ISA06 sender id invalid", "006", edifact="23"),
    _c("isa.receiver_qualifier", "interchange", "ISA07 receiver qualifier invalid", "007"),
    _c("isa.receiver_id", "interchange", "ISA08 receiver id invalid", "008", edifact="7"),
    _c("isa.auth_qualifier", "interchange", "ISA01 authorization qualifier invalid", "010"),
    _c("isa.auth_value", "interchange", "ISA02 authorization information invalid", "011"),
    _c("isa.security_qualifier", "interchange", "ISA03 security qualifier invalid", "012"),
    _c("isa.security_value", "interchange", "ISA04 security information invalid", "013"),
    _c("isa.date", "interchange", "ISA09 interchange date invalid", "014", edifact="12"),
    _c("isa.time", "interchange", "ISA10 interchange time invalid", "015", edifact="12"),
    _c("isa.control_number", "interchange", "ISA13 control number invalid", "018", edifact="12"),
    _c("isa.ack_requested", "interchange", "ISA14 acknowledgment requested invalid", "019"),
    _c("isa.usage", "interchange", "ISA15 usage indicator invalid", "020", edifact="25"),
    _c("isa.group_count", "interchange", "IEA01 does not match the number of groups", "021",
       edifact="29"),
    _c("isa.structure", "interchange", "interchange control structure invalid", "022",
       edifact="18"),
    _c("isa.eof", "interchange", "file ends before the interchange trailer", "023", edifact="13"),
    _c("isa.content", "interchange", "invalid interchange content", "024", edifact="18"),
    _c("isa.duplicate", "interchange", "duplicate interchange control number", "025",
       edifact="26"),
    _c("isa.element_separator", "interchange", "data element separator invalid", "026",
       edifact="22"),
    _c("isa.component_separator", "interchange", "component element separator invalid", "027",
       edifact="22"),
    _c("isa.repetition_separator", "interchange", "repetition separator invalid", "026",
       edifact="22"),
    _c("isa.format", "interchange", "ISA element has the wrong size or format", "022",
       edifact="12"),
    _c("unb.charset", "interchange", "bytes do not match the declared character set",
       edifact="21"),
    _c("unb.syntax", "interchange", "UNB syntax identifier or version not supported",
       edifact="2"),
    _c("unb.missing_element", "interchange", "a mandatory UNB element is missing", edifact="13"),
    # -- group (AK9 / AK905.., CONTRL UCF) -------------------------------------------------
    _c("gs.not_supported", "group", "functional group not supported", "1", edifact="14"),
    _c("gs.version", "group", "functional group version not supported", "2", edifact="2"),
    _c("gs.trailer_missing", "group", "functional group trailer GE missing", "3", edifact="13"),
    _c("gs.control_mismatch", "group", "GS06 and GE02 differ", "4", edifact="28"),
    _c("gs.count", "group", "GE01 does not match the number of transaction sets", "5",
       edifact="29"),
    _c("gs.control_number", "group", "GS06 control number invalid", "6", edifact="12"),
    _c("gs.format", "group", "GS element missing or malformed", "6", edifact="12"),
    _c("gs.duplicate", "group", "group control number not unique in the interchange", "19",
       edifact="26"),
    # -- transaction set / message (AK5 / IK5, CONTRL UCM) ---------------------------------
    _c("st.not_supported", "transaction", "transaction set not supported", "1", edifact="14"),
    _c("st.trailer_missing", "transaction", "transaction set trailer missing", "2",
       edifact="13"),
    _c("st.control_mismatch", "transaction", "ST02 and SE02 differ", "3", edifact="28"),
    _c("st.count", "transaction", "SE01 does not match the number of segments", "4",
       edifact="29"),
    _c("st.segment_errors", "transaction", "one or more segments in error", "5"),
    _c("st.wrong_group", "transaction", "transaction set does not belong in this group", "6",
       edifact="14"),
    _c("st.control_number", "transaction", "ST02 control number missing or invalid", "7",
       edifact="12"),
    _c("st.duplicate", "transaction", "ST02 not unique within its group", "23", edifact="26"),
    _c("st.business_rule", "transaction", "implementation guide rule violated", "5", "I5",
       edifact="18"),
    # -- segment (AK304 / IK304, CONTRL UCS) -----------------------------------------------
    _c("segment.unrecognized", "segment", "unrecognized segment", "1", edifact="14"),
    _c("segment.unexpected", "segment", "unexpected segment", "2", edifact="15"),
    _c("segment.missing", "segment", "mandatory segment missing", "3", edifact="13"),
    _c("segment.loop_repeat", "segment", "loop occurs more often than allowed", "4",
       edifact="36"),
    _c("segment.max_use", "segment", "segment occurs more often than allowed", "5",
       edifact="35"),
    _c("segment.not_in_set", "segment", "segment not defined in this transaction set", "6",
       edifact="14"),
    _c("segment.sequence", "segment", "segment not in proper sequence", "7", edifact="15"),
    _c("segment.element_errors", "segment", "segment has data element errors", "8"),
    _c("segment.not_used", "segment", "segment not used in this implementation", "2", "I4",
       edifact="15"),
    _c("segment.empty", "segment", "empty segment", "8", edifact="13"),
    _c("segment.hierarchy", "segment", "HL hierarchy invalid", "8", edifact="18"),
    # -- element (AK403 / IK403, CONTRL UCD) -----------------------------------------------
    _c("element.missing", "element", "mandatory data element missing", "1", edifact="13"),
    _c("element.conditional_missing", "element", "conditional required data element missing",
       "2", edifact="13"),
    _c("element.too_many", "element", "too many data elements", "3", edifact="16"),
    _c("element.too_short", "element", "data element too short", "4", edifact="40"),
    _c("element.too_long", "element", "data element too long", "5", edifact="39"),
    _c("element.invalid_char", "element", "invalid character in data element", "6",
       edifact="21"),
    _c("element.invalid_code", "element", "invalid code value", "7", edifact="12"),
    _c("element.invalid_date", "element", "invalid date", "8", edifact="12"),
    _c("element.invalid_time", "element", "invalid time", "9", edifact="12"),
    _c("element.exclusion", "element", "exclusion condition violated", "10", edifact="15"),
    _c("element.too_many_repetitions", "element", "too many repetitions", "12", edifact="35"),
    _c("element.too_many_components", "element", "too many components", "13", edifact="16"),
    _c("element.invalid_number", "element", "invalid numeric value", "6", edifact="37"),
    _c("element.not_used", "element", "data element not used in this implementation", "10",
       "I10", edifact="15"),
    _c("element.pattern", "element", "value does not match the implementation guide pattern",
       "7", "I12", edifact="12"),
    _c("element.hl_parent", "element", "HL parent invalid", "7", edifact="12"),
]

CODES: dict[str, CodeSpec] = {c.code: c for c in _ALL}


def spec(code: str) -> CodeSpec:
    """The ``CodeSpec`` of a stable code; unknown codes are a programming error."""
    return CODES[code]


class GatewayError(Exception):
    """Base of every exception the gateway raises on purpose.

    ``code`` is stable (tests and scripts match on it), ``retryable`` tells the pipeline
    whether the same input can succeed later (a full disk can, a broken file cannot).
    """

    code = "gateway.error"
    retryable = False

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code


class ReadError(GatewayError):
    """The input cannot be read as EDI at all (empty, junk, wrong encoding, no delimiters).

    ``offset`` is the byte offset where reading gave up."""

    code = "file.unreadable"

    def __init__(self, message: str, *, code: str = "file.unreadable", offset: int = 0) -> None:
        super().__init__(message, code=code)
        self.offset = offset


class GrammarError(GatewayError):
    """A map or message spec is broken: names the file, the line and what was expected."""

    code = "grammar.invalid"


class ConfigError(GatewayError):
    code = "config.invalid"
