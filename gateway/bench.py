"""``edi-gateway bench``: speed and memory of the gateway on generated files.

For each size, an X12 and an EDIFACT file are generated (``gateway.benchgen``, cached in the
output folder). Every measurement runs in a fresh process (``python -m gateway.bench run MODE
FILE``), so wall time includes interpreter start-up and peak RSS is that process tree's own
(``os.wait4``). Modes:

read+envelope   read every segment and check the envelopes (no guide validation, no acks)
validate+acks   full validation against the guides and the 997 / CONTRL acknowledgements
... xN          the same in N processes: the file is cut at interchange starts found at or
                after N equal byte offsets, each worker validates its byte range

Then translation (``gateway.benchtranslate``): validate, translate and generate on files of
850/810 (and ORDERS/INVOIC once the EDIFACT maps exist), one process per size, with the CPU
seconds of each process beside its wall time.

With ../shared/bench/peers/py_peers.py present beside the checkout, its py-split tokenizer
runs on the same files in the same run, and our MB/s is also given as a ratio of it.
MB = 10^6 bytes (sizes, MB/s and RSS). Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO, cast

from gateway import benchpipeline, benchtranslate
from gateway.batch import tune_gc
from gateway.benchgen import SIZES, Meta, ensure

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT.parent / "shared" / "bench" / "peers" / "py_peers.py"
MODES = ("read+envelope", "validate+acks")
MB = 1_000_000
Row = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# child side: one measurement in this process
# ---------------------------------------------------------------------------------------------
def summarise(report: Any) -> dict[str, int]:
    """Counts from a ``FileReport``'s running totals: what was seen, and how it was judged
    (the runs keep no per-set reports, so memory stays flat as files grow)."""
    t = report.totals
    return {"interchanges": t["interchanges"], "groups": t["groups"], "sets": t["sets"],
            "segments": t["segments"], "accepted": t["sets_accepted"],
            "rejected": t["sets_rejected"],
            "envelope_errors": t["envelope_errors"] + sum(1 for d in report.errors
                                                          if not d.warning),
            "ack_bytes": t["ack_bytes"]}


def _options(mode: str) -> Any:
    from gateway.validate.run import Options

    if mode == "read+envelope":
        return Options(envelope_only=True, acks=False, keep_reports=False)
    return Options(keep_reports=False)


class _Slice(io.RawIOBase):
    """Bytes ``start``..``end`` of a file, as a stream."""

    def __init__(self, path: str, start: int, end: int) -> None:
        self.fh = open(path, "rb", buffering=0)  # noqa: SIM115 - closed in close()
        self.fh.seek(start)
        self.left = end - start

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0 or n > self.left:
            n = self.left
        data = self.fh.read(n)
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.fh.close()
        super().close()


def _work(job: tuple[str, str, int, int]) -> dict[str, int]:
    from gateway.validate.run import validate_file

    mode, path, start, end = job
    if start == 0 and end == os.path.getsize(path):  # the whole file: as the CLI reads it
        counts = summarise(validate_file(Path(path), _options(mode), name=path))
    else:
        src = _Slice(path, start, end)
        try:
            counts = summarise(validate_file(cast(BinaryIO, src), _options(mode), name=path))
        finally:
            src.close()
    counts["rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return counts


def split_points(path: Path, n: int) -> list[int]:
    """Interchange starts at or after ``n`` equal byte offsets (the first is 0)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(110)
        x12 = head.startswith(b"ISA")
        if x12:
            elem, rel, term = head[3:4], b"", head[105:106]
            pattern = re.compile(re.escape(term) + rb"[\r\n]*(ISA)" + re.escape(elem))
        else:
            una = head.startswith(b"UNA")
            elem, rel, term = (head[4:5], head[6:7], head[8:9]) if una else (b"+", b"?", b"'")
            pattern = re.compile(re.escape(term) + rb"[\r\n]*(UNA|UNB" + re.escape(elem) + b")")
        starts = [0]
        for k in range(1, n):
            pos = max(k * size // n, starts[-1] + 1)
            found = _find_start(fh, pos, pattern, rel)
            if found is None or found >= size:
                break
            if found > starts[-1]:
                starts.append(found)
    return starts


def _find_start(fh: BinaryIO, pos: int, pattern: re.Pattern[bytes], rel: bytes) -> int | None:
    window = 1 << 20
    while True:
        fh.seek(max(pos - 16, 0))
        base = fh.tell()
        data = fh.read(window + 16)
        if not data:
            return None
        for m in pattern.finditer(data):
            at = m.start(1)
            if base + at < pos:
                continue
            if rel:  # EDIFACT
                run = len(data[:m.start()]) - len(data[:m.start()].rstrip(rel))
                if run & 1:  # a released terminator is text, not the end of a segment
                    continue
                if m.group(1) != b"UNA" and data[max(at - 12, 0):at].rstrip(b"\r\n")[-9:-6] \
                        == b"UNA":
                    continue  # the UNB of a UNA found just before: counted at the UNA
            return base + at
        if len(data) < window + 16:
            return None
        pos = base + window


def child(mode: str, path: str, workers: int) -> Row:
    t0 = time.perf_counter()
    counts: Row
    if workers <= 1:
        counts = dict(_work((mode, path, 0, os.path.getsize(path))))
    else:
        import multiprocessing

        starts = split_points(Path(path), workers)
        ends = starts[1:] + [os.path.getsize(path)]
        jobs = [(mode, path, a, b) for a, b in zip(starts, ends, strict=True)]
        with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
            parts = pool.map(_work, jobs, chunksize=1)
        counts = {k: sum(p[k] for p in parts) for k in parts[0]}
        counts["rss_kb"] = max(p["rss_kb"] for p in parts)
        counts["ranges"] = len(jobs)
    counts["in_s"] = time.perf_counter() - t0
    counts["rss_kb"] = max(counts["rss_kb"], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return counts


# ---------------------------------------------------------------------------------------------
# parent side: generate, run each measurement in a fresh process, print the table
# ---------------------------------------------------------------------------------------------
def _run(cmd: list[str]) -> tuple[float, int, Row | None, str, float]:
    """Wall seconds, peak RSS (KiB, process tree), the last JSON line printed, output, and CPU
    seconds (user + system) of the process and the children it waited for."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])))
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT,
                         env=env)
    assert p.stdout is not None
    out = p.stdout.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    result = None
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            try:
                result = json.loads(line)
            except ValueError:
                continue
            break
    if p.returncode != 0:
        result = None
    return wall, usage.ru_maxrss, result, out, usage.ru_utime + usage.ru_stime


def measure(cmd: list[str], repeat: int) -> Row:
    """Median wall of ``repeat`` runs; peak RSS is the maximum over the runs."""
    walls: list[float] = []
    inner: list[float] = []
    cpus: list[float] = []
    rss, result = 0, None
    for _ in range(repeat):
        wall, kb, res, out, cpu = _run(cmd)
        if res is None:
            return {"error": out.strip().splitlines()[-1:] or ["failed"], "wall": wall}
        walls.append(wall)
        cpus.append(cpu)
        inner.append(float(res.get("in_s") or res.get("parse_s") or 0.0))
        rss = max(rss, kb, int(res.get("rss_kb", 0)))
        result = res
    assert result is not None
    return {**result, "wall": statistics.median(walls), "walls": walls,
            "in_s": statistics.median(inner), "cpu_s": statistics.median(cpus),
            "rss_mb": rss * 1024 / MB}


def _ours(mode: str, path: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "gateway.bench", "run", mode, str(path), "--workers",
            str(workers)]


def bench_file(fmt: str, size: str, path: Path, meta: Meta, workers: int, repeat: int,
               peers: bool) -> list[Row]:
    rows: list[Row] = []
    label = path.name
    runs: list[tuple[str, list[str]]] = [(m, _ours(m, path, 1)) for m in MODES]
    if workers > 1:
        runs += [(f"{m} x{workers}", _ours(m, path, workers)) for m in MODES]
    if peers and PEERS.exists():
        runs.append((f"py-split-{fmt}", [sys.executable, str(PEERS), f"py-split-{fmt}",
                                         str(path)]))
    for mode, cmd in runs:
        print(f"  {label}: {mode} ...", file=sys.stderr, flush=True)
        load = os.getloadavg()[0]  # other work on the machine shows here
        r = measure(cmd, repeat)
        r["load"] = load
        r.update(file=label, format=fmt, size=size, mode=mode, bytes=meta.bytes,
                 meta_sets=meta.sets, meta_segments=meta.segments)
        if "txns" in r:  # a peer: its own counts
            r["sets"], r["accepted"], r["rejected"] = r["txns"], None, None
        rows.append(r)
    peer = next((r for r in rows if r["mode"].startswith("py-split") and "error" not in r),
                None)
    for r in rows:
        if "error" in r:
            continue
        r["mb_s"] = meta.bytes / MB / r["wall"]
        r["seg_s"] = meta.segments / r["wall"]
        r["sets_s"] = meta.sets / r["wall"]
        r["counts_ok"] = r.get("sets") == meta.sets and r.get("segments") == meta.segments
        if peer is not None:
            r["ratio"] = r["mb_s"] / (meta.bytes / MB / peer["wall"])
    return rows


def _fmt_row(r: Row) -> str:
    head = f"| {r['file']} | {r['bytes'] / MB:.1f} | {r['mode']} |"
    if "error" in r:
        return head + f" failed: {' '.join(r['error'])[:80]} | | | | | | | | |"
    status = "-" if r.get("accepted") is None else f"{r['accepted']}/{r['rejected']}"
    if r.get("envelope_errors"):
        status += f" ({r['envelope_errors']} envelope errors)"
    if not r["counts_ok"]:
        status += f" COUNT MISMATCH sets {r.get('sets')} seg {r.get('segments')}"
    ratio = f"{r['ratio']:.2f}" if "ratio" in r else "-"
    in_s = f"{r['in_s']:.2f}"
    return (head + f" {r['wall']:.2f} | {in_s} | {r['mb_s']:.1f} | {r['seg_s']:,.0f} | "
            f"{r['sets_s']:,.0f} | {r['rss_mb']:.0f} | {status} | {ratio} | {r['load']:.1f} |")


def print_table(rows: list[Row]) -> None:
    print("| file | size MB | mode | wall s | in-proc s | MB/s | segments/s | sets/s | "
          "peak RSS MB | sets accepted/rejected | × py-split | load |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for r in rows:
        print(_fmt_row(r))


def _pick(rows: list[Row], fmt: str, mode: str) -> Row | None:
    cands = [r for r in rows if r["format"] == fmt and r["mode"] == mode and "error" not in r]
    return max(cands, key=lambda r: r["bytes"]) if cands else None


def targets(rows: list[Row], workers: int) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) on the largest file of each format; None = not measured."""
    out: list[tuple[str, str, bool | None]] = []

    def mbs(fmt: str, mode: str, need: float, what: str) -> None:
        r = _pick(rows, fmt, mode)
        out.append((what, f"{r['mb_s']:.1f} MB/s on {r['file']}" if r else "not run",
                    r["mb_s"] >= need if r else None))

    def ratio(fmt: str, mode: str, need: float, what: str) -> None:
        r = _pick(rows, fmt, mode)
        ok = r is not None and "ratio" in r
        out.append((what, f"{r['ratio']:.2f}× on {r['file']}" if ok and r else
                    "no py-split run", r["ratio"] >= need if ok and r else None))

    mbs("x12", "read+envelope", 100, "X12 read+envelope ≥ 100 MB/s")
    ratio("x12", "read+envelope", 1.2, "X12 read+envelope ≥ 1.2× py-split")
    mbs("x12", "validate+acks", 25, "X12 validate+997 ≥ 25 MB/s")
    ratio("x12", "validate+acks", 0.3, "X12 validate+997 ≥ 0.3× py-split")
    if workers == 2:
        mbs("x12", "validate+acks x2", 45, "X12 validate+997 with 2 processes ≥ 45 MB/s")
    ratio("edifact", "validate+acks", 0.3, "EDIFACT validate+CONTRL ≥ 0.3× py-split-edifact")
    ours = [r for r in rows if "error" not in r and not r["mode"].startswith("py-split")]
    if ours:
        worst = max(ours, key=lambda r: r["rss_mb"])
        out.append(("peak RSS ≤ 100 MB (every mode, every file)",
                    f"max {worst['rss_mb']:.0f} MB ({worst['mode']} on {worst['file']})",
                    worst["rss_mb"] <= 100))
        spreads = []
        for fmt in ("x12", "edifact"):
            for mode in {r["mode"] for r in ours}:
                vals = [r["rss_mb"] for r in ours if r["format"] == fmt and r["mode"] == mode]
                if len(vals) > 1:
                    spreads.append(max(vals) - min(vals))
        out.append(("peak RSS flat across sizes (spread ≤ 20 MB per mode)",
                    f"largest spread {max(spreads):.0f} MB" if spreads else "one size only",
                    max(spreads) <= 20 if spreads else None))
    return out


def bench_translate(size: str, out_dir: Path, repeat: int, skipped: list[str]) -> list[Row]:
    """The translate section for one size: validate and translate the translate files, and
    generate as many bytes of X12 as the size from the records of the tiny one."""
    rows: list[Row] = []
    missing = benchtranslate.edifact_maps_missing()
    for fmt in ("x12", "edifact"):
        name = f"{fmt}-translate"
        if fmt == "edifact" and missing:
            note = (f"{name}_{size}: skipped: no EDIFACT map yet (maps/translate/edifact/D96A/"
                    f"{', '.join(m + '.toml' for m in missing)})")
            print(f"  {note}", file=sys.stderr, flush=True)
            skipped.append(note)
            continue
        print(f"{name} {size}: generating (if missing)", file=sys.stderr, flush=True)
        path, meta = ensure(out_dir, name, size)
        runs = [(m, path.name, _ours(m, path, 1)) for m in ("validate", "translate")]
        if fmt == "x12":
            source, _ = ensure(out_dir, name, "tiny")
            runs.append(("generate", f"x12-generate_{size}",
                         [sys.executable, "-m", "gateway.bench", "run", "generate", str(source),
                          "--target-bytes", str(SIZES[size])]))
        for mode, label, cmd in runs:
            print(f"  {label}: {mode} ...", file=sys.stderr, flush=True)
            load = os.getloadavg()[0]
            r = measure(cmd, repeat)
            r.update(load=load, file=label, format=fmt, size=size, mode=mode,
                     section="translate", meta_sets=meta.sets)
            if "error" not in r:
                benchtranslate.rates(r, meta.bytes)
            rows.append(r)
    return rows


def main(args: argparse.Namespace) -> int:
    sizes = [s.strip() for s in str(args.sizes).split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        print(f"unknown size(s) {', '.join(unknown)}: use small, medium, large", file=sys.stderr)
        return 2
    out_dir = Path(args.out).resolve()
    workers = max(1, int(args.workers))
    peers = not args.no_peers
    if peers and not PEERS.exists():
        print("py-split peer not found (../shared/bench/peers/py_peers.py): no ratios",
              file=sys.stderr)
    only = getattr(args, "only", None)
    rows: list[Row] = []
    trows: list[Row] = []
    skipped: list[str] = []
    load0 = os.getloadavg()
    for size in sizes:
        # medians of 3 where start-up noise matters; one run on tiny (tests) and large files
        repeat = int(getattr(args, "repeat", 0) or (3 if MB <= SIZES[size] < 50 * MB else 1))
        for fmt in ("x12", "edifact") if only in (None, "validate") else ():
            print(f"{fmt} {size}: generating (if missing) in {args.out}", file=sys.stderr,
                  flush=True)
            path, meta = ensure(out_dir, fmt, size)
            rows += bench_file(fmt, size, path, meta, workers, repeat, peers)
        if only in (None, "translate"):
            trows += bench_translate(size, out_dir, repeat, skipped)
    prows: list[Row] = []
    if only in (None, "pipeline"):
        print("pipeline: small interchanges and one file (SQLite, file connector)",
              file=sys.stderr, flush=True)
        medium = "medium" if "tiny" not in sizes else "tiny"
        tfile, _meta = ensure(out_dir, "x12-translate", medium)
        prows = benchpipeline.bench(count=int(getattr(args, "pipeline_count", 0) or 1000),
                                    file=tfile, pg_url=getattr(args, "pg_url", None))
    load1 = os.getloadavg()
    print(f"edi-gateway bench: CPython {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"1-min load average {load0[0]:.2f} before / {load1[0]:.2f} after (\"load\" = before "
          "each row; above ~0.5 other work shares the CPUs and the figures are lower). Wall = "
          "whole process, start-up included, median of the repeats; in-proc = the work alone; "
          "MB = 10^6 bytes.\n")
    marks: list[tuple[str, str, bool | None]] = []
    if rows:
        print_table(rows)
        marks += targets(rows, workers)
    if trows or skipped:
        benchtranslate.print_table(trows, skipped)
        marks += benchtranslate.targets(trows) if trows else []
    if prows:
        benchpipeline.print_table(prows)
        marks += benchpipeline.targets(prows)
    print("\n| target | measured | |\n|---|---|---|")
    for what, measured, met in marks:
        mark = "n/a" if met is None else ("met" if met else "NOT met")
        print(f"| {what} | {measured} | {mark} |")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bench-results.json").write_text(json.dumps(rows + trows + prows, indent=1)
                                                + "\n", encoding="utf-8")
    failed = [r for r in rows + trows + prows if "error" in r]
    return 1 if failed else 0


def _cli(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m gateway.bench")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="one measurement in this process (prints one JSON line)")
    run.add_argument("mode", choices=MODES + benchtranslate.TRANSLATE_MODES)
    run.add_argument("file")
    run.add_argument("--workers", type=int, default=1)
    run.add_argument("--target-bytes", type=int, default=0, help="generate: bytes of X12")
    b = sub.add_parser("bench", help="the whole benchmark, as edi-gateway bench")
    b.add_argument("--sizes", default="medium,large")
    b.add_argument("--out", default="bench-data")
    b.add_argument("--no-peers", action="store_true")
    b.add_argument("--workers", type=int, default=2)
    b.add_argument("--repeat", type=int, default=0, help="runs per figure (median)")
    b.add_argument("--only", choices=("validate", "translate", "pipeline"))
    b.add_argument("--pg-url", help="a PostgreSQL database for the pipeline section")
    b.add_argument("--pipeline-count", type=int, default=1000)
    pl = sub.add_parser("pipeline", help="one pipeline measurement in this process")
    pl.add_argument("mode", choices=("small", "file"))
    pl.add_argument("--count", type=int, default=0)
    pl.add_argument("--file")
    pl.add_argument("--database")
    pl.add_argument("--workers", type=int, default=1)
    pl.add_argument("--base", type=int, default=0, help="first interchange number")
    pl.add_argument("--senders", type=int, default=1, help="partners the files come from")
    pl.add_argument("--keep", action="store_true",
                    help="leave the work folder (printed as workdir) for the caller to remove")
    a = p.parse_args(argv)
    tune_gc()
    if a.command == "bench":
        return main(a)
    if a.command == "pipeline":
        print(json.dumps(benchpipeline.child(a.mode, a.count, a.file, a.database, a.workers,
                                             a.base, a.senders, a.keep)))
        return 0
    if a.mode in benchtranslate.TRANSLATE_MODES:
        print(json.dumps(benchtranslate.child(a.mode, a.file, a.target_bytes)))
        return 0
    print(json.dumps(child(a.mode, a.file, a.workers)))
    return 0


if __name__ == "__main__":
    sys.exit(_cli(sys.argv[1:]))
