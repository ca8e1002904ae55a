"""Loading the state a batch needs and persisting what the core changed.

The hot path: raw Core statements and executemany, never the ORM (FACTS-perf: ~27x faster).
On PostgreSQL the instruments a batch touches are locked with SELECT ... FOR UPDATE in id order,
so concurrent workers never deadlock; SQLite serialises writers with BEGIN IMMEDIATE.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cardsvc.core import (
    Funding,
    Hold,
    Instrument,
    LedgerState,
    Op,
    Posting,
    ResultCode,
    Status,
    Transaction,
    TxRecord,
    Unit,
)
from cardsvc.core.accounts import is_instrument_account
from cardsvc.services.programs import ProgramCache
from cardsvc.storage.schema import instruments, postings, transactions, tx_reversals

_CHUNK = 500  # bound on the ids in one IN (...) list


@dataclass(frozen=True, slots=True)
class TxMeta:
    """What the journal keeps of a transaction beyond what the core sees."""

    seq: int | None
    request_id: int | None
    occurred_at: int | None
    by_user: str | None = None
    card_uid: str | None = None  # purse cards: the UID and counter the card reported
    card_counter: int | None = None


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


class LedgerRepository:
    def __init__(self, conn: Connection, programs: ProgramCache) -> None:
        self.conn = conn
        self.programs = programs
        self.for_update = conn.dialect.name == "postgresql"

    # --- loading ----------------------------------------------------------------------------
    def load(self, batch: Sequence[Transaction], now: int) -> tuple[LedgerState, set[str]]:
        """The state `batch` reads; also the ids of the instruments that already existed."""
        state = LedgerState()
        ids = {tx.id for tx in batch}
        refs = {tx.ref for tx in batch if tx.ref is not None}
        self._load_records(state, sorted(ids | refs), refs, now)
        wanted = {tx.instrument for tx in batch}
        wanted |= {tx.counterparty for tx in batch if tx.counterparty is not None}
        for ref in refs & state.records.keys():
            wanted |= {
                p.account[2:]
                for p in state.records[ref].postings
                if is_instrument_account(p.account)
            }
        self._load_instruments(state, sorted(wanted))
        return state, set(state.instruments)

    def _load_records(self, state: LedgerState, ids: list[str], refs: set[str], now: int) -> None:
        t = transactions.c
        for chunk in _chunks(ids):
            for row in self.conn.execute(select(transactions).where(t.id.in_(chunk))):
                tx = self._tx_from_row(row, now)
                state.records[tx.id] = TxRecord(tx, ResultCode(row.code), row.balance_after, row.at)
        found_refs = sorted(refs & state.records.keys())
        for chunk in _chunks(found_refs):
            q = select(postings).where(postings.c.tx_id.in_(chunk)).order_by(postings.c.id)
            grouped: dict[str, list[Posting]] = {}
            for p in self.conn.execute(q):
                grouped.setdefault(p.tx_id, []).append(
                    Posting(p.tx_id, p.account, Unit(p.unit), p.amount)
                )
            for tx_id, ps in grouped.items():
                state.records[tx_id].postings = tuple(ps)
            q2 = select(tx_reversals).where(tx_reversals.c.tx_id.in_(chunk))
            for r in self.conn.execute(q2):
                state.records[r.tx_id].refunded = r.refunded
                state.records[r.tx_id].voided = r.voided

    def _tx_from_row(self, r: Row[Any], now: int) -> Transaction:
        spec = None
        if r.op == Op.ISSUE and r.program_id is not None:
            # The issue's terms are a function of (program, now); rebuilding them with the
            # batch's `now` makes a resend compare equal, as the terminal sent the same thing.
            spec = self.programs.spec_for_issue(self.conn, r.program_id, now)
        return Transaction(
            id=r.id,
            op=Op(r.op),
            instrument=r.instrument_id,
            amount=r.amount,
            store=r.store_id,
            terminal=r.terminal_id,
            ref=r.ref,
            counterparty=r.counterparty,
            purchase_amount=r.purchase_amount,
            expires_at=r.expires_at,
            funding=Funding(r.funding),
            spec=spec,
            linked=r.linked,
        )

    def _load_instruments(self, state: LedgerState, ids: list[str]) -> None:
        c = instruments.c
        for chunk in _chunks(ids):
            q = select(instruments).where(c.id.in_(chunk)).order_by(c.id)
            if self.for_update:
                q = q.with_for_update()
            for r in self.conn.execute(q):
                spec = self.programs.spec_of_instrument(
                    self.conn, r.program_id, r.valid_from, r.valid_until
                )
                holds = (
                    {h[0]: Hold(h[0], h[1], h[2]) for h in json.loads(r.holds)}
                    if r.holds != "[]"
                    else {}
                )
                state.instruments[r.id] = Instrument(
                    r.id,
                    spec,
                    r.balance,
                    Status(r.status),
                    r.uses_left,
                    r.last_used_at,
                    r.issued_at,
                    holds,
                )

    # --- persisting -------------------------------------------------------------------------
    def persist(
        self,
        state: LedgerState,
        existed: set[str],
        batch_postings: Sequence[Posting],
        meta: dict[str, TxMeta],
        now: int,
    ) -> None:
        """Write what `apply` changed: instruments, journal rows, postings, reversal records."""
        self._write_instruments(state, existed)
        self._write_journal(state, meta, now)
        if batch_postings:
            self.conn.execute(
                postings.insert(),
                [
                    {
                        "tx_id": p.tx_id,
                        "account": p.account,
                        "unit": str(p.unit),
                        "amount": p.amount,
                        "at": now,
                    }
                    for p in batch_postings
                ],
            )
        self._write_reversals(state)

    def _write_instruments(self, state: LedgerState, existed: set[str]) -> None:
        changed = [
            state.instruments[i]
            for i in sorted(state.changed_instruments)
            if i in state.instruments
        ]
        issued_at = {
            state.records[i].tx.instrument: state.records[i].tx.store
            for i in state.new_records
            if state.records[i].tx.op is Op.ISSUE
        }
        new = [
            {**_instrument_row(inst), "store_id": issued_at.get(inst.id)}
            for inst in changed
            if inst.id not in existed
        ]
        old = [_instrument_update(inst) for inst in changed if inst.id in existed]
        if new:
            self.conn.execute(instruments.insert(), new)
        if old:
            c = instruments.c
            stmt = (
                update(instruments)
                .where(c.id == bindparam("b_id"))
                .values(
                    balance=bindparam("balance"),
                    status=bindparam("status"),
                    uses_left=bindparam("uses_left"),
                    last_used_at=bindparam("last_used_at"),
                    holds=bindparam("holds"),
                )
            )
            self.conn.execute(stmt, old)

    def _write_journal(self, state: LedgerState, meta: dict[str, TxMeta], now: int) -> None:
        rows = []
        for tx_id in state.new_records:
            rec = state.records[tx_id]
            tx, m = rec.tx, meta[tx_id]
            rows.append(
                {
                    "id": tx.id,
                    "terminal_id": tx.terminal,
                    "seq": m.seq,
                    "store_id": tx.store,
                    "op": str(tx.op),
                    "instrument_id": tx.instrument,
                    "amount": tx.amount,
                    "ref": tx.ref,
                    "counterparty": tx.counterparty,
                    "purchase_amount": tx.purchase_amount,
                    "expires_at": tx.expires_at,
                    "funding": str(tx.funding),
                    "program_id": tx.spec.program if tx.spec else None,
                    "linked": tx.linked,
                    "code": str(rec.code),
                    "balance_after": rec.balance_after,
                    "at": rec.at,
                    "occurred_at": m.occurred_at,
                    "request_id": m.request_id,
                    "by_user": m.by_user,
                    "card_uid": m.card_uid,
                    "card_counter": m.card_counter,
                }
            )
        if rows:
            self.conn.execute(transactions.insert(), rows)

    def _write_reversals(self, state: LedgerState) -> None:
        rows = [
            {"tx_id": i, "refunded": state.records[i].refunded, "voided": state.records[i].voided}
            for i in sorted(state.changed_records)
        ]
        if not rows:
            return
        dialect_insert = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        stmt = dialect_insert(tx_reversals)
        stmt = stmt.on_conflict_do_update(
            index_elements=[tx_reversals.c.tx_id],
            set_={"refunded": stmt.excluded.refunded, "voided": stmt.excluded.voided},
        )
        self.conn.execute(stmt, rows)


def _holds_json(inst: Instrument) -> str:
    if not inst.holds:
        return "[]"
    return json.dumps([[h.id, h.amount, h.expires_at] for h in inst.holds.values()])


def _instrument_update(inst: Instrument) -> dict[str, object]:
    return {
        "b_id": inst.id,
        "balance": inst.balance,
        "status": str(inst.status),
        "uses_left": inst.uses_left,
        "last_used_at": inst.last_used_at,
        "holds": _holds_json(inst),
    }


def _instrument_row(inst: Instrument) -> dict[str, object]:
    return {
        "id": inst.id,
        "program_id": inst.spec.program,
        "kind": str(inst.spec.kind),
        "unit": str(inst.spec.unit),
        "balance": inst.balance,
        "status": str(inst.status),
        "uses_left": inst.uses_left,
        "last_used_at": inst.last_used_at,
        "issued_at": inst.issued_at,
        "valid_from": inst.spec.valid_from,
        "valid_until": inst.spec.valid_until,
        "holds": _holds_json(inst),
        "store_id": None,
    }
