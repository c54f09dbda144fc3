"""What the store knows about the archive: its bytes checked (``verify_archive``) and purged
after their retention (``purge``). The scheduler and ``edi-gateway archive`` call them.

A ``files`` row may drop its archived bytes when its ``keep_until`` (set at ingest from the
partner's ``[archive] retention_days``, ``keep_until``) has passed and nothing about it is
still open. Open means any of:

- the row's status is not final (``FINAL_FILE_STATUSES``);
- a transaction set of one of its interchanges is not final (``FINAL_TRANSACTION_STATUSES``);
- a ``work`` row is queued for it: for the file itself (item kind ``file`` or ``send``, item id
  ``files.id``), for one of its transaction sets (``transaction``), or for a delivery of a
  document made from it or from one of its sets (``delivery``).

The bytes are content-addressed, so several rows can share them: they are deleted only when
every row that still has them may drop them. Each batch deletes the bytes and marks the rows
``purged_at`` in one transaction; a crash in between leaves rows whose bytes are already gone,
which the next run finds ``absent`` and marks. Bytes archived again while the purge runs (their
mtime within ``grace``) are kept, and so are their rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, exists, func, or_, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import AliasedClass

from gateway.archive import Archive, Problem
from gateway.partners.profile import Archive as ArchiveSettings
from gateway.store.db import Store
from gateway.store.models import Delivery, Document, File, Interchange, Transaction, Work

# the statuses after which the pipeline never reads a file's bytes again (gateway.pipeline:
# an inbound file is "processed" once read; an outbound one "sent"; a parked one stays open
# for replay)
FINAL_FILE_STATUSES = frozenset({"processed", "sent", "delivered", "rejected", "duplicate"})
FINAL_TRANSACTION_STATUSES = frozenset({"delivered", "rejected", "duplicate", "reconciled",
                                        "replaced"})
# an item archived again this recently (seconds) is being recorded by someone: keep it
PURGE_GRACE = 3600.0


def keep_until(settings: ArchiveSettings | None, at: datetime) -> datetime | None:
    """``files.keep_until`` for a file received or sent ``at`` under a partner's
    ``[archive]`` settings (None: keep forever)."""
    if settings is None or settings.retention_days is None:
        return None
    return at + timedelta(days=settings.retention_days)


def is_open(f: type[File] | AliasedClass[File] = File) -> ColumnElement[bool]:
    """A condition on the files row ``f`` (its subqueries correlate to it): something about
    the file is still open."""
    sets = (select(Transaction.id)
            .join(Interchange, Transaction.interchange_id == Interchange.id)
            .where(Interchange.file_id == f.id).correlate(f))
    unfinished = exists(
        select(Transaction.id)
        .join(Interchange, Transaction.interchange_id == Interchange.id)
        .where(Interchange.file_id == f.id,
               Transaction.status.not_in(FINAL_TRANSACTION_STATUSES)).correlate(f))
    documents = select(Document.id).where(
        or_(Document.file_id == f.id, Document.transaction_id.in_(sets))).correlate(f)
    deliveries = select(Delivery.id).where(Delivery.document_id.in_(documents)).correlate(f)
    queued = exists(select(Work.id).where(or_(
        and_(Work.item_kind.in_(("file", "send")), Work.item_id == f.id),
        and_(Work.item_kind == "transaction", Work.item_id.in_(sets)),
        and_(Work.item_kind == "delivery", Work.item_id.in_(deliveries)))).correlate(f))
    return or_(f.status.not_in(FINAL_FILE_STATUSES), unfinished, queued)


@dataclass(frozen=True, slots=True)
class PurgeResult:
    items: int  # archived items deleted
    bytes: int  # their size
    rows: int  # files rows marked purged
    kept: int  # rows past keep_until whose bytes stay (open, shared with a kept row, recent)

    def __str__(self) -> str:
        return (f"purged {self.items} archived item(s) ({self.bytes} bytes) of {self.rows} "
                f"file row(s); {self.kept} row(s) past their keep_until kept (still open, or "
                "sharing bytes with a row that is)")


def purge(store: Store, archive: Archive, now: datetime, *,
                  grace: float = PURGE_GRACE, batch: int = 200) -> PurgeResult:
    """Delete the archived bytes every row of which is past ``keep_until`` and closed, and
    mark those rows ``purged_at = now``. ``now`` is the pipeline clock's time (the one
    ``keep_until`` was computed from). Raises ``ArchiveError`` when the archive refuses a
    deletion (the rows of that batch stay unmarked)."""
    live = File.purged_at.is_(None)
    expired = and_(live, File.keep_until.is_not(None), File.keep_until <= now)
    other = aliased(File)  # a row with the same bytes that must keep them
    blocked = exists(select(other.id).where(
        other.sha256 == File.sha256, other.purged_at.is_(None),
        or_(other.keep_until.is_(None), other.keep_until > now, is_open(other)))
        .correlate(File))
    items = size = rows = 0
    after = ""
    while True:
        with store.session(write=True) as s, s.begin():
            shas = list(s.scalars(
                select(File.sha256).where(expired, File.sha256 > after, ~blocked)
                .group_by(File.sha256).order_by(File.sha256).limit(batch)))
            if not shas:
                break
            after = shas[-1]
            done: list[str] = []
            for sha, n in s.execute(select(File.sha256, func.max(File.size))
                                    .where(File.sha256.in_(shas)).group_by(File.sha256)):
                outcome = archive.purge(sha, grace=grace)
                if outcome == "recent":
                    continue
                if outcome == "deleted":
                    items += 1
                    size += int(n)
                done.append(sha)
            if done:
                marked = s.execute(update(File).where(expired, File.sha256.in_(done))
                                   .values(purged_at=now)
                                   .execution_options(synchronize_session=False))
                rows += cast(CursorResult[Any], marked).rowcount
    with store.session() as s:
        kept = s.scalar(select(func.count()).select_from(File).where(expired)) or 0
    return PurgeResult(items, size, rows, kept)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    rows: int  # files rows whose bytes should be archived
    items: int  # distinct archived items checked
    bytes: int
    problems: list[tuple[Problem, list[int]]]  # each problem with the files.id it concerns


def verify_archive(store: Store, archive: Archive) -> VerifyResult:
    """Rehash the archived bytes of every ``files`` row not purged."""
    counts = {"rows": 0, "bytes": 0}
    seen: set[tuple[str, int]] = set()

    def expected() -> Iterator[tuple[str, int]]:
        with store.session() as s:
            for sha, n in s.execute(select(File.sha256, File.size).where(
                    File.purged_at.is_(None)).execution_options(yield_per=1000)):
                counts["rows"] += 1
                if (sha, n) not in seen:
                    seen.add((sha, n))
                    counts["bytes"] += n
                yield sha, n

    problems = archive.verify(expected())
    found: list[tuple[Problem, list[int]]] = []
    if problems:
        with store.session() as s:
            for p in problems:
                ids = list(s.scalars(select(File.id).where(
                    File.sha256 == p.sha256, File.purged_at.is_(None)).order_by(File.id)))
                found.append((p, ids))
    return VerifyResult(counts["rows"], len(seen), counts["bytes"], found)
