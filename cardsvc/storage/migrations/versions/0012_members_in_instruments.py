"""a member's loyalty state in its instrument's row (issue 13: one row read and written per
purchase instead of two)

Revision ID: 0012_members_in_instruments
Revises: 0011_reward_index
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_members_in_instruments'
down_revision = '0011_reward_index'
branch_labels = None
depends_on = None

# (column, type): the loyalty_members columns that move, nullable on instruments (NULL on
# every instrument that is not a member with state).
_MOVED = [
    ("tier", sa.String(length=32)), ("floor_tier", sa.String(length=32)),
    ("tier_since", sa.BigInteger()), ("review_at", sa.BigInteger()), ("debt", sa.BigInteger()),
    ("lots", sa.Text()), ("days", sa.Text()), ("days_spend", sa.BigInteger()),
    ("days_points", sa.BigInteger()), ("next_expiry", sa.BigInteger()),
]
_NAMES = [name for name, _ in _MOVED]


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy on SQLite: the instruments table may be large).
    for name, kind in _MOVED:
        op.add_column("instruments", sa.Column(name, kind, nullable=True))
    op.add_column("instruments", sa.Column("member_updated_at", sa.BigInteger(), nullable=True))
    sets = ", ".join(f"{n} = m.{n}" for n in _NAMES)
    op.execute(f"UPDATE instruments SET {sets}, member_updated_at = m.updated_at"
               " FROM loyalty_members AS m WHERE m.instrument_id = instruments.id")
    op.create_index("ix_instruments_next_expiry", "instruments", ["next_expiry"])
    op.create_index("ix_instruments_review_at", "instruments", ["review_at"])
    op.drop_index("ix_loyalty_members_review_at", table_name="loyalty_members")
    op.drop_index("ix_loyalty_members_next_expiry", table_name="loyalty_members")
    op.drop_table("loyalty_members")


def downgrade() -> None:
    op.create_table('loyalty_members',
    sa.Column('instrument_id', sa.String(length=64), nullable=False),
    sa.Column('program_id', sa.String(length=64), nullable=False),
    sa.Column('tier', sa.String(length=32), nullable=False),
    sa.Column('floor_tier', sa.String(length=32), nullable=False),
    sa.Column('tier_since', sa.BigInteger(), nullable=False),
    sa.Column('review_at', sa.BigInteger(), nullable=True),
    sa.Column('debt', sa.BigInteger(), nullable=False),
    sa.Column('lots', sa.Text(), nullable=False),
    sa.Column('days', sa.Text(), nullable=False),
    sa.Column('days_spend', sa.BigInteger(), nullable=False),
    sa.Column('days_points', sa.BigInteger(), nullable=False),
    sa.Column('next_expiry', sa.BigInteger(), nullable=True),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('instrument_id', name=op.f('pk_loyalty_members'))
    )
    op.create_index('ix_loyalty_members_next_expiry', 'loyalty_members', ['next_expiry'])
    op.create_index('ix_loyalty_members_review_at', 'loyalty_members', ['review_at'])
    cols = ", ".join(_NAMES)
    op.execute(f"INSERT INTO loyalty_members (instrument_id, program_id, {cols}, updated_at)"
               f" SELECT id, program_id, {cols}, member_updated_at FROM instruments"
               " WHERE tier IS NOT NULL")
    op.drop_index("ix_instruments_review_at", table_name="instruments")
    op.drop_index("ix_instruments_next_expiry", table_name="instruments")
    with op.batch_alter_table("instruments", schema=None) as batch_op:
        batch_op.drop_column("member_updated_at")
        for name in reversed(_NAMES):
            batch_op.drop_column(name)
