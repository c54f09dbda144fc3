"""``edi-gateway``: the command line (a contract that users and scripts rely on).

validate PATH... [--json] [--ack-dir DIR] [--engine native|pyx12]
    exit 0 when everything is accepted, 1 when anything is rejected, 2 when an input cannot
    be read at all.
inspect PATH [--json]
    the parsed tree with segment and element names from the implementation guide.
bench [--sizes medium,large] [--out DIR] [--only validate|translate|pipeline] [--pg-url URL]
    generated X12 and EDIFACT files; MB/s, segments/s, sets/s and peak RSS.
demo
    validates and acknowledges the example files in fixtures/ (what bin/serve runs for now).
partners check [--dir partners]
    validates every partner profile: ``file:line: field: message`` per problem and exit 1,
    or a one-line summary and exit 0 (exit 2 when the folder does not exist).
partners list [--dir partners] [--json]
    the partners; JSON: ``[{"id", "name", "standards": [...]}]``.
translate PATH [--partner ID|generic] [--json] [--orders DIR]
    canonical records of the accepted transaction sets; rejected or unmapped ones in errors;
    exit codes as for validate. Without --partner the partner is resolved from the envelope.
generate RECORD.json --partner ID [--type TYPE]
    the partner's EDI for a canonical record (its envelope, delimiters and version).
schemas [--check] [--out DIR]
    writes the JSON Schema and XSD of each canonical record into maps/canonical/ (or DIR);
    with --check writes nothing and exits 1 naming the files that differ from the models.
archive verify [--data-dir DIR] [--archive DIR] [--database URL]
    rehashes the archived bytes of every file the store records: prints each missing or
    altered item and exits 1, or a summary and exit 0 (2 when there is no store).
archive purge [--data-dir DIR] [--archive DIR] [--database URL]
    deletes archived bytes past their partner's retention that nothing open still needs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence as Seq
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from gateway.batch import tune_gc
from gateway.cli_ops import add_operations
from gateway.errors import GatewayError
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


def _partners(args: argparse.Namespace, errors_to: IO[str]) -> tuple[list[Any], list[Any]] | None:
    """The profiles of ``--dir`` and their problems (printed to ``errors_to``); None when the
    folder does not exist (said on stderr)."""
    from gateway.partners import load_folder

    folder = Path(args.dir)
    if not folder.is_dir():
        print(f"{folder}: no such folder", file=sys.stderr)
        return None
    loaded, errors = load_folder(folder)
    for e in errors:
        print(e.message, file=errors_to)
    return list(loaded), list(errors)


def cmd_partners_check(args: argparse.Namespace) -> int:
    found = _partners(args, sys.stdout)
    if found is None:
        return 2
    loaded, errors = found
    if not args.profiles_only:
        from gateway.translate.catalog import check_maps

        for e in check_maps(loaded):
            print(e.message)
            errors.append(e)
    if errors:
        files = len({e.file for e in errors})
        print(f"{len(errors)} problem(s) in {files} file(s)", file=sys.stderr)
        return 1
    std = sorted({s for lp in loaded for s in lp.profile.standards})
    maps = "" if args.profiles_only else ", every map loads"
    print(f"{args.dir}: {len(loaded)} partner profile(s) OK ({', '.join(std) or 'none'}){maps}")
    return 0


def cmd_partners_list(args: argparse.Namespace) -> int:
    found = _partners(args, sys.stderr)
    if found is None:
        return 2
    loaded, errors = found
    profiles = sorted((lp.profile for lp in loaded), key=lambda p: p.id)
    if args.json:
        print(json.dumps([{"id": p.id, "name": p.name, "standards": p.standards}
                          for p in profiles], ensure_ascii=False))
    else:
        rows = [("ID", "NAME", "ENV", "STANDARDS", "SENDER IDS")] + [
            (p.id, p.name, p.environment, ",".join(p.standards),
             " ".join([str(i) for i in p.identities.x12] + [str(i) for i in p.identities.edifact]))
            for p in profiles]
        widths = [max(len(r[n]) for r in rows) for n in range(4)]
        for r in rows:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[4])
    return 1 if errors else 0


def _head(path: str) -> str:
    """The start of ``translate --json``'s object, up to its first document."""
    return f'{{"file":{_json(str(Path(path)))},"documents":['


def _json(value: Any) -> str:
    """Compact JSON, UTF-8 as it is (pydantic-core's writer: three times ``json.dumps``)."""
    from pydantic_core import to_json

    return to_json(value).decode()


def cmd_translate(args: argparse.Namespace) -> int:
    from gateway.errors import GatewayError
    from gateway.translate.maptest import load_orders
    from gateway.translate.run import document_json, translate_file

    worst = 0
    orders: dict[str, Any] = {}
    try:
        for where in args.orders or ():
            orders.update(load_orders(Path(where)))
    except GatewayError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 2
    for path in args.paths:
        # documents are written as they are translated, not kept: a big file's output does
        # not grow the process
        started = [False]

        def emit(doc: dict[str, Any], path: str = path, started: list[bool] = started) -> None:
            if args.json:
                lead = "," if started[0] else _head(path)
                sys.stdout.write(lead + document_json(doc).decode())
            else:
                print(f"{path}: {doc['type']} {doc['record'].get('number', '')} from set "
                      f"{doc['transaction_control_number']} (partner {doc['partner']})")
                for w in doc.get("warnings", ()):
                    print(f"  warning: {w['code']} {w['message']}")
            started[0] = True

        try:
            result = translate_file(Path(path), partner=args.partner,
                                    partners_dir=Path(args.partners_dir), orders=orders,
                                    on_document=emit, record_text=args.json)
        except GatewayError as exc:
            if started[0] and args.json:
                sys.stdout.write("]}\n")
            print(f"{path}: {exc.code}: {exc.message}", file=sys.stderr)
            return 2
        if args.json:
            head = "" if started[0] else _head(path)
            sys.stdout.write(f'{head}],"errors":{_json(result.errors)}}}\n')
        else:
            for e in result.errors:
                where = e.get("offset")
                ctl = e.get("transaction_control_number") or "-"
                print(f"{path}:{'-' if where is None else where} {e.get('set', '-')} {ctl} "
                      f"{e['code']} {e['message']}")
        worst = max(worst, result.exit_code)
    return worst


