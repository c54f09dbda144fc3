"""``edi-gateway serve`` (what ``bin/serve`` runs): the store, the archive, the partners, the
drop-folder watcher, the pipeline workers and the scheduler, wired together.

Layout under the data directory (default ``var/``): ``gateway.db`` (SQLite, unless
``--database`` names another URL), ``partners/<id>/inbound/`` (drop files here),
``partners/<id>/outbound/`` (acks and outbound EDI appear here), ``erp-out/`` (the file
connector's default folder). The archive root defaults to ``archive/`` in the checkout.

ERP connectors: by default every partner's documents go to the file connector
(``DIR/erp-out/``), so a fresh clone runs without an ERP. With a Tryton URL (``--tryton-url``
or ``EDI_TRYTON_URL``) the partners whose ``[erp]`` is Tryton go to Tryton; with
``--erp profile`` every partner's own ``[erp]`` table is used (webhook, SQL staging table,
file folder, Tryton), and a connector that cannot be built (a missing secret) stops the start.

Ctrl-C (SIGINT) or SIGTERM stops it cleanly: the watcher and workers finish their current
step and the scheduler shuts down. A restart resumes every item where it stopped (the queue is
in the database; claims of a killed process expire).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gateway.archive import Archive, ArchiveError
from gateway.erp import Connector
from gateway.errors import GatewayError
from gateway.partners import PartnerProfile, PartnerRegistry
from gateway.partners.endpoints import Erp
from gateway.pipeline.context import Context
from gateway.pipeline.ingest import Incoming, ingest_many
from gateway.pipeline.worker import Worker
from gateway.store.db import default_url, open_store

log = logging.getLogger("gateway.service")
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Settings:
    data_dir: Path = ROOT / "var"
    archive_dir: Path = ROOT / "archive"
    partners_dir: Path = ROOT / "partners"
    database: str | None = None  # default sqlite:///<data_dir>/gateway.db
    workers: int = 2
    tryton_url: str | None = None
    duplicate_days: float = 30.0  # a repeated interchange within this many days is a duplicate
    erp: str = "file"  # "file": the file connector unless Tryton is configured; "profile"
    scan_interval: float = 0.5
    stable_for: float = 1.0
    claim_seconds: float = 300.0  # a killed worker's step is taken up again after this
    scheduler: bool = True

    @property
    def database_url(self) -> str:
        return self.database or default_url(self.data_dir)


def build_context(settings: Settings) -> Context:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.database_url)
    store.migrate()
    registry = PartnerRegistry.load(settings.partners_dir)
    connectors: dict[tuple[str, str], Connector] = {}

    def connector_for(profile: PartnerProfile, doc_type: str) -> Connector:
        key = (profile.id, doc_type)
        if key not in connectors:
            connectors[key] = _connector(profile, doc_type, settings)
        return connectors[key]

    for p in registry:
        for box in ("inbound", "outbound", "send"):
            (settings.data_dir / "partners" / p.id / box).mkdir(parents=True, exist_ok=True)
        if settings.erp == "profile":  # fail at start, not at the first delivery
            for kind in ("purchase_order", "order_acknowledgement", "ship_notice", "invoice"):
                connector_for(p, kind)
    return Context(store=store, archive=Archive(settings.archive_dir), registry=registry,
                   data_dir=settings.data_dir, connector_for=connector_for,
                   connectors=lambda: list(connectors.values()),
                   claim_for=timedelta(seconds=settings.claim_seconds),
                   duplicate_window=timedelta(days=settings.duplicate_days))


def erp_of(profile: PartnerProfile, doc_type: str) -> Erp | None:
    """The ERP a partner's document of canonical type ``doc_type`` goes to: the document's own
    ``[documents.<doc>.erp]``, else the partner's ``[erp]``."""
    from gateway.translate.generate import EDIFACT_MESSAGES, X12_SETS

    codes = {X12_SETS.get(doc_type), EDIFACT_MESSAGES.get(doc_type)}
    for doc, route in profile.documents.items():
        if doc in codes and route.erp is not None and route.carries("inbound"):
            return route.erp
    return profile.erp


