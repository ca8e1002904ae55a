"""loyalty points lots, earning rules, tiers (issue 10)

Revision ID: 0004_loyalty
Revises: 0003_card_media
"""

revision = '0004_loyalty'
down_revision = '0003_card_media'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
