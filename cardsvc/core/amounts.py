"""Units and the bounds on amounts.

Amounts are Python ints in the unit's smallest denomination: whole đồng for VND (the đồng has no
minor unit in practice) and whole points for loyalty points. No float ever touches an amount.

Bounds, and why:
- AMOUNT_MAX = 10**12 per transaction (one trillion đồng, ~40M USD): far above any retail
  movement, so a larger number is a bug or an attack, not a sale.
- BALANCE_MAX = 10**13 per instrument: a program's max_balance sits well below it.
- A batch holds at most BATCH_MAX transactions, so any sum the ledger forms in one batch stays
  below BATCH_MAX * AMOUNT_MAX < 10**17, inside PostgreSQL's BIGINT (9.2 * 10**18) and
  SQLite's INTEGER: storage never overflows, and summing postings never needs big numbers.
"""

from __future__ import annotations

from enum import StrEnum


class Unit(StrEnum):
    """What an instrument holds. An instrument holds exactly one unit."""

    VND = "VND"
    POINTS = "PTS"


AMOUNT_MAX = 10**12
BALANCE_MAX = 10**13
BATCH_MAX = 8192

BIGINT_MAX = 2**63 - 1
assert BATCH_MAX * AMOUNT_MAX * 10 < BIGINT_MAX


def is_valid_amount(amount: object) -> bool:
    """True for an int (not a bool) in [0, AMOUNT_MAX]."""
    return type(amount) is int and 0 <= amount <= AMOUNT_MAX
