"""bounded integer columns and shared rate limits (issue 15)

Revision ID: 0009_bounds
Revises: 0008_backoffice
"""

revision = '0009_bounds'
down_revision = '0008_backoffice'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
