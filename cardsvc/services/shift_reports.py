"""Shift (Z) reports: received from the counters (exactly once) and shown to finance per store
and day, next to the daily settlement.

A till sends the report of every shift it closes; a resend of one the ledger already holds
answers `exists` and changes nothing. The ledger keeps the store of the terminal that signed
it (a terminal cannot report for another store) and works out the expected cash (opening
float + cash sold) and the difference with what was counted."""

from __future__ import annotations

from datetime import date, timedelta

from cardsvc.protocol.shift_report import ShiftReportMsg
from cardsvc.services.finance import (
    LOCAL_OFFSET_S,
    Report,
    check_period,
    columns,
    day_of,
    day_start,
)
from cardsvc.storage.unit_of_work import UnitOfWork

MONEY_KEYS = ("opening_float", "cash_sold", "refunded", "expected_cash", "counted_cash",
              "difference")  # fmt: skip
DAY_S = 86_400


def receive(uow: UnitOfWork, terminal_id: str, store_id: str, msg: ShiftReportMsg,
            now: int) -> str:  # fmt: skip
    """Keep the report once: `stored`, or `exists` for one the ledger already has."""
    if uow.shift_reports.find(terminal_id, msg.shift_no, msg.opened_at) is not None:
        return "exists"
    uow.shift_reports.add({
        "terminal_id": terminal_id, "store_id": store_id, "shift_no": msg.shift_no,
        "staff": msg.staff, "opened_at": msg.opened_at, "closed_at": msg.closed_at,
        "opening_float": msg.opening_float, "cash_sold": msg.cash_sold,
        "refunds": msg.refunds, "refunded": msg.refunded, "expected_cash": msg.expected_cash,
        "counted_cash": msg.counted_cash, "difference": msg.difference,
        "operations": msg.operations, "received_at": now,
    })  # fmt: skip
    return "stored"


def report(uow: UnitOfWork, first: date, last: date, store: str | None) -> Report:
    """The shifts closed in the period, per store and day (the day the shift closed, local
    time), with totals."""
    check_period(first, last)
    rows = []
    end = day_start(last + timedelta(days=1))
    for r in uow.shift_reports.closed_between(day_start(first), end, store):
        rows.append({
            "day": day_of((r["closed_at"] + LOCAL_OFFSET_S) // DAY_S),
            "store": r["store_id"], "terminal": r["terminal_id"], "staff": r["staff"],
            "opened_at": r["opened_at"], "closed_at": r["closed_at"],
            **{k: r[k] for k in MONEY_KEYS},
        })  # fmt: skip
    rows.sort(key=lambda r: (r["day"], r["store"], r["closed_at"], r["terminal"]))
    cols = columns("day:date", "store", "terminal", "staff", "opened_at:datetime",
                   "closed_at:datetime", *(f"{k}:money" for k in MONEY_KEYS))  # fmt: skip
    shifts = Report("shifts", cols, rows)
    shifts.totals = {c.key: None for c in cols} | {
        k: sum(int(r[k] or 0) for r in rows) for k in MONEY_KEYS
    }
    return shifts
