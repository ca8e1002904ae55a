"""Receipts and shift reports, read from the outbox: every transaction this till made is there
from before it was first sent, so a receipt exists for every operation, online or offline.

A receipt number is short (the transaction's place in this till's sequence, counted from the
database's first: 42, printed 000042) and unique chain-wide with the terminal id before it
("S1-QUAY1-000042"), which is what the receipt's QR carries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from cardsvc.protocol.messages import TransactionMsg
from reader_agent.agent.localdb import LocalDb
from reader_agent.contract import POINTS_OPS

SEARCH_MAX = 100
NUMBER_DIGITS = 6
_NUMBER = re.compile(r"(?:(?P<terminal>[A-Za-z0-9_.:\-]+)-)?(?P<n>\d{1,12})")
# What a shift's report counts as done: answered ok, or waiting to be sent (decided here).
_COUNTED = "(state IN ('card', 'ready') OR (state = 'done' AND code IN ('ok', 'exists')))"
_CASH_OPS = ("issue", "top_up")
# Compensations (the agent setting a card back after a refusal) and what they set back are not
# operations of the shift: nothing reached the customer.
_NOT_COMPENSATION = (
    "must_complete = 0 AND id NOT IN (SELECT json_extract(body, '$.ref') FROM outbox "
    "WHERE must_complete = 1 AND op = 'void')"
)


@dataclass(frozen=True)
class Receipt:
    tx_id: str
    number: str  # S1-QUAY1-000042
    short: str  # 000042
    op: str
    instrument: str
    amount: int
    purchase_amount: int
    funding: str
    ref: str | None
    state: str  # the outbox state: card, ready, done, cancelled, unresolved
    code: str | None  # the ledger's answer once sent
    balance_after: int | None
    card_value: int | None
    uid: str | None
    at: int
    shift_id: int | None
    staff: str | None
    offline: bool
    # A refund of a member's purchase under `deduct_cash`: đồng kept from the cash refund for
    # points the member had already spent (the ledger's loyalty answer).
    cash_deducted: int = 0
    points_earned: int = 0  # a member's purchase: the points it earned (the ledger's answer)
    unit: str = "VND"  # PTS: a member's points card (a loyalty answer, or an operation on points)


@dataclass(frozen=True)
class OpTotal:
    op: str
    funding: str
    count: int
    total: int


@dataclass
class ShiftReport:
    shift_id: int
    staff: str
    opened_at: int
    closed_at: int | None
    totals: list[OpTotal] = field(default_factory=list)
    refused: int = 0  # operations the ledger refused (nothing moved)
    cash_taken: int = 0  # cash the customer paid: card sales and top-ups funded by cash
    queued: int = 0  # this till's operations still waiting for the ledger (any shift)
    queued_amount: int = 0
    unresolved: int = 0
    opening_float: int = 0  # cash in the drawer when the shift opened
    counted_cash: int | None = None  # cash counted at close (None: not counted)
    refunds: int = 0  # refunds made in the shift, and what they gave back
    refunded: int = 0


_SELECT = (
    "SELECT o.seq, o.id, o.body, o.state, o.code, o.balance_after, o.uid, o.created_at, "
    "o.shift_id, s.staff, o.offline, o.loyalty FROM outbox o"
    " LEFT JOIN shifts s ON s.id = o.shift_id"
)


class Receipts:
    def __init__(self, db: LocalDb, terminal_id: str) -> None:
        self.db, self.terminal_id = db, terminal_id

    def _first_seq(self, conn: Any) -> int:
        return int(conn.execute("SELECT value FROM meta WHERE key = 'first_seq'").fetchone()[0])

    def _receipt(self, row: tuple[Any, ...], first: int) -> Receipt:
        seq, tx_id, body, state, code, balance, uid, at, shift_id, staff, offline, points = row
        msg = TransactionMsg.model_validate_json(body)
        short = f"{seq - first + 1:0{NUMBER_DIGITS}d}"
        loyalty = json.loads(points) if points else {}
        return Receipt(
            tx_id, f"{self.terminal_id}-{short}", short, msg.op, msg.instrument, msg.amount,
            msg.purchase_amount, msg.funding, msg.ref, state, code, balance,
            msg.card.after if msg.card else None, uid, at, shift_id, staff, bool(offline),
            int(loyalty.get("cash_deducted", 0)), int(loyalty.get("earned", 0)),
            "PTS" if points or msg.op in POINTS_OPS else "VND",
        )  # fmt: skip

    def get(self, tx_id: str) -> Receipt | None:
        with self.db.read() as conn:
            row = conn.execute(_SELECT + " WHERE o.id = ?", (tx_id,)).fetchone()
            return None if row is None else self._receipt(row, self._first_seq(conn))

    def seq_of(self, number: str, first: int) -> int | None:
        """'42', '000042' or 'S1-QUAY1-000042' -> the sequence number (None: not ours)."""
        found = _NUMBER.fullmatch(number.strip())
        if found is None or found["terminal"] not in (None, self.terminal_id):
            return None
        return first + int(found["n"]) - 1

    def search(
        self, *, number: str | None = None, instrument: str | None = None,
        since: int | None = None, until: int | None = None, limit: int = 20,
    ) -> list[Receipt]:  # fmt: skip
        """Newest first; every criterion given must hold."""
        where = ["o.state != 'cancelled'"]  # a cancelled one never happened
        params: list[object] = []
        with self.db.read() as conn:
            first = self._first_seq(conn)
            if number:
                seq = self.seq_of(number, first)
                if seq is None:
                    return []
                where.append("o.seq = ?")
                params.append(seq)
            if instrument:
                where.append("(o.instrument = ? OR o.uid = ?)")
                params += [instrument, instrument.upper()]
            if since is not None:
                where.append("o.created_at >= ?")
                params.append(since)
            if until is not None:
                where.append("o.created_at < ?")
                params.append(until)
            sql = f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY o.seq DESC LIMIT ?"
            rows = conn.execute(sql, (*params, min(max(limit, 1), SEARCH_MAX))).fetchall()
            return [self._receipt(r, first) for r in rows]

    def shift_report(self, shift_id: int) -> ShiftReport | None:
        with self.db.read() as conn:
            shift = conn.execute(
                "SELECT id, staff, opened_at, closed_at, opening_float, counted_cash "
                "FROM shifts WHERE id = ?", (shift_id,),
            ).fetchone()  # fmt: skip
            if shift is None:
                return None
            report = ShiftReport(int(shift[0]), str(shift[1]), int(shift[2]), shift[3],
                                 opening_float=int(shift[4]), counted_cash=shift[5])  # fmt: skip
            rows = conn.execute(
                "SELECT op, coalesce(json_extract(body, '$.funding'), 'cash') AS funding, "
                f"count(*), coalesce(sum(amount), 0) FROM outbox WHERE shift_id = ? AND {_COUNTED} "
                f"AND {_NOT_COMPENSATION}"
                " GROUP BY op, funding ORDER BY op, funding",
                (shift_id,),
            ).fetchall()
            report.totals = [OpTotal(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]
            report.refused = int(conn.execute(
                f"SELECT count(*) FROM outbox WHERE shift_id = ? AND NOT {_COUNTED} "
                "AND state = 'done'", (shift_id,),
            ).fetchone()[0])  # fmt: skip
            queued = conn.execute(
                "SELECT count(*), coalesce(sum(amount), 0) FROM outbox "
                "WHERE state IN ('card', 'ready')"
            ).fetchone()
            report.queued, report.queued_amount = int(queued[0]), int(queued[1])
            unresolved = "SELECT count(*) FROM outbox WHERE state = 'unresolved'"
            report.unresolved = int(conn.execute(unresolved).fetchone()[0])
        report.cash_taken = sum(t.total for t in report.totals
                                if t.op in _CASH_OPS and t.funding == "cash")  # fmt: skip
        report.refunds = sum(t.count for t in report.totals if t.op == "refund")
        report.refunded = sum(t.total for t in report.totals if t.op == "refund")
        return report
