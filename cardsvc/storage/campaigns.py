"""Campaigns (gift card series, voucher promotions, e-ticket events), their code batches and the
code hashes that map printed codes to instruments. The codes themselves are never stored."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from cardsvc.core import InstrumentSpec
from cardsvc.storage.programs import terms_from_json
from cardsvc.storage.schema import campaigns, code_batches, instruments, programs, voucher_codes

CHUNK = 5_000  # rows per statement when storing or deleting code hashes


@dataclass(frozen=True, slots=True)
class CampaignRow:
    id: str
    kind: str
    program_id: str
    name: str
    face_value: int
    budget: int | None
    committed: int
    gates: tuple[str, ...]
    spec: InstrumentSpec
    validity_s: int | None


@dataclass(frozen=True, slots=True)
class CodeRow:
    code_hash: str
    instrument_id: str


class CampaignRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- campaigns --------------------------------------------------------------------------
    def add(
        self,
        campaign_id: str,
        kind: str,
        name: str,
        face_value: int,
        budget: int | None,
        gates: Sequence[str],
        now: int,
        by_user: str | None,
    ) -> None:
        """A campaign row over the program of the same id (created first)."""
        self.conn.execute(
            insert(campaigns).values(
                id=campaign_id, kind=kind, program_id=campaign_id, name=name,
                face_value=face_value, budget=budget, committed=0,
                gates=json.dumps(sorted(set(gates))), created_at=now, created_by=by_user,
            )
        )  # fmt: skip

    def get(self, campaign_id: str, *, for_update: bool = False) -> CampaignRow | None:
        """A campaign with its program's terms; `for_update` locks its row on PostgreSQL
        (SQLite's writer already holds the database: BEGIN IMMEDIATE)."""
        q = (
            select(campaigns, programs.c.terms, programs.c.validity_s)
            .join(programs, programs.c.id == campaigns.c.program_id)
            .where(campaigns.c.id == campaign_id)
        )
        if for_update and self.conn.dialect.name == "postgresql":
            q = q.with_for_update(of=campaigns)
        row = self.conn.execute(q).first()
        if row is None:
            return None
        return CampaignRow(
            row.id, row.kind, row.program_id, row.name, row.face_value, row.budget,
            row.committed, tuple(json.loads(row.gates)), terms_from_json(row.terms),
            row.validity_s,
        )  # fmt: skip

    def ids(self, limit: int) -> list[str]:
        q = select(campaigns.c.id).order_by(campaigns.c.id).limit(limit)
        return list(self.conn.execute(q).scalars())

    def commit_budget(self, campaign_id: str, amount: int) -> None:
        """Add `amount` (negative: give back) to what the campaign has committed."""
        c = campaigns.c
        q = update(campaigns).where(c.id == campaign_id).values(committed=c.committed + amount)
        self.conn.execute(q)

    # --- code batches -----------------------------------------------------------------------
    def add_batch(
        self, batch_id: str, campaign_id: str, count: int, reserved: int, now: int,
        by_user: str | None,
    ) -> None:  # fmt: skip
        self.conn.execute(
            insert(code_batches).values(
                id=batch_id, campaign_id=campaign_id, count=count, reserved=reserved,
                status="reserved", issued=0, created_at=now, by_user=by_user,
            )
        )  # fmt: skip

    def finish_batch(self, batch_id: str, issued: int, give_back: int) -> None:
        b = code_batches.c
        q = update(code_batches).where(b.id == batch_id)
        self.conn.execute(q.values(status="issued", issued=issued, reserved=b.reserved - give_back))

    def summary(self, campaign_id: str) -> dict[str, Any] | None:
        c = self.conn.execute(select(campaigns).where(campaigns.c.id == campaign_id)).first()
        if c is None:
            return None
        batches = self.conn.execute(
            select(code_batches).where(code_batches.c.campaign_id == campaign_id)
            .order_by(code_batches.c.created_at)
        ).all()  # fmt: skip
        return {
            "id": c.id, "kind": c.kind, "name": c.name, "face_value": c.face_value,
            "budget": c.budget, "committed": c.committed,
            "uncommitted": None if c.budget is None else c.budget - c.committed,
            "batches": [dict(b._mapping) for b in batches],
        }  # fmt: skip

    # --- codes ------------------------------------------------------------------------------
    def add_codes(
        self, campaign_id: str, batch_id: str, codes: Sequence[CodeRow], now: int
    ) -> None:
        rows = [
            {"code_hash": c.code_hash, "instrument_id": c.instrument_id,
             "campaign_id": campaign_id, "batch_id": batch_id, "created_at": now}
            for c in codes
        ]  # fmt: skip
        if rows:
            self.conn.execute(insert(voucher_codes), rows)

    def delete_codes_of(self, instrument_ids: Sequence[str]) -> None:
        """Forget the codes of instruments the ledger refused: they can never be found."""
        for start in range(0, len(instrument_ids), CHUNK):
            ids = list(instrument_ids[start : start + CHUNK])
            self.conn.execute(delete(voucher_codes).where(voucher_codes.c.instrument_id.in_(ids)))

    def code(self, code_hash: str) -> tuple[str, str] | None:
        """(instrument id, campaign id) of a code, by its hash."""
        v = voucher_codes.c
        q = select(v.instrument_id, v.campaign_id).where(v.code_hash == code_hash)
        row = self.conn.execute(q).first()
        return None if row is None else (row.instrument_id, row.campaign_id)

    def revoked(self, limit: int) -> list[str]:
        """Printed instruments an offline validator must refuse: blocked, expired by the
        ledger, or with no uses left."""
        i = instruments.c
        q = (
            select(i.id)
            .where(i.kind.in_(("gift", "voucher", "eticket")))
            .where(or_(i.status != "active", i.uses_left == 0))
            .order_by(i.id)
            .limit(limit)
        )
        return list(self.conn.execute(q).scalars())
