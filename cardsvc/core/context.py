"""The per-batch context the operation handlers work in: state, time, policy, postings out."""

from __future__ import annotations

from cardsvc.core import accounts
from cardsvc.core.amounts import BALANCE_MAX, Unit
from cardsvc.core.loyalty_model import Earning
from cardsvc.core.model import Instrument, Posting, Transaction, TxRecord
from cardsvc.core.state import LedgerState, Policy

# Postings are built with tuple.__new__ (what Posting._make does) rather than Posting(...):
# the namedtuple's generated __new__ is an extra Python call on the hottest line of the ledger.
_new_tuple = tuple.__new__
_INSTRUMENT = accounts.INSTRUMENT  # credit and debit name the instrument's account inline


class Ctx:
    __slots__ = ("balance_after", "instruments", "loyalty", "now", "policy", "postings", "records",
                 "state")  # fmt: skip

    def __init__(self, state: LedgerState, now: int, policy: Policy) -> None:
        self.state = state
        self.instruments = state.instruments  # the dicts themselves, looked up once per batch
        self.records = state.records
        self.now = now
        self.policy = policy
        self.postings: list[Posting] = []
        self.balance_after: int | None = None
        self.loyalty: Earning | None = None  # what a loyalty handler did, for its record

    def tap_time(self, tx: Transaction) -> int:
        """When `tx` happened: its device time for a plausible offline tap, else now.

        An offline tap synced later must be judged when it happened (a ticket valid then, two
        entries far apart in time); a device clock ahead of ours or older than the offline
        window is not believed."""
        at = tx.occurred_at
        if at is None or type(at) is not int or at >= self.now:
            return self.now
        return at if self.now - at <= self.policy.offline_window_s else self.now

    def instrument(self, instrument_id: str | None) -> Instrument | None:
        if instrument_id is None:
            return None
        return self.instruments.get(instrument_id)

    def record(self, tx_id: str | None) -> TxRecord | None:
        if tx_id is None:
            return None
        return self.records.get(tx_id)

    def credit(self, tx_id: str, inst: Instrument, other: str, amount: int) -> None:
        """Move `amount` onto an instrument from the account `other` (a liability grows)."""
        assert amount > 0
        self.state.touch_instrument(inst)
        inst.balance += amount
        assert inst.balance <= BALANCE_MAX, "balance bound"
        unit, own = inst.spec.unit, _INSTRUMENT + inst.id
        postings = self.postings
        postings.append(_new_tuple(Posting, (tx_id, own, unit, amount)))
        postings.append(_new_tuple(Posting, (tx_id, other, unit, -amount)))

    def debit(self, tx_id: str, inst: Instrument, other: str, amount: int) -> None:
        """Move `amount` off an instrument to the account `other` (a liability shrinks)."""
        assert amount > 0
        self.state.touch_instrument(inst)
        inst.balance -= amount
        assert inst.balance >= 0, "instrument balances never go negative"
        unit, own = inst.spec.unit, _INSTRUMENT + inst.id
        postings = self.postings
        postings.append(_new_tuple(Posting, (tx_id, other, unit, amount)))
        postings.append(_new_tuple(Posting, (tx_id, own, unit, -amount)))

    def pair(self, tx_id: str, unit: Unit, to: str, frm: str, amount: int) -> None:
        """Post `amount` from account `frm` to account `to`: the pair sums to zero."""
        assert amount > 0
        postings = self.postings
        postings.append(_new_tuple(Posting, (tx_id, to, unit, amount)))
        postings.append(_new_tuple(Posting, (tx_id, frm, unit, -amount)))
