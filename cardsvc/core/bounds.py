"""The one set of bounds on every integer the ledger takes in or stores.

Each integer that enters (API bodies and query parameters, wire messages, command-line options,
settings) is checked against one of these where it enters, and each integer column of the
schema names the bound its values keep (`cardsvc.storage.schema`). A test derives both sides
from here: every bounded field of the OpenAPI document and of the settings uses one of these
ranges, and every integer column's type holds its bound on SQLite and on PostgreSQL
(PostgreSQL's INTEGER is 32-bit). So a value accepted at the edge can always be stored.

Derived values (an expiry computed from a validity period, a reservation summed over a batch
of codes) have bounds of their own here, with the sum that proves them.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardsvc.core.amounts import AMOUNT_MAX, BALANCE_MAX, BATCH_MAX

INT32_MAX = 2**31 - 1  # PostgreSQL INTEGER
INT64_MAX = 2**63 - 1  # PostgreSQL BIGINT, SQLite INTEGER


@dataclass(frozen=True, slots=True)
class Bound:
    """An inclusive range [lo, hi] and what the number is, for error messages."""

    name: str
    lo: int
    hi: int
    what: str

    def __post_init__(self) -> None:
        assert -INT64_MAX <= self.lo <= self.hi <= INT64_MAX, self.name

    def holds(self, value: object) -> bool:
        return type(value) is int and self.lo <= value <= self.hi

    def problem(self, value: object, label: str | None = None) -> str | None:
        """None when `value` is within the bound, else a sentence saying what is allowed."""
        if self.holds(value):
            return None
        name = label or self.name
        return f"{name} must be a whole number from {self.lo:,} to {self.hi:,} ({self.what})"


# Time: epoch seconds up to 2106-02-07 (the unsigned 32-bit epoch), far past any card or
# program; durations up to 100 years. A date computed as time + duration stays below
# LATE_EPOCH (year 2206), which every engine stores and Python's datetime still prints.
EPOCH_MAX = 2**32 - 1
DURATION_MAX = 100 * 366 * 86_400
EPOCH = Bound("epoch", 0, EPOCH_MAX, "epoch seconds, up to 2106")
LATE_EPOCH = Bound("late_epoch", 0, EPOCH_MAX + DURATION_MAX, "a time plus a duration")
DURATION = Bound("duration", 0, DURATION_MAX, "seconds, up to 100 years")
POSITIVE_DURATION = Bound("positive_duration", 1, DURATION_MAX, "seconds, up to 100 years")

# Money and points (amounts.py says why these sizes).
AMOUNT = Bound("amount", 0, AMOUNT_MAX, "whole đồng or points per transaction")
BALANCE = Bound("balance", 0, BALANCE_MAX, "whole đồng or points on one instrument")
MAX_BALANCE = Bound("max_balance", 1, BALANCE_MAX, "the most an instrument may hold")
POSTING = Bound("posting", -BALANCE_MAX, BALANCE_MAX, "a movement on one account")
# What a campaign may commit in worst cases (budget, reservations): well inside BIGINT even
# summed over every campaign of a chain.
BUDGET = Bound("budget", 0, 10**15, "whole đồng a campaign may commit")

# Counts.
USES = Bound("uses", 1, 1_000_000, "redemptions or entries per instrument")
USES_LEFT = Bound("uses_left", 0, USES.hi, "redemptions or entries left")
BASIS_POINTS = Bound("basis_points", 0, 10_000, "hundredths of a percent")
CODE_COUNT = Bound("code_count", 0, 1_000_000, "codes in one printed batch")
SEQ = Bound("seq", 1, 2**62, "a terminal's transaction sequence number")
CARD_COUNTER = Bound("card_counter", 0, 2**32 - 1, "a purse card's transaction counter")
CARD_VALUE = Bound("card_value", -(2**31), 2**31 - 1, "a purse card's value file")
ROW_ID = Bound("row_id", 1, INT64_MAX, "a row number the database assigns")
ATTEMPTS = Bound("attempts", 0, 1_000, "tries or failures counted")
RATING = Bound("rating", 1, 5, "a customer's rating, 1 to 5")

# Calendar fields (a customer's birthday).
DAY_OF_MONTH = Bound("day_of_month", 1, 31, "a day of the month")
MONTH = Bound("month", 1, 12, "a month")
YEAR = Bound("year", 1900, 2200, "a year")

# Operations: ports, workers, sizes.
PORT = Bound("port", 1, 65_535, "a TCP port")
WORKERS = Bound("workers", 1, 64, "server worker processes")
PAGE = Bound("page", 1, 10_000, "rows in one answer")
BATCH = Bound("batch", 1, BATCH_MAX, "transactions in one batch")
QUEUE = Bound("queue", 1, 1_000_000, "entries waiting in a bounded queue")
BYTES = Bound("bytes", 1, 2**30, "bytes, up to 1 GiB")
MEGABYTES = Bound("megabytes", 1, 65_536, "MiB, up to 64 GiB")
UTC_OFFSET_H = Bound("utc_offset_h", -12, 14, "hours from UTC")
EPOCH_MS = Bound("epoch_ms", 0, EPOCH_MAX * 1000, "epoch milliseconds, up to 2106")
MILLI_TOKENS = Bound("milli_tokens", 0, 10**9, "thousandths of a rate-limit token")
OPS_COUNT = Bound("ops_count", 0, 10_000_000, "operations counted in one report")

ALL: tuple[Bound, ...] = tuple(v for v in tuple(globals().values()) if isinstance(v, Bound))

assert EPOCH.hi + DURATION.hi == LATE_EPOCH.hi  # expiry = time + duration fits LATE_EPOCH
assert USES.hi * AMOUNT.hi <= INT64_MAX  # a discount voucher's worst case: cap x uses
assert BUDGET.hi * 10 <= INT64_MAX


def bound_named(name: str) -> Bound:
    for bound in ALL:
        if bound.name == name:
            return bound
    raise KeyError(name)
