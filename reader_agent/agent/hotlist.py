"""The local copy of the ledger's hotlist (blocked instruments) and of the current shift.

The hotlist is replaced as a whole each time the sync loop fetches it (GET /v1/terminal/hotlist)
and consulted on every tap, online or offline; its age bounds offline spending (risk.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reader_agent.agent.localdb import Connection, LocalDb

HOTLIST_MAX = 1_000_000  # the ledger sends at most 100,000; refuse anything absurd


class HotlistTooLarge(ValueError):
    pass


class Hotlist:
    def __init__(self, db: LocalDb, clock: Callable[[], int]) -> None:
        self.db, self.clock = db, clock

    def replace(
        self, blocked: Iterable[str], media: Iterable[str] = (), pending: Iterable[str] = ()
    ) -> int:
        """Replace the copy; `media` are the entries that name cards refused as cards (lost,
        stolen, damaged, replaced), so a tap of one says so (card_medium_blocked); `pending`
        the cards with value changed at the ledger, asked for at their next tap."""
        entries = sorted(set(blocked))
        cards, waiting = sorted(set(media)), sorted(set(pending))
        if max(len(entries), len(cards), len(waiting)) > HOTLIST_MAX:
            raise HotlistTooLarge(f"hotlist of {len(entries)} entries refused")
        with self.db.write() as conn:
            conn.execute("DELETE FROM hotlist")
            conn.executemany("INSERT INTO hotlist (instrument) VALUES (?)", ((e,) for e in entries))
            conn.execute("DELETE FROM hotlist_media")
            conn.executemany("INSERT INTO hotlist_media (name) VALUES (?)", ((c,) for c in cards))
            conn.execute("DELETE FROM pending_cards")
            conn.executemany("INSERT INTO pending_cards (name) VALUES (?)", ((w,) for w in waiting))
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('hotlist_at', ?)",
                (str(self.clock()),),
            )
        return len(entries)

    def add(self, instrument: str) -> None:
        """Block locally at once (the ledger refused a replayed card) until the next fetch."""
        with self.db.write() as conn:
            conn.execute("INSERT OR IGNORE INTO hotlist (instrument) VALUES (?)", (instrument,))

    def add_medium(self, name: str) -> None:
        """Refuse a card locally at once (the ledger said it is blocked) until the next fetch."""
        with self.db.write() as conn:
            conn.execute("INSERT OR IGNORE INTO hotlist (instrument) VALUES (?)", (name,))
            conn.execute("INSERT OR IGNORE INTO hotlist_media (name) VALUES (?)", (name,))

    def has_updates(self, name: str) -> bool:
        with self.db.read() as conn:
            row = conn.execute("SELECT 1 FROM pending_cards WHERE name = ?", (name,)).fetchone()
        return row is not None

    def updates_written(self, name: str) -> None:
        """The card has nothing more waiting (until the next fetch says otherwise)."""
        with self.db.write(fsync=False) as conn:
            conn.execute("DELETE FROM pending_cards WHERE name = ?", (name,))

    def medium_blocked(self, name: str) -> bool:
        with self.db.read() as conn:
            row = conn.execute("SELECT 1 FROM hotlist_media WHERE name = ?", (name,)).fetchone()
        return row is not None

    def blocked(self, instrument: str) -> bool:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT 1 FROM hotlist WHERE instrument = ?", (instrument,)
            ).fetchone()
        return row is not None

    def fetched_at(self) -> int | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'hotlist_at'").fetchone()
        return None if row is None else int(row[0])

    def size(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute("SELECT count(*) FROM hotlist").fetchone()[0])


@dataclass(frozen=True)
class Shift:
    id: int
    staff: str
    opened_at: int


class Shifts:
    """Counter shifts: offline spending is capped per shift. A shift opens with a staff name
    and closes when the next opens (or on close); the agent opens one at start if none is."""

    def __init__(self, db: LocalDb, clock: Callable[[], int]) -> None:
        self.db, self.clock = db, clock

    def current(self) -> Shift | None:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT id, staff, opened_at FROM shifts WHERE closed_at IS NULL "
                "ORDER BY id DESC LIMIT 1"
            ).fetchone()
        return None if row is None else Shift(int(row[0]), str(row[1]), int(row[2]))

    def open(self, staff: str, opening_float: int = 0) -> Shift:
        """Open a shift (the open one closes: a handover) with the cash in the drawer."""
        if not 0 < len(staff) <= 64:
            raise ValueError("a shift needs a staff name of 1-64 characters")
        assert type(opening_float) is int and opening_float >= 0
        now = self.clock()
        with self.db.write() as conn:
            _close_open(conn, now, None)
            cursor = conn.execute(
                "INSERT INTO shifts (staff, opened_at, opening_float) VALUES (?, ?, ?)",
                (staff, now, opening_float),
            )
            shift_id = cursor.lastrowid
        assert shift_id is not None
        return Shift(shift_id, staff, now)

    def ensure(self, staff: str = "agent") -> Shift:
        return self.current() or self.open(staff)

    def close(self, counted_cash: int | None = None) -> None:
        """Close the open shift with the cash counted (None: not counted)."""
        assert counted_cash is None or (type(counted_cash) is int and counted_cash >= 0)
        with self.db.write() as conn:
            _close_open(conn, self.clock(), counted_cash)


def _close_open(conn: Connection, now: int, counted_cash: int | None) -> None:
    """Close the open shift and queue its (Z) report for the ledger, in one transaction: a
    closed shift always has its report queued (reader_agent.agent.zreports sends it)."""
    conn.execute("INSERT OR IGNORE INTO zreports (shift_id) "
                 "SELECT id FROM shifts WHERE closed_at IS NULL")  # fmt: skip
    conn.execute("UPDATE shifts SET closed_at = ?, counted_cash = ? WHERE closed_at IS NULL",
                 (now, counted_cash))  # fmt: skip
