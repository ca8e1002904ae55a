"""card media, lost-card replacement and ledger-to-card updates (issue 14)

Revision ID: 0003_card_media
Revises: 0002_vouchers
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_card_media'
down_revision = '0002_vouchers'
branch_labels = None
depends_on = None

_HEX = set("0123456789ABCDEF")


def upgrade() -> None:
    op.create_table('card_media',
    sa.Column('uid', sa.String(length=20), nullable=False),
    sa.Column('instrument_id', sa.String(length=64), nullable=False),
    sa.Column('card_type', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('held_instrument', sa.String(length=64), nullable=True),
    sa.Column('window_until', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.BigInteger(), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('uid', name=op.f('pk_card_media'))
    )
    with op.batch_alter_table('card_media', schema=None) as batch_op:
        batch_op.create_index('ix_card_media_instrument', ['instrument_id'], unique=False)

    op.create_table('card_replacements',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('instrument_id', sa.String(length=64), nullable=False),
    sa.Column('old_uid', sa.String(length=20), nullable=False),
    sa.Column('new_uid', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('by_user', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('window_until', sa.BigInteger(), nullable=False),
    sa.Column('held_instrument', sa.String(length=64), nullable=True),
    sa.Column('held_amount', sa.BigInteger(), nullable=False),
    sa.Column('reading_value', sa.BigInteger(), nullable=True),
    sa.Column('reading_counter', sa.BigInteger(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('closed_at', sa.BigInteger(), nullable=True),
    sa.Column('moved', sa.BigInteger(), nullable=True),
    sa.Column('spent_late', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_replacements')),
    sa.UniqueConstraint('new_uid', name=op.f('uq_card_replacements_new_uid')),
    sa.UniqueConstraint('old_uid', name=op.f('uq_card_replacements_old_uid'))
    )
    with op.batch_alter_table('card_replacements', schema=None) as batch_op:
        batch_op.create_index('ix_card_replacements_open', ['state', 'window_until'], unique=False)

    op.create_table('card_updates',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('instrument_id', sa.String(length=64), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('source_tx', sa.String(length=64), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('by_user', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('written_tx', sa.String(length=64), nullable=True),
    sa.Column('written_uid', sa.String(length=20), nullable=True),
    sa.Column('written_counter', sa.BigInteger(), nullable=True),
    sa.Column('written_at', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_updates')),
    sa.UniqueConstraint('written_tx', name=op.f('uq_card_updates_written_tx'))
    )
    with op.batch_alter_table('card_updates', schema=None) as batch_op:
        batch_op.create_index('ix_card_updates_instrument', ['instrument_id', 'state'], unique=False)

    op.create_table('card_torn',
    sa.Column('tx_id', sa.String(length=64), nullable=False),
    sa.Column('terminal_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('uid', sa.String(length=20), nullable=False),
    sa.Column('counter', sa.BigInteger(), nullable=False),
    sa.Column('before', sa.BigInteger(), nullable=False),
    sa.Column('after', sa.BigInteger(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('request_id', sa.BigInteger(), nullable=True),
    sa.Column('reported_at', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('settled_at', sa.BigInteger(), nullable=True),
    sa.Column('settled_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('tx_id', name=op.f('pk_card_torn'))
    )
    with op.batch_alter_table('card_torn', schema=None) as batch_op:
        batch_op.create_index('ix_card_torn_uid', ['uid', 'state'], unique=False)

    _media_for_existing_cards()


def _media_for_existing_cards() -> None:
    """Every instrument a terminal named after its card (`card-<UID>`) gets its medium, so
    existing cards keep working and can be replaced. Purse cards are DESFire when the ledger's
    card mirror knows them, else online-only UID cards."""
    conn = op.get_bind()
    mirrored = {row[0] for row in conn.execute(sa.text('SELECT uid FROM card_mirror'))}
    rows = conn.execute(sa.text(
        "SELECT id, issued_at, status FROM instruments WHERE id LIKE 'card-%'"
    )).fetchall()
    media = []
    for instrument_id, issued_at, _status in rows:
        uid = instrument_id[len('card-'):]
        if not 8 <= len(uid) <= 20 or not set(uid) <= _HEX:
            continue
        media.append({
            'uid': uid, 'instrument_id': instrument_id,
            'card_type': 'desfire' if uid in mirrored else 'uid', 'state': 'active',
            'created_at': issued_at, 'changed_at': issued_at,
        })
    if media:
        table = sa.table('card_media', *(sa.column(c) for c in media[0]))
        op.bulk_insert(table, media)


def downgrade() -> None:
    with op.batch_alter_table('card_torn', schema=None) as batch_op:
        batch_op.drop_index('ix_card_torn_uid')
    op.drop_table('card_torn')
    with op.batch_alter_table('card_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_card_updates_instrument')
    op.drop_table('card_updates')
    with op.batch_alter_table('card_replacements', schema=None) as batch_op:
        batch_op.drop_index('ix_card_replacements_open')
    op.drop_table('card_replacements')
    with op.batch_alter_table('card_media', schema=None) as batch_op:
        batch_op.drop_index('ix_card_media_instrument')
    op.drop_table('card_media')
