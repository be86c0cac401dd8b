"""The evidence log: each project's events chained by SHA-256, and the chain's head

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("summary_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "seq"),
    )
    op.create_index("ix_evidence_events_summary_id", "evidence_events", ["summary_id"])
    op.create_table(
        "evidence_heads",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.PrimaryKeyConstraint("project_id"),
    )
    # Every project starts its chain at the genesis; events from before are not in it.
    op.execute(
        sa.text(
            "INSERT INTO evidence_heads (project_id, seq, hash) SELECT id, 0, :genesis FROM projects"
        ).bindparams(genesis="0" * 64)
    )


def downgrade() -> None:
    op.drop_table("evidence_heads")
    op.drop_index("ix_evidence_events_summary_id", table_name="evidence_events")
    op.drop_table("evidence_events")
