"""customer records, referral, birthdays, feedback, messages (issue 11)

Revision ID: 0005_customers
Revises: 0004_loyalty
"""

revision = '0005_customers'
down_revision = '0004_loyalty'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
