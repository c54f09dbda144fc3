"""The pipeline section of ``edi-gateway bench`` (``--only pipeline``): the whole gateway on
its embedded defaults (SQLite in WAL mode with ``synchronous=FULL``, the local archive with
fsync, the file connector), measured in a fresh process per figure:

- ``small``: N small interchanges (BigBox 850s of about 2 KB, twelve lines, each its own
  interchange with its own control numbers and PO number) ingested as the folder watcher
  takes a backlog (``ingest_many``, 64 files per group commit), then every step run by one
  worker: archived, validated, acknowledged (997 archived and written to the partner's
  folder), translated, delivered; interchanges per second over the whole, durable at every
  commit. The clock starts once the gateway has warmed up, as a running one has: 20 other
  interchanges go through first (their grammar patterns compiled for the delimiters, the
  connector loaded); ``warmup_s`` says what that took;
- ``file``: one X12 file of about 10 MB (the translate benchmark's 850s and 810s) through the
  same steps: MB/s and documents/s;
- with ``--pg-url URL`` (a PostgreSQL database the benchmark may fill), ``small`` on PostgreSQL
  with one and with two worker processes, on files from one partner and then from two
  (every other file from ``bigbox-b``, a copy of BigBox's profile with another ISA id).

Each measurement works in a folder of its own, which ``bench`` removes only after the last
one. ext4 without a journal (the root file system of the machine the README's figures come
from) skips every inode deleted in the last minute or more when it allocates a new one,
reading its inode table block to find out: removing one run's tens of thousands of files made
each file the next run created cost 0.2 to 0.7 ms instead of 0.03 ms (``recently_deleted`` in
``ext4_create``, by ``perf``), and the next run 40 % slower. A gateway deletes nothing on its own path (the
retention purge runs at night), so that is the bench measuring itself. ``pipeline --keep``
leaves a single run's folder in place for the same reason (remove it later).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "partners" / "bigbox" / "inbound" / "850-store-distribution.edi"
Row = dict[str, Any]
INGEST_BATCH = 64  # small files per ingest group commit, as the watcher takes them
WARMUP = 20  # small interchanges run before the clock starts (see ``child``)
WARM_FROM = 700_000_000  # their numbers: far from the measured ones
SENDER, OTHER_SENDER = b"6141410000", b"6141410001"  # BigBox's ISA id, a second partner's


def variant(n: int) -> bytes:
    """The BigBox sample as its n-th interchange (own control numbers and PO number), its
    lines four times over: about 2 KB, the size the pipeline target names."""
    return (_lines(SAMPLE.read_bytes(), 4).replace(b"000104522", f"{200000 + n:09d}".encode())
            .replace(b"*104522*", f"*{300000 + n}*".encode())
            .replace(b"*104522~", f"*{300000 + n}~".encode())
            .replace(b"BB4410023", f"BB{5000000 + n}".encode()))


def _lines(data: bytes, copies: int) -> bytes:
    """``data`` (one 850) with its PO1 loops ``copies`` times, numbered on, and the CTT line
    count and quantity total, the AMT total and the SE count to match: the partner's checks
    (line count, store quantities) still pass."""
    start, end = data.index(b"PO1*"), data.index(b"CTT*")
    lines = len(re.findall(rb"PO1\*", data[start:end]))

    def renumbered(k: int) -> bytes:
        return re.sub(rb"PO1\*(\d+)\*", lambda m: b"PO1*%d*" % (int(m[1]) + lines * k),
                      data[start:end])

    loops = [renumbered(k) for k in range(copies)]
    out = data[:start] + b"".join(loops) + data[end:]
    ctt = re.search(rb"CTT\*(\d+)\*(\d+)", out)
    amt = re.search(rb"AMT\*TT\*([0-9.]+)", out)
    assert ctt is not None and amt is not None
    out = out.replace(ctt[0], b"CTT*%d*%d" % (int(ctt[1]) * copies, int(ctt[2]) * copies))
    out = out.replace(amt[0], b"AMT*TT*%s" % str(Decimal(amt[1].decode()) * copies).encode())
    st = out.index(b"ST*")
    count = out[st:out.index(b"SE*", st)].count(b"~") + 1
    return re.sub(rb"SE\*\d+\*", b"SE*%d*" % count, out)


# the generated translate file comes from many made-up senders: one profile takes them all
BENCH_PROFILE = """id = "bench"
name = "Benchmark partner"
environment = "production"

[[identities.x12]]
isa_qualifier = "ZZ"
isa_id = "BENCHPARTNER"

[us.x12]
isa_qualifier = "ZZ"
isa_id = "BENCHGATEWAY"

[acks]
functional = "997"

[documents.850]
direction = "inbound"

