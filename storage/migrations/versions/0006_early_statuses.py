"""delivery callbacks that arrive before the send is recorded

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 19:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "early_statuses",
        sa.Column("provider_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("error_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("provider_id", "status"),
    )


def downgrade() -> None:
    op.drop_table("early_statuses")
