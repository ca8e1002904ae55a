"""The state the core reads and changes, with change tracking and chain undo.

The service loads into a LedgerState only what a batch touches (its instruments and the records
its ids and references name); the in-memory benchmark and the fuzz tests keep everything in one.
After `apply`, the storage layer persists exactly what the tracking sets name.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from cardsvc.core.loyalty_model import LoyaltyRules, Member, TierChange
from cardsvc.core.model import Instrument, TxRecord


@dataclass(frozen=True, slots=True)
class Policy:
    """Scheme rules that are configuration, not code."""

    void_window_s: int = 1800  # a void must come within 30 minutes, from the same store
    max_holds: int = 16  # open holds per instrument (bounds the hold list)
    # An offline tap is judged (validity, anti-passback) at its device time when that time is
    # no later than the ledger's and at most this old; otherwise at the ledger's time.
    offline_window_s: int = 7 * 24 * 3600
    # Loyalty adjustments (award, deduct) a till may send in one go, in points; more needs a
    # person with the role for it, through the API.
    terminal_adjust_max: int = 1_000


def _copy_instrument(inst: Instrument) -> Instrument:
    return replace(inst, holds=dict(inst.holds))


def _copy_record(rec: TxRecord) -> TxRecord:
    return replace(rec)


def _copy_member(member: Member) -> Member:
    return member.copy()


@dataclass(slots=True)
class LedgerState:
    instruments: dict[str, Instrument] = field(default_factory=dict)
    records: dict[str, TxRecord] = field(default_factory=dict)
    # Loyalty: the members of the batch's member instruments (absent: not yet a member) and
    # the rule versions of their programs, oldest first (absent: the program has none).
    members: dict[str, Member] = field(default_factory=dict)
    loyalty: dict[str, tuple[LoyaltyRules, ...]] = field(default_factory=dict)
    changed_members: set[str] = field(default_factory=set)
    # Rewards bought so far, loaded for the batch's rewards: (campaign, item, "") in all and
    # (campaign, item, member instrument) per member.
    reward_counts: dict[tuple[str, str, str], int] = field(default_factory=dict)
    tier_changes: list[TierChange] = field(default_factory=list)
    # What changed since the last `clear_changes()`.
    changed_instruments: set[str] = field(default_factory=set)
    new_records: dict[str, None] = field(default_factory=dict)  # ordered set
    changed_records: set[str] = field(default_factory=set)
    # Inside a linked chain: the value before the chain's first change (None: did not exist).
    _undo_instruments: dict[str, Instrument | None] | None = None
    _undo_records: dict[str, TxRecord | None] | None = None
    _undo_members: dict[str, Member | None] | None = None
    _undo_tier_changes: int = 0
    _undo_counts: dict[tuple[str, str, str], int] | None = None

    def clear_changes(self) -> None:
        self.changed_instruments = set()
        self.new_records = {}
        self.changed_records = set()
        self.changed_members = set()
        self.tier_changes = []

    # --- mutation hooks (handlers call these before changing an object) -------------------
    def touch_instrument(self, inst: Instrument) -> None:
        self.changed_instruments.add(inst.id)
        undo = self._undo_instruments
        if undo is not None and inst.id not in undo:
            undo[inst.id] = _copy_instrument(inst)

    def add_instrument(self, inst: Instrument) -> None:
        assert inst.id not in self.instruments
        if self._undo_instruments is not None and inst.id not in self._undo_instruments:
            self._undo_instruments[inst.id] = None
        self.instruments[inst.id] = inst
        self.changed_instruments.add(inst.id)

    def touch_record(self, rec: TxRecord) -> None:
        self.changed_records.add(rec.tx.id)
        undo = self._undo_records
        if undo is not None and rec.tx.id not in undo:
            undo[rec.tx.id] = _copy_record(rec)

    def add_record(self, rec: TxRecord) -> None:
        assert rec.tx.id not in self.records
        if self._undo_records is not None:
            self._undo_records[rec.tx.id] = None
        self.records[rec.tx.id] = rec
        self.new_records[rec.tx.id] = None

    def touch_member(self, member: Member) -> None:
        self.changed_members.add(member.instrument)
        undo = self._undo_members
        if undo is not None and member.instrument not in undo:
            undo[member.instrument] = _copy_member(member)

    def add_member(self, member: Member) -> None:
        assert member.instrument not in self.members
        if self._undo_members is not None and member.instrument not in self._undo_members:
            self._undo_members[member.instrument] = None
        self.members[member.instrument] = member
        self.changed_members.add(member.instrument)

    def count_reward(self, key: tuple[str, str, str]) -> None:
        undo = self._undo_counts
        if undo is not None and key not in undo:
            undo[key] = self.reward_counts.get(key, 0)
        self.reward_counts[key] = self.reward_counts.get(key, 0) + 1

    # --- linked chains ---------------------------------------------------------------------
    def begin_chain(self) -> None:
        assert self._undo_instruments is None, "chains do not nest"
        self._undo_instruments = {}
        self._undo_records = {}
        self._undo_members = {}
        self._undo_counts = {}
        self._undo_tier_changes = len(self.tier_changes)

    def end_chain(self, commit: bool) -> None:
        undo_i, undo_r, undo_m = self._undo_instruments, self._undo_records, self._undo_members
        undo_c = self._undo_counts
        assert undo_i is not None and undo_r is not None and undo_m is not None
        assert undo_c is not None
        self._undo_instruments = self._undo_records = self._undo_members = None
        self._undo_counts = None
        if commit:
            return
        self.reward_counts.update(undo_c)
        del self.tier_changes[self._undo_tier_changes :]
        for member_id, member in undo_m.items():
            if member is None:
                del self.members[member_id]
                self.changed_members.discard(member_id)
            else:
                self.members[member_id] = member
        for inst_id, inst in undo_i.items():
            if inst is None:
                del self.instruments[inst_id]
                self.changed_instruments.discard(inst_id)
            else:
                self.instruments[inst_id] = inst
        for rec_id, rec in undo_r.items():
            if rec is None:
                del self.records[rec_id]
                del self.new_records[rec_id]
            else:
                self.records[rec_id] = rec
