"""What every step needs: the store, the archive, the partners, the connectors and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gateway.archive import Archive
from gateway.erp import Connector
from gateway.partners import PartnerProfile, PartnerRegistry
from gateway.store.db import Store
from gateway.store.models import Event, Work


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

    def partner_dir(self, partner_id: str, box: str) -> Path:
        """``DIR/partners/<id>/inbound`` or ``…/outbound``."""
        return self.data_dir / "partners" / partner_id / box


def event(session: Session, ctx: Context, kind: str, item_id: int, step: str, status: str,
          reason: str | None = None) -> None:
    session.add(Event(item_kind=kind, item_id=item_id, step=step, status=status,
                      at=ctx.clock(), reason=reason))


def follow(session: Session, work: Work) -> None:
    """Queue ``work`` as a next step of the step running in ``session``: the worker runs it in
    the same transaction right after (one commit for a small file's whole way), and it stays
    queued if it cannot run now."""
    session.add(work)
    session.info.setdefault("followups", []).append(work)
