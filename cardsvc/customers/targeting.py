"""Targeting a voucher campaign at a segment: one code per customer of the segment, generated
by the voucher module (budget reserved as for any batch), each voucher linked to its customer.
The codes are returned once (codes are bearer secrets: the ledger keeps only their hashes)."""

from __future__ import annotations

from typing import Any

from cardsvc.customers import segments
from cardsvc.customers.service import Customers
from cardsvc.vouchers.generate import generate
from cardsvc.vouchers.service import Vouchers


def give_vouchers(
    c: Customers, v: Vouchers, segment: str, campaign: str, store: str | None, limit: int,
    by: str,
) -> list[dict[str, Any]]:
    with c.db.read() as uow:
        chosen = segments.members(segments.compute(uow, c.clock()), segment, store)[:limit]
    if not chosen:
        return []
    made = generate(v, campaign, len(chosen), by)
    given = []
    now = c.clock()
    with c.db.write() as uow:
        for person, code in zip(chosen, made.codes, strict=False):
            uow.customers.link(code.instrument, person.customer_id, now, by)
            uow.customers.event(person.customer_id, "voucher_given",
                                {"campaign": campaign, "instrument": code.instrument,
                                 "segment": segment}, by, now)  # fmt: skip
            given.append({"customer": person.customer_id, "instrument": code.instrument,
                          "code": code.code, "qr": code.payload})  # fmt: skip
    return given
