"""``edi-gateway``: the command line (a contract that users and scripts rely on).

validate PATH... [--json] [--ack-dir DIR] [--engine native|pyx12]
    exit 0 when everything is accepted, 1 when anything is rejected, 2 when an input cannot
    be read at all.
inspect PATH [--json]
    the parsed tree with segment and element names from the implementation guide.
bench [--sizes medium,large] [--out DIR]
    generated X12 and EDIFACT files; MB/s, segments/s, sets/s and peak RSS.
demo
    validates and acknowledges the example files in fixtures/ (what bin/serve runs for now).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence as Seq
from datetime import datetime
from pathlib import Path
from typing import IO

from gateway.report import Defect, FileReport
from gateway.validate.run import Options, validate_file

ROOT = Path(__file__).resolve().parent.parent


def _error_line(file: str, d: Defect) -> str:
    where = f"{d.segment or '-'}:{d.segment_position}" if d.segment_position else \
        (d.segment or "-")
    element = f" {d.element}" if d.element and d.element not in d.message else ""
    warn = " (warning)" if d.warning else ""
    return f"{file}:{d.offset if d.offset is not None else '-'} {where} {d.code}{warn}" \
           f"{element} {d.message}"


def print_human(r: FileReport, out: IO[str] | None = None) -> None:
    w = (out or sys.stdout).write
    for d in r.errors:
        w(_error_line(r.file, d) + "\n")
    for ix in r.interchanges:
        w(f"{r.file}: interchange {ix.control_number} {ix.standard} {ix.version} "
          f"{ix.sender} -> {ix.receiver}: {ix.status}\n")
        for d in ix.errors:
            w("  " + _error_line(r.file, d) + "\n")
        for g in ix.groups:
            gid = f"{g.functional_id or '-'} {g.control_number or '-'} {g.version or '-'}"
            if g.errors:
                w(f"{r.file}: group {gid}: {g.status}\n")
                for d in g.errors:
                    w("  " + _error_line(r.file, d) + "\n")
            for t in g.transactions:
                w(f"{r.file}: {t.set_id} {t.control_number} (group {gid}): {t.status}\n")
                for d in t.errors:
                    w("  " + _error_line(r.file, d) + "\n")
    for a in r.acks:
        w(f"{r.file}: ack {a.type} for interchange {a.interchange_control_number or '-'}\n")


def exit_code(reports: Seq[FileReport]) -> int:
    if any(r.unreadable for r in reports):
        return 2
    return 0 if all(r.all_accepted for r in reports) else 1


def _write_acks(r: FileReport, ack_dir: Path) -> None:
    ack_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(r.file).name
    for n, a in enumerate(r.acks, start=1):
        ctl = a.interchange_control_number or str(n)
        (ack_dir / f"{stem}.{ctl}.{n}.{a.type}.edi").write_text(a.text, encoding="utf-8")


def cmd_validate(args: argparse.Namespace) -> int:
    opts = Options(engine=args.engine, tolerant_charset=args.tolerant_charset,
                   now=datetime.now().replace(microsecond=0))
    reports = []
    for path in args.paths:
        r = validate_file(Path(path), opts, name=path)
        reports.append(r)
        if args.json:
            sys.stdout.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
        else:
            print_human(r)
        if args.ack_dir:
            _write_acks(r, Path(args.ack_dir))
    return exit_code(reports)


def cmd_inspect(args: argparse.Namespace) -> int:
    from gateway.inspect import inspect_file

    return inspect_file(Path(args.path), as_json=args.json, out=sys.stdout)


def cmd_bench(args: argparse.Namespace) -> int:
    from gateway.bench import main as bench_main

    return bench_main(args)


def cmd_demo(args: argparse.Namespace) -> int:
    def examples(pattern: str) -> list[Path]:
        return sorted(p for p in (ROOT / "fixtures").glob(f"*/*/*/{pattern}")
                      if not p.name.endswith(".acks.edi"))

    files = examples("valid_*.edi") + examples("broken_*.edi")[:4]
    if not files:
        print("no example files under fixtures/")
        return 2
    opts = Options(now=datetime.now().replace(microsecond=0))
    reports = []
    for f in files:
        rel = str(f.relative_to(ROOT))
        r = validate_file(f, opts, name=rel)
        reports.append(r)
        print_human(r)
        for a in r.acks:
            print(f"--- {a.type} ---\n{a.text.rstrip()}")
    ok = sum(1 for r in reports if r.all_accepted)
    print(f"\n{len(reports)} files: {ok} accepted, {len(reports) - ok} with rejections "
          "(the broken_* examples are rejected on purpose)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="edi-gateway", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="validate and acknowledge EDI files")
    v.add_argument("paths", nargs="+")
    v.add_argument("--json", action="store_true", help="one JSON object per input")
    v.add_argument("--ack-dir", help="write each acknowledgement as a file here")
    v.add_argument("--engine", choices=("native", "pyx12"), default="native")
    v.add_argument("--tolerant-charset", action="store_true",
                   help="accept UTF-8 content under UNOA/UNOB/UNOC")
    v.set_defaults(func=cmd_validate)
    i = sub.add_parser("inspect", help="show the parsed tree with names from the guide")
    i.add_argument("path")
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_inspect)
    b = sub.add_parser("bench", help="speed and memory on generated files")
    b.add_argument("--sizes", default="medium,large",
                   help="comma-separated: small (~1 MB), medium (~10 MB), large (~100 MB)")
    b.add_argument("--out", default="bench-data", help="where generated files go")
    b.add_argument("--no-peers", action="store_true", help="skip the py-split baselines")
    b.add_argument("--workers", type=int, default=2, help="processes for the parallel run")
    b.add_argument("--repeat", type=int, default=0,
                   help="runs per figure (median); default 3 for medium, 1 for large")
    b.set_defaults(func=cmd_bench)
    d = sub.add_parser("demo", help="validate and acknowledge the example files")
    d.set_defaults(func=cmd_demo)
    return p


def main(argv: Seq[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
