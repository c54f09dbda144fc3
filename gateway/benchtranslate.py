"""The translate and generate sections of ``edi-gateway bench``.

Child side (one measurement in a fresh process, as ``python -m gateway.bench run MODE FILE``):

validate    the translate input validated alone (no acks), for the cost of mapping beside it
translate   what ``edi-gateway translate --json`` does per set, with nothing kept: validate,
            map with the generic map (its compiled form writing the record's JSON text,
            ``gateway.translate.compiled.translate_text``, and ``translate_message`` then
            ``compact_json`` for any set that form leaves to it), one JSON line per
            document written to the null device
generate    canonical records → one X12 interchange each (``generate_x12``: map outbound and
            the writer) until ``--target-bytes`` of EDI are written to the null device; the
            records come from translating FILE first, outside the clock

Inputs are ``gateway.benchgen``'s translate files: 850s and 810s (X12) or ORDERS and INVOIC
(EDIFACT) of varied sizes, all of which the maps carry. The EDIFACT section runs only when
the D96A maps exist. Figures are reported, never asserted.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

if TYPE_CHECKING:  # imported when used: the validation children of the bench never load them
    from gateway.stream import Message
    from gateway.translate.mapfile import TranslationMap

TRANSLATE_MODES = ("validate", "translate", "generate")
EDIFACT_MAPS = ("ORDERS", "INVOIC")
Row = dict[str, Any]


def edifact_maps_missing() -> list[str]:
    """The D96A maps the EDIFACT translate section needs that are not there yet."""
    from gateway.translate.mapfile import map_for

    return [m for m in EDIFACT_MAPS if not map_for("edifact", "D96A", m).is_file()]


class _Counts:
    def __init__(self) -> None:
        self.translated = 0
        self.compiled = 0  # of which by the compiled maps
        self.failed = 0
        self.out_bytes = 0


def _translator(sink: BinaryIO | None, counts: _Counts, keep: list[tuple[Any, TranslationMap]]
                | None = None) -> Callable[[Message], None]:
    from pydantic_core import to_json

    from gateway.canonical import compact_json
    from gateway.translate.compiled import translate_text
    from gateway.translate.inbound import translate_message
    from gateway.translate.mapfile import load_map
    from gateway.translate.run import RecordText, document_json, generic_map_path

    maps: dict[tuple[str | None, ...], TranslationMap | None] = {}

    def on_message(msg: Message) -> None:
        if msg.report.status != "accepted":
            counts.failed += 1
            return
        key = (msg.interchange.standard, msg.group.version, msg.report.set_id,
               *msg.report.message_identifier)
        if key not in maps:
            where = generic_map_path(msg)
            maps[key] = load_map(where) if where.is_file() else None
        tmap = maps[key]
        if tmap is None:
            counts.failed += 1
            return
        if keep is None:  # the record's JSON text, as ``translate --json`` writes it
            text = translate_text(msg, tmap)
            if text is not None:
                counts.compiled += 1
                write(msg, tmap.map.record, text)
                return
        record = translate_message(msg, tmap)
        if record is None:
            counts.failed += 1
            return
        if keep is not None:
            keep.append((record, tmap))
            counts.translated += 1
            return
        write(msg, record.record_type, to_json(compact_json(record)))

    def write(msg: Message, kind: str, record: bytes) -> None:
        counts.translated += 1
        if sink is not None:
            text = document_json({
                "type": kind, "partner": "generic",
                "interchange_control_number": msg.interchange.control_number,
                "group_control_number": msg.group.control_number,
                "transaction_control_number": msg.report.control_number,
                "record": RecordText(record)}) + b"\n"
            counts.out_bytes += len(text)
            sink.write(text)

    return on_message


def translate_counts(path: Path, mode: str) -> Row:
    """``mode`` "validate" or "translate" over the whole file, with nothing kept."""
    from gateway.bench import summarise
    from gateway.validate.run import Options, validate_file

    counts = _Counts()
    with open(os.devnull, "wb", buffering=1 << 20) as sink:  # as a file writer would
        hook = _translator(sink, counts) if mode == "translate" else None
        report = validate_file(path, Options(acks=False, keep_reports=False, on_message=hook),
                               name=str(path))
    out: Row = dict(summarise(report))
    out.update(translated=counts.translated, compiled=counts.compiled, failed=counts.failed,
               json_bytes=counts.out_bytes)
    return out


def source_records(path: Path) -> list[tuple[Any, TranslationMap]]:
    """The records of every set of ``path`` the generic maps translate, with their maps."""
    from gateway.validate.run import Options, validate_file

    keep: list[tuple[Any, TranslationMap]] = []
    validate_file(path, Options(acks=False, keep_reports=False,
                                on_message=_translator(None, _Counts(), keep)))
    return keep


def generate_into(records: list[tuple[Any, TranslationMap]], target_bytes: int,
                  sink: TextIO) -> Row:
    """Generate an interchange per record, cycling through ``records``, until
    ``target_bytes`` of X12 are written to ``sink``. Fixed envelope ids and clock; control
    numbers from one sequence, so every interchange is numbered anew."""
    from gateway.acks import Sequence
    from gateway.translate.outbound import generate_x12
    from gateway.x12.checks import FUNCTIONAL_IDS
    from gateway.x12.writer import GroupHeader, X12Envelope

    if not records:
        raise ValueError("no records to generate from")
    envelope = X12Envelope("ZZ", "BENCHSENDER", "ZZ", "BENCHRECEIVER")
    groups = {tmap.map.message: GroupHeader(FUNCTIONAL_IDS[tmap.map.message], "BENCHSENDER",
                                            "BENCHRECEIVER", tmap.map.version)
              for _, tmap in records}
    numbers, now = Sequence(1), datetime(2024, 1, 2, 3, 4)
    written = n = 0
    t0 = time.perf_counter()
    while written < target_bytes:
        record, tmap = records[n % len(records)]
        text = generate_x12(record, tmap, envelope, groups[tmap.map.message], numbers, now)
        sink.write(text)
        written += len(text)
        n += 1
    return {"records": n, "out_bytes": written, "gen_s": time.perf_counter() - t0}


def generate_counts(source: Path, target_bytes: int) -> Row:
    records = source_records(source)
    with open(os.devnull, "w", encoding="ascii") as sink:
        out = generate_into(records, target_bytes, sink)
    out["source_records"] = len(records)
    return out


def child(mode: str, path: str, target_bytes: int) -> Row:
    t0 = time.perf_counter()
    if mode == "generate":
        counts = generate_counts(Path(path), target_bytes)
    else:
        counts = translate_counts(Path(path), mode)
    counts["in_s"] = time.perf_counter() - t0
    counts["rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return counts


# ---------------------------------------------------------------------------------------------
# parent side
# ---------------------------------------------------------------------------------------------
MB = 1_000_000


def rates(r: Row, fmt_bytes: int) -> None:
    """Fill MB/s and per-CPU-second figures of a finished row."""
    if r["mode"] == "generate":
        # the records are prepared (translated) before the clock starts: the generation alone
        r["bytes"] = r["out_bytes"]
        r["mb_s"] = r["out_bytes"] / MB / r["gen_s"]
        r["docs_s"] = r["records"] / r["gen_s"]
        r["cpu_mb_s"] = None
        return
    r["bytes"] = fmt_bytes
    r["mb_s"] = fmt_bytes / MB / r["wall"]
    r["cpu_mb_s"] = fmt_bytes / MB / r["cpu_s"] if r.get("cpu_s") else None
    r["docs_s"] = r["translated"] / r["wall"] if r["mode"] == "translate" else r["sets"] / r[
        "wall"]


def fmt_row(r: Row) -> str:
    head = f"| {r['file']} | {r['mode']} |"
    if "error" in r:
        return head + f" failed: {' '.join(r['error'])[:80]} | | | | | | | | |"
    cpu_mb = f"{r['cpu_mb_s']:.1f}" if r.get("cpu_mb_s") else "-"
    if r["mode"] == "generate":
        status = f"{r['records']:,} interchanges from {r['source_records']} records"
        work = r["gen_s"]
    else:
        status = f"{r['accepted']}/{r['rejected']}"
        if r["mode"] == "translate":
            status += (f", {r['translated']} translated ({r.get('compiled', 0)} compiled) / "
                       f"{r['failed']} not")
        work = r["in_s"]
    return (head + f" {r['bytes'] / MB:.1f} | {r['wall']:.2f} | {work:.2f} | "
            f"{r['cpu_s']:.2f} | {r['mb_s']:.1f} | {cpu_mb} | {r['docs_s']:,.0f} | "
            f"{r['rss_mb']:.0f} | {status} | {r['load']:.1f} |")


def print_table(rows: list[Row], skipped: list[str]) -> None:
    print("\nTranslate and generate (one process each; translate MB = input, generate MB = "
          "X12 output; generate MB/s and docs/s are over the generation alone):\n")
    print("| file | mode | MB | wall s | work s | CPU s | MB/s | MB per CPU s | docs/s | "
          "peak RSS MB | sets accepted/rejected, documents | load |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for r in rows:
        print(fmt_row(r))
    for line in skipped:
        print(f"| {line} | | | | | | | | | | | |")


def _pick(rows: list[Row], fmt: str, mode: str) -> Row | None:
    cands = [r for r in rows if r["format"] == fmt and r["mode"] == mode and "error" not in r]
    return max(cands, key=lambda r: r["bytes"]) if cands else None


def targets(rows: list[Row]) -> list[tuple[str, str, bool | None]]:
    out: list[tuple[str, str, bool | None]] = []
    tr, va = _pick(rows, "x12", "translate"), _pick(rows, "x12", "validate")
    out.append(("X12 translate ≥ 10 MB/s on one core",
                f"{tr['mb_s']:.1f} MB/s ({tr['cpu_mb_s']:.1f} per CPU s) on {tr['file']}"
                if tr else "not run", tr["mb_s"] >= 10 if tr else None))
    out.append(("X12 validation of the translate input ≥ 25 MB/s",
                f"{va['mb_s']:.1f} MB/s on {va['file']}" if va else "not run",
                va["mb_s"] >= 25 if va else None))
    if tr and va and tr["file"] == va["file"]:
        mapping = tr["cpu_s"] - va["cpu_s"]
        out.append(("mapping costs no more than validation (CPU s)",
                    f"mapping {mapping:.2f} s, validation {va['cpu_s']:.2f} s on {tr['file']}",
                    mapping <= va["cpu_s"]))
    ok = [r for r in rows if "error" not in r]
    spreads = []
    for key in {(r["format"], r["mode"]) for r in ok}:
        vals = [r["rss_mb"] for r in ok if (r["format"], r["mode"]) == key]
        if len(vals) > 1:
            spreads.append(max(vals) - min(vals))
    out.append(("translate / generate peak RSS flat across sizes (spread ≤ 20 MB per mode)",
                f"largest spread {max(spreads):.0f} MB" if spreads else "one size only",
                max(spreads) <= 20 if spreads else None))
    return out
