"""Card media, their replacements and the ledger-to-card update queue: the rows behind
`cardsvc.services.media` and `cardsvc.services.card_updates`. The rules are in
`cardsvc.core.media`.

Locking: the ingest and a replacement both lock the media rows of the cards they touch
(SELECT ... FOR UPDATE on PostgreSQL, in UID order) before they read the card mirror or an
instrument, so a late tap and the replacement of its card never interleave. SQLite serialises
writers (BEGIN IMMEDIATE).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from cardsvc.core.media import Medium, MediumState, Torn, default_instrument
from cardsvc.storage.schema import (
    card_media,
    card_replacements,
    card_torn,
    card_updates,
    instruments,
    transactions,
)

_CHUNK = 500  # UIDs per statement
LIST_MAX = 500


@dataclass(frozen=True, slots=True)
class MediumRow:
    medium: Medium
    created_at: int
    changed_at: int
    changed_by: str | None


@dataclass(frozen=True, slots=True)
class UpdateRow:
    id: str
    instrument: str
    amount: int
    reason: str
    state: str
    created_at: int
    note: str | None
    written_tx: str | None
    written_uid: str | None
    written_counter: int | None


def _medium(r: Any) -> Medium:
    return Medium(r.uid, r.instrument_id, r.card_type, MediumState(r.state), r.held_instrument,
                  r.window_until)  # fmt: skip


class MediaRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.for_update = conn.dialect.name == "postgresql"

    # --- media ------------------------------------------------------------------------------
    def for_uids(self, uids: Collection[str], *, lock: bool = False) -> dict[str, Medium]:
        """The media of these UIDs (those that have one), locked for this transaction when
        asked (PostgreSQL; in UID order, so two writers never deadlock)."""
        wanted = sorted(set(uids))
        found: dict[str, Medium] = {}
        for start in range(0, len(wanted), _CHUNK):
            q = select(card_media).where(card_media.c.uid.in_(wanted[start : start + _CHUNK]))
            q = q.order_by(card_media.c.uid)
            if lock and self.for_update:
                q = q.with_for_update()
            for r in self.conn.execute(q):
                found[r.uid] = _medium(r)
        return found

    def get(self, uid: str) -> MediumRow | None:
        r = self.conn.execute(select(card_media).where(card_media.c.uid == uid)).first()
        return None if r is None else MediumRow(_medium(r), r.created_at, r.changed_at,
                                                r.changed_by)  # fmt: skip

    def of_instrument(self, instrument: str) -> list[MediumRow]:
        q = (
            select(card_media)
            .where(card_media.c.instrument_id == instrument)
            .order_by(card_media.c.created_at, card_media.c.uid)
            .limit(LIST_MAX)
        )
        return [MediumRow(_medium(r), r.created_at, r.changed_at, r.changed_by)
                for r in self.conn.execute(q)]  # fmt: skip

    def add(self, medium: Medium, now: int, by_user: str | None) -> None:
        self.conn.execute(
            insert(card_media).values(
                uid=medium.uid, instrument_id=medium.instrument, card_type=medium.card_type,
                state=str(medium.state), held_instrument=medium.held,
                window_until=medium.window_until, created_at=now, changed_at=now,
                changed_by=by_user,
            )
        )  # fmt: skip

    def set_state(self, medium: Medium, now: int, by_user: str | None) -> None:
        self.conn.execute(
            update(card_media)
            .where(card_media.c.uid == medium.uid)
            .values(state=str(medium.state), held_instrument=medium.held,
                    window_until=medium.window_until, changed_at=now, changed_by=by_user)
        )  # fmt: skip

    def blocked_names(self, limit: int) -> list[str]:
        """The names terminals know cards by (`card-<UID>`) of every medium that must be
        refused: its own state is not active, or its instrument is blocked or expired."""
        m, i = card_media.c, instruments.c
        q = (
            select(m.uid)
            .select_from(card_media.outerjoin(instruments, i.id == m.instrument_id))
            .where(or_(m.state != str(MediumState.ACTIVE), i.status.in_(("blocked", "expired"))))
            .order_by(m.uid)
            .limit(limit)
        )
        return [default_instrument(r.uid) for r in self.conn.execute(q)]

    def cards_with_updates(self, limit: int) -> list[str]:
        """The names (`card-<UID>`) of active purse cards whose instrument has updates
        waiting: terminals ask the ledger for them only when one of these is tapped."""
        m, u = card_media.c, card_updates.c
        q = (
            select(m.uid)
            .where(m.state == str(MediumState.ACTIVE), m.card_type == "desfire")
            .where(m.instrument_id.in_(select(u.instrument_id).where(u.state == "pending")))
            .order_by(m.uid)
            .limit(limit)
        )
        return [default_instrument(r.uid) for r in self.conn.execute(q)]

    def journalled_instruments(self, tx_ids: Collection[str]) -> dict[str, str]:
        """The instrument each of these journalled transactions was applied to."""
        wanted = sorted(set(tx_ids))
        out: dict[str, str] = {}
        t = transactions.c
        for start in range(0, len(wanted), _CHUNK):
            q = select(t.id, t.instrument_id).where(t.id.in_(wanted[start : start + _CHUNK]))
            out.update({r.id: r.instrument_id for r in self.conn.execute(q)})
        return out

    # --- replacements -----------------------------------------------------------------------
    def add_replacement(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(card_replacements).values(**row))

    def replacement(self, replacement_id: str) -> dict[str, Any] | None:
        q = select(card_replacements).where(card_replacements.c.id == replacement_id)
        r = self.conn.execute(q).first()
        return None if r is None else dict(r._mapping)

    def replacement_by_old_uid(self, uid: str) -> dict[str, Any] | None:
        q = select(card_replacements).where(card_replacements.c.old_uid == uid)
        r = self.conn.execute(q).first()
        return None if r is None else dict(r._mapping)

    def replacements(
        self,
        *,
        instrument: str | None = None,
        state: str | None = None,
        due_by: int | None = None,
        limit: int = LIST_MAX,
    ) -> list[dict[str, Any]]:
        c = card_replacements.c
        conds = []
        if instrument is not None:
            conds.append(c.instrument_id == instrument)
        if state is not None:
            conds.append(c.state == state)
        if due_by is not None:
            conds.append(c.window_until <= due_by)
        q = select(card_replacements).where(and_(True, *conds))
        q = q.order_by(c.window_until, c.id).limit(min(limit, LIST_MAX))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def close_replacement(self, replacement_id: str, state: str, now: int, moved: int,
                          spent_late: int) -> None:  # fmt: skip
        self.conn.execute(
            update(card_replacements)
            .where(card_replacements.c.id == replacement_id)
            .values(state=state, closed_at=now, moved=moved, spent_late=spent_late)
        )

    # --- ledger-to-card updates -------------------------------------------------------------
    def add_update(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(card_updates).values(**row))

    def updates_of(self, instrument: str, *, state: str | None = "pending",
                   limit: int = LIST_MAX) -> list[UpdateRow]:  # fmt: skip
        c = card_updates.c
        q = select(card_updates).where(c.instrument_id == instrument)
        if state is not None:
            q = q.where(c.state == state)
        q = q.order_by(c.created_at, c.id).limit(min(limit, LIST_MAX))
        return [_update(r) for r in self.conn.execute(q)]

    def updates(self, ids: Collection[str], *, lock: bool = False) -> dict[str, UpdateRow]:
        wanted = sorted(set(ids))
        out: dict[str, UpdateRow] = {}
        for start in range(0, len(wanted), _CHUNK):
            q = select(card_updates).where(card_updates.c.id.in_(wanted[start : start + _CHUNK]))
            q = q.order_by(card_updates.c.id)
            if lock and self.for_update:
                q = q.with_for_update()
            out.update({r.id: _update(r) for r in self.conn.execute(q)})
        return out

    def mark_written(self, rows: Sequence[tuple[str, str, str, int]], now: int) -> None:
        """(update id, tx id, uid, counter) per update the card now carries."""
        for update_id, tx_id, uid, counter in rows:
            self.conn.execute(
                update(card_updates)
                .where(card_updates.c.id == update_id, card_updates.c.state == "pending")
                .values(state="written", written_tx=tx_id, written_uid=uid,
                        written_counter=counter, written_at=now)
            )  # fmt: skip

    def pending_totals(self, limit: int = LIST_MAX) -> list[tuple[str, int, int]]:
        """(instrument, pending updates, their sum) for instruments with updates not yet on
        their card, oldest first: what finance sees as value waiting for a tap."""
        c = card_updates.c
        q = (
            select(c.instrument_id, func.count(), func.sum(c.amount), func.min(c.created_at))
            .where(c.state == "pending")
            .group_by(c.instrument_id)
            .order_by(func.min(c.created_at))
            .limit(limit)
        )
        return [(r[0], int(r[1]), int(r[2])) for r in self.conn.execute(q)]


    # --- torn taps reported by tills --------------------------------------------------------
    def add_torn(self, rows: Sequence[dict[str, Any]]) -> int:
        """Keep the reported torn operations not already known (by tx id); how many were new."""
        known = self._torn_known([r["tx_id"] for r in rows])
        fresh = [r for r in rows if r["tx_id"] not in known]
        if fresh:
            self.conn.execute(insert(card_torn), fresh)
        return len(fresh)

    def _torn_known(self, tx_ids: Collection[str]) -> set[str]:
        wanted = sorted(set(tx_ids))
        found: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            part = wanted[start : start + _CHUNK]
            found |= {r[0] for r in self.conn.execute(
                select(card_torn.c.tx_id).where(card_torn.c.tx_id.in_(part)))}  # fmt: skip
        return found

    def open_torn(self, uids: Collection[str]) -> list[tuple[Torn, str, str, int | None]]:
        """Open torn operations of these cards, locked: (torn, terminal, message JSON, the
        signed request that reported it)."""
        wanted = sorted(set(uids))
        out: list[tuple[Torn, str, str, int | None]] = []
        c = card_torn.c
        for start in range(0, len(wanted), _CHUNK):
            q = (
                select(card_torn)
                .where(c.uid.in_(wanted[start : start + _CHUNK]), c.state == "open")
                .order_by(c.uid, c.counter, c.tx_id)
            )
            if self.for_update:
                q = q.with_for_update()
            for r in self.conn.execute(q):
                out.append((Torn(r.tx_id, r.uid, r.counter, r.before, r.after), r.terminal_id,
                            r.body, r.request_id))  # fmt: skip
        return out

    def torn_open_ids(self, tx_ids: Collection[str]) -> list[str]:
        wanted = sorted(set(tx_ids))
        c = card_torn.c
        out: list[str] = []
        for start in range(0, len(wanted), _CHUNK):
            q = select(c.tx_id).where(c.tx_id.in_(wanted[start : start + _CHUNK]),
                                      c.state == "open")  # fmt: skip
            out.extend(r.tx_id for r in self.conn.execute(q))
        return out

    def settle_torn(self, tx_id: str, state: str, now: int, by: str | None) -> None:
        self.conn.execute(
            update(card_torn)
            .where(card_torn.c.tx_id == tx_id)
            .values(state=state, settled_at=now, settled_by=by)
        )

    def torn_states(self, terminal_id: str, tx_ids: Collection[str]) -> dict[str, str]:
        wanted = sorted(set(tx_ids))
        out: dict[str, str] = {}
        c = card_torn.c
        for start in range(0, len(wanted), _CHUNK):
            q = select(c.tx_id, c.state).where(
                c.terminal_id == terminal_id, c.tx_id.in_(wanted[start : start + _CHUNK])
            )
            out.update({r.tx_id: r.state for r in self.conn.execute(q)})
        return out

    def torn_list(self, *, state: str | None, reported_before: int | None,
                  limit: int = LIST_MAX) -> list[dict[str, Any]]:  # fmt: skip
        c = card_torn.c
        q = select(c.tx_id, c.terminal_id, c.uid, c.counter, c.before, c.after, c.reported_at,
                   c.state, c.settled_at, c.settled_by)  # fmt: skip
        if state is not None:
            q = q.where(c.state == state)
        if reported_before is not None:
            q = q.where(c.reported_at <= reported_before)
        q = q.order_by(c.reported_at, c.tx_id).limit(min(limit, LIST_MAX))
        return [dict(r._mapping) for r in self.conn.execute(q)]


def _update(r: Any) -> UpdateRow:
    return UpdateRow(r.id, r.instrument_id, r.amount, r.reason, r.state, r.created_at, r.note,
                     r.written_tx, r.written_uid, r.written_counter)  # fmt: skip
