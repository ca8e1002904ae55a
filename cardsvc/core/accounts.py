"""Ledger account names.

Every posting moves value between two kinds of account:
- instrument accounts ("i:<instrument id>"): the customer's value, a liability of the scheme;
- the other side: a store's cash drawer ("cash:<store>") when value is sold for money, a store's
  settlement account ("settle:<store>") when value is spent there (store-to-store clearing),
  a program's promotion expense ("promo:<program>") when value is given away, a program's
  breakage income ("breakage:<program>") when value expires unused, and a program's write-off
  account ("writeoff:<program>") when finance brings the ledger in line with what a purse card
  holds (a loss when the card holds more, a gain when it holds less).

Posting amounts are signed with liabilities positive: an instrument account's balance is the sum
of its postings and is never negative. The postings of one transaction sum to zero per unit.
"""

from __future__ import annotations

INSTRUMENT = "i:"  # the prefixes, for the hot path that builds names inline
SETTLEMENT = "settle:"


def instrument_account(instrument_id: str) -> str:
    return INSTRUMENT + instrument_id


def cash_account(store: str) -> str:
    return "cash:" + store


def settlement_account(store: str) -> str:
    return SETTLEMENT + store


def promotion_account(program: str) -> str:
    return "promo:" + program


def breakage_account(program: str) -> str:
    return "breakage:" + program


def is_instrument_account(account: str) -> bool:
    return account.startswith(INSTRUMENT)


def writeoff_account(program: str) -> str:
    return "writeoff:" + program
