"""counter shifts and receipts (issue 9)

Revision ID: 0006_counter
Revises: 0005_customers
"""

revision = '0006_counter'
down_revision = '0005_customers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
