"""back-office sign-in, sessions and the audit log (issue 12)

Revision ID: 0008_backoffice
Revises: 0007_gates
"""

from alembic import op
import sqlalchemy as sa


revision = '0008_backoffice'
down_revision = '0007_gates'
branch_labels = None
depends_on = None

AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('person_logins',
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.BigInteger(), nullable=True),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('must_change', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['users.id'], name=op.f('fk_person_logins_person_id_users')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_person_logins'))
    )
    op.create_table('backoffice_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['users.id'], name=op.f('fk_backoffice_sessions_person_id_users')),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_backoffice_sessions'))
    )
    with op.batch_alter_table('backoffice_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_backoffice_sessions_person', ['person_id'], unique=False)
    op.create_table('audit_log',
    sa.Column('id', AUTO_ID, autoincrement=True, nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('after', sa.Text(), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_log_target', ['target'], unique=False)
    op.create_table('account_map',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_account_map'))
    )
    op.create_table('liability_checks',
    sa.Column('id', AUTO_ID, autoincrement=True, nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('consistent', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liability_checks'))
    )


def downgrade() -> None:
    op.drop_table('liability_checks')
    op.drop_table('account_map')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_target')
        batch_op.drop_index('ix_audit_log_at')
    op.drop_table('audit_log')
    with op.batch_alter_table('backoffice_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_backoffice_sessions_person')
    op.drop_table('backoffice_sessions')
    op.drop_table('person_logins')
