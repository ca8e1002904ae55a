"""Loyalty in the database: rule versions (and the process's cache of them), members' state,
tier history, and what the expiry and tier-review runs look for.

The hot path: a batch that touches member instruments loads their programs' rule versions from
the cache (one `max(id)` query per batch tells whether a new version was added anywhere) and
their members in one query; it writes changed members with one executemany.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy import text as sql_text

from cardsvc.core import InstrumentKind, LedgerState, LoyaltyRules, Op, Transaction
from cardsvc.storage.db import driver_cursor, marker, markers, select_in
from cardsvc.storage.loyalty_codec import member_from_row, rules_from_json, rules_to_json
from cardsvc.storage.schema import (
    instruments,
    loyalty_members,
    loyalty_rules,
    loyalty_tier_history,
    postings,
    programs,
    transactions,
)

_MEMBER = InstrumentKind.MEMBER
# A literal, not a bound parameter: the planners match it to the partial index of rewards.
_ONLY_REWARDS = sql_text("transactions.op = 'reward'")
RUN_CHUNK = 1000  # members per look-up of the daily runs
_MEMBER_COLS = ("instrument_id, program_id, tier, floor_tier, tier_since, review_at, debt, lots,"
                " days, days_spend, days_points, next_expiry")  # fmt: skip
_INSERT = (
    "INSERT INTO loyalty_members (tier, floor_tier, tier_since, review_at, debt, lots, days,"
    " days_spend, days_points, next_expiry, updated_at, instrument_id, program_id)"
    " VALUES ({v})"
)
# Members loaded for the batch are updated in place (cheaper than an upsert's conflict path);
# the instrument's row lock (PostgreSQL) or the write lock (SQLite) keeps them ours.
_UPDATE = (
    "UPDATE loyalty_members SET tier = {m}, floor_tier = {m}, tier_since = {m},"
    " review_at = {m}, debt = {m}, lots = {m}, days = {m}, days_spend = {m},"
    " days_points = {m}, next_expiry = {m}, updated_at = {m} WHERE instrument_id = {m}"
)
_HISTORY = ("INSERT INTO loyalty_tier_history (instrument_id, at, from_tier, to_tier, reason,"
            " tx_id) VALUES ({v})")  # fmt: skip


@dataclass(frozen=True)
class TierHistoryRow:
    at: int
    from_tier: str
    to_tier: str
    reason: str
    tx_id: str


class LoyaltyRulesCache:
    """Every program's rule versions, oldest first, shared by a process. Versions are never
    changed, only added: the highest version id tells whether the cache is current."""

    def __init__(self) -> None:
        self._versions: dict[str, tuple[LoyaltyRules, ...]] = {}
        self._stamp: int | None = None
        self._lock = threading.Lock()

    def current(self, cur: Any) -> dict[str, tuple[LoyaltyRules, ...]]:
        cur.execute("SELECT max(id) FROM loyalty_rules")
        stamp = cur.fetchone()[0] or 0
        if stamp == self._stamp:
            return self._versions
        cur.execute("SELECT id, program_id, effective_from, rules FROM loyalty_rules"
                    " ORDER BY program_id, effective_from")  # fmt: skip
        found: dict[str, list[LoyaltyRules]] = {}
        for version, program, effective, text in cur.fetchall():
            found.setdefault(program, []).append(rules_from_json(program, version, effective, text))
        with self._lock:
            self._versions = {k: tuple(v) for k, v in found.items()}
            self._stamp = stamp
        return self._versions


class LoyaltyRepository:
    def __init__(self, conn: Connection, cache: LoyaltyRulesCache) -> None:
        self.conn, self.cache = conn, cache
        self.mark = marker(conn)
        self.cur = driver_cursor(conn)
        self.loaded: set[str] = set()  # members that have a row (updated, not inserted)

    # --- the ledger's batch -----------------------------------------------------------------
    def load_into(self, state: LedgerState) -> None:
        """Rule versions and members for the batch's member instruments (nothing to do and no
        query when the batch has none)."""
        ids = [i.id for i in state.instruments.values() if i.spec.kind is _MEMBER]
        if not ids:
            return
        versions = self.cache.current(self.cur)
        programs = {state.instruments[i].spec.program for i in ids}
        state.loyalty = {p: versions[p] for p in programs if p in versions}
        loyal = sorted(i for i in ids if state.instruments[i].spec.program in state.loyalty)
        sql = f"SELECT {_MEMBER_COLS} FROM loyalty_members WHERE instrument_id {{in_ids}}"
        for row in select_in(self.cur, self.mark, sql, loyal):
            member = member_from_row(row)
            state.members[member.instrument] = member
            self.loaded.add(member.instrument)

    def load_reward_counts(self, state: LedgerState, batch: Sequence[Transaction]) -> None:
        """How many of each reward the batch buys have been bought, in all and by its members.
        The campaign's program row is locked first (PostgreSQL), so two workers cannot both
        sell the last of a stock. Rewards are rare: nothing is read for a batch without one."""
        wanted = sorted({(tx.spec.program, tx.ref) for tx in batch
                         if tx.op is Op.REWARD and tx.spec is not None and tx.ref})  # fmt: skip
        for campaign, item in wanted:
            self.conn.execute(select(programs.c.id).where(programs.c.id == campaign)
                              .with_for_update())  # fmt: skip
            bought = self.rewards_bought(campaign, item)
            for instrument, n in bought.items():
                state.reward_counts[(campaign, item, instrument)] = n
            state.reward_counts[(campaign, item, "")] = sum(bought.values())

    def rewards_bought(self, campaign: str, item: str) -> dict[str, int]:
        """Per member card, how many of a reward it bought."""
        t = transactions.c
        rows = self.conn.execute(
            select(t.instrument_id, func.count())
            .where(_ONLY_REWARDS, t.code == "ok", t.program_id == campaign, t.ref == item)
            .group_by(t.instrument_id)
        ).all()  # fmt: skip
        return {str(instrument): int(n) for instrument, n in rows}

    def persist(self, state: LedgerState, now: int) -> None:
        if state.changed_members:
            old, new = [], []
            for iid in sorted(state.changed_members):
                m = state.members.get(iid)
                if m is None:
                    continue
                row = (m.tier, m.floor_tier, m.tier_since, m.review_at, m.debt, m.lots_out(),
                       m.days_out(), m.days_spend, m.days_points, m.soonest_expiry(), now,
                       m.instrument)  # fmt: skip
                if iid in self.loaded:
                    old.append(row)
                else:
                    new.append((*row, m.program))
                    self.loaded.add(iid)
            if old:
                self.cur.executemany(_UPDATE.format(m=self.mark), old)
            if new:
                self.cur.executemany(_INSERT.format(v=markers(self.mark, 13)), new)
        if state.tier_changes:
            self.cur.executemany(
                _HISTORY.format(v=markers(self.mark, 6)),
                [(c.instrument, c.at, c.from_tier, c.to_tier, c.reason, c.tx_id)
                 for c in state.tier_changes],
            )  # fmt: skip

    # --- rules ------------------------------------------------------------------------------
    def all_programs(self) -> list[str]:
        """Programs that have loyalty rules."""
        return sorted(self.cache.current(self.cur))

    def versions(self, program: str) -> tuple[LoyaltyRules, ...]:
        return self.cache.current(self.cur).get(program, ())

    def add_version(self, rules: LoyaltyRules, now: int, by_user: str | None) -> int:
        """Insert a new version; its id (the version number)."""
        result = self.conn.execute(
            insert(loyalty_rules).values(
                program_id=rules.program, effective_from=rules.effective_from,
                rules=rules_to_json(rules), created_at=now, created_by=by_user,
            ).returning(loyalty_rules.c.id)
        )  # fmt: skip
        return int(result.scalar_one())

    def version_exists(self, program: str, effective_from: int) -> bool:
        row = self.conn.execute(
            select(loyalty_rules.c.id).where(loyalty_rules.c.program_id == program,
                                             loyalty_rules.c.effective_from == effective_from)
        ).first()  # fmt: skip
        return row is not None

    # --- members ----------------------------------------------------------------------------
    def member(self, instrument_id: str) -> Any:
        """The member's state (core Member) or None."""
        sql = f"SELECT {_MEMBER_COLS} FROM loyalty_members WHERE instrument_id {{in_ids}}"
        rows = select_in(self.cur, self.mark, sql, [instrument_id])
        return member_from_row(rows[0]) if rows else None

    def tier_history(self, instrument_id: str, limit: int) -> list[TierHistoryRow]:
        t = loyalty_tier_history.c
        rows = self.conn.execute(
            select(t.at, t.from_tier, t.to_tier, t.reason, t.tx_id)
            .where(t.instrument_id == instrument_id).order_by(t.at.desc(), t.id.desc())
            .limit(limit)
        ).all()  # fmt: skip
        return [TierHistoryRow(*r) for r in rows]

    def due_expiry(self, now: int, after: str, limit: int = RUN_CHUNK) -> list[str]:
        """Members with a lot past its expiry at `now`, in id order after `after` (paging)."""
        m = loyalty_members.c
        rows = self.conn.execute(
            select(m.instrument_id).where(m.next_expiry <= now, m.instrument_id > after)
            .order_by(m.instrument_id).limit(limit)
        ).all()  # fmt: skip
        return [r[0] for r in rows]

    def due_review(self, now: int, after: str, limit: int = RUN_CHUNK) -> list[str]:
        m = loyalty_members.c
        rows = self.conn.execute(
            select(m.instrument_id).where(m.review_at <= now, m.instrument_id > after)
            .order_by(m.instrument_id).limit(limit)
        ).all()  # fmt: skip
        return [r[0] for r in rows]

    def outstanding(self, programs: Iterable[str]) -> dict[str, int]:
        m = loyalty_members.c
        rows = self.conn.execute(
            select(m.program_id, func.count()).where(m.program_id.in_(list(programs)))
            .group_by(m.program_id)
        ).all()  # fmt: skip
        return {r[0]: int(r[1]) for r in rows}

    # --- the finance report -------------------------------------------------------------------
    def account_total(self, account: str, unit: str) -> int:
        """The sum of every posting on one account in one unit."""
        p = postings.c
        q = select(func.coalesce(func.sum(p.amount), 0)).where(p.account == account,
                                                               p.unit == unit)  # fmt: skip
        return int(self.conn.execute(q).scalar_one())

    def outstanding_by_store(self, program: str) -> list[tuple[str | None, int, int]]:
        """(issuing store, member cards, points held) of a program."""
        i = instruments.c
        rows = self.conn.execute(
            select(i.store_id, func.count(), func.coalesce(func.sum(i.balance), 0))
            .where(i.program_id == program).group_by(i.store_id).order_by(i.store_id)
        ).all()  # fmt: skip
        return [(r[0], int(r[1]), int(r[2])) for r in rows]

    def members_expiring(self, program: str, until: int, after: str, limit: int = RUN_CHUNK
                         ) -> list[Any]:  # fmt: skip
        """Members of a program with a lot expiring by `until` (paging by instrument id)."""
        m = loyalty_members.c
        rows = self.conn.execute(
            select(m.instrument_id, m.program_id, m.tier, m.floor_tier, m.tier_since,
                   m.review_at, m.debt, m.lots, m.days, m.days_spend, m.days_points,
                   m.next_expiry)
            .where(m.program_id == program, m.next_expiry <= until, m.instrument_id > after)
            .order_by(m.instrument_id).limit(limit)
        ).all()  # fmt: skip
        return [member_from_row(tuple(r)) for r in rows]

    def total_debt(self, program: str) -> int:
        m = loyalty_members.c
        q = select(func.coalesce(func.sum(m.debt), 0)).where(m.program_id == program)
        return int(self.conn.execute(q).scalar_one())
