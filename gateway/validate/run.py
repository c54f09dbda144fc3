"""Validate and acknowledge whole files: the one place where readers, guides, the validator
and the ack renderers meet.

Who calls: the command line (``validate``, ``bench``, ``demo``) and later the pipeline.
``validate_file`` never raises for bad input: an unreadable file becomes a ``FileReport`` with
``unreadable=True`` and a file-level defect naming why and where.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import BinaryIO, Literal

from gateway.acks import AckContext, AckPolicy, ControlNumbers, Sequence, render_acks
from gateway.errors import GatewayError, ReadError
from gateway.grammar.model import MessageGrammar
from gateway.report import Defect, FileReport, GroupReport
from gateway.stream import Event, FileDefect, GroupStart, InterchangeEnd, Message
from gateway.validate.engine import validate_message

Standard = Literal["x12", "edifact"]
X12Lookup = Callable[[str, str], MessageGrammar | None]  # (GS08, ST01)
EdifactLookup = Callable[[tuple[str, ...]], MessageGrammar | None]  # UNH S009


@dataclass
class Options:
    engine: Literal["native", "pyx12"] = "native"
    precise: bool = False  # skip the fast path (for tests and differential runs)
    envelope_only: bool = False  # read and check envelopes, no guide validation
    tolerant_charset: bool = False
    policy: AckPolicy = field(default_factory=AckPolicy)
    numbers: ControlNumbers = field(default_factory=Sequence)
    now: datetime = field(default_factory=lambda: datetime(2000, 1, 1))
    acks: bool = True
    keep_reports: bool = True  # False: keep only totals and acks (memory flat in file size)
    # called with every message once validated (translation hooks in here)
    on_message: Callable[[Message], None] | None = None


def detect(head: bytes) -> Standard | None:
    """Which standard a file is, from its first bytes (BOM and white space skipped)."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x00")
    if text.startswith(b"ISA"):
        return "x12"
    if text[:3] in (b"UNA", b"UNB", b"UNH"):
        return "edifact"
    return None


class _Rejoin(io.RawIOBase):
    """A stream whose first bytes were already read for detection."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.head:
            out, self.head = (self.head, b"") if n < 0 or n >= len(self.head) else \
                (self.head[:n], self.head[n:])
            return out
        return self.rest.read(n)


def events(stream: BinaryIO, standard: Standard, opts: Options) -> Iterator[Event]:
    if standard == "x12":
        from gateway.x12.reader import read_x12

        return read_x12(stream, messages=not opts.envelope_only)
    from gateway.edifact.reader import read_edifact

    return read_edifact(stream, tolerant_charset=opts.tolerant_charset)


def validate_file(source: Path | str | BinaryIO, opts: Options | None = None, *,
                  name: str | None = None) -> FileReport:
    opts = opts or Options()
    label = name or (str(source) if isinstance(source, (str, Path)) else "<stream>")
    report = FileReport(label)
    try:
        stream: BinaryIO = open(source, "rb") if isinstance(source, (str, Path)) else source
    except OSError as exc:
        report.unreadable = True
        report.errors.append(Defect("file.unreadable", f"cannot open: {exc.strerror}"))
        return report
    try:
        head = stream.read(4096)
        standard = detect(head)
        if opts.engine == "pyx12" and standard == "x12":
            data = head + stream.read()
            stream, head = io.BytesIO(data), b""

            def read_back(a: int, b: int | None) -> bytes:
                return data[a:b]
        else:
            def read_back(a: int, b: int | None) -> bytes:
                raise GatewayError("the native engine does not read files twice")
        if standard is None:
            report.unreadable = True
            code = "file.empty" if not head.strip(b" \t\r\n\x00\xef\xbb\xbf") else \
                "file.not_edi"
            what = "the file is empty" if code == "file.empty" else \
                "no ISA, UNA or UNB header at the start of the file"
            report.errors.append(Defect(code, what, offset=0))
            return report
        _run(_Rejoin(head, stream), standard, opts, report, read_back)  # type: ignore[arg-type]
    except ReadError as exc:
        report.unreadable = not report.interchanges
        report.errors.append(Defect(exc.code, exc.message, offset=exc.offset))
    finally:
        if isinstance(source, (str, Path)):
            stream.close()
    return report


def _run(stream: BinaryIO, standard: Standard, opts: Options, report: FileReport,
         read_back: Callable[[int, int | None], bytes]) -> None:
    """``read_back(start, end)`` returns bytes of the file again (the pyx12 engine needs the
    text of each interchange; it is not used on the native path)."""
    guides = None if opts.envelope_only else _guides()
    # pyx12 reads X12 only: EDIFACT is validated by our engine whatever was asked
    native = opts.engine == "native" or standard == "edifact"
    for ev in events(stream, standard, opts):
        if isinstance(ev, Message):
            if guides is None or not native:
                continue
            grammar = guides.lookup(ev)
            if grammar is None:
                _unsupported(ev)
            else:
                validate_message(ev, grammar, precise=opts.precise,
                                 tolerant_charset=opts.tolerant_charset)
            if opts.on_message is not None:
                opts.on_message(ev)
        elif isinstance(ev, GroupStart):
            if guides is not None and native:
                guides.check_group(ev.report, standard)
        elif isinstance(ev, InterchangeEnd):
            if opts.engine == "pyx12" and standard == "x12":
                from gateway.validate.pyx12_engine import validate_interchange

                validate_interchange(ev.report, read_back)
            report.count(ev.report)
            if opts.keep_reports:
                report.interchanges.append(ev.report)
            if opts.acks:
                ctx = AckContext(numbers=opts.numbers, now=opts.now)
                try:
                    acks = render_acks(ev.report, ctx, opts.policy)
                    report.totals["acks"] += len(acks)
                    report.totals["ack_bytes"] += sum(len(a.text) for a in acks)
                    if opts.keep_reports:
                        report.acks.extend(acks)
                except GatewayError as exc:
                    report.errors.append(Defect(exc.code, exc.message))
        elif isinstance(ev, FileDefect):
            report.errors.append(ev.defect)


def _guides() -> ModuleType:
    from gateway.validate import guides

    return guides


def _unsupported(msg: Message) -> None:
    tx, g = msg.report, msg.group
    if any(d.code in ("gs.version", "gs.not_supported") for d in g.errors):
        tx.errors.append(Defect("st.not_supported", f"transaction set {tx.set_id} "
                                f"{tx.control_number} is in a group whose version "
                                f"{g.version!r} has no guide", offset=tx.offset,
                                segment=tx.set_id and "ST", segment_position=1))
        return
    if any(d.code in ("st.wrong_group", "st.not_supported") for d in tx.errors):
        return
    version = g.version or (tx.message_identifier[1:3] and "".join(tx.message_identifier[1:3]))
    tx.errors.append(Defect("st.not_supported", f"no implementation guide for {tx.set_id} "
                            f"version {version!r}", offset=tx.offset, segment_position=1,
                            segment="ST" if msg.interchange.standard == "x12" else "UNH",
                            element="ST01" if msg.interchange.standard == "x12" else "UNH02",
                            element_seq=1, value=tx.set_id))


def group_defect(g: GroupReport, code: str, message: str) -> None:
    g.errors.append(Defect(code, message, offset=g.offset,
                           segment="GS" if not g.synthetic else None))

