"""card media, lost-card replacement and ledger-to-card updates (issue 14)

Revision ID: 0003_card_media
Revises: 0002_vouchers
"""

revision = '0003_card_media'
down_revision = '0002_vouchers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
