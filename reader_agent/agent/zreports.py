"""Shift (Z) reports sent to the ledger, exactly once, queued while it is out of reach.

Closing a shift (at close, or at a handover) queues its report in the same local transaction
(hotlist.Shifts). The sync loop then makes each queued report once (its figures frozen from
the outbox as they stand then) and sends it signed with the terminal key until the ledger
has it: `stored`, or `exists` for a resend after a lost answer. The agent's own shift (opened
at start with nobody signed in) is not reported when nothing happened in it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx

from cardsvc.protocol.client import LedgerClient, LedgerRefused
from cardsvc.protocol.shift_report import ShiftReportMsg
from reader_agent.agent.localdb import LocalDb
from reader_agent.agent.receipts import Receipts, ShiftReport
from reader_agent.agent.sync import LedgerUnavailable

log = logging.getLogger(__name__)
SEND_MAX = 20  # reports per round
_REFUSED = -1  # sent_at of a report the ledger refused as malformed (not sent again)


def message(report: ShiftReport) -> ShiftReportMsg:
    """What the ledger is told of a closed shift."""
    assert report.closed_at is not None, "only a closed shift is reported"
    operations = sum(t.count for t in report.totals)
    return ShiftReportMsg(
        shift_no=report.shift_id, staff=report.staff, opened_at=report.opened_at,
        closed_at=int(report.closed_at), opening_float=report.opening_float,
        cash_sold=report.cash_taken, refunds=report.refunds, refunded=report.refunded,
        counted_cash=report.counted_cash, operations=operations,
    )  # fmt: skip


class ZReports:
    def __init__(self, db: LocalDb, receipts: Receipts, client: LedgerClient,
                 clock: Callable[[], int]) -> None:  # fmt: skip
        self.db, self.receipts, self.client, self.clock = db, receipts, client, clock

    def freeze(self) -> None:
        """Make the body of every queued report that has none yet."""
        with self.db.read() as conn:
            ids = [int(r[0]) for r in conn.execute(
                "SELECT shift_id FROM zreports WHERE body IS NULL ORDER BY shift_id LIMIT ?",
                (SEND_MAX,),
            )]  # fmt: skip
        for shift_id in ids:
            report = self.receipts.shift_report(shift_id)
            with self.db.write() as conn:
                if report is None or (report.staff == "agent" and not report.totals):
                    conn.execute("DELETE FROM zreports WHERE shift_id = ?", (shift_id,))
                    continue
                body = message(report).model_dump_json()
                conn.execute("UPDATE zreports SET body = ? WHERE shift_id = ? AND body IS NULL",
                             (body, shift_id))  # fmt: skip

    def pending(self) -> list[tuple[int, str]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT shift_id, body FROM zreports WHERE body IS NOT NULL AND sent_at IS NULL "
                "ORDER BY shift_id LIMIT ?", (SEND_MAX,),
            ).fetchall()  # fmt: skip
        return [(int(r[0]), str(r[1])) for r in rows]

    def round(self) -> int:
        """Send what is queued; how many the ledger now has. Raises LedgerUnavailable."""
        self.freeze()
        sent = 0
        for shift_id, body in self.pending():
            try:
                state = self.client.send_shift_report(json.loads(body))
            except LedgerRefused as exc:
                if exc.status != 422:
                    raise LedgerUnavailable(f"shift report: {exc}") from exc
                log.error("the ledger refused the report of shift %d: %s", shift_id, exc)
                self._mark(shift_id, _REFUSED)
                continue
            except httpx.HTTPError as exc:
                raise LedgerUnavailable(f"shift report: {exc}") from exc
            log.info("shift %d reported to the ledger: %s", shift_id, state)
            self._mark(shift_id, self.clock())
            sent += 1
        return sent

    def _mark(self, shift_id: int, at: int) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE zreports SET sent_at = ? WHERE shift_id = ?", (at, shift_id))
