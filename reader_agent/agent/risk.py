"""Offline risk limits: what the agent may let a purse card spend while the ledger is away.

Offline, the card is the only record of the value and the ledger hears of the spending later,
so the store carries the risk of a forged or restored card until the sync. The caps bound it:
  - per transaction,
  - per card: its offline spending not yet confirmed by the ledger,
  - per terminal: all offline spending not yet confirmed by the ledger,
  - per shift: offline spending during the current counter shift (synced or not),
and a hotlist older than its maximum age stops offline spending altogether (a card blocked at
head office since then could not be refused). Only the DESFire purse spends offline: online-only
cards (UID / NTAG) never reach these checks. Refusals are data (a code), never exceptions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from reader_agent.agent.hotlist import Hotlist, Shifts
from reader_agent.agent.outbox import Outbox


class Refusal(StrEnum):
    BLOCKED = "instrument_blocked"  # on the hotlist
    MEDIUM_BLOCKED = "card_medium_blocked"  # the card itself: reported lost, stolen, replaced
    OFFLINE_TX_LIMIT = "offline_tx_limit"
    OFFLINE_CARD_LIMIT = "offline_card_limit"
    OFFLINE_TERMINAL_LIMIT = "offline_terminal_limit"
    OFFLINE_SHIFT_LIMIT = "offline_shift_limit"
    HOTLIST_STALE = "hotlist_stale"
    OFFLINE_NOT_ALLOWED = "offline_not_allowed"  # only spending works offline


@dataclass(frozen=True)
class RiskLimits:
    tx_max: int
    card_max: int
    terminal_max: int
    shift_max: int
    hotlist_max_age_s: int


class RiskGate:
    def __init__(
        self,
        limits: RiskLimits,
        outbox: Outbox,
        hotlist: Hotlist,
        shifts: Shifts,
        clock: Callable[[], int],
    ) -> None:
        self.limits, self.outbox, self.hotlist, self.shifts = limits, outbox, hotlist, shifts
        self.clock = clock

    def blocked(self, instrument: str) -> Refusal | None:
        """Every tap, online or offline: a hotlisted instrument is refused."""
        if not self.hotlist.blocked(instrument):
            return None
        if self.hotlist.medium_blocked(instrument):
            return Refusal.MEDIUM_BLOCKED
        return Refusal.BLOCKED

    def offline_spend(self, uid: str, instrument: str, amount: int) -> Refusal | None:
        """May this card spend `amount` now, without the ledger? None when it may."""
        limits = self.limits
        refused = self.blocked(instrument)
        if refused is not None:
            return refused
        fetched = self.hotlist.fetched_at()
        if fetched is None or self.clock() - fetched > limits.hotlist_max_age_s:
            return Refusal.HOTLIST_STALE
        if amount > limits.tx_max:
            return Refusal.OFFLINE_TX_LIMIT
        if self.outbox.offline_spent(uid=uid, unsynced=True) + amount > limits.card_max:
            return Refusal.OFFLINE_CARD_LIMIT
        if self.outbox.offline_spent(unsynced=True) + amount > limits.terminal_max:
            return Refusal.OFFLINE_TERMINAL_LIMIT
        shift = self.shifts.ensure()
        if self.outbox.offline_spent(shift_id=shift.id) + amount > limits.shift_max:
            return Refusal.OFFLINE_SHIFT_LIMIT
        return None