def _connector(profile: PartnerProfile, doc_type: str, settings: Settings) -> Connector:
    from gateway.erp.factory import connector_for

    erp = erp_of(profile, doc_type)
    if erp is not None and erp.connector == "tryton":
        url = settings.tryton_url or os.environ.get("EDI_TRYTON_URL")
        if url:
            return connector_for(erp.model_copy(update=tryton_override(url)), settings.data_dir)
        if settings.erp == "profile":
            return connector_for(erp, settings.data_dir)
    elif erp is not None and settings.erp == "profile":
        return connector_for(erp, settings.data_dir)
    return connector_for(None, settings.data_dir)


def tryton_override(url: str) -> dict[str, Any]:
    """``http://[USER@]HOST:PORT/[DATABASE]`` → the TrytonErp fields it sets (the password
    stays in the environment variable the profile names)."""
    u = urlsplit(url)
    out: dict[str, Any] = {"url": f"{u.scheme}://{u.hostname}:{u.port or 8000}/"}
    if u.username:
        out["user"] = u.username
    if u.path.strip("/"):
        out["database"] = u.path.strip("/")
    return out


class Gateway:
    """The running gateway; ``start`` returns once everything runs, ``stop`` ends it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ctx = build_context(settings)
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.scheduler: Any = None

    def take(self, data: bytes | Path, name: str, partner: str) -> int:
        """A file dropped into ``partners/<id>/inbound/`` (a folder without a profile: the
        partner is looked up from the envelope)."""
        return self.take_many([(data, name, partner)])[0]

    def take_many(self, files: list[tuple[bytes | Path, str, str]]) -> list[int]:
        """Several dropped files at once (one group commit, ``ingest_many``)."""
        return ingest_many(self.ctx, [
            Incoming(data, name, f"folder:{partner}",
                     partner if partner in self.ctx.registry else None)
            for data, name, partner in files])

    def send(self, data: bytes, name: str, partner: str) -> int:
        """A canonical record (JSON) from the ERP, dropped into ``partners/<id>/send/``."""
        import json

        from gateway.canonical import RECORD_TYPES
        from gateway.pipeline.outbound import queue_record

        doc = json.loads(data)
        kind = doc.get("record_type") if isinstance(doc, dict) else None
        if kind not in RECORD_TYPES:
            raise ValueError(f"{name}: not a canonical record (no record_type)")
        record = RECORD_TYPES[kind].model_validate(doc)
        try:
            return queue_record(self.ctx, record, partner, source="folder")
        except ArchiveError:
            raise  # the file stays for the next scan
        except GatewayError as exc:  # the map, the checks or the profile refuse it
            raise ValueError(f"{name}: {exc.code}: {exc.message}") from exc

    def start(self) -> None:
        from transports.folder import FolderWatcher

        s = self.settings
        watcher = FolderWatcher(s.data_dir / "partners", self.take, stable_for=s.stable_for,
                                send=self.send, ingest_many=self.take_many)
        self._thread("watcher", lambda: watcher.run_until(self.stop_event, s.scan_interval))
        # unique across the processes (and machines) sharing a database: a worker tells its
        # own claims from the others' by this name (claims, and the order of deliveries)
        host = socket.gethostname()[:40]
        for n in range(s.workers):
            w = Worker(self.ctx, f"{host}-{os.getpid()}-w{n}")
            self._thread(f"worker-{n}", lambda w=w: w.run_until(self.stop_event))
        if s.scheduler:
            from gateway.scheduler import start_scheduler

            self.scheduler = start_scheduler(self.ctx, s.database_url)

    def _thread(self, name: str, target: Any) -> None:
        t = threading.Thread(target=target, name=name, daemon=True)
        t.start()
        self.threads.append(t)

    def stop(self) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=30)
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
        self.ctx.store.close()


def serve(settings: Settings) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrations: quiet unless wrong
    gw = Gateway(settings)
    done = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping", signum)
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    gw.start()
    log.info("gateway running: drop files into %s/partners/<partner>/inbound/",
             settings.data_dir)
    done.wait()
    gw.stop()
    log.info("stopped")
    return 0
