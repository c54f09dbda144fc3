"""The operators' commands of ``edi-gateway``: serve, trace, replay, send, acks, archive
(the running gateway's data folder and store). Registered by ``gateway.cli``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any


def _settings(args: argparse.Namespace) -> Any:
    from gateway.service import Settings

    st = Settings()
    if getattr(args, "data_dir", None):
        st.data_dir = Path(args.data_dir)
    if getattr(args, "archive", None):
        st.archive_dir = Path(args.archive)
    if getattr(args, "database", None):
        st.database = args.database
    if getattr(args, "partners_dir", None):
        st.partners_dir = Path(args.partners_dir)
    return st


def cmd_serve(args: argparse.Namespace) -> int:
    from gateway.service import serve

    st = _settings(args)
    st.workers = args.workers
    st.tryton_url = args.tryton_url
    st.erp = args.erp
    st.scan_interval, st.stable_for = args.scan_interval, args.stable_for
    st.claim_seconds = args.claim_seconds
    st.duplicate_days = args.duplicate_days
    return serve(st)


def cmd_trace(args: argparse.Namespace) -> int:
    from gateway.archive import Archive
    from gateway.pipeline.ops import trace
    from gateway.store.db import open_store

    st = _settings(args)
    store = open_store(st.database_url)
    try:
        chain = trace(store, args.key, Archive(st.archive_dir))
    finally:
        store.close()
    if args.json:
        print(json.dumps(chain, ensure_ascii=False, default=str))
        return 0 if chain["items"] else 1
    if not chain["items"]:
        print(f"{args.key}: nothing found (a PO, invoice, ASN/BOL or control number, or a file "
              "name)", file=sys.stderr)
        return 1
    for item in chain["items"]:
        label = item.get("name") or item.get("number") or item.get("control_number") or \
            item.get("idempotency_key") or ""
        print(f"{item['kind']} {item['id']} {label} [{item['status']}]"
              + (f" partner {item['partner']}" if item.get("partner") else ""))
        if item["kind"] == "file":
            print(f"    archive/{item['archive']} ({item['size']} bytes)")
        if item.get("erp_ref"):
            print(f"    ERP: {item['connector']} {item['erp_ref']}")
        for e in item["events"]:
            reason = f": {e['reason'].splitlines()[0]}" if e.get("reason") else ""
            print(f"    {e['at']} {e['step']} {e['status']}{reason}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from gateway.errors import GatewayError
    from gateway.pipeline.ops import replay, replay_parked
    from gateway.service import build_context

    ctx = build_context(_settings(args))
    try:
        if args.parked:
            lines = replay_parked(ctx, args.partner)
        elif args.item:
            kind, _, num = args.item.rpartition(":")
            if not num.isdigit():
                print(f"{args.item}: give KIND:ID (file:12, transaction:40, delivery:7)",
                      file=sys.stderr)
                return 2
            lines = [replay(ctx, kind or "file", int(num), args.from_step)]
        else:
            print("give an item (file:12, transaction:40, delivery:7) or --parked",
                  file=sys.stderr)
            return 2
    except GatewayError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 2
    finally:
        ctx.store.close()
    for line in lines:
        print(line)
    print(f"{len(lines)} item(s) queued; a running gateway (bin/serve) picks them up")
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    from gateway.errors import GatewayError
    from gateway.pipeline.outbound import queue_record
    from gateway.service import build_context
    from gateway.translate.generate import load_record

    ctx = build_context(_settings(args))
    try:
        fid = queue_record(ctx, load_record(Path(args.record), args.type), args.partner,
                           source="cli")
    except GatewayError as exc:
        print(f"{args.record}: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    finally:
        ctx.store.close()
    print(f"{args.record}: queued as outbound file {fid} for {args.partner}; a running gateway "
          f"writes it to partners/{args.partner}/outbound/")
    return 0


def cmd_acks(args: argparse.Namespace) -> int:
    from gateway.pipeline.ops import ack_report
    from gateway.store.db import open_store

    store = open_store(_settings(args).database_url)
    try:
        rows = ack_report(store, overdue_only=args.overdue)
    finally:
        store.close()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for r in rows:
        why = "; ".join(str(x) for x in r["reasons"]) if r["reasons"] else ""
        print(f"{r['partner']} {r['set']} ISA/UNB {r['interchange_control_number']} group "
              f"{r['group_control_number']} set {r['transaction_control_number']}: "
              f"{r['status']} (sent {r['sent_at']}, due {r['due_at']}) {why}".rstrip())
    print(f"{len(rows)} acknowledgement(s) " + ("overdue or rejected" if args.overdue
                                                 else "tracked"))
    return 0


def _archive_store(args: argparse.Namespace) -> tuple[Any, Any] | None:
    """The store and archive of ``--database``/``--data-dir`` and ``--archive``; None (said
    on stderr) when there is no migrated store there."""
    from gateway.archive import Archive
    from gateway.store.db import open_store

    st = _settings(args)
    if not st.database and not (st.data_dir / "gateway.db").is_file():
        print(f"{st.data_dir}: no store here (gateway.db); give --data-dir or --database",
              file=sys.stderr)
        return None
    store = open_store(st.database_url)
    if store.revision() is None:
        print(f"{store!r}: the store has no schema yet", file=sys.stderr)
        store.close()
        return None
    return store, Archive(st.archive_dir)


def cmd_archive_verify(args: argparse.Namespace) -> int:
    from gateway.store.retention import verify_archive

    found = _archive_store(args)
    if found is None:
        return 2
    store, archive = found
    try:
        result = verify_archive(store, archive)
    finally:
        store.close()
    for problem, ids in result.problems:
        rows = ", ".join(map(str, ids[:10])) + (" …" if len(ids) > 10 else "")
        print(f"{problem} [files.id {rows}]")
    summary = (f"{result.items} archived item(s) ({result.bytes} bytes) of {result.rows} "
               f"file row(s) checked under {archive.root}")
    if result.problems:
        print(f"{len(result.problems)} problem(s); {summary}", file=sys.stderr)
        return 1
    print(f"archive OK: {summary}")
    return 0


def cmd_archive_purge(args: argparse.Namespace) -> int:
    from gateway.errors import GatewayError
    from gateway.store.retention import purge

    found = _archive_store(args)
    if found is None:
        return 2
    store, archive = found
    try:
        result = purge(store, archive, datetime.now().replace(microsecond=0))
    except GatewayError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(result)
    return 0


def add_operations(sub: Any) -> None:
    """Add the operators' subcommands to the ``edi-gateway`` parser."""
    def place(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--data-dir", help="the gateway's data folder (default var/)")
        sp.add_argument("--database", help="a database URL (default sqlite in the data folder)")
        sp.add_argument("--archive", help="the archive root (default archive/)")
        sp.add_argument("--partners-dir", help="the profiles folder (default partners/)")

    sv = sub.add_parser("serve", help="run the gateway: watcher, pipeline workers, scheduler")
    place(sv)
    sv.add_argument("--workers", type=int, default=2, help="pipeline worker threads")
    sv.add_argument("--tryton-url", help="deliver to Tryton for partners whose ERP is Tryton "
                                         "(default: EDI_TRYTON_URL, else the file connector)")
    sv.add_argument("--scan-interval", type=float, default=0.5, help="seconds between scans")
    sv.add_argument("--stable-for", type=float, default=1.0,
                    help="seconds a dropped file must stay unchanged before it is taken")
    sv.add_argument("--duplicate-days", type=float, default=30.0,
                    help="an interchange repeating a partner's control number within this "
                         "many days is a duplicate (acknowledged, not delivered again)")
    sv.add_argument("--claim-seconds", type=float, default=300.0,
                    help="after this a step a killed process held is run again")
    sv.add_argument("--erp", choices=("file", "profile"), default="file",
                    help="file: every partner to DIR/erp-out/ (Tryton partners to Tryton when "
                         "a URL is given); profile: each partner's own [erp]")
    sv.set_defaults(func=cmd_serve)
    tr = sub.add_parser("trace", help="the whole chain of a PO, invoice, ASN or control number")
    tr.add_argument("key")
    tr.add_argument("--json", action="store_true",
                    help='{"key", "items": [{"kind", "id", "status", "partner", "events"}]}')
    place(tr)
    tr.set_defaults(func=cmd_trace)
    rp = sub.add_parser("replay", help="run parked or chosen items again")
    rp.add_argument("item", nargs="?", help="KIND:ID: file:12, transaction:40, delivery:7")
    rp.add_argument("--from-step", choices=("process", "send", "deliver"))
    rp.add_argument("--parked", action="store_true", help="every parked item (of --partner)")
    rp.add_argument("--partner")
    place(rp)
    rp.set_defaults(func=cmd_replay)
    se = sub.add_parser("send", help="queue a canonical record (JSON) as EDI for a partner")
    se.add_argument("record")
    se.add_argument("--partner", required=True)
    se.add_argument("--type", choices=("purchase_order", "order_acknowledgement",
                                       "ship_notice", "invoice"))
    place(se)
    se.set_defaults(func=cmd_send)
    ak = sub.add_parser("acks", help="acknowledgements we wait for from partners")
    ak.add_argument("--overdue", action="store_true", help="only the overdue and rejected")
    ak.add_argument("--json", action="store_true")
    place(ak)
    ak.set_defaults(func=cmd_acks)
    ar = sub.add_parser("archive", help="the audit archive: verify it, purge it")
    asub = ar.add_subparsers(dest="archive_command", required=True)
    for name, func, text in (
            ("verify", cmd_archive_verify, "rehash the archived bytes of every file recorded"),
            ("purge", cmd_archive_purge, "delete archived bytes past their retention")):
        a = asub.add_parser(name, help=text)
        place(a)
        a.set_defaults(func=func)
