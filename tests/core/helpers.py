"""A small harness around the ledger core for the unit tests: builders and invariant checks."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from cardsvc.core import (
    Funding,
    InstrumentKind,
    InstrumentSpec,
    LedgerState,
    Op,
    Policy,
    Posting,
    Result,
    ResultCode,
    Transaction,
    Unit,
    apply,
)

NOW = 1_700_000_000
STORE = "store-1"
PROGRAM = "prog"
DAY = 86_400


def spec(kind: InstrumentKind = InstrumentKind.PREPAID, **fields: Any) -> InstrumentSpec:
    """An instrument spec with sensible defaults per kind; `fields` override them."""
    unit = Unit.POINTS if kind is InstrumentKind.MEMBER else Unit.VND
    base = InstrumentSpec(kind=kind, unit=unit, program=PROGRAM)
    return replace(base, **fields)


def check_invariants(state: LedgerState, postings: Iterable[Posting]) -> None:
    """What must hold after every batch, whatever happened.

    `postings` is every posting the ledger ever emitted for `state`.
    """
    per_tx_unit: dict[tuple[str, str], int] = defaultdict(int)
    per_account: dict[str, int] = defaultdict(int)
    for p in postings:
        assert type(p.amount) is int and p.amount != 0, p
        per_tx_unit[(p.tx_id, p.unit)] += p.amount
        per_account[p.account] += p.amount
    unbalanced = {k: v for k, v in per_tx_unit.items() if v}
    assert not unbalanced, f"postings do not sum to zero per unit per transaction: {unbalanced}"
    for inst in state.instruments.values():
        assert inst.balance >= 0, f"negative liability: {inst}"
        assert inst.balance == per_account.get("i:" + inst.id, 0), f"balance != postings: {inst}"
        assert inst.balance <= inst.spec.max_balance, f"above its maximum: {inst}"
    for tx_id, rec in state.records.items():
        assert rec.tx.id == tx_id
        posted = [p for p in rec.postings if p.tx_id != tx_id]
        assert not posted, f"a record holds another transaction's postings: {posted}"


class Harness:
    """A ledger with a clock the test moves, auto-numbered ids and every posting kept."""

    def __init__(self, policy: Policy | None = None) -> None:
        self.state = LedgerState()
        self.policy = policy or Policy()
        self.now = NOW
        self.postings: list[Posting] = []
        self._ids = itertools.count(1)

    def new_id(self) -> str:
        return f"tx-{next(self._ids)}"

    def tx(self, op: Op, instrument: str, amount: int = 0, **fields: Any) -> Transaction:
        fields.setdefault("store", STORE)
        fields.setdefault("terminal", "term-1")
        tx_id = fields.pop("id", None) or self.new_id()
        return Transaction(tx_id, op, instrument, amount, **fields)

    def run(self, *batch: Transaction) -> list[Result]:
        outcome = apply(self.state, list(batch), self.now, self.policy)
        self.postings.extend(outcome.postings)
        check_invariants(self.state, self.postings)
        return outcome.results

    def one(self, tx: Transaction) -> Result:
        [result] = self.run(tx)
        return result

    def do(self, op: Op, instrument: str, amount: int = 0, **fields: Any) -> Result:
        return self.one(self.tx(op, instrument, amount, **fields))

    def code(self, op: Op, instrument: str, amount: int = 0, **fields: Any) -> ResultCode:
        return self.do(op, instrument, amount, **fields).code

    def issue(
        self,
        instrument: str,
        kind: InstrumentKind = InstrumentKind.PREPAID,
        amount: int = 0,
        **spec_fields: Any,
    ) -> Result:
        made = spec(kind, **spec_fields)
        # Points are never sold: a points instrument's opening value is the program's gift.
        funding = Funding.PROMOTION if made.unit is Unit.POINTS else Funding.CASH
        result = self.do(Op.ISSUE, instrument, amount, spec=made, funding=funding)
        assert result.code is ResultCode.OK, result
        return result

    def balance(self, instrument: str) -> int:
        return self.state.instruments[instrument].balance

    def account(self, account: str) -> int:
        return sum(p.amount for p in self.postings if p.account == account)
