"""bounded integer columns and shared rate limits (issue 15)

Revision ID: 0009_bounds
Revises: 0008_backoffice
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_bounds'
down_revision = '0008_backoffice'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("tokens_milli", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_buckets")),
    )
    op.create_index("ix_rate_buckets_updated", "rate_buckets", ["updated_ms"])


def downgrade() -> None:
    op.drop_index("ix_rate_buckets_updated", table_name="rate_buckets")
    op.drop_table("rate_buckets")