[documents.810]
direction = "inbound"
"""


def as_bench_partner(data: bytes) -> bytes:
    """Every interchange of ``data`` from the bench partner to us (same lengths: ISA stays
    fixed-width)."""
    data = re.sub(rb"(ISA\*00\*.{10}\*00\*.{10}\*)..\*.{15}\*..\*.{15}\*",
                  rb"\1ZZ*BENCHPARTNER   *ZZ*BENCHGATEWAY   *", data)
    return re.sub(rb"GS\*(\w\w)\*[^*]*\*[^*]*\*", rb"GS*\1*BENCHPARTNER*BENCHGATEWAY*", data)


def second_partner(profile: str) -> str:
    """BigBox's profile as a second partner (``bigbox-b``, ISA id 6141410001) with the same
    maps: a backlog from two partners, whose deliveries and 997 series are independent."""
    return profile.replace('id = "bigbox"', 'id = "bigbox-b"', 1).replace(
        SENDER.decode(), OTHER_SENDER.decode())


def _copy_as_bench_partner(file: Path, to: Path) -> None:
    """``as_bench_partner`` over ``file`` into ``to``, a megabyte at a time (cut after a
    segment terminator), so that the peak memory measured is the gateway's."""
    with file.open("rb") as src, to.open("wb") as out:
        tail = b""
        while chunk := src.read(1 << 20):
            buf = tail + chunk
            cut = buf.rfind(b"~") + 1
            out.write(as_bench_partner(buf[:cut]))
            tail = buf[cut:]
        out.write(as_bench_partner(tail))


def child(mode: str, count: int, file: str | None, database: str | None, workers: int,
          base: int = 0, senders: int = 1, keep: bool = False) -> Row:
    """One measurement in this process (``python -m gateway.bench pipeline ...``). ``keep``:
    leave the work folder (the row's ``workdir``) for the caller to remove."""
    from sqlalchemy import func, select

    from gateway.pipeline.ingest import Incoming, ingest, ingest_many
    from gateway.pipeline.worker import drain
    from gateway.service import Settings, build_context
    from gateway.store.models import Delivery, Work

    tmp = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    partners = tmp / "partners"
    shutil.copytree(ROOT / "partners", partners)
    (partners / "bench.toml").write_text(BENCH_PROFILE, encoding="utf-8")
    (partners / "bigbox-b.toml").write_text(
        second_partner((partners / "bigbox.toml").read_text(encoding="utf-8")), "utf-8")
    ctx = build_context(Settings(data_dir=tmp / "var", archive_dir=tmp / "archive",
                                 partners_dir=partners, database=database, scheduler=False))

    def batch(numbers: range) -> list[Incoming]:  # (with two senders: every other file)
        return [Incoming(variant(n), f"po-{n}.edi", "bench", "bigbox") if n % senders == 0
                else Incoming(variant(n).replace(SENDER, OTHER_SENDER), f"po-{n}.edi",
                              "bench", "bigbox-b") for n in numbers]

    source: Path | None = None
    if file is not None and mode == "file":  # written before the clock, read by its path
        source = tmp / Path(file).name
        _copy_as_bench_partner(Path(file), source)
    done = False
    try:
        warm = 0.0
        if mode == "small":  # a started gateway: grammars compiled, connectors loaded
            w0 = time.perf_counter()
            ingest_many(ctx, batch(range(WARM_FROM + base, WARM_FROM + base + WARMUP)))
            drain(ctx)
            warm = time.perf_counter() - w0
        # a shared database (PostgreSQL) may hold an earlier run's deliveries: count this one's
        with ctx.store.session() as s:
            earlier = int(s.scalar(select(func.count()).select_from(Delivery).where(
                Delivery.status == "delivered")) or 0)
        t0, c0, (_, k0) = time.perf_counter(), _cpu(), _cpu_split()
        size = 0
        if mode == "small":
            # as the folder watcher takes a backlog: up to INGEST_BATCH files per group commit
            for start in range(base, base + count, INGEST_BATCH):
                files = batch(range(start, min(start + INGEST_BATCH, base + count)))
                size += sum(len(f.data) for f in files if isinstance(f.data, bytes))
                ingest_many(ctx, files)
        else:
            assert source is not None  # taken by its path, as the drop folder takes files
            size = source.stat().st_size
            ingest(ctx, source, name=Path(str(file)).name, source="bench", partner_id="bench")
        t1 = time.perf_counter()
        if workers <= 1:
            drain(ctx)
        else:  # more worker processes on the same database (PostgreSQL)
            _workers(ctx, workers, database, partners)
        t2, c2, (_, k2) = time.perf_counter(), _cpu(), _cpu_split()
        with ctx.store.session() as s:
            delivered = int(s.scalar(select(func.count()).select_from(Delivery).where(
                Delivery.status == "delivered")) or 0) - earlier
            left = int(s.scalar(select(func.count()).select_from(Work)) or 0)
        done = True
        return {"mode": mode, "database": ctx.store.dialect, "workers": workers,
                "senders": senders,
                "interchanges": count if mode == "small" else None, "bytes": size,
                "delivered": delivered, "left": left, "ingest_s": round(t1 - t0, 3),
                "seconds": round(t2 - t0, 3), "cpu_s": round(c2 - c0, 3),
                "system_s": round(k2 - k0, 3),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "warmup_s": round(warm, 3), "workdir": str(tmp) if keep else None}
    finally:
        ctx.store.close()
        if not (keep and done):  # (a failed run leaves nothing for the caller to remove)
            shutil.rmtree(tmp, ignore_errors=True)