def cmd_map_test(args: argparse.Namespace) -> int:
    from gateway.errors import GatewayError
    from gateway.translate.maptest import run_cases

    try:
        results = run_cases(args.partner, cases_dir=Path(args.cases_dir),
                            partners_dir=Path(args.partners_dir), update=args.update)
    except GatewayError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 2
    for r in results:
        print(f"{r.status.upper():7} {r.partner} {r.case}")
        if r.detail and r.status != "pass":
            print("        " + r.detail.rstrip("\n").replace("\n", "\n        "))
    bad = [r for r in results if r.status in ("fail", "missing")]
    print(f"{len(results)} cases: {len(results) - len(bad)} passed, {len(bad)} failed"
          + (" (expected files rewritten: review them with git diff)" if args.update else ""))
    return 1 if bad or not results else 0


def cmd_generate(args: argparse.Namespace) -> int:
    from gateway.errors import GatewayError
    from gateway.translate.generate import generate_file

    try:
        sys.stdout.write(generate_file(Path(args.record), partner=args.partner,
                                       record_type=args.type,
                                       partners_dir=Path(args.partners_dir)))
    except GatewayError as exc:
        print(f"{args.record}: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    return 0


def cmd_schemas(args: argparse.Namespace) -> int:
    from gateway.canonical import schemas

    out = Path(args.out) if args.out else ROOT / "maps" / "canonical"
    if args.check:
        stale = schemas.stale(out)
        for path in stale:
            print(f"{path}: stale or missing (run `edi-gateway schemas`)")
        return 1 if stale else 0
    for path in schemas.write(out):
        print(f"wrote {path}")
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
    b.add_argument("--only", choices=("validate", "translate", "pipeline"),
                   help="one section: validation, translate and generate, or the pipeline")
    b.add_argument("--pg-url", help="a PostgreSQL database URL: the pipeline section also "
                                    "runs on it with one and two worker processes")
    b.add_argument("--pipeline-count", type=int, default=1000,
                   help="small interchanges for the pipeline section")
    b.set_defaults(func=cmd_bench)
    d = sub.add_parser("demo", help="validate and acknowledge the example files")
    d.set_defaults(func=cmd_demo)
    pa = sub.add_parser("partners", help="partner profiles: check them, list them")
    psub = pa.add_subparsers(dest="partners_command", required=True)
    pc = psub.add_parser("check", help="validate every profile (file:line: field: message)")
    pc.add_argument("--dir", default="partners", help="the profiles folder (default: partners)")
    pc.add_argument("--profiles-only", action="store_true",
                    help="check the profiles alone, not the maps they name")
    pc.set_defaults(func=cmd_partners_check)
    pl = psub.add_parser("list", help="the partners, as a table or JSON")
    pl.add_argument("--dir", default="partners", help="the profiles folder (default: partners)")
    pl.add_argument("--json", action="store_true",
                    help='[{"id", "name", "standards": [...]}]')
    pl.set_defaults(func=cmd_partners_list)
    t = sub.add_parser("translate", help="EDI files to canonical records (JSON)")
    t.add_argument("paths", nargs="+")
    t.add_argument("--partner", help='a partner id, or "generic" for the generic maps alone')
    t.add_argument("--json", action="store_true")
    t.add_argument("--partners-dir", default="partners", help="the profiles folder")
    t.add_argument("--orders", action="append", metavar="DIR",
                   help="a folder of purchase orders (canonical JSON) for the checks against "
                        "the PO; repeatable")
    t.set_defaults(func=cmd_translate)
    gen = sub.add_parser("generate", help="a canonical record (JSON) to the partner's EDI")
    gen.add_argument("record")
    gen.add_argument("--partner", required=True)
    gen.add_argument("--type", choices=("purchase_order", "order_acknowledgement",
                                        "ship_notice", "invoice"))
    gen.add_argument("--partners-dir", default="partners", help="the profiles folder")
    gen.set_defaults(func=cmd_generate)
    mp = sub.add_parser("map", help="partner maps: run their golden cases")
    msub = mp.add_subparsers(dest="map_command", required=True)
    mt = msub.add_parser("test", help="run every golden case under fixtures/partners/<id>/")
    mt.add_argument("--partner", help="one partner (default: every partner with cases)")
    mt.add_argument("--update", action="store_true",
                    help="rewrite the expected files from what the maps produce now")
    mt.add_argument("--cases-dir", default="fixtures/partners", help="the cases folder")
    mt.add_argument("--partners-dir", default="partners", help="the profiles folder")
    mt.set_defaults(func=cmd_map_test)
    add_operations(sub)
    sc = sub.add_parser("schemas", help="write the canonical records' JSON Schemas and XSDs")
    sc.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if the files differ from what the models give")
    sc.add_argument("--out", help="directory of the schema files (default maps/canonical/)")
    sc.set_defaults(func=cmd_schemas)
    return p


def main(argv: Seq[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except GatewayError as exc:  # a broken profile or map, an unusable store or archive…
        print(f"edi-gateway {args.command}: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    return code


def entry() -> int:
    """The ``edi-gateway`` command: ``main`` in a process tuned for batch work."""
    tune_gc()
    return main()


if __name__ == "__main__":
    sys.exit(entry())
