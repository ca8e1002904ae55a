"""What a counter asks the ledger through its reader agent, signed as every terminal request:
the card programs it may sell, the quote for a code shown at the till (the ledger's own rules in
a dry run), and one of its store's transactions (a refund is checked before a card is touched).
Shapes are cardsvc.protocol.counter's, shared with the agent."""

from __future__ import annotations

from fastapi import APIRouter

from cardsvc.api.deps import LedgerDep, ReadUow, SignedDep, VouchersDep
from cardsvc.api.views import ERRORS
from cardsvc.core import InstrumentKind, Policy
from cardsvc.protocol import counter as wire
from cardsvc.services.errors import NotFound
from cardsvc.vouchers.quotes import quote

router = APIRouter(tags=["terminals"])
# Programs a card is sold under at a counter; vouchers, gift codes and tickets come from
# campaigns (their codes are printed, not sold onto a card).
CARD_KINDS = frozenset({InstrumentKind.PREPAID, InstrumentKind.GIFT, InstrumentKind.MEMBER})


@router.get(wire.PROGRAMS_PATH, response_model=wire.Programs, responses=ERRORS)
def card_programs(signed: SignedDep, uow: ReadUow) -> wire.Programs:
    """The programs a counter may sell a card under, for its menu (never a free-text box)."""
    found = [
        wire.ProgramInfo(
            id=p.id, name=p.name, kind=str(p.spec.kind), unit=str(p.spec.unit),
            reloadable=p.spec.reloadable or p.spec.kind is not InstrumentKind.GIFT,
            max_balance=p.spec.max_balance,
        )
        for p in uow.programs.list()
        if p.spec.kind in CARD_KINDS
    ]
    return wire.Programs(programs=found)


@router.post(wire.QUOTE_PATH, response_model=wire.Quote, responses=ERRORS)
def quote_code(
    body: wire.QuoteRequest, signed: SignedDep, ledger: LedgerDep, v: VouchersDep, uow: ReadUow
) -> wire.Quote:
    """What a typed code or scanned QR would take off this sale, or why it cannot be used: the
    redemption run through the ledger's core and thrown away, so the answer is the rule's."""
    policy = Policy(void_window_s=ledger.settings.void_window_s)
    return quote(uow, v, signed.actor, body, ledger.clock(), policy)


@router.get(wire.TRANSACTION_PATH, response_model=wire.TransactionView, responses=ERRORS)
def store_transaction(tx_id: str, signed: SignedDep, uow: ReadUow) -> wire.TransactionView:
    """One transaction of the asking terminal's store (another store's is not found)."""
    found = uow.reports.transaction(tx_id[:64])
    if found is None or found["store"] != signed.actor.store_id:
        raise NotFound(f"no transaction {tx_id[:64]} in this store")
    return wire.TransactionView.model_validate(found)
