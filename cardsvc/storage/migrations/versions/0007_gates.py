"""gate entries, allowed gates and the served key set (issue 9)

Revision ID: 0007_gates
Revises: 0006_counter
"""

revision = '0007_gates'
down_revision = '0006_counter'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
