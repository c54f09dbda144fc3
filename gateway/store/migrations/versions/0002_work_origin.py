"""A ``deliver`` row's origin: the file whose processing made the delivery, so that a
partner's documents reach the ERP in the order their files came, whichever worker processed
which file (gateway/pipeline/worker.py).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # rows queued before this revision have none: they go first, as they did
    op.add_column("work", sa.Column("origin", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("work") as batch:
        batch.drop_column("origin")
