"""A code shown at a counter, quoted against a sale: which instrument, how much it takes off,
what the customer still pays, or why it cannot be used.

The ledger's own rules decide, not a copy of them: the redemption the counter would send is
run through the core (`apply`) on the state it would read, and the result is thrown away. So a
quote says `expired`, `already_redeemed`, `min_spend_not_met`, `not_accepted_here` exactly when
the redemption would. How much a code takes off is the core's `voucher_discount` for a
percentage voucher, and otherwise what the value allows.
"""

from __future__ import annotations

from dataclasses import replace

from cardsvc.core import Instrument, InstrumentKind, LedgerState, Op, Policy, Transaction, apply
from cardsvc.core.ops import voucher_discount
from cardsvc.protocol import counter as wire
from cardsvc.protocol import qr
from cardsvc.services.ingest import Actor
from cardsvc.storage.unit_of_work import UnitOfWork
from cardsvc.vouchers.lookup import looks_like_payload, resolve_code, resolve_payload
from cardsvc.vouchers.service import Vouchers

CODE_KINDS = frozenset({InstrumentKind.VOUCHER, InstrumentKind.GIFT, InstrumentKind.ETICKET})
# A payload refused for these reasons still names its instrument; the ledger's own state
# then gives the precise reason (expired, used up, blocked), as for a typed code.
_STATE_REASONS = frozenset({qr.QrReason.OK, qr.QrReason.NOT_YET_VALID, qr.QrReason.EXPIRED,
                            qr.QrReason.REVOKED})  # fmt: skip


def find_instrument(uow: UnitOfWork, v: Vouchers, text: str) -> tuple[str | None, str, str | None]:
    """A typed code or a scanned payload -> (instrument id, "ok", campaign) or (None, why not,
    None)."""
    if looks_like_payload(text):
        found, check = resolve_payload(v, text)
        if check.reason not in _STATE_REASONS or found.instrument is None:
            return None, wire.QR_REASON_PREFIX + str(check.reason), None
        return found.instrument, "ok", found.campaign
    found = resolve_code(uow, v, text)
    if found.instrument is None:
        return None, wire.CODE_TYPO if found.reason == "typo" else wire.UNKNOWN_CODE, None
    return found.instrument, "ok", found.campaign


def _not_sold(uow: UnitOfWork, instrument: str, campaign_id: str | None, purchase: int
              ) -> wire.Quote:  # fmt: skip
    """A code with no instrument yet: a gift card printed but not sold (gift cards are issued
    when sold at a till, for their face value in cash)."""
    row = uow.campaigns.get(campaign_id) if campaign_id else None
    if row is None or row.kind != "gift":
        return wire.Quote(code=wire.UNKNOWN_CODE, purchase_amount=purchase, to_pay=purchase)
    return wire.Quote(
        code=wire.GIFT_NOT_SOLD, instrument=instrument, kind="gift", program=row.program_id,
        name=uow.programs.name(row.program_id), purchase_amount=purchase, to_pay=purchase,
        balance=row.face_value,
    )  # fmt: skip


def proposed_amount(inst: Instrument, purchase: int, wanted: int | None) -> int:
    """What the code would take off `purchase`: a percentage voucher's discount by the core's
    rule; value (gift card, fixed voucher) up to the sale; nothing for a ticket."""
    spec = inst.spec
    if spec.kind is InstrumentKind.ETICKET:
        return 0
    if spec.discount_bp:
        return voucher_discount(purchase, spec.discount_bp, spec.discount_cap)
    most = min(inst.balance, purchase)
    return most if wanted is None else min(wanted, most) if spec.partial else most


def quote(
    uow: UnitOfWork, v: Vouchers, actor: Actor, req: wire.QuoteRequest, now: int, policy: Policy
) -> wire.Quote:
    instrument_id, why, campaign_id = find_instrument(uow, v, req.code)
    if instrument_id is None:
        return wire.Quote(code=why, purchase_amount=req.purchase_amount,
                          to_pay=req.purchase_amount)  # fmt: skip
    probe = Transaction(
        id="quote", op=Op.REDEEM, instrument=instrument_id, store=actor.store_id,
        terminal=actor.terminal_id, purchase_amount=req.purchase_amount,
    )  # fmt: skip
    state, _ = uow.ledger.load_unlocked([probe], now)
    inst = state.instruments.get(instrument_id)
    if inst is None:
        return _not_sold(uow, instrument_id, campaign_id, req.purchase_amount)
    shown = _shown(uow, inst, req.purchase_amount)
    if inst.spec.kind not in CODE_KINDS:
        return shown.model_copy(update={"code": wire.NOT_A_CODE_INSTRUMENT})
    amount = proposed_amount(inst, req.purchase_amount, req.amount)
    code = _dry_run(state, replace(probe, amount=amount), now, policy)
    if inst.spec.kind is not InstrumentKind.ETICKET:
        # no sale typed yet (a scan comes first): ask for it rather than blame the sale; a
        # redemption of nothing is the core's invalid_amount: say what a person would
        if not req.purchase_amount and code in ("invalid_amount", "min_spend_not_met"):
            code = wire.PURCHASE_MISSING
        elif code == "invalid_amount":
            code = wire.NOTHING_TO_DISCOUNT
    taken = amount if code == "ok" else 0
    return shown.model_copy(
        update={"code": code, "amount": taken, "to_pay": req.purchase_amount - taken}
    )


def _dry_run(state: LedgerState, tx: Transaction, now: int, policy: Policy) -> str:
    """The redemption's result code; its postings and state changes are thrown away."""
    return str(apply(state, [tx], now, policy).results[0].code)


def _shown(uow: UnitOfWork, inst: Instrument, purchase: int) -> wire.Quote:
    spec = inst.spec
    program = uow.programs.name(spec.program)
    value_kind = spec.kind is not InstrumentKind.ETICKET and not spec.discount_bp
    return wire.Quote(
        code="", instrument=inst.id, kind=str(spec.kind), program=spec.program, name=program,
        purchase_amount=purchase, to_pay=purchase,
        balance=inst.balance if value_kind else None, uses_left=inst.uses_left,
        valid_until=spec.valid_until, min_spend=spec.min_spend, discount_bp=spec.discount_bp,
        discount_cap=spec.discount_cap,
    )  # fmt: skip
