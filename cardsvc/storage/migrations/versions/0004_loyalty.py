"""loyalty points lots, earning rules, tiers (issue 10)

Revision ID: 0004_loyalty
Revises: 0003_card_media
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_loyalty'
down_revision = '0003_card_media'
branch_labels = None
depends_on = None

AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('loyalty_rules',
    sa.Column('id', AUTO_ID, autoincrement=True, nullable=False),
    sa.Column('program_id', sa.String(length=64), nullable=False),
    sa.Column('effective_from', sa.BigInteger(), nullable=False),
    sa.Column('rules', sa.Text(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_loyalty_rules_program_id_programs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_rules')),
    sa.UniqueConstraint('program_id', 'effective_from', name='uq_loyalty_rules_program_effective')
    )
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
    with op.batch_alter_table('loyalty_members', schema=None) as batch_op:
        batch_op.create_index('ix_loyalty_members_next_expiry', ['next_expiry'], unique=False)
        batch_op.create_index('ix_loyalty_members_review_at', ['review_at'], unique=False)

    op.create_table('loyalty_tier_history',
    sa.Column('id', AUTO_ID, autoincrement=True, nullable=False),
    sa.Column('instrument_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('from_tier', sa.String(length=32), nullable=False),
    sa.Column('to_tier', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('tx_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_tier_history'))
    )
    with op.batch_alter_table('loyalty_tier_history', schema=None) as batch_op:
        batch_op.create_index('ix_loyalty_tier_history_instrument', ['instrument_id', 'at'], unique=False)

    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('loyalty', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_column('loyalty')
    with op.batch_alter_table('loyalty_tier_history', schema=None) as batch_op:
        batch_op.drop_index('ix_loyalty_tier_history_instrument')
    op.drop_table('loyalty_tier_history')
    with op.batch_alter_table('loyalty_members', schema=None) as batch_op:
        batch_op.drop_index('ix_loyalty_members_review_at')
        batch_op.drop_index('ix_loyalty_members_next_expiry')
    op.drop_table('loyalty_members')
    op.drop_table('loyalty_rules')
