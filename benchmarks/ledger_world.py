"""A ledger database seeded for the service benchmarks (test_ingest.py, test_http.py).

One store, one reloadable prepaid program, one enrolled terminal (an in-memory Ed25519 key) and
`instruments` cards with a large balance, written straight into the tables (seeding is not what
is measured). Transactions are redemptions (3 in 4) and top-ups on random cards, with fresh ids
and the terminal's next sequence numbers, so every one applies and none is an `exists`.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Engine, insert

from cardsvc.core import InstrumentKind, InstrumentSpec, Unit
from cardsvc.protocol.messages import BatchRequest, TransactionMsg
from cardsvc.protocol.signing import InMemorySigner
from cardsvc.services import terminals
from cardsvc.services.programs import create_program
from cardsvc.storage.migrate import upgrade
from cardsvc.storage.schema import instruments
from cardsvc.storage.unit_of_work import Database
from keys.enrolment import make_enrolment

STORE = "BENCH01"
TERMINAL = "BENCH01-POS1"
PROGRAM = "BENCH-PREPAID"
START_BALANCE = 5_000_000_000
MAX_BALANCE = 10**12
SPEC = InstrumentSpec(
    kind=InstrumentKind.PREPAID,
    unit=Unit.VND,
    program=PROGRAM,
    reloadable=True,
    max_balance=MAX_BALANCE,
)
_SEED_CHUNK = 10_000


def instrument_id(n: int) -> str:
    return f"card-{n:07d}"


@dataclass
class World:
    """What a benchmark needs to sign and submit as the seeded terminal."""

    terminal_id: str
    signer: InMemorySigner
    instruments: int
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    seq: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def transactions(self, count: int, redeem_share: float = 0.75) -> list[TransactionMsg]:
        """`count` fresh transactions: redemptions and top-ups spread over the cards."""
        rng, out = self.rng, []
        for _ in range(count):
            seq = next(self.seq)
            op = "redeem" if rng.random() < redeem_share else "top_up"
            out.append(
                TransactionMsg(
                    id=f"{self.terminal_id}-{seq:010d}",
                    seq=seq,
                    op=op,
                    instrument=instrument_id(rng.randrange(self.instruments)),
                    amount=rng.randrange(1_000, 200_000),
                )
            )
        return out

    def body(self, count: int, redeem_share: float = 0.75) -> bytes:
        """A batch request body as a terminal sends it (defaults left out)."""
        batch = BatchRequest(transactions=self.transactions(count, redeem_share))
        return batch.model_dump_json(exclude_defaults=True).encode()


def seed(
    engine: Engine, instrument_count: int, now: int, signer: InMemorySigner | None = None
) -> World:
    """Migrate `engine`'s database and load the store, program, terminal and cards."""
    upgrade(engine)
    signer = signer or InMemorySigner()
    with Database(engine).write() as uow:
        terminals.create_store(uow, STORE, "Benchmark store", now)
        create_program(uow, PROGRAM, "Benchmark prepaid", SPEC, None, now)
        code = terminals.create_terminal(uow, TERMINAL, STORE, "Benchmark POS", now, 3600)
        terminals.enroll(uow, TERMINAL, code, make_enrolment(signer, TERMINAL, now), now)
    for start in range(0, instrument_count, _SEED_CHUNK):
        rows = [_card_row(n, now) for n in range(start, min(start + _SEED_CHUNK, instrument_count))]
        with engine.begin() as conn:
            conn.execute(insert(instruments), rows)
    return World(TERMINAL, signer, instrument_count)


def _card_row(n: int, now: int) -> dict[str, object]:
    return {
        "id": instrument_id(n),
        "program_id": PROGRAM,
        "kind": str(SPEC.kind),
        "unit": str(SPEC.unit),
        "balance": START_BALANCE,
        "status": "active",
        "uses_left": None,
        "last_used_at": None,
        "issued_at": now,
        "valid_from": None,
        "valid_until": None,
        "holds": "[]",
        "store_id": STORE,
    }
