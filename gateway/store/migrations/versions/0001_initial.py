"""The initial schema: every table of gateway/store/models.py.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the column types of models.py, spelled out so this revision never changes with the models
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _id() -> sa.Column[int]:
    return sa.Column("id", ID, nullable=False)


def _fk(table: str, name: str, ref: str, nullable: bool = False) -> sa.Column[int]:
    fk = sa.ForeignKey(f"{ref}.id", name=op.f(f"fk_{table}_{name}_{ref}"))
    return sa.Column(name, ID, fk, nullable=nullable)


def _str(name: str, length: int, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def _json(name: str) -> sa.Column[object]:
    return sa.Column(name, JSON, nullable=False)


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    op.create_table(
        "files", _id(),
        _str("direction", 3), _str("kind", 16), _str("partner_id", 64, True),
        _str("name", 255), _str("source", 64), _str("sha256", 64),
        sa.Column("size", sa.BigInteger(), nullable=False),
        _time("received_at"), _str("status", 24),
        sa.Column("reason", sa.Text(), nullable=True),
        _json("settings"), _time("keep_until", True), _time("purged_at", True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
    )
    _indexes("files", "partner_id", "sha256")

    op.create_table(
        "interchanges", _id(), _fk("interchanges", "file_id", "files"),
        sa.Column("seq", sa.Integer(), nullable=False),
        _str("direction", 3), _str("partner_id", 64, True), _str("standard", 8),
        _str("sender", 64), _str("receiver", 64), _str("control_number", 16, True),
        _str("status", 24), _fk("interchanges", "duplicate_of", "interchanges", True),
        _json("defects"), _time("received_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interchanges")),
    )
    _indexes("interchanges", "file_id", "partner_id")
    op.create_index("ix_interchange_control", "interchanges",
                    ["partner_id", "direction", "control_number"])

    op.create_table(
        "groups", _id(), _fk("groups", "interchange_id", "interchanges"),
        _str("functional_id", 8, True), _str("control_number", 16, True),
        _str("version", 16, True), _str("status", 24),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
    )
    _indexes("groups", "interchange_id")

    op.create_table(
        "transactions", _id(), _fk("transactions", "interchange_id", "interchanges"),
        _fk("transactions", "group_id", "groups", True), _str("set_id", 8),
        _str("control_number", 16, True), _str("status", 24),
        sa.Column("reason", sa.Text(), nullable=True), _json("defects"),
        sa.Column("offset", sa.BigInteger(), nullable=True),
        sa.Column("length", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
    )
    _indexes("transactions", "interchange_id", "group_id")

    op.create_table(
        "documents", _id(), _str("direction", 3),
        _fk("documents", "transaction_id", "transactions", True),
        _fk("documents", "file_id", "files", True),
        _str("partner_id", 64, True), _str("type", 32), _str("number", 64, True),
        _json("record"), _str("map_name", 128, True), _str("status", 24),
        _json("warnings"), _time("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    _indexes("documents", "transaction_id", "file_id", "partner_id")

    op.create_table(
        "acks", _id(), _str("direction", 3), _str("type", 8), _str("partner_id", 64, True),
        _fk("acks", "file_id", "files", True),
        _fk("acks", "interchange_id", "interchanges", True),
        _str("control_number", 16, True), _time("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acks")),
    )
    _indexes("acks", "partner_id", "file_id", "interchange_id")

    op.create_table(
        "expected_acks", _id(), _str("partner_id", 64),
        _fk("expected_acks", "document_id", "documents", True),
        _str("interchange_control_number", 16),
        _str("group_control_number", 16, True), _str("transaction_control_number", 16, True),
        _str("set_id", 8), _time("sent_at"), _time("due_at", True), _str("status", 16),
        _json("reasons"), _fk("expected_acks", "ack_id", "acks", True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expected_acks")),
    )
    _indexes("expected_acks", "partner_id", "document_id", "due_at")
    op.create_index("ix_expected_match", "expected_acks",
                    ["partner_id", "group_control_number", "transaction_control_number"])

    op.create_table(
        "deliveries", _id(), _fk("deliveries", "document_id", "documents"),
        _str("connector", 32),
        _str("idempotency_key", 200), _str("status", 16),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _str("erp_ref", 128, True), sa.Column("message", sa.Text(), nullable=True),
        _time("delivered_at", True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_deliveries_idempotency_key")),
    )
    _indexes("deliveries", "document_id")

    op.create_table(
        "work", _id(), _str("item_kind", 16),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        _str("step", 24), _str("partner_id", 64, True), _time("not_before"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _str("claimed_by", 64, True), _time("claimed_until", True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work")),
    )
    _indexes("work", "not_before")

    op.create_table(
        "events", _id(), _str("item_kind", 16),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        _str("step", 24), _str("status", 16), _time("at"),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_event_item", "events", ["item_kind", "item_id"])

    op.create_table(
        "sequences", _str("partner_id", 64), _str("kind", 16),
        sa.Column("last_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "kind", name=op.f("pk_sequences")),
    )

    op.create_table(
        "business_keys", _id(), _str("key", 128), _str("kind", 24),
        _str("partner_id", 64, True), _str("item_kind", 16),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_keys")),
        sa.UniqueConstraint("key", "kind", "item_kind", "item_id",
                            name=op.f("uq_business_keys_key_kind_item_kind_item_id")),
    )
    _indexes("business_keys", "key")


def downgrade() -> None:
    for table in ("business_keys", "sequences", "events", "work", "deliveries",
                  "expected_acks", "acks", "documents", "transactions", "groups",
                  "interchanges", "files"):
        op.drop_table(table)
