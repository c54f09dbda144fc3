"""Workers: claim a batch of work rows and run their steps.

A claim is a conditional UPDATE (``claimed_until`` empty or past), so two workers, threads or
processes, never hold the same row; on PostgreSQL the candidate is also picked with ``SELECT …
FOR UPDATE SKIP LOCKED`` so workers do not queue behind each other's locks. A claim lasts
``Context.claim_for``: a worker killed mid-step leaves its row to be claimed again after that.
A partner's deliveries are taken in order: only the oldest ``deliver`` row of a partner can be
claimed, so when the ERP is away the partner's later documents wait behind the first one.
Oldest means by the file the delivery came from (``Work.origin``, the order files came in),
and a delivery also waits while an earlier file of its partner is still to be processed (by
another worker, on PostgreSQL): whoever processes which file, the ERP gets a partner's
documents in the order of their files (an order before the change that follows it).

The step, its events, the rows it adds (next steps included) and the deletion of its own row
commit in one transaction. A step that must run again later returns ``Later``; one that fails
unexpectedly (a bug, data nobody foresaw) parks its item with the error, so one bad item never
stops the gateway.

The rows of one claim run in one transaction, a group commit: one durable COMMIT (one fsync on
SQLite) for up to ``limit`` files instead of one each, without savepoints. That is still
durable: nothing a step did is reported anywhere (no ack, no "delivered") before its commit, and
what it did outside the database (an ack written to the partner's folder, a document in the
ERP) is idempotent, so running it again after a crash or a rollback is harmless. If a step
fails, the batch is rolled back and its rows run again one by one, each step in a savepoint,
so only the bad item is parked. A batch commits after ``BATCH_SECONDS`` even if rows are
left (they run in the next transaction), so a slow ERP does not hold the write lock for long.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from gateway.faults import crash_point
from gateway.pipeline.context import Context, Job, event, followups
from gateway.pipeline.deliver import Later, deliver, send
from gateway.pipeline.process import process_file
from gateway.pipeline.states import MOVES, move
from gateway.staging import Staged, sync_dirs
from gateway.store import rows, sequences
from gateway.store.models import Delivery, File, Work

log = logging.getLogger("gateway.pipeline")
BATCH_SECONDS = 0.5  # a batch's transaction takes no more rows after this long


class _Failed(Exception):
    """A step failed in a batch run without savepoints; ``taken`` rows were in the batch."""

    def __init__(self, taken: int) -> None:
        self.taken = taken


class Worker:
    def __init__(self, ctx: Context, name: str) -> None:
        self.ctx = ctx
        self.name = name

    def claim(self, limit: int = 32) -> list[int]:
        """Claim up to ``limit`` runnable rows in one transaction (fewer round trips for a
        backlog of small files); a row another worker took first is skipped."""
        ctx = self.ctx
        now = ctx.clock()
        head, earlier = aliased(Work), aliased(Work)
        pg = ctx.store.dialect == "postgresql"
        origin, head_origin = func.coalesce(Work.origin, 0), func.coalesce(head.origin, 0)
        q = select(Work.id, Work.partner_id, Work.step, Work.origin).where(
            Work.not_before <= now,
            or_(Work.claimed_until.is_(None), Work.claimed_until < now),
            or_(Work.step != "deliver", and_(
                ~exists().where(  # an older delivery of the partner (by file, then by row)
                    head.step == "deliver", head.partner_id == Work.partner_id,
                    or_(head_origin < origin, and_(head_origin == origin, head.id < Work.id))),
                ~exists().where(  # an earlier file of the partner, not processed yet
                    earlier.step.in_(PROCESS_STEPS), earlier.partner_id == Work.partner_id,
                    earlier.item_id < origin)))).order_by(Work.not_before, Work.id) \
            .limit(limit * 4 if pg else limit)
        with ctx.store.session(write=True) as s, s.begin():
            if pg:
                q = q.with_for_update(skip_locked=True, of=Work)
            found = s.execute(q).all()
            if not found:
                return []
            ids = [r.id for r in found]
            if pg:
                # one partner's rows per batch: a batch locks its partners' control-number
                # series until it commits, and two workers' batches that each held one
                # partner and wanted the other's would deadlock (PostgreSQL breaks that by
                # failing one, every time). The oldest row's partner, up to ``limit`` rows.
                ids = [r.id for r in found if r.partner_id == found[0].partner_id][:limit]
            # a claimed delivery's place in its partner's order: (file, row)
            rank = {r.id: (r.origin or 0, r.id) for r in found
                    if r.step == "deliver" and r.id in ids}
            for partner in {r.partner_id for r in found if r.id in rank}:
                # the deliveries queued behind a partner's oldest one
                more = self._next_deliveries(s, partner, set(ids), limit - len(ids), now)
                ids += [wid for wid, _ in more]
                rank.update((wid, (origin, wid)) for wid, origin in more)
            s.execute(update(Work).where(
                Work.id.in_(ids), or_(Work.claimed_until.is_(None), Work.claimed_until < now))
                .values(claimed_by=self.name, claimed_until=now + ctx.claim_for))
            mine = set(s.scalars(select(Work.id).where(Work.id.in_(ids),
                                                       Work.claimed_by == self.name)))
            # deliveries first, in their order (by file), then the rest as they came
            return sorted(mine, key=lambda w: (0, *rank[w]) if w in rank else (1, w, 0))

    def _next_deliveries(self, s: Session, partner: str | None, taken: set[int], room: int,
                         now: object) -> list[tuple[int, int]]:
        """The partner's deliver rows that follow its oldest one (which this claim takes),
        in their order, with their files (``origin``), as long as each could be claimed
        next: a row waiting for a retry, or for an earlier file still to be processed, stops
        the run (what follows it waits)."""
        if room <= 0:
            return []
        first_file = s.scalar(select(func.min(Work.item_id)).where(
            Work.partner_id == partner, Work.step.in_(PROCESS_STEPS)))
        # not locked: none of them can be claimed by another worker while the oldest is ours
        # (only the oldest can be), and one claimed before (a replay made an older one
        # since) still has its claim, which stops the run
        q = select(Work.id, Work.origin, Work.not_before, Work.claimed_until).where(
            Work.partner_id == partner, Work.step == "deliver").order_by(
            func.coalesce(Work.origin, 0), Work.id).limit(room + len(taken) + 1)
        out: list[tuple[int, int]] = []
        for r in s.execute(q):
            if r.id in taken:
                continue
            if (r.not_before > now or (r.claimed_until is not None and r.claimed_until >= now)
                    or first_file is not None and first_file < (r.origin or 0)):
                break
            out.append((r.id, r.origin or 0))
            if len(out) >= room:
                break
        return out

    def run(self, wid: int) -> None:
        """Run one claimed row (and the steps it queues), each step in a savepoint."""
        self._transaction([wid], isolate=True)

    def run_batch(self, ids: list[int]) -> None:
        """Run claimed rows in as few transactions as ``BATCH_SECONDS`` allows; when a step
        fails, its batch is rolled back and its rows run again one by one. They run in the
        order ``claim`` gives (a partner's deliveries in the order of their files)."""
        todo = list(ids)
        while todo:
            try:
                taken = self._transaction(todo, isolate=False)
            except _Failed as failed:
                taken = failed.taken
                for wid in todo[:taken]:
                    self._transaction([wid], isolate=True)
            todo = todo[taken:]

    def _transaction(self, ids: list[int], *, isolate: bool) -> int:
        """Run rows of ``ids`` in one transaction; how many of them it took."""
        ctx = self.ctx
        start = time.monotonic()
        taken = 0
        with ctx.store.session(write=True) as s, s.begin():
            rows.pin(s)  # one connection for the transaction: no need to ask the session
            rows.collect(s)  # events and business keys: one INSERT per table at the end
            sequences.collect(s)  # control numbers: one UPDATE per series at the end
            # files and folders to make durable before the commit (``unsynced``): a batch
            # stages its new files and names them at the end; a row run on its own (after a
            # batch failed) writes each at once, so a file that cannot be written or named
            # fails its own step (a delivery retried later), not the whole transaction
            staged = s.info["unsynced"] = set() if isolate else Staged()
            s.info["ran"] = []  # claimed rows whose step ran: deleted together at the end
            q = select(*_JOB).where(Work.id.in_(ids), Work.claimed_by == self.name) \
                .order_by(Work.id)
            if ctx.store.dialect == "postgresql":
                # locked while the steps run: a claimer skips locked rows (SKIP LOCKED)
                q = q.with_for_update(of=Work)
            try:
                mine = {r.id: Job(**r._mapping) for r in s.connection().execute(q)}
                for wid in ids:
                    taken += 1
                    job = mine.get(wid)
                    # (not there: done meanwhile, or re-claimed by another worker after ours
                    # ran out)
                    if job is not None and self._attempt(s, job, isolate, taken):
                        self._followups(s, isolate, taken)
                    if time.monotonic() - start > BATCH_SECONDS:
                        break
                _write_later(s)
                _delete_ran(s)
                try:
                    sync_dirs(staged)  # what the rows record is durable before they are
                except OSError as exc:
                    if isolate:
                        raise
                    log.warning("naming the files of a batch failed (%s): its rows run "
                                "again one by one", exc)
                    raise _Failed(taken) from exc
            except BaseException:
                if isinstance(staged, Staged):
                    staged.abandon()  # (the files the batch wrote but did not name yet)
                raise
        return taken

    def _followups(self, s: Session, isolate: bool, taken: int) -> None:
        """The next steps the step queued run now, in this transaction: their effects outside
        the database (an ack written to the outbound folder, a document in the ERP) are
        idempotent, so a crash before the commit only makes them run again."""
        queued = followups(s)
        while queued:
            nxt = queued.pop(0)
            if nxt.cancelled:
                continue  # taken back: its set's group was rejected
            if nxt.step == "deliver" and self._behind(s, nxt):
                _queue(s, nxt, nxt.not_before, 0)  # an older delivery of this partner waits
                continue
            self._attempt(s, nxt, isolate, taken)

    def _attempt(self, s: Session, job: Job, isolate: bool, taken: int) -> bool:
        """Run ``job``'s step (in a savepoint when ``isolate``); False when it failed and its
        item was parked. Without ``isolate`` a failure raises ``_Failed``."""
        ctx = self.ctx
        queued = len(followups(s))
        try:
            if isolate:
                _write_later(s)  # what the savepoint's rollback must not take
                with s.begin_nested():
                    # the session emits the SAVEPOINT when asked for its connection: now, as
                    # the steps' statements go to the connection ``rows.pin`` kept
                    s.connection()
                    later = self._step(s, job)
            else:
                later = self._step(s, job)
        except Exception as exc:  # noqa: BLE001 - park the item, keep the gateway running
            if not isolate:
                raise _Failed(taken) from exc
            log.exception("%s %s %s failed", job.step, job.item_kind, job.item_id)
            del followups(s)[queued:]
            rows.forget(s)
            sequences.forget_taken(s)
            s.info.pop("handover", None)  # (rolled back: their ids may be taken again)
            self._park(s, job, f"{type(exc).__name__}: {exc}", traceback.format_exc(limit=3))
            _ran(s, job)
            return False
        if later is not None:
            _wrote_work(s, job)
            if job.id is None:
                _queue(s, job, ctx.clock() + later.delay, job.attempts + 1)
            else:
                rows.change(s, Work, job.id, not_before=ctx.clock() + later.delay,
                            attempts=job.attempts + 1, claimed_by=None, claimed_until=None)
        else:
            _ran(s, job)
        crash_point(f"{job.step}-before-commit")
        log.info("%s ran %s %s %d", self.name, job.step, job.item_kind, job.item_id)
        return True

    def _behind(self, s: Session, job: Job) -> bool:
        """An older delivery of the job's partner waits: a ``deliver`` row from the same file
        or an earlier one (every row is older than a job not written yet), or an earlier
        file of the partner is still to be processed by another worker. On SQLite nobody
        else writes while the transaction runs (it holds the write lock), so a partner found
        clear up to a file stays so until this transaction writes a ``deliver`` row
        (``_queue``, or a delivery that must wait): asked once per file."""
        clear: dict[str | None, int] = s.info.setdefault("no_deliver_rows", {})
        origin = job.origin or 0
        if clear.get(job.partner_id, -1) >= origin:
            return False
        if any(step == "deliver" for _, step in s.info.get("ran", ())):
            _delete_ran(s)  # (a delivery that ran in this transaction does not wait)
        found = s.connection().execute(_OLDER, {"partner": job.partner_id, "origin": origin,
                                                "me": self.name}).first()
        if found is not None:
            return True
        if self.ctx.store.dialect == "sqlite":
            clear[job.partner_id] = origin
        return False

    def _step(self, s: Session, job: Job) -> Later | None:
        if job.step in ("process", "reprocess"):
            process_file(self.ctx, s, job.item_id, replay=job.step == "reprocess")
            return None
        if job.step == "send":
            return send(self.ctx, s, job.item_id)
        if job.step == "deliver":
            return deliver(self.ctx, s, job.item_id)
        raise ValueError(f"unknown step {job.step!r}")

    def _park(self, s: Session, job: Job, reason: str, detail: str) -> None:
        s.expire_all()  # the rows were written without the ORM: read them afresh
        if job.item_kind == "file":
            f = s.get(File, job.item_id)
            if f is not None and "parked" in MOVES["file"].get(f.status, ()):
                move("file", f, "parked")
                f.reason = reason
        elif job.item_kind == "delivery":
            d = s.get(Delivery, job.item_id)
            if d is not None and d.status == "pending":
                move("delivery", d, "parked")
                d.message = reason
        s.flush()
        event(s, self.ctx, job.item_kind, job.item_id, job.step, "parked", f"{reason}\n{detail}")

    def run_once(self) -> bool:
        """Claim and run a batch of rows; False when there was nothing to do."""
        ids = self.claim()
        self.run_batch(ids)
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
        w.run_batch(ids)
        n += len(ids)
    return n


_JOB = (Work.id, Work.item_kind, Work.item_id, Work.step, Work.partner_id, Work.not_before,
        Work.attempts, Work.origin)
PROCESS_STEPS = ("process", "reprocess")
# what a delivery of the partner's file ``origin`` waits behind: a delivery of that file or an
# earlier one, or an earlier file that another worker has yet to process (this worker's own
# claims run in the order of their files)
_OLDER = select(Work.id).where(
    Work.partner_id == bindparam("partner"),
    or_(and_(Work.step == "deliver", func.coalesce(Work.origin, 0) <= bindparam("origin")),
        and_(Work.step.in_(PROCESS_STEPS), Work.item_id < bindparam("origin"),
             or_(Work.claimed_by.is_(None), Work.claimed_by != bindparam("me"))))).limit(1)


def _write_later(s: Session) -> None:
    """Write what the transaction kept back: rows (``rows.later``), control numbers."""
    rows.write_later(s)
    sequences.write_taken(s)


def _ran(s: Session, job: Job) -> None:
    """``job``'s claimed row (if it has one) is done: deleted with the others at the end of
    the transaction (``_delete_ran``), one statement for the batch."""
    if job.id is not None:
        s.info["ran"].append((job.id, job.step))


def _delete_ran(s: Session) -> None:
    ran = s.info["ran"]
    rows.remove(s, Work, [wid for wid, _ in ran])
    ran.clear()


def _wrote_work(s: Session, job: Job) -> None:
    """A work row of ``job`` is (still) in the queue: ``_behind`` must ask again."""
    if job.step == "deliver":
        s.info.get("no_deliver_rows", {}).pop(job.partner_id, None)


def _queue(s: Session, job: Job, not_before: object, attempts: int) -> None:
    """Write a next step that did not run now (or must run again later) to the queue."""
    _wrote_work(s, job)
    rows.add(s, Work, {"item_kind": job.item_kind, "item_id": job.item_id, "step": job.step,
                       "partner_id": job.partner_id, "not_before": not_before,
                       "attempts": attempts, "claimed_by": None, "claimed_until": None,
                       "origin": job.origin})
