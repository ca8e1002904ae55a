"""gate entries, allowed gates and the served key set (issue 9)

An e-ticket event's gates were kept on its campaign row only, and no check read them. The
ledger now judges them from the program's terms (`accepted_terminals`, like
`accepted_stores`), so events created before this revision get their gates copied into their
program's terms. No table changes: gate entries are ordinary redemptions, and the key set is
served from the keystore.

Revision ID: 0007_gates
Revises: 0006_counter
"""

import json

import sqlalchemy as sa
from alembic import op

revision = '0007_gates'
down_revision = '0006_counter'
branch_labels = None
depends_on = None


def _set_gates(to_terms: bool) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT c.id, c.gates, p.terms FROM campaigns c JOIN programs p ON p.id = c.id "
        "WHERE c.kind = 'eticket'"
    )).all()
    for campaign_id, gates, terms in rows:
        data = json.loads(terms)
        if to_terms:
            data["accepted_terminals"] = sorted(set(json.loads(gates)))
        else:
            data.pop("accepted_terminals", None)
        conn.execute(
            sa.text("UPDATE programs SET terms = :terms WHERE id = :id"),
            {"terms": json.dumps(data, sort_keys=True, separators=(",", ":")), "id": campaign_id},
        )


def upgrade() -> None:
    _set_gates(True)


def downgrade() -> None:
    _set_gates(False)
