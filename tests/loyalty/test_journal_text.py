"""The loyalty column of a purchase's journal row, written by hand on the hot path (rule names
and tiers from a small cache): it reads back as the same earning, and as the same JSON the
general path writes, however often a name is reused."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from cardsvc.core import Earning, Op, Transaction
from cardsvc.storage.loyalty_codec import earning_from_json, inputs_from_json, journal_json

NAMES = st.sampled_from(["v3:base", "tier:bạc", "giờ-vàng", "tet-x2", "cap", 'quote"d'])
TENDERS = st.lists(st.sampled_from(["bank_card", "cash", "voucher"]), unique=True).map(
    lambda kinds: tuple((k, 1000 * (i + 1)) for i, k in enumerate(sorted(kinds)))
)


@given(st.lists(NAMES, max_size=4).map(tuple), st.sampled_from(["member", "vàng", "vip"]),
       TENDERS, st.integers(min_value=0, max_value=10**9))  # fmt: skip
def test_a_purchase_row_reads_back_as_written(
    names: tuple[str, ...], tier: str, tenders: tuple[tuple[str, int], ...], earned: int
) -> None:
    tx = Transaction("t1", Op.PURCHASE, "m", 0, purchase_amount=10**6, tenders=tenders)
    done = Earning(earned, (1_800_000_000, 0), 0, names, 10**6, 20_400, (), tier, 3)
    for _ in range(2):  # the second time from the cache
        text = journal_json(tx, done)
        assert text is not None
        assert earning_from_json(text) == done
        assert inputs_from_json(text) == ({"tenders": tenders} if tenders else {})
        general = {"o": [done.earned, list(done.lot or ()), 0, list(names), done.spend,
                         done.day, [], tier, 3, 0, 0, 0]}  # fmt: skip
        if tenders:
            general["t"] = [list(t) for t in tenders]
        assert json.loads(text) == general
