"""Workers: claim one work row at a time and run its step.

A claim is a conditional UPDATE (``claimed_until`` empty or past), so two workers, threads or
processes, never hold the same row; on PostgreSQL the candidate is also picked with ``SELECT …
FOR UPDATE SKIP LOCKED`` so workers do not queue behind each other's locks. A claim lasts
``Context.claim_for``: a worker killed mid-step leaves its row to be claimed again after that.
A partner's deliveries are taken in order: only the oldest ``deliver`` row of a partner can be
claimed, so when the ERP is away the partner's later documents wait behind the first one.

The step, its events, the rows it adds (next steps included) and the deletion of its own row
commit in one transaction. A step that must run again later returns ``Later``; one that fails
unexpectedly (a bug, data nobody foresaw) parks its item with the error, so one bad item never
stops the gateway.
"""

from __future__ import annotations

import logging
import threading
import traceback

from sqlalchemy import exists, inspect, or_, select, update
from sqlalchemy.orm import Session, aliased

from gateway.faults import crash_point
from gateway.pipeline.context import Context, event
from gateway.pipeline.deliver import Later, deliver, send
from gateway.pipeline.process import process_file
from gateway.pipeline.states import MOVES, move
from gateway.store.models import Delivery, File, Work

log = logging.getLogger("gateway.pipeline")


class Worker:
    def __init__(self, ctx: Context, name: str) -> None:
        self.ctx = ctx
        self.name = name

    def claim(self, limit: int = 16) -> list[int]:
        """Claim up to ``limit`` runnable rows in one transaction (fewer round trips for a
        backlog of small files); a row another worker took first is skipped."""
        ctx = self.ctx
        now = ctx.clock()
        head = aliased(Work)
        q = select(Work.id).where(
            Work.not_before <= now,
            or_(Work.claimed_until.is_(None), Work.claimed_until < now),
            or_(Work.step != "deliver", ~exists().where(
                head.step == "deliver", head.partner_id == Work.partner_id,
                head.id < Work.id))).order_by(Work.not_before, Work.id).limit(limit)
        with ctx.store.session(write=True) as s, s.begin():
            if ctx.store.dialect == "postgresql":
                q = q.with_for_update(skip_locked=True, of=Work)
            ids = list(s.scalars(q))
            if not ids:
                return []
            s.execute(update(Work).where(
                Work.id.in_(ids), or_(Work.claimed_until.is_(None), Work.claimed_until < now))
                .values(claimed_by=self.name, claimed_until=now + ctx.claim_for))
            mine = s.scalars(select(Work.id).where(Work.id.in_(ids),
                                                   Work.claimed_by == self.name))
            return sorted(mine)

    def run(self, wid: int) -> None:
        ctx = self.ctx
        with ctx.store.session(write=True) as s, s.begin():
            # locked while the step runs: on PostgreSQL a claimer skips locked rows (SKIP
            # LOCKED), on SQLite this transaction holds the database's write lock
            w = s.get(Work, wid, with_for_update=ctx.store.dialect == "postgresql")
            if w is None or w.claimed_by != self.name:
                return  # done meanwhile, or re-claimed by another worker after our claim ran out
            s.info["followups"] = []
            if not self._attempt(s, w):
                return
            # the next steps it queued run now, in this transaction: their effects outside
            # the database (an ack written to the outbound folder, a document in the ERP)
            # are idempotent, so a crash before the commit only makes them run again
            s.flush()
            for nxt in s.info.pop("followups", []):
                state = inspect(nxt)
                if state.was_deleted or state.detached:
                    continue  # taken back: its set's group was rejected
                if nxt.step == "deliver" and self._behind(s, nxt):
                    continue  # an older delivery of this partner waits: stay in order
                nxt.claimed_by, nxt.claimed_until = self.name, ctx.clock() + ctx.claim_for
                self._attempt(s, nxt)

    def _attempt(self, s: Session, w: Work) -> bool:
        """Run ``w``'s step in a savepoint; False when it failed and its item was parked."""
        ctx = self.ctx
        try:
            with s.begin_nested():
                later = self._step(s, w)
        except Exception as exc:  # noqa: BLE001 - park the item, keep the gateway running
            log.exception("%s %s %s failed", w.step, w.item_kind, w.item_id)
            self._park(s, w, f"{type(exc).__name__}: {exc}", traceback.format_exc(limit=3))
            s.delete(w)
            return False
        if later is not None:
            w.not_before = ctx.clock() + later.delay
            w.attempts += 1
            w.claimed_by = w.claimed_until = None
        else:
            s.delete(w)
        crash_point(f"{w.step}-before-commit")
        log.info("%s ran %s %s %d", self.name, w.step, w.item_kind, w.item_id)
        return True

    def _behind(self, s: Session, w: Work) -> bool:
        s.flush()
        older = s.scalars(select(Work.id).where(
            Work.step == "deliver", Work.partner_id == w.partner_id, Work.id < w.id)
            .limit(1)).first()
        return older is not None

    def _step(self, s: Session, w: Work) -> Later | None:
        if w.step in ("process", "reprocess"):
            f = s.get(File, w.item_id)
            assert f is not None
            process_file(self.ctx, s, f, replay=w.step == "reprocess")
            return None
        if w.step == "send":
            f = s.get(File, w.item_id)
            assert f is not None
            return send(self.ctx, s, f)
        if w.step == "deliver":
            d = s.get(Delivery, w.item_id)
            assert d is not None
            return deliver(self.ctx, s, d)
        raise ValueError(f"unknown step {w.step!r}")

    def _park(self, s: Session, w: Work, reason: str, detail: str) -> None:
        if w.item_kind == "file":
            f = s.get(File, w.item_id)
            if f is not None and "parked" in MOVES["file"].get(f.status, ()):
                move("file", f, "parked")
                f.reason = reason
        elif w.item_kind == "delivery":
            d = s.get(Delivery, w.item_id)
            if d is not None and d.status == "pending":
                move("delivery", d, "parked")
                d.message = reason
        event(s, self.ctx, w.item_kind, w.item_id, w.step, "parked", f"{reason}\n{detail}")

    def run_once(self) -> bool:
        """Claim and run a batch of rows; False when there was nothing to do."""
        ids = self.claim()
        for wid in ids:
            self.run(wid)
        return bool(ids)

    def run_until(self, stop: threading.Event, idle: float = 0.2) -> None:
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # noqa: BLE001 - the database went away: wait and try again
                log.exception("worker %s", self.name)
                busy = False
            if not busy:
                stop.wait(idle)


def drain(ctx: Context, name: str = "drain", limit: int = 1_000_000) -> int:
    """Run every runnable row now (tests, one-shot runs); how many steps ran."""
    w = Worker(ctx, name)
    n = 0
    while n < limit:
        ids = w.claim()
        if not ids:
            break
        for wid in ids:
            w.run(wid)
        n += len(ids)
    return n
