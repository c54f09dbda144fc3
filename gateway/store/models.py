"""The gateway's tables (SQLAlchemy 2.0). Every row links to its parent, so any record leads
back to the raw bytes: delivery → document → transaction set → group → interchange → file →
archived bytes (``sha256``).

- ``files``: every file received or sent (inbound EDI, acks we send, outbound EDI), with the
  archive's content hash and the settings it was processed with.
- ``interchanges`` / ``groups`` / ``transactions``: the envelope tree of a file, with control
  numbers, status and the engine's defects.
- ``documents``: canonical records (in: translated from a transaction set; out: generated).
- ``acks``: acknowledgements we sent and received; ``expected_acks``: what we wait for.
- ``deliveries``: the delivery ledger (idempotency key unique), one per document and connector.
- ``work``: the pipeline's queue (item kind and id, the next step, when it may run, who holds
  it); ``events``: one row per step with status, time and reason.
- ``sequences``: our outbound control numbers per partner and kind.
- ``business_keys``: PO, invoice, ASN/BOL and control numbers, indexed for ``trace``.

Times are naive ``DateTime`` columns (the same on SQLite and PostgreSQL), written from the
pipeline's clock. The schema is made by Alembic (``gateway/store/migrations``): a change here
needs a new revision there, and ``tests/store/test_migrations.py`` fails until it has one.
Constraint and index names follow ``NAMING`` so they are the same on every database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite's rowid alias needs INTEGER
# PostgreSQL's json has no equality operator (DISTINCT, GROUP BY, UNION fail on it): jsonb
Json = JSON().with_variant(JSONB(), "postgresql")


class File(Base):
    __tablename__ = "files"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    kind: Mapped[str] = mapped_column(String(16))  # "edi" | "ack" | "csv" | "mdn"
    partner_id: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))  # the name it arrived or left under
    source: Mapped[str] = mapped_column(String(64))  # transport: "folder", "sftp", "as2"…
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(24))  # pipeline state of the file
    reason: Mapped[str | None] = mapped_column(Text)
    settings: Mapped[dict[str, object]] = mapped_column(Json, default=dict)
    # retention: archived bytes may be purged after this (None: keep)
    keep_until: Mapped[datetime | None] = mapped_column(DateTime)
    # when gateway.store.retention purged the archived bytes (None: still archived)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime)


class Interchange(Base):
    __tablename__ = "interchanges"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1-based position in the file
    direction: Mapped[str] = mapped_column(String(3))
    partner_id: Mapped[str | None] = mapped_column(String(64), index=True)
    standard: Mapped[str] = mapped_column(String(8))
    sender: Mapped[str] = mapped_column(String(64))
    receiver: Mapped[str] = mapped_column(String(64))
    control_number: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("interchanges.id"))
    defects: Mapped[list[dict[str, object]]] = mapped_column(Json, default=list)
    received_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_interchange_control", "partner_id", "direction",
                            "control_number"),)


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    interchange_id: Mapped[int] = mapped_column(ForeignKey("interchanges.id"), index=True)
    functional_id: Mapped[str | None] = mapped_column(String(8))
    control_number: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))


class Transaction(Base):
    __tablename__ = "transactions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    interchange_id: Mapped[int] = mapped_column(ForeignKey("interchanges.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    set_id: Mapped[str] = mapped_column(String(8))  # "850", "ORDERS"
    control_number: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))  # accepted | rejected | parked | translated
    reason: Mapped[str | None] = mapped_column(Text)
    defects: Mapped[list[dict[str, object]]] = mapped_column(Json, default=list)
    offset: Mapped[int | None] = mapped_column(BigInteger)
    # the raw bytes of the set are in the file; offset/length find them
    length: Mapped[int | None] = mapped_column(BigInteger)


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("transactions.id"),
                                                       index=True)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id"), index=True)
    partner_id: Mapped[str | None] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(32))  # purchase_order, invoice…
    number: Mapped[str | None] = mapped_column(String(64))
    record: Mapped[dict[str, object]] = mapped_column(Json)
    map_name: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(24))
    warnings: Mapped[list[dict[str, object]]] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Ack(Base):
    __tablename__ = "acks"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # "out": we sent it; "in": received
    type: Mapped[str] = mapped_column(String(8))  # TA1 997 999 CONTRL
    partner_id: Mapped[str | None] = mapped_column(String(64), index=True)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id"), index=True)
    # out: the inbound interchange it answers; in: the interchange it came in
    interchange_id: Mapped[int | None] = mapped_column(ForeignKey("interchanges.id"),
                                                       index=True)
    control_number: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ExpectedAck(Base):
    """An outbound group/transaction set waiting for the partner's 997/999/CONTRL."""

    __tablename__ = "expected_acks"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    interchange_control_number: Mapped[str] = mapped_column(String(16))
    group_control_number: Mapped[str | None] = mapped_column(String(16))
    transaction_control_number: Mapped[str | None] = mapped_column(String(16))
    set_id: Mapped[str] = mapped_column(String(8))
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    status: Mapped[str] = mapped_column(String(16))  # awaiting accepted rejected overdue
    reasons: Mapped[list[dict[str, object]]] = mapped_column(Json, default=list)
    ack_id: Mapped[int | None] = mapped_column(ForeignKey("acks.id"))

    __table_args__ = (Index("ix_expected_match", "partner_id", "group_control_number",
                            "transaction_control_number"),)


class Delivery(Base):
    """The delivery ledger: one row per document and connector; the key makes it once."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    connector: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # pending delivered parked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    erp_ref: Mapped[str | None] = mapped_column(String(128))
    message: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)


class Work(Base):
    """The pipeline's queue: an item's next step. Claimed by one worker at a time."""

    __tablename__ = "work"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    item_kind: Mapped[str] = mapped_column(String(16))  # file | transaction | delivery | send
    item_id: Mapped[int] = mapped_column(BigInteger)
    step: Mapped[str] = mapped_column(String(24))
    partner_id: Mapped[str | None] = mapped_column(String(64))
    not_before: Mapped[datetime] = mapped_column(DateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    # a deliver row: the file whose processing made it (its documents are delivered in the
    # order the partner's files came); None for other steps
    origin: Mapped[int | None] = mapped_column(BigInteger)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    item_kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(BigInteger)
    step: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))  # ok | error | parked | retry | duplicate
    at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_event_item", "item_kind", "item_id"),)


class SequenceRow(Base):
    """The last outbound control number we took per partner and kind (interchange, group,
    transaction); ``gateway.store.sequences`` moves it on."""

    __tablename__ = "sequences"

    partner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger)


class BusinessKey(Base):
    __tablename__ = "business_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # po invoice asn bol control ack
    partner_id: Mapped[str | None] = mapped_column(String(64))
    item_kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("key", "kind", "item_kind", "item_id"),)
