"""Finance reports from the journal, as tables any front-end can show or export.

Every report is a `Report`: columns (with what kind of value each holds) and rows of plain
values (ints for money, `date`s for days), plus a totals row. The back office renders it as a
page, CSV and XLSX from the same object, so the exports always equal what is on screen.

Signs (cardsvc.core.accounts): instrument accounts hold the liability (positive); the other side
of a sale for cash is the store's `cash:` account (debited: negative), of a redemption the
store's `settle:` account (positive), of a promotion the program's `promo:` account (negative),
of expiry the program's `breakage:` account (positive).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from cardsvc.storage.unit_of_work import UnitOfWork

EPOCH_DAY = date(1970, 1, 1)
LOCAL_OFFSET_S = 7 * 3600
PERIOD_DAYS_MAX = 3 * 366  # one report covers at most three years
JOURNAL_ROWS_MAX = 1_000_000
GRAINS = ("day", "week", "month")


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # a message key of the front-end's catalogue
    kind: str  # text, date, money, number


@dataclass
class Report:
    name: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] | None = None

    def total(self, key: str) -> int:
        return sum(int(r[key]) for r in self.rows)


SETTLE_KEYS = ("cash_in", "redeemed", "promotion", "net_due")


def columns(*specs: str) -> list[Column]:
    """Columns from "key:kind" specs (kind text when absent); the title key is the key."""
    out = []
    for spec in specs:
        key, _, kind = spec.partition(":")
        out.append(Column(key, key, kind or "text"))
    return out


def day_start(d: date) -> int:
    return (d - EPOCH_DAY).days * 86400 - LOCAL_OFFSET_S


def day_of(n: int) -> date:
    return EPOCH_DAY + timedelta(days=n)


def bucket(d: date, grain: str) -> date:
    """The first day of the day, week (Monday) or month `d` falls in."""
    if grain == "week":
        return d - timedelta(days=d.weekday())
    if grain == "month":
        return d.replace(day=1)
    return d


def check_period(first: date, last: date) -> None:
    if last < first:
        raise ValueError("period_reversed")
    if (last - first).days > PERIOD_DAYS_MAX:
        raise ValueError("period_too_long")


def _kind(account: str) -> str:
    return account.partition(":")[0]


# --- dashboard --------------------------------------------------------------------------------
FLOW_COLUMNS = ("sold", "redeemed", "expired", "promotion")


def _flow_values(account: str, amount: int) -> dict[str, int]:
    kind = _kind(account)
    if kind == "cash":
        return {"sold": -amount}
    if kind == "settle":
        return {"redeemed": amount}
    if kind == "breakage":
        return {"expired": amount}
    if kind == "promo":
        return {"promotion": -amount}
    return {}


def movements(
    uow: UnitOfWork, first: date, last: date, grain: str, store: str | None, unit: str = "VND"
) -> Report:
    """Sold, redeemed, expired and given as promotion per day, week or month."""
    check_period(first, last)
    lines: dict[date, dict[str, int]] = {}
    d = first
    while d <= last:
        lines.setdefault(bucket(d, grain), dict.fromkeys(FLOW_COLUMNS, 0))
        d += timedelta(days=1)
    for day_n, account, _program, _store, u, amount in uow.finance.flows(
        day_start(first), day_start(last + timedelta(days=1)), store
    ):
        if u != unit:
            continue
        line = lines[bucket(day_of(day_n), grain)]
        for key, value in _flow_values(account, amount).items():
            line[key] += value
    cols = columns("period:date", *(f"{k}:money" for k in FLOW_COLUMNS))
    report = Report("movements", cols, [{"period": k, **v} for k, v in sorted(lines.items())])
    report.totals = {"period": None, **{k: report.total(k) for k in FLOW_COLUMNS}}
    return report


def liability_series(
    uow: UnitOfWork, first: date, last: date, grain: str, store: str | None, unit: str = "VND"
) -> tuple[list[date], dict[str, list[int]]]:
    """Outstanding liability per program at the end of each bucket: (bucket starts, program ->
    values)."""
    check_period(first, last)
    start = day_start(first)
    opening: dict[str, int] = defaultdict(int)
    for program, _store, u, amount in uow.finance.liability_before(start, store):
        if u == unit:
            opening[program] += amount
    daily: dict[tuple[str, date], int] = defaultdict(int)
    for day_n, program, _store, u, delta in uow.finance.liability_moves(
        start, day_start(last + timedelta(days=1)), store
    ):
        if u == unit:
            daily[(program, day_of(day_n))] += delta
    programs = sorted(set(opening) | {p for p, _ in daily})
    buckets: list[date] = []
    series: dict[str, list[int]] = {p: [] for p in programs}
    running = dict(opening)
    d = first
    while d <= last:
        for p in programs:
            running[p] = running.get(p, 0) + daily.get((p, d), 0)
        b = bucket(d, grain)
        nxt = d + timedelta(days=1)
        if nxt > last or bucket(nxt, grain) != b:
            buckets.append(b)
            for p in programs:
                series[p].append(running.get(p, 0))
        d = nxt
    return buckets, series


def liability_by_store(uow: UnitOfWork, at: int, store: str | None) -> Report:
    """Outstanding value per program and issuing store at a moment, from the journal."""
    rows = [
        {"program": program, "store": s, "unit": unit, "outstanding": amount}
        for program, s, unit, amount in sorted(uow.finance.liability_before(at, store))
        if amount != 0
    ]
    cols = columns("program", "store", "unit", "outstanding:money")
    report = Report("liability", cols, rows)
    vnd = [r for r in rows if r["unit"] == "VND"]
    report.totals = {"program": None, "store": None, "unit": "VND",
                     "outstanding": sum(r["outstanding"] for r in vnd)}  # fmt: skip
    return report


# --- settlement, clearing, breakage -------------------------------------------------------------
def settlement(uow: UnitOfWork, first: date, last: date, store: str | None) -> Report:
    """Per store and day: cash taken for stored value, value redeemed, promotions given, and
    net due (redeemed - cash taken: positive, the scheme owes the store)."""
    check_period(first, last)
    lines: dict[tuple[date, str], dict[str, int]] = {}
    for day_n, account, _program, s, unit, amount in uow.finance.flows(
        day_start(first), day_start(last + timedelta(days=1)), store
    ):
        if unit != "VND":
            continue
        line = lines.setdefault((day_of(day_n), s), {"cash_in": 0, "redeemed": 0, "promotion": 0})
        kind = _kind(account)
        if kind == "cash":
            line["cash_in"] -= amount
        elif kind == "settle":
            line["redeemed"] += amount
        elif kind == "promo":
            line["promotion"] -= amount
    rows = [{"day": d, "store": s, **v, "net_due": v["redeemed"] - v["cash_in"]}
            for (d, s), v in sorted(lines.items())]  # fmt: skip
    cols = columns("day:date", "store", *(f"{k}:money" for k in SETTLE_KEYS))
    report = Report("settlement", cols, rows)
    report.totals = {"day": None, "store": None, **{k: report.total(k) for k in SETTLE_KEYS}}
    return report


def clearing(uow: UnitOfWork, first: date, last: date, store: str | None) -> Report:
    """The settlement summed per store over the whole period (store-to-store clearing)."""
    daily = settlement(uow, first, last, store)
    per: dict[str, dict[str, int]] = {}
    for r in daily.rows:
        line = per.setdefault(r["store"], {"cash_in": 0, "redeemed": 0, "promotion": 0})
        for k in line:
            line[k] += r[k]
    rows = [{"store": s, **v, "net_due": v["redeemed"] - v["cash_in"]}
            for s, v in sorted(per.items())]  # fmt: skip
    report = Report("clearing", [c for c in daily.columns if c.key != "day"], rows)
    report.totals = {"store": None, **{k: report.total(k) for k in SETTLE_KEYS}}
    return report


def breakage(uow: UnitOfWork, first: date, last: date, store: str | None) -> Report:
    """Expired value per program, issuing store and month, as recognised by expiry postings
    (a store-scoped person sees the breakage of what their store sold)."""
    check_period(first, last)
    lines: dict[tuple[date, str, str], int] = defaultdict(int)
    for day_n, account, program, s, unit, amount in uow.finance.flows(
        day_start(first), day_start(last + timedelta(days=1)), store, by_issuer=True
    ):
        if _kind(account) == "breakage" and unit == "VND":
            lines[(bucket(day_of(day_n), "month"), program, s)] += amount
    rows = [{"month": m, "program": p, "store": s, "expired": v}
            for (m, p, s), v in sorted(lines.items()) if v]  # fmt: skip
    cols = columns("month:month", "program", "store", "expired:money")
    report = Report("breakage", cols, rows)
    report.totals = {"month": None, "program": None, "store": None,
                     "expired": report.total("expired")}  # fmt: skip
    return report


# --- the journal for the accounting system ------------------------------------------------------
# Vietnamese chart of accounts (Circular 200/2014/TT-BTC): stored value sold is unearned revenue
# until it is spent or expires.
DEFAULT_CHART: dict[str, tuple[str, str]] = {
    "i": ("3387", "Doanh thu chưa thực hiện"),
    "cash": ("1111", "Tiền mặt Việt Nam"),
    "settle": ("5111", "Doanh thu bán hàng hóa"),
    "promo": ("6418", "Chi phí bằng tiền khác (khuyến mại)"),
    "breakage": ("711", "Thu nhập khác"),
    "writeoff": ("811", "Chi phí khác"),  # card/ledger differences written off
}


def chart(uow: UnitOfWork) -> dict[str, tuple[str, str]]:
    """The chart of accounts in force: the defaults with the administrator's changes over."""
    return {**DEFAULT_CHART, **uow.backoffice.account_map()}


