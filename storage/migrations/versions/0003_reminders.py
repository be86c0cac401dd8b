"""reminder policy, scheduled close and the once-per-month runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_first_days", sa.Integer(), server_default="3", nullable=False)
        )
        batch_op.add_column(
            sa.Column("reminder_every_days", sa.Integer(), server_default="3", nullable=False)
        )
        batch_op.add_column(
            sa.Column("reminder_max", sa.Integer(), server_default="3", nullable=False)
        )
        batch_op.add_column(
            sa.Column("reminder_from_hour", sa.Integer(), server_default="9", nullable=False)
        )
        batch_op.add_column(
            sa.Column("reminder_until_hour", sa.Integer(), server_default="19", nullable=False)
        )
        batch_op.add_column(sa.Column("close_day", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("close_time", sa.Time(), nullable=True))

    with op.batch_alter_table("monthly_summaries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders_sent", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("last_reminder_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("next_reminder_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_monthly_summaries_next_reminder_at"), ["next_reminder_at"], unique=False
        )

    op.create_table(
        "scheduled_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("ran_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "kind", "month"),
    )


def downgrade() -> None:
    op.drop_table("scheduled_runs")
    with op.batch_alter_table("monthly_summaries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monthly_summaries_next_reminder_at"))
        batch_op.drop_column("next_reminder_at")
        batch_op.drop_column("last_reminder_at")
        batch_op.drop_column("reminders_sent")

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("close_time")
        batch_op.drop_column("close_day")
        batch_op.drop_column("reminder_until_hour")
        batch_op.drop_column("reminder_from_hour")
        batch_op.drop_column("reminder_max")
        batch_op.drop_column("reminder_every_days")
        batch_op.drop_column("reminder_first_days")
