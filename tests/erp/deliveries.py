"""Deliveries of the canonical example records, shared by the connector tests."""

from __future__ import annotations

from pydantic import BaseModel

from gateway.erp import Delivery
from tests.canonical.examples import EXAMPLES, PURCHASE_ORDER


def delivery(key: str = "bigbox:000000905:905:0001", record: BaseModel = PURCHASE_ORDER,
             partner: str = "bigbox", document_id: int = 1) -> Delivery:
    doc_type = str(getattr(record, "record_type"))  # noqa: B009  (BaseModel has no such field)
    return Delivery(idempotency_key=key, partner_id=partner, document_type=doc_type,
                    record=record, document_id=document_id,
                    context={"interchange_control_number": "000000905",
                             "file": "850-bigbox.edi"})


__all__ = ["EXAMPLES", "PURCHASE_ORDER", "delivery"]
