"""Invite links expire: when each was made; those made before count from the upgrade

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("invite_created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    people = sa.table(
        "people", sa.column("invite_token", sa.String), sa.column("invite_created_at", sa.DateTime)
    )
    op.execute(
        people.update()
        .where(people.c.invite_token.is_not(None))
        .values(invite_created_at=sa.func.current_timestamp())
    )


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("invite_created_at")
