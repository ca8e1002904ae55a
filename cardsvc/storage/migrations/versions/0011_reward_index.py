"""rewards bought with points: a partial index to count them per campaign and item (issue 10)

Revision ID: 0011_reward_index
Revises: 0010_shift_reports
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_reward_index"
down_revision = "0010_shift_reports"
branch_labels = None
depends_on = None

_ONLY_REWARDS = sa.text("op = 'reward'")


def upgrade() -> None:
    op.create_index("ix_transactions_reward", "transactions", ["program_id", "ref"],
                    sqlite_where=_ONLY_REWARDS, postgresql_where=_ONLY_REWARDS)  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_transactions_reward", table_name="transactions")
