"""Loading the state a batch needs and persisting what the core changed.

The hot path: driver-level statements with plain tuples, never the ORM nor Core's per-row
parameter processing (FACTS-perf: the ORM is ~27x slower than executemany, and Core's
dict-per-row and expanding-IN rendering cost a third of a 1000-transaction commit). Writes are
executemany on SQLite and one statement of array columns per table on PostgreSQL, in one
pipeline (db.insert_rows, db.update_rows); column lists are checked against schema.py at
import, so a schema change cannot silently drift from these statements.
On PostgreSQL the instruments a batch touches are locked with SELECT ... FOR UPDATE in id order,
so concurrent workers never deadlock; SQLite serialises writers with BEGIN IMMEDIATE.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from enum import Enum
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection, Table

from cardsvc.core import (
    Funding,
    Hold,
    Instrument,
    InstrumentSpec,
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
from cardsvc.storage.db import driver_cursor, insert_rows, marker, select_in, update_rows
from cardsvc.storage.loyalty import MEMBER_COLS, LoyaltyRepository
from cardsvc.storage.loyalty_codec import earning_from_json, inputs_from_json, journal_json
from cardsvc.storage.programs import ProgramRepository
from cardsvc.storage.schema import instruments, postings, transactions, tx_reversals

E = TypeVar("E", bound=Enum)


def _by_value(cls: type[E]) -> dict[Any, E]:
    """Enum members by value: a dict look-up instead of EnumType.__call__ on every row.
    (The other way, str(member) is StrEnum's C-level str.__str__: cheaper than `.value`.)"""
    return {m.value: m for m in cls}


_OP, _FUNDING, _STATUS = _by_value(Op), _by_value(Funding), _by_value(Status)
_UNIT, _CODE = _by_value(Unit), _by_value(ResultCode)


def _columns(table: Table, names: str) -> tuple[str, ...]:
    cols = tuple(names.split())
    missing = [c for c in cols if c not in table.c]
    assert not missing, f"{table.name} has no column(s) {missing}: update ledger.py"
    return cols


_JOURNAL_COLS = _columns(
    transactions,
    "id terminal_id seq store_id op instrument_id amount ref counterparty purchase_amount"
    " expires_at funding program_id linked code balance_after at occurred_at request_id by_user"
    " card_uid card_counter loyalty",
)
# What a Transaction is rebuilt from (resends, references); indexes into these rows below.
_RECORD_COLS = _columns(
    transactions,
    "id op instrument_id amount store_id terminal_id ref counterparty purchase_amount"
    " expires_at funding program_id linked code balance_after at occurred_at loyalty",
)
_INSTRUMENT_COLS = _columns(
    instruments,
    "id program_id kind unit balance status uses_left last_used_at issued_at valid_from"
    " valid_until holds store_id",
)
_LOAD_INSTRUMENT_COLS = _columns(
    instruments,
    "id program_id balance status uses_left last_used_at issued_at valid_from valid_until holds",
)
_POSTING_COLS = _columns(postings, "tx_id account unit amount at")
_UPDATE_COLS = _columns(instruments, "balance status uses_left last_used_at holds")  # + id
_REVERSAL_COLS = _columns(tx_reversals, "tx_id refunded voided")


class TxMeta(NamedTuple):
    """What the journal keeps of a transaction beyond what the core sees. A NamedTuple: one
    is built per transaction, and a frozen dataclass costs several times more to build."""

    seq: int | None
    request_id: int | None
    occurred_at: int | None
    by_user: str | None = None
    card_uid: str | None = None  # purse cards: the UID and counter the card reported
    card_counter: int | None = None


class LedgerRepository:
    def __init__(
        self, conn: Connection, programs: ProgramRepository, loyalty: LoyaltyRepository
    ) -> None:
        self.conn = conn
        self.programs = programs
        self.loyalty = loyalty
        self.for_update = conn.dialect.name == "postgresql"
        self.mark = marker(conn)
        self.cur = driver_cursor(conn)

    # --- loading ----------------------------------------------------------------------------
    def load(self, batch: Sequence[Transaction], now: int) -> tuple[LedgerState, set[str]]:
        """The state `batch` reads; also the ids of the instruments that already existed."""
        state = LedgerState()
        ids = {tx.id for tx in batch}
        refs = {tx.ref for tx in batch if tx.ref is not None}
        self._load_records(state, sorted(ids | refs), refs, now)
        # Voiding a refund hands back what it refunded against its redemption: the core
        # changes that redemption's record too, so it must be loaded (and, below, re-read).
        originals = {
            original
            for ref in refs & state.records.keys()
            if state.records[ref].tx.op is Op.REFUND
            and (original := state.records[ref].tx.ref) is not None
            and original not in state.records
        }
        if originals:
            self._load_records(state, sorted(originals), originals, now)
            refs |= originals
        wanted = {tx.instrument for tx in batch}
        wanted |= {tx.counterparty for tx in batch if tx.counterparty is not None}
        for ref in refs & state.records.keys():
            wanted |= {
                p.account[2:]
                for p in state.records[ref].postings
                if is_instrument_account(p.account)
            }
        self._load_instruments(state, sorted(wanted))
        self.loyalty.load_into(state)
        self.loyalty.load_reward_counts(state, batch)
        if self.for_update:
            # Read committed: a void or refund another worker committed while we waited for
            # the row locks is visible only to statements begun after the wait. Without this
            # re-read two workers could both void (or over-refund) the same transaction.
            self._load_reversals(state, sorted(refs & state.records.keys()))
        return state, set(state.instruments)

    def load_unlocked(self, batch: Sequence[Transaction], now: int) -> tuple[LedgerState, set[str]]:
        """As `load`, without row locks: for a preview (a counter's quote) that persists
        nothing, so it never waits behind, nor holds up, the committer."""
        locking, self.for_update = self.for_update, False
        try:
            return self.load(batch, now)
        finally:
            self.for_update = locking

    def _load_records(self, state: LedgerState, ids: list[str], refs: set[str], now: int) -> None:
        sql = f"SELECT {', '.join(_RECORD_COLS)} FROM transactions WHERE id {{in_ids}}"
        for row in select_in(self.cur, self.mark, sql, ids):
            tx = self._tx_from_row(row, now)
            rec = TxRecord(tx, _CODE[row[13]], row[14], row[15])
            if row[17] is not None:
                rec.loyalty = earning_from_json(row[17])
            state.records[tx.id] = rec
        found_refs = sorted(refs & state.records.keys())
        grouped: dict[str, list[Posting]] = {}
        sql = "SELECT tx_id, account, unit, amount FROM postings WHERE tx_id {in_ids} ORDER BY id"
        for tx_id, account, unit, amount in select_in(self.cur, self.mark, sql, found_refs):
            grouped.setdefault(tx_id, []).append(Posting(tx_id, account, _UNIT[unit], amount))
        for tx_id, ps in grouped.items():
            state.records[tx_id].postings = tuple(ps)
        self._load_reversals(state, found_refs)

    def _load_reversals(self, state: LedgerState, refs: list[str]) -> None:
        sql = "SELECT tx_id, refunded, voided FROM tx_reversals WHERE tx_id {in_ids}"
        for tx_id, refunded, voided in select_in(self.cur, self.mark, sql, refs):
            state.records[tx_id].refunded = refunded
            state.records[tx_id].voided = bool(voided)

    def _tx_from_row(self, r: tuple[Any, ...], now: int) -> Transaction:
        op, program_id = _OP[r[1]], r[11]
        spec = None
        if (op is Op.ISSUE or op is Op.REWARD) and program_id is not None:
            # The issue's terms are a function of (program, now); rebuilding them with the
            # batch's `now` makes a resend compare equal, as the terminal sent the same thing.
            spec = self.programs.spec_for_issue(program_id, now)
        return Transaction(
            id=r[0],
            op=op,
            instrument=r[2],
            amount=r[3],
            store=r[4],
            terminal=r[5],
            ref=r[6],
            counterparty=r[7],
            purchase_amount=r[8],
            expires_at=r[9],
            funding=_FUNDING[r[10]],
            spec=spec,
            linked=bool(r[12]),
            occurred_at=r[16],
            **inputs_from_json(r[17]),
        )

    def _load_instruments(self, state: LedgerState, ids: list[str]) -> None:
        sql = (
            f"SELECT {', '.join(_LOAD_INSTRUMENT_COLS)} FROM instruments"
            " WHERE id {in_ids} ORDER BY id" + (" FOR UPDATE" if self.for_update else "")
        )
        specs: dict[tuple[str, int | None, int | None], InstrumentSpec] = {}
        found = state.instruments
        for iid, program, balance, status, uses, last, issued, vfrom, vuntil, holds in select_in(
            self.cur, self.mark, sql, ids
        ):
            spec = specs.get((program, vfrom, vuntil))
            if spec is None:
                spec = self.programs.spec_of_instrument(program, vfrom, vuntil)
                specs[(program, vfrom, vuntil)] = spec
            found[iid] = Instrument(
                iid, spec, balance, _STATUS[status], uses, last, issued, _holds_from(holds)
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
        """Write what `apply` changed: instruments, journal rows, postings, reversal records.
        On PostgreSQL the writes go in one pipeline: one round trip for all of them, not one
        per statement (their results are not needed until COMMIT)."""
        with self._pipeline():
            members = self.loyalty.member_values(state, now)
            written = self._write_instruments(state, existed, members)
            self._write_journal(state, meta)
            insert_rows(
                self.cur, self.mark, postings, _POSTING_COLS,
                [(p.tx_id, p.account, str(p.unit), p.amount, now) for p in batch_postings],
            )  # fmt: skip
            self._write_reversals(state)
            self.loyalty.persist(state, {i: v for i, v in members.items() if i not in written})

    def _pipeline(self) -> AbstractContextManager[object]:
        if self.mark == "?":
            return nullcontext()
        pipeline: AbstractContextManager[object] = self.cur.connection.pipeline()
        return pipeline

    def _write_instruments(
        self, state: LedgerState, existed: set[str], members: dict[str, tuple[object, ...]]
    ) -> set[str]:
        """Insert the new instruments and update the changed ones; a changed member's loyalty
        state goes in the same UPDATE as its balance (one new row version on PostgreSQL, not
        two). The members it wrote."""
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
        new = [_instrument_row(i, issued_at.get(i.id)) for i in changed if i.id not in existed]
        both = {i.id for i in changed if i.id in existed and i.id in members}
        old = [_instrument_update(i) for i in changed if i.id in existed and i.id not in both]
        with_state = [(*_instrument_update(i)[:-1], *members[i.id], i.id)
                      for i in changed if i.id in both]  # fmt: skip
        insert_rows(self.cur, self.mark, instruments, _INSTRUMENT_COLS, new)
        update_rows(self.cur, self.mark, instruments, _UPDATE_COLS, "id", old)
        update_rows(self.cur, self.mark, instruments, _UPDATE_COLS + MEMBER_COLS, "id", with_state)
        return both

    def _write_journal(self, state: LedgerState, meta: dict[str, TxMeta]) -> None:
        rows = []
        records = state.records
        for tx_id in state.new_records:
            rec = records[tx_id]
            tx, m = rec.tx, meta[tx_id]
            loyal = None
            if rec.loyalty is not None or tx.excluded or tx.tenders or tx.reason is not None:
                loyal = journal_json(tx, rec.loyalty)
            rows.append(
                (
                    tx.id,
                    tx.terminal,
                    m.seq,
                    tx.store,
                    str(tx.op),
                    tx.instrument,
                    tx.amount,
                    tx.ref,
                    tx.counterparty,
                    tx.purchase_amount,
                    tx.expires_at,
                    str(tx.funding),
                    tx.spec.program if tx.spec else None,
                    tx.linked,
                    str(rec.code),
                    rec.balance_after,
                    rec.at,
                    m.occurred_at,
                    m.request_id,
                    m.by_user,
                    m.card_uid,
                    m.card_counter,
                    loyal,
                )
            )  # the order of _JOURNAL_COLS
        insert_rows(self.cur, self.mark, transactions, _JOURNAL_COLS, rows)

    def _write_reversals(self, state: LedgerState) -> None:
        rows = [
            (i, state.records[i].refunded, state.records[i].voided)
            for i in sorted(state.changed_records)
        ]
        # ON CONFLICT ... DO UPDATE: the same text on SQLite (>= 3.24) and PostgreSQL; the ids
        # are distinct (PostgreSQL refuses one statement that updates a row twice).
        insert_rows(
            self.cur, self.mark, tx_reversals, _REVERSAL_COLS, rows,
            " ON CONFLICT (tx_id) DO UPDATE SET refunded = excluded.refunded,"
            " voided = excluded.voided",
        )  # fmt: skip


def _holds_from(text: str) -> dict[str, Hold]:
    if text == "[]":
        return {}
    return {h[0]: Hold(h[0], h[1], h[2]) for h in json.loads(text)}


def _holds_json(inst: Instrument) -> str:
    if not inst.holds:
        return "[]"
    return json.dumps([[h.id, h.amount, h.expires_at] for h in inst.holds.values()])


def _instrument_update(inst: Instrument) -> tuple[object, ...]:
    return (
        inst.balance,
        str(inst.status),
        inst.uses_left,
        inst.last_used_at,
        _holds_json(inst),
        inst.id,
    )


def _instrument_row(inst: Instrument, store_id: str | None) -> tuple[object, ...]:
    """A new instrument, in the order of _INSTRUMENT_COLS."""
    spec = inst.spec
    return (
        inst.id,
        spec.program,
        str(spec.kind),
        str(spec.unit),
        inst.balance,
        str(inst.status),
        inst.uses_left,
        inst.last_used_at,
        inst.issued_at,
        spec.valid_from,
        spec.valid_until,
        _holds_json(inst),
        store_id,
    )
