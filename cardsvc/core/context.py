"""The per-batch context the operation handlers work in: state, time, policy, postings out."""

from __future__ import annotations

from cardsvc.core import accounts
from cardsvc.core.amounts import BALANCE_MAX, Unit
from cardsvc.core.model import Instrument, Posting, TxRecord
from cardsvc.core.state import LedgerState, Policy


class Ctx:
    __slots__ = ("balance_after", "now", "policy", "postings", "state")

    def __init__(self, state: LedgerState, now: int, policy: Policy) -> None:
        self.state = state
        self.now = now
        self.policy = policy
        self.postings: list[Posting] = []
        self.balance_after: int | None = None

    def instrument(self, instrument_id: str | None) -> Instrument | None:
        if instrument_id is None:
            return None
        return self.state.instruments.get(instrument_id)

    def record(self, tx_id: str | None) -> TxRecord | None:
        if tx_id is None:
            return None
        return self.state.records.get(tx_id)

    def credit(self, tx_id: str, inst: Instrument, other: str, amount: int) -> None:
        """Move `amount` onto an instrument from the account `other` (a liability grows)."""
        self.state.touch_instrument(inst)
        inst.balance += amount
        assert inst.balance <= BALANCE_MAX, "balance bound"
        self.pair(tx_id, inst.unit, accounts.instrument_account(inst.id), other, amount)

    def debit(self, tx_id: str, inst: Instrument, other: str, amount: int) -> None:
        """Move `amount` off an instrument to the account `other` (a liability shrinks)."""
        self.state.touch_instrument(inst)
        inst.balance -= amount
        assert inst.balance >= 0, "instrument balances never go negative"
        self.pair(tx_id, inst.unit, other, accounts.instrument_account(inst.id), amount)

    def pair(self, tx_id: str, unit: Unit, to: str, frm: str, amount: int) -> None:
        """Post `amount` from account `frm` to account `to`: the pair sums to zero."""
        assert amount > 0
        self.postings.append(Posting(tx_id, to, unit, amount))
        self.postings.append(Posting(tx_id, frm, unit, -amount))
