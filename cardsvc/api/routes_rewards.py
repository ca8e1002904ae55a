"""Rewards bought with points: a member's catalog (staff and up) and the code and QR of a
voucher a reward issued (staff and up: the counter prints it on the receipt). The purchase
itself is a signed `reward` transaction through the batch path, like every other."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter

from cardsvc.api.deps import LedgerDep, ReadUow, SignedDep, VouchersDep, allow
from cardsvc.api.views import ERRORS
from cardsvc.services.loyalty_catalog import offers
from cardsvc.services.people import Person, Role
from cardsvc.vouchers.rewards import reward_voucher

router = APIRouter(tags=["loyalty"])

Staff = Annotated[Person, allow(Role.ADMIN, Role.STAFF)]


@router.get("/v1/loyalty/members/{instrument_id}/rewards", responses=ERRORS)
def member_rewards(instrument_id: str, person: Staff, ledger: LedgerDep,
                   uow: ReadUow) -> dict[str, Any]:  # fmt: skip
    """The catalog as this member sees it: locked items name the tier they need."""
    found = offers(uow, instrument_id, ledger.clock())
    return {"instrument": instrument_id, "rewards": [asdict(o) for o in found]}


@router.post("/v1/loyalty/rewards/{tx_id}/voucher", responses=ERRORS)
def reward_voucher_of(tx_id: str, person: Staff, v: VouchersDep) -> dict[str, Any]:
    """The voucher a reward issued, its code and signed QR (the same every time asked)."""
    return asdict(reward_voucher(v, tx_id, person.id))


@router.post("/v1/terminal/rewards/{tx_id}/voucher", responses=ERRORS)
def terminal_reward_voucher(tx_id: str, signed: SignedDep, v: VouchersDep) -> dict[str, Any]:
    """The voucher a reward this terminal sent issued, for its receipt (code and signed QR)."""
    return asdict(reward_voucher(v, tx_id, None, terminal=signed.actor.terminal_id))
