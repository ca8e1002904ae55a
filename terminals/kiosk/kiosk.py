"""A voucher kiosk: accepts a voucher QR against a purchase offline, applying the voucher's
rules from its signed claims (minimum spend; fixed value or percentage with a cap), and
queues the redemption for the ledger."""

from __future__ import annotations

from dataclasses import replace

from cardsvc.core.ops import voucher_discount
from cardsvc.protocol.qr import QrClaims, QrKind
from terminals.offline import Decision, OfflineDevice

_VOUCHERS = {QrKind.VOUCHER}


def voucher_amount(c: QrClaims, purchase_amount: int) -> int:
    """What the voucher takes off a purchase: a discount voucher by the ledger's own rule; a
    fixed voucher its value, at most the purchase (the ledger forfeits what is left)."""
    if c.discount_bp:
        return voucher_discount(purchase_amount, c.discount_bp, c.discount_cap)
    return min(c.value, purchase_amount)


class Kiosk(OfflineDevice):
    def redeem(self, payload: str, purchase_amount: int) -> Decision:
        if purchase_amount < 0:
            raise ValueError("a purchase amount is never negative")
        decision = self.check(payload, _VOUCHERS)
        c = decision.claims
        if not decision.ok or c is None:
            return decision
        if purchase_amount < c.min_spend:
            return replace(decision, ok=False, reason="min_spend_not_met")
        amount = voucher_amount(c, purchase_amount)
        if amount <= 0:
            return replace(decision, ok=False, reason="nothing_to_discount")
        self.record(c, amount=amount, purchase_amount=purchase_amount)
        return replace(decision, amount=amount)
