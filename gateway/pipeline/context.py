"""What every step needs: the store, the archive, the partners, the connectors and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from gateway.archive import Archive
from gateway.erp import Connector
from gateway.partners import PartnerProfile, PartnerRegistry
from gateway.store import rows
from gateway.store.db import Store
from gateway.store.models import Event


def utcnow() -> datetime:
    return datetime.now().replace(microsecond=0)


@dataclass
class Context:
    store: Store
    archive: Archive
    registry: PartnerRegistry
    data_dir: Path
    connector_for: Callable[[PartnerProfile, str], Connector]  # (partner, document type)
    clock: Callable[[], datetime] = utcnow
    duplicate_window: timedelta = timedelta(days=30)
    retry_base: timedelta = timedelta(seconds=5)
    retry_max: timedelta = timedelta(minutes=30)
    claim_for: timedelta = timedelta(minutes=5)
    settings: dict[str, Any] = field(default_factory=dict)
    folders: set[Path] = field(default_factory=set)  # partners' folders made (or found)
    connectors: Callable[[], list[Connector]] = list  # the connectors made so far

    def partner_dir(self, partner_id: str, box: str) -> Path:
        """``DIR/partners/<id>/inbound`` or ``…/outbound``."""
        return self.data_dir / "partners" / partner_id / box


def event(db: Session | Connection, ctx: Context, kind: str, item_id: int, step: str,
          status: str, reason: str | None = None) -> None:
    """Record that ``step`` of an item ran (``status``, ``reason``): the trace reads these in
    the order they were recorded. Written with the step's transaction."""
    rows.later(db, Event, {"item_kind": kind, "item_id": item_id, "step": step,
                           "status": status, "at": ctx.clock(), "reason": reason})


@dataclass
class Job:
    """A step to run for an item: a claimed ``work`` row (``id`` set), or a next step that a
    step queued with ``follow`` (``id`` None: written to ``work`` only if it does not run in
    the same transaction)."""

    item_kind: str
    item_id: int
    step: str
    partner_id: str | None
    not_before: datetime
    attempts: int = 0
    id: int | None = None
    cancelled: bool = False  # taken back before it ran (its set's group was rejected)
    origin: int | None = None  # a delivery: the file it came from (``Work.origin``)


def follow(session: Session, job: Job) -> None:
    """Queue ``job`` as a next step of the step running in ``session``: the worker runs it in
    the same transaction right after (one commit for a small file's whole way), and writes it
    to the queue if it cannot run now. Only steps run by the worker may call this."""
    session.info.setdefault("followups", []).append(job)


def unsynced(session: Session) -> set[Path] | None:
    """Where a step run by the worker leaves the folders whose new entries (an archived ack,
    a file in an outbound folder) are still to be fsynced: the worker syncs them all at once
    before it commits (``staging.sync_dirs``). None outside the worker: sync each at once."""
    dirs: set[Path] | None = session.info.get("unsynced")
    return dirs


HANDOVER_MAX = 256  # values kept for a next step at most (a big file's are read back)


def hand_over(session: Session, key: tuple[str, int], value: Any) -> None:
    """Leave ``value`` (a row a step wrote, a record it made) to the next step of the same
    transaction that would read it back (``take_over``): the worker runs that step right
    after, and drops what is left when a step fails (rolled back, the ids may be taken
    again)."""
    kept: dict[tuple[str, int], Any] = session.info.setdefault("handover", {})
    if len(kept) < HANDOVER_MAX:
        kept[key] = value


def take_over(session: Session, key: tuple[str, int]) -> Any:
    """What a step of this transaction handed over under ``key`` (None: read it back)."""
    return session.info.get("handover", {}).pop(key, None)


def followups(session: Session) -> list[Job]:
    """The next steps queued in ``session`` that have not been taken by the worker yet."""
    jobs: list[Job] = session.info.setdefault("followups", [])
    return jobs
