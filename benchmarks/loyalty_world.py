"""Member cards for the loyalty benchmark, beside the prepaid cards of ledger_world: a member
program with loyalty rules (tiers, a tier multiplier, a happy hour, holiday double points, a
cap, pending days), and members with a year of history: a lot and a day of qualifying spend for
every week, as a member shopping weekly has. Written straight into the tables."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from ledger_world import STORE, TERMINAL, World
from sqlalchemy import Engine, insert

from cardsvc.core import InstrumentKind, InstrumentSpec, Unit
from cardsvc.core.calendar import DAY_S, day_start, local_day
from cardsvc.protocol.messages import BatchRequest, TransactionMsg
from cardsvc.services.loyalty import define_rules
from cardsvc.services.loyalty_rules import MultiplierIn, RulesIn, TierIn
from cardsvc.services.programs import create_program
from cardsvc.storage.schema import instruments
from cardsvc.storage.unit_of_work import Database

PROGRAM = "BENCH-LOYAL"
OFFSET = 7 * 3600
WEEKS = 52
LOT_POINTS = 50
SPEC = InstrumentSpec(InstrumentKind.MEMBER, Unit.POINTS, PROGRAM, max_balance=10**12)
_CHUNK = 10_000


def member_id(n: int) -> str:
    return f"mem-{n:07d}"


def rules_in(now: int) -> RulesIn:
    return RulesIn(
        effective_from=now, pending_days=7, cap_per_receipt=5_000, spend_max_share_bp=5_000,
        tiers=[TierIn(name="member", threshold=0),
               TierIn(name="silver", threshold=5_000_000, multiplier_bp=12_500),
               TierIn(name="gold", threshold=20_000_000, multiplier_bp=15_000),
               TierIn(name="vip", threshold=10**11, multiplier_bp=20_000)],
        multipliers=[MultiplierIn(name="happy-hour", factor_bp=15_000, start="17:00", end="19:00"),
                     MultiplierIn(name="holiday-x2", factor_bp=20_000, holidays=True)],
    )  # fmt: skip


def _history(now: int) -> tuple[str, str, int, int]:
    """(lots, days, balance, next expiry) of a member who shopped every week for a year."""
    today = local_day(now, OFFSET)
    lots, days = [], []
    for week in range(WEEKS):
        day = today - 7 * week - 1
        lots.append([day_start(day + 366, OFFSET), 0, LOT_POINTS])
        days.append([day, 300_000, 30])
    lots.sort()
    days.sort()
    return json.dumps(lots), json.dumps(days), LOT_POINTS * WEEKS, lots[0][0]


def seed_members(engine: Engine, count: int, now: int) -> None:
    with Database(engine).write() as uow:
        create_program(uow, PROGRAM, "Benchmark members", SPEC, None, now)
        define_rules(uow, PROGRAM, rules_in(now), now)
    lots, days, balance, first = _history(now)
    for start in range(0, count, _CHUNK):
        ids = [member_id(n) for n in range(start, min(start + _CHUNK, count))]
        with engine.begin() as conn:
            conn.execute(insert(instruments), [
                {**_card(i, balance, now), "tier": "silver", "floor_tier": "silver",
                 "tier_since": now - 200 * DAY_S, "review_at": now + 165 * DAY_S, "debt": 0,
                 "lots": lots, "days": days, "days_spend": 300_000 * WEEKS,
                 "days_points": 30 * WEEKS, "next_expiry": first, "member_updated_at": now}
                for i in ids
            ])  # fmt: skip


def _card(instrument: str, balance: int, now: int) -> dict[str, object]:
    return {"id": instrument, "program_id": PROGRAM, "kind": "member", "unit": "PTS",
            "balance": balance, "status": "active", "uses_left": None, "last_used_at": None,
            "issued_at": now, "valid_from": None, "valid_until": None, "holds": "[]",
            "store_id": STORE}  # fmt: skip


@dataclass
class Purchases:
    """Fresh purchases on random members, numbered after the world's own transactions."""

    world: World
    members: int
    rng: random.Random = field(default_factory=lambda: random.Random(11))

    def transactions(self, count: int) -> list[TransactionMsg]:
        out = []
        for _ in range(count):
            seq = next(self.world.seq)
            total = self.rng.randrange(20_000, 2_000_000)
            card = self.rng.randrange(total // 2 + 1)
            spend = self.rng.randrange(0, 50) if self.rng.random() < 0.2 else 0
            out.append(TransactionMsg(
                id=f"{TERMINAL}-{seq:010d}", seq=seq, op="purchase",
                instrument=member_id(self.rng.randrange(self.members)), amount=spend,
                purchase_amount=total, tenders={"cash": total - card, "bank_card": card},
            ))  # fmt: skip
        return out

    def body(self, count: int) -> bytes:
        batch = BatchRequest(transactions=self.transactions(count))
        return batch.model_dump_json(exclude_defaults=True).encode()
