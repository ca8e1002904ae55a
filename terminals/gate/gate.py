"""An e-ticket gate: admits a ticket QR offline (signature, window, revocation list, entries and
anti-passback as far as this gate has seen) and queues the check-in for the ledger."""

from __future__ import annotations

from cardsvc.protocol.qr import QrKind
from terminals.offline import Decision, OfflineDevice

_TICKETS = {QrKind.ETICKET}


class Gate(OfflineDevice):
    def admit(self, payload: str) -> Decision:
        decision = self.check(payload, _TICKETS)
        if decision.ok and decision.claims is not None:
            self.record(decision.claims)
        return decision
