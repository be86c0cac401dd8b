"""Inbound limits: messages counted per sender and project in fixed windows

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_counts",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("window_start", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start"),
    )
    op.create_index("ix_inbound_counts_window_start", "inbound_counts", ["window_start"])


def downgrade() -> None:
    op.drop_index("ix_inbound_counts_window_start", table_name="inbound_counts")
    op.drop_table("inbound_counts")
