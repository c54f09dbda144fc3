"""What the file (jsonl), webhook and sql connectors say about a delivery besides the record:
its business number, and the JSON envelope ``{"idempotency_key", "partner", "type",
"document_id", "context", "record"}`` that the webhook posts and the jsonl export writes.

Pure functions over a :class:`~gateway.erp.Delivery`; no I/O.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from gateway.erp import Delivery


def document_number(record: BaseModel) -> str | None:
    """The record's business key: its own ``number`` (PO, ASN, invoice number), or for an
    order acknowledgement without one, the number of the order it answers."""
    for attr in ("number", "order_number"):
        value = getattr(record, attr, None)
        if isinstance(value, str) and value:
            return value
    return None


def record_json(record: BaseModel) -> dict[str, Any]:
    """The canonical JSON form of a record (decimals as strings, dates as ISO text)."""
    data: dict[str, Any] = record.model_dump(mode="json")
    return data


def envelope(delivery: Delivery) -> dict[str, Any]:
    """The delivery as one JSON object: who, what, which key, and the canonical record."""
    return {
        "idempotency_key": delivery.idempotency_key,
        "partner": delivery.partner_id,
        "type": delivery.document_type,
        "document_id": delivery.document_id,
        "context": delivery.context,
        "record": record_json(delivery.record),
    }


def dumps(data: object) -> bytes:
    """Compact UTF-8 JSON; values JSON has no form for (a datetime in ``context``) as text."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"),
                      default=str).encode("utf-8")
