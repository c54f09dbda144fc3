"""``python -m gateway.store.migrations revision|upgrade|current|history ... --url URL``:
Alembic's commands on the packaged environment, for developers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from alembic import command

from gateway.store.db import open_store
from gateway.store.migrations import alembic_config


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m gateway.store.migrations")
    p.add_argument("command", choices=("revision", "upgrade", "downgrade", "current",
                                       "history"))
    p.add_argument("target", nargs="?", default="head", help="revision for up/downgrade")
    p.add_argument("--url", required=True, help="the database (sqlite:///... or postgresql://...)")
    p.add_argument("-m", "--message", default="change")
    p.add_argument("--autogenerate", action="store_true")
    p.add_argument("--rev-id", help="the new revision's id (default: the next number)")
    args = p.parse_args(argv)
    if args.command == "history":
        command.history(alembic_config())
        return 0
    store = open_store(args.url)
    try:
        cfg = alembic_config()
        with store.connect(write=True) as conn, conn.begin():
            cfg.attributes["connection"] = conn
            if args.command == "revision":
                command.revision(cfg, message=args.message, autogenerate=args.autogenerate,
                                 rev_id=args.rev_id or _next_id())
            elif args.command == "upgrade":
                command.upgrade(cfg, args.target)
            elif args.command == "downgrade":
                command.downgrade(cfg, args.target)
            else:
                command.current(cfg, verbose=True)
    finally:
        store.close()
    return 0


def _next_id() -> str:
    from gateway.store.migrations import HERE

    numbers = [int(p.name[:4]) for p in (HERE / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    return f"{max(numbers, default=0) + 1:04d}"


if __name__ == "__main__":
    sys.exit(main())
