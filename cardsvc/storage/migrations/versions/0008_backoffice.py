"""back-office sign-in, sessions and the audit log (issue 12)

Revision ID: 0008_backoffice
Revises: 0007_gates
"""

revision = '0008_backoffice'
down_revision = '0007_gates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
