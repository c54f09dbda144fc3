"""ERP delivery: canonical documents into the ERP through one small interface.

A connector takes a :class:`Delivery` (the document, its partner and an idempotency key derived
from the partner and the control numbers) and either returns a :class:`Receipt` (the ERP's own
reference for what it created or found), or raises :class:`Retry` (the ERP is down or slow: try
again later) or :class:`Rejected` (the ERP refused the document for good, or it needs a human:
the document is parked with the ERP's message). Delivering the same key twice must not create
two documents in the ERP: each connector either keys on the idempotency key itself or searches
the ERP for the document before creating it.

Connectors: ``file`` (canonical JSON or XML into a folder, written atomically), ``webhook``
(HTTP POST with an idempotency key and an HMAC signature header), ``sql`` (a staging table in any
SQLAlchemy database) and ``tryton`` (JSON-RPC). ``connector_for(settings, data_dir)`` builds one
from a partner profile's ``[erp]`` table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel


@dataclass(frozen=True)
class Delivery:
    idempotency_key: str  # "<partner>:<ISA/UNB ctl>:<GS/UNG ctl>:<ST/UNH ctl>" (inbound)
    partner_id: str
    document_type: str  # purchase_order | order_acknowledgement | ship_notice | invoice
    record: BaseModel  # the canonical record
    document_id: int  # the store's documents.id
    context: dict[str, Any] = field(default_factory=dict)  # control numbers, file name…
    # folders whose new entries the caller makes durable before it records the delivery (the
    # pipeline's worker: once for its whole batch, ``staging.sync_dirs``); None: a connector
    # that writes files syncs its folders itself before it returns
    unsynced: set[Path] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Receipt:
    erp_ref: str  # the ERP's id or file name of what was created (or found already there)
    created: bool = True  # False: it was there already (a redelivery after a crash)
    message: str = ""


class Retry(Exception):
    """The ERP could not take it now (down, timeout, 5xx, 429): deliver again later."""


class Rejected(Exception):
    """The ERP refused the document, or holds it for review: park it with this message."""


class Connector(Protocol):
    name: str

    def deliver(self, delivery: Delivery) -> Receipt: ...

    def close(self) -> None: ...
