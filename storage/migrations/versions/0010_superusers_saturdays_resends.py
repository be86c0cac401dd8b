"""superusers from the settings (notices of a project without coordinators reach one);
a project may refuse Saturday hours of activities not held at weekends; corrected
months wait in resends for the worker to send them again

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "superusers",
        sa.Column("telegram_user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("listed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("telegram_user_id"),
    )
    op.create_table(
        "resends",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.PrimaryKeyConstraint("project_id", "month"),
    )
    op.create_index("ix_resends_due_at", "resends", ["due_at"])
    with op.batch_alter_table("projects") as batch:
        batch.add_column(
            sa.Column("refuse_saturdays", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("refuse_saturdays")
    op.drop_index("ix_resends_due_at", table_name="resends")
    op.drop_table("resends")
    op.drop_table("superusers")
