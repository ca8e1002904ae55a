"""shift (Z) reports from the counters (issue 12)

Revision ID: 0010_shift_reports
Revises: 0009_bounds
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_shift_reports"
down_revision = "0009_bounds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shift_reports",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("shift_no", sa.BigInteger(), nullable=False),
        sa.Column("staff", sa.String(64), nullable=False),
        sa.Column("opened_at", sa.BigInteger(), nullable=False),
        sa.Column("closed_at", sa.BigInteger(), nullable=False),
        sa.Column("opening_float", sa.BigInteger(), nullable=False),
        sa.Column("cash_sold", sa.BigInteger(), nullable=False),
        sa.Column("refunds", sa.BigInteger(), nullable=False),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.Column("expected_cash", sa.BigInteger(), nullable=False),
        sa.Column("counted_cash", sa.BigInteger(), nullable=True),
        sa.Column("difference", sa.BigInteger(), nullable=True),
        sa.Column("operations", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_reports")),
        sa.UniqueConstraint(
            "terminal_id", "shift_no", "opened_at", name="uq_shift_reports_terminal_shift"
        ),
    )
    op.create_index("ix_shift_reports_closed", "shift_reports", ["closed_at"])


def downgrade() -> None:
    op.drop_index("ix_shift_reports_closed", table_name="shift_reports")
    op.drop_table("shift_reports")
