"""Scheduled jobs (APScheduler 3.11, jobs kept in the store with its SQLAlchemy job store):
overdue acknowledgements every minute, archive retention every night.

Exactly one process runs the scheduler. On PostgreSQL the leader holds a session-level
advisory lock on a connection of its own; the others try again every few seconds and take
over when the leader's connection dies with it. On SQLite one process owns the database, so
it always leads.

Retries of deliveries are not scheduler jobs: they are rows of the pipeline's ``work`` queue
with a ``not_before`` time, so they share the queue's claiming, ordering and durability.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import text

from gateway.pipeline.acks_in import mark_overdue
from gateway.pipeline.context import Context

log = logging.getLogger("gateway.scheduler")
LEADER_LOCK = 0x45444953  # "EDIS"
_CTX: Context | None = None  # the jobs run in this process's context


def check_overdue() -> int:
    assert _CTX is not None
    with _CTX.store.session(write=True) as s, s.begin():
        n = mark_overdue(s, _CTX.clock())
    if n:
        log.info("%d acknowledgement(s) became overdue", n)
    return n


def purge_archive() -> int:
    assert _CTX is not None
    from gateway.store.retention import purge

    result = purge(_CTX.store, _CTX.archive, _CTX.clock())
    log.info("archive retention: %s", result)
    swept = _CTX.archive.sweep()
    if swept:
        log.info("archive: %d temporary file(s) of interrupted batches removed", swept)
    sweep_exports(_CTX)
    return result.items


def sweep_exports(ctx: Context) -> int:
    """Remove what interrupted batches left in the file connectors' folders (temporary files
    a day old; see ``FileConnector.sweep``); how many. Only connectors made since the start
    are seen: one not used since is swept the first night after it is."""
    from gateway.erp.file import FileConnector

    swept = 0
    folders = set()
    for c in ctx.connectors():
        if isinstance(c, FileConnector) and c.directory not in folders:
            folders.add(c.directory)
            swept += c.sweep()
    if swept:
        log.info("file exports: %d temporary file(s) of interrupted batches removed", swept)
    return swept


class Leader:
    """The scheduler of this process, started once this process leads."""

    def __init__(self, ctx: Context, url: str) -> None:
        self.ctx = ctx
        self.url = url
        self.scheduler: Any = None
        self._conn: Any = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._campaign, name="scheduler-leader",
                                        daemon=True)

    def start(self) -> Leader:
        self._thread.start()
        return self

    def _campaign(self) -> None:
        while not self._stop.is_set():
            if self._try_lead():
                self._start_scheduler()
                return
            self._stop.wait(5)

    def _try_lead(self) -> bool:
        if self.ctx.store.dialect != "postgresql":
            return True
        conn = self.ctx.store.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK}).scalar()
        conn.commit()
        if got:
            self._conn = conn  # held while this process lives
            return True
        conn.close()
        return False

    def _start_scheduler(self) -> None:
        from apscheduler.jobstores.sqlalchemy import (  # type: ignore[import-untyped]
            SQLAlchemyJobStore,
        )
        from apscheduler.schedulers.background import (  # type: ignore[import-untyped]
            BackgroundScheduler,
        )

        global _CTX
        _CTX = self.ctx
        sched = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.ctx.store.engine,
                                                     tablename="scheduler_jobs")},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
        sched.add_job("gateway.scheduler:check_overdue", "interval", minutes=1,
                      id="overdue-acks", replace_existing=True)
        sched.add_job("gateway.scheduler:purge_archive", "cron", hour=3, minute=17,
                      id="archive-retention", replace_existing=True)
        sched.start()
        self.scheduler = sched
        log.info("scheduler running (this process leads)")

    def shutdown(self, wait: bool = True) -> None:
        self._stop.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=wait)
        if self._conn is not None:
            # really close it (not back to the pool, where the session lock would live on)
            self._conn.invalidate()
            self._conn.close()
            self._conn = None


def start_scheduler(ctx: Context, url: str) -> Leader:
    return Leader(ctx, url).start()
