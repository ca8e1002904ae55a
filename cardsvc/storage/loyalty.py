"""Loyalty in the database: rule versions (and the process's cache of them), members' state,
tier history, and what the expiry and tier-review runs look for.

The hot path: a batch that touches member instruments loads their programs' rule versions from
the cache (one `max(id)` query per batch tells whether a new version was added anywhere) and
their members in one query; it writes changed members with one executemany. A member's state
is in its instrument's row (`tier` set: it has state), so that query reads rows the ledger has
just loaded and the update rewrites a row the ledger's balance update already changed: one row
per purchase read and written, not two (revision 0012).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy import text as sql_text

from cardsvc.core import InstrumentKind, LedgerState, LoyaltyRules, Op, Transaction
from cardsvc.storage.db import driver_cursor, marker, markers, select_in, update_rows
from cardsvc.storage.loyalty_codec import member_from_row, rules_from_json, rules_to_json
from cardsvc.storage.schema import (
    instruments,
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
_MEMBER_COLS = ("id, program_id, tier, floor_tier, tier_since, review_at, debt, lots,"
                " days, days_spend, days_points, next_expiry")  # fmt: skip
_SELECT_MEMBERS = f"SELECT {_MEMBER_COLS} FROM instruments WHERE tier IS NOT NULL AND id {{in_ids}}"
# A member's state is written into its instrument's row, which the batch holds (the row lock
# on PostgreSQL, the write lock on SQLite): with the balance when that changed too (the
# ledger's instrument UPDATE), alone otherwise.
MEMBER_COLS = ("tier", "floor_tier", "tier_since", "review_at", "debt", "lots", "days",
               "days_spend", "days_points", "next_expiry", "member_updated_at")  # fmt: skip
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
        for row in select_in(self.cur, self.mark, _SELECT_MEMBERS, loyal):
            member = member_from_row(row)
            state.members[member.instrument] = member

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

    def member_values(self, state: LedgerState, now: int) -> dict[str, tuple[object, ...]]:
        """The MEMBER_COLS values of every member the batch changed, by instrument id."""
        out: dict[str, tuple[object, ...]] = {}
        for iid in sorted(state.changed_members):
            m = state.members.get(iid)
            if m is not None:
                out[iid] = (m.tier, m.floor_tier, m.tier_since, m.review_at, m.debt,
                            m.lots_out(), m.days_out(), m.days_spend, m.days_points,
                            m.soonest_expiry(), now)  # fmt: skip
        return out

    def persist(self, state: LedgerState, members: dict[str, tuple[object, ...]]) -> None:
        """Write the members the ledger's instrument update did not (`members`: their
        MEMBER_COLS values) and the tier changes."""
        rows = [(*values, iid) for iid, values in sorted(members.items())]
        update_rows(self.cur, self.mark, instruments, MEMBER_COLS, "id", rows)
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
        rows = select_in(self.cur, self.mark, _SELECT_MEMBERS, [instrument_id])
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
        m = instruments.c
        rows = self.conn.execute(
            select(m.id).where(m.next_expiry <= now, m.id > after)
            .order_by(m.id).limit(limit)
        ).all()  # fmt: skip
        return [r[0] for r in rows]

    def due_review(self, now: int, after: str, limit: int = RUN_CHUNK) -> list[str]:
        m = instruments.c
        rows = self.conn.execute(
            select(m.id).where(m.review_at <= now, m.id > after)
            .order_by(m.id).limit(limit)
        ).all()  # fmt: skip
        return [r[0] for r in rows]

    def outstanding(self, programs: Iterable[str]) -> dict[str, int]:
        m = instruments.c
        rows = self.conn.execute(
            select(m.program_id, func.count())
            .where(m.program_id.in_(list(programs)), m.tier.is_not(None))
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
        m = instruments.c
        rows = self.conn.execute(
            select(m.id, m.program_id, m.tier, m.floor_tier, m.tier_since,
                   m.review_at, m.debt, m.lots, m.days, m.days_spend, m.days_points,
                   m.next_expiry)
            .where(m.program_id == program, m.next_expiry <= until, m.id > after,
                   m.tier.is_not(None))
            .order_by(m.id).limit(limit)
        ).all()  # fmt: skip
        return [member_from_row(tuple(r)) for r in rows]

    def total_debt(self, program: str) -> int:
        m = instruments.c
        q = select(func.coalesce(func.sum(m.debt), 0)).where(m.program_id == program)
        return int(self.conn.execute(q).scalar_one())