def journal(uow: UnitOfWork, first: date, last: date, store: str | None) -> Report:
    """Every posting of the period, debit or credit, mapped to the chart of accounts. A posting
    that lowers a liability account or raises an asset is a debit; amounts are positive in
    exactly one of the two columns, and the postings of each transaction balance."""
    check_period(first, last)
    accounts = chart(uow)
    rows = []
    for p in uow.finance.journal(day_start(first), day_start(last + timedelta(days=1)), store,
                                 JOURNAL_ROWS_MAX):  # fmt: skip
        code, name = accounts.get(_kind(p["account"]), ("", ""))
        amount = int(p["amount"])
        rows.append({
            "at": p["at"], "tx": p["tx_id"], "op": p["op"], "store": p["store_id"],
            "ledger_account": p["account"], "account": code, "account_name": name,
            "unit": p["unit"], "debit": -amount if amount < 0 else 0,
            "credit": amount if amount > 0 else 0,
        })  # fmt: skip
    cols = columns("at:datetime", "tx", "op", "store", "ledger_account", "account",
                   "account_name", "unit", "debit:money", "credit:money")  # fmt: skip
    report = Report("journal", cols, rows)
    report.totals = {c.key: None for c in cols} | {"debit": report.total("debit"),
                                                   "credit": report.total("credit")}  # fmt: skip
    return report
