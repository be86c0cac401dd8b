"""Public-key seals: a signature keeps its sealed statement and the key id; seal_keys
lists retired keys, each vouched for by its successor

Signatures made before keep their HMAC seal under the key id 'hmac-legacy'.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "key_id",
                sqlmodel.sql.sqltypes.AutoString(length=40),
                nullable=False,
                server_default="hmac-legacy",
            )
        )
        batch_op.add_column(sa.Column("statement", sa.Text(), nullable=True))
        batch_op.alter_column(
            "seal",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=128),
            existing_nullable=False,
        )
    op.create_table(
        "seal_keys",
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("public_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("vouched_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("vouch", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("retired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
    )


def downgrade() -> None:
    op.drop_table("seal_keys")
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.alter_column(
            "seal",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=128),
            type_=sqlmodel.sql.sqltypes.AutoString(length=64),
            existing_nullable=False,
        )
        batch_op.drop_column("statement")
        batch_op.drop_column("key_id")
