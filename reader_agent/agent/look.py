"""What a kiosk shows a customer about their QR or card: the QR checked offline (signature, key,
window, revocation list), what its issuer signed (kind, value, conditions), the ledger's
balance, terms and recent history when it can be reached, and whether self check-in is offered
here (an e-ticket whose event lists this terminal among its gates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from cardsvc.protocol import qr
from cardsvc.protocol.client import LedgerClient, LedgerRefused
from reader_agent.agent.admission import Gatekeeper
from reader_agent.agent.agent import CardView
from reader_agent.agent.sync import Syncer

HISTORY_ROWS = 10
_KINDS = {qr.QrKind.GIFT: "gift", qr.QrKind.VOUCHER: "voucher", qr.QrKind.ETICKET: "eticket"}


@dataclass(frozen=True)
class LookResult:
    source: str
    code: str
    instrument: str | None = None
    claims: dict[str, Any] | None = None
    card_kind: str | None = None
    card_value: int | None = None
    ledger: dict[str, Any] | None = None
    checkin: bool = False

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def claims_json(c: qr.QrClaims) -> dict[str, Any]:
    return {
        "kind": _KINDS[c.kind], "instrument": c.instrument, "program": c.program,
        "issued_at": c.issued_at, "valid_from": c.valid_from, "valid_until": c.valid_until,
        "value": c.value, "discount_bp": c.discount_bp, "discount_cap": c.discount_cap,
        "min_spend": c.min_spend, "entries": c.entries, "passback_s": c.passback_s,
    }  # fmt: skip


class Looker:
    def __init__(self, gate: Gatekeeper, client: LedgerClient, syncer: Syncer) -> None:
        self.gate, self.client, self.syncer = gate, client, syncer

    def summary(self, instrument: str) -> dict[str, Any] | None:
        if not self.syncer.available():
            return None
        try:
            return self.client.summary(instrument, HISTORY_ROWS)
        except LedgerRefused as exc:
            return {"error": exc.code, "detail": exc.detail}
        except httpx.HTTPError:
            return None

    def qr(self, payload: str) -> LookResult:
        checked = self.gate.check(payload)
        c = checked.claims
        if c is None:
            return LookResult("qr", checked.code)
        checkin = (checked.code == "ok" and c.kind is qr.QrKind.ETICKET
                   and self.gate.terminal_id in self.gate.kit.gates(c.program))  # fmt: skip
        ledger = self.summary(c.instrument) if checked.code == "ok" else None
        return LookResult("qr", checked.code, c.instrument, claims_json(c), ledger=ledger,
                          checkin=checkin)  # fmt: skip

    def card(self, view: CardView) -> LookResult:
        ledger = self.summary(view.instrument)
        terms = (ledger or {}).get("terms") or {}
        checkin = (terms.get("kind") == "eticket"
                   and self.gate.terminal_id in terms.get("accepted_terminals", []))  # fmt: skip
        return LookResult("card", "ok", view.instrument, card_kind=view.kind,
                          card_value=view.card_value, ledger=ledger, checkin=checkin)  # fmt: skip
