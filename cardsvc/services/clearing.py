"""Store-to-store clearing: what each store took in cash for stored value and what it gave out
against stored value, over a period, and so what the scheme owes it (or it owes the scheme).

A card bought for cash in Hà Nội and spent in TP.HCM leaves the cash in one store and the goods
out of another: clearing settles that. From the journal alone:
- cash_in: value sold for cash at the store (its `cash:` account is debited);
- redeemed: value spent at the store, net of refunds it gave (its `settle:` account);
- net_due = redeemed - cash_in: positive, the scheme pays the store; negative, the store remits.
"""

from __future__ import annotations

from typing import Any

from cardsvc.core import accounts
from cardsvc.storage.unit_of_work import UnitOfWork

_CASH, _SETTLE = accounts.cash_account(""), accounts.settlement_account("")


def clearing(
    uow: UnitOfWork, start: int, end: int, store: str | None = None
) -> list[dict[str, Any]]:
    """Per store and unit, for postings with start <= at < end (one store if `store`)."""
    named = None if store is None else [_CASH + store, _SETTLE + store]
    rows = uow.reports.account_sums(start, end, [_CASH, _SETTLE], named)
    stores: dict[tuple[str, str], dict[str, Any]] = {}
    for account, unit, total in rows:
        kind, _, store_id = account.partition(":")
        line = stores.setdefault((store_id, unit), {"store": store_id, "unit": unit,
                                                    "cash_in": 0, "redeemed": 0})  # fmt: skip
        if kind + ":" == _CASH:
            line["cash_in"] = -int(total)  # the drawer is debited when value is sold
        else:
            line["redeemed"] = int(total)
    for line in stores.values():
        line["net_due"] = line["redeemed"] - line["cash_in"]
    return [stores[k] for k in sorted(stores)]