def _cpu() -> float:
    """CPU seconds of this process and of its finished worker processes."""
    return sum(_cpu_split())


def _cpu_split() -> tuple[float, float]:
    """User and system CPU seconds of this process and of its finished worker processes."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + kids.ru_utime, me.ru_stime + kids.ru_stime


def _workers(ctx: Any, n: int, database: str | None, partners: Path) -> None:
    code = ("import sys; from gateway.service import Settings, build_context; "
            "from gateway.pipeline.worker import drain; from pathlib import Path; "
            f"c = build_context(Settings(data_dir=Path({str(ctx.data_dir)!r}), "
            f"archive_dir=Path({str(ctx.archive.root)!r}), database={database!r}, "
            f"partners_dir=Path({str(partners)!r}), scheduler=False)); "
            "drain(c, sys.argv[1])")
    procs = [subprocess.Popen([sys.executable, "-c", code, f"bench-{k}"], cwd=ROOT)
             for k in range(n)]
    for p in procs:
        p.wait()


def run(mode: str, *, count: int = 0, file: Path | None = None, database: str | None = None,
        workers: int = 1, base: int = 0, senders: int = 1) -> Row:
    """One measurement in a fresh process; its work folder is left (``workdir``)."""
    cmd = [sys.executable, "-m", "gateway.bench", "pipeline", mode, "--count", str(count),
           "--workers", str(workers), "--base", str(base), "--senders", str(senders),
           "--keep"]
    if file is not None:
        cmd += ["--file", str(file)]
    if database:
        cmd += ["--database", database]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=os.environ)
    if out.returncode != 0:
        return {"mode": mode, "error": out.stderr.strip().splitlines()[-1:]}
    row: Row = json.loads(out.stdout.strip().splitlines()[-1])
    return row


def bench(*, count: int, file: Path | None, pg_url: str | None) -> list[Row]:
    """Every pipeline measurement; their work folders are removed after the last (see the
    module's docstring)."""
    rows: list[Row] = []
    try:
        rows.append(run("small", count=count))
        if file is not None:
            rows.append(run("file", file=file))
        if pg_url:
            rows.append(run("small", count=count, database=pg_url))
            rows.append(run("small", count=count, database=pg_url, workers=2, base=count))
            # two partners: their deliveries and 997 series do not wait for each other
            rows.append(run("small", count=count, database=pg_url, base=2 * count, senders=2))
            rows.append(run("small", count=count, database=pg_url, workers=2, base=3 * count,
                            senders=2))
    finally:
        for r in rows:
            if r.get("workdir"):
                shutil.rmtree(r["workdir"], ignore_errors=True)
    return rows


def print_table(rows: list[Row]) -> None:
    print("\nWhole pipeline (archive, validate, 997, translate, deliver to the file connector; "
          "durable commits):\n")
    print("| run | database | workers | input | seconds | CPU s | rate | delivered | "
          "peak RSS MB |\n|---|---|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        if "error" in r:
            print(f"| {r['mode']} | | | error: {r['error']} | | | | | |")
            continue
        if r["mode"] == "small":
            what = f"{r['interchanges']} interchanges of ~{r['bytes'] // r['interchanges']} B" \
                + (f" from {r['senders']} partners" if r.get("senders", 1) > 1 else "")
            rate = f"{r['interchanges'] / r['seconds']:.0f} interchanges/s"
        else:
            what = f"one file of {r['bytes'] / 1e6:.1f} MB"
            rate = f"{r['bytes'] / 1e6 / r['seconds']:.2f} MB/s, " \
                   f"{r['delivered'] / r['seconds']:.0f} docs/s"
        print(f"| {r['mode']} | {r['database']} | {r['workers']} | {what} | {r['seconds']} | "
              f"{r['cpu_s']} | {rate} | {r['delivered']} | {r['peak_rss_mb']} |")


def targets(rows: list[Row]) -> list[tuple[str, str, bool | None]]:
    small = next((r for r in rows if r.get("mode") == "small" and r.get("database") == "sqlite"
                  and "error" not in r), None)
    if small is None:
        return []
    rate = small["interchanges"] / small["seconds"]
    return [("small files through the whole pipeline (SQLite, file delivery) ≥ 200 "
             "interchanges/s, durable", f"{rate:.0f} interchanges/s", rate >= 200)]
