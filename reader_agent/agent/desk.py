"""What the counter needs of the agent besides cards: the programs it may sell, codes (quote,
redeem, void), and the ledger's view of a transaction a refund names.

Codes are online only: a typed code means nothing without the ledger, and a voucher shown at two
tills at once must be used once (the ledger decides; an offline till could not). With the ledger
out of reach these are refused with `ledger_unavailable`, never queued. A redemption that was
sent but not answered (the ledger went away mid-request) stays in the outbox and is delivered
exactly once by the sync loop: its result is then `pending` until it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import httpx

from cardsvc.protocol.client import LedgerClient, LedgerRefused
from cardsvc.protocol.counter import (
    GIFT_NOT_SOLD,
    CounterLedger,
    Programs,
    Quote,
    QuoteRequest,
    TransactionView,
)
from cardsvc.protocol.messages import TransactionMsg
from reader_agent.agent.agent import result_of
from reader_agent.agent.outbox import Outbox, OutboxFull
from reader_agent.agent.results import AgentCode, Mode, TapResult
from reader_agent.agent.risk import RiskGate
from reader_agent.agent.sync import LedgerUnavailable, Syncer

log = logging.getLogger(__name__)
T = TypeVar("T")
QUOTE_CHANGED = "quote_changed"  # the ledger's quote differs from what the screen showed
VOID_NEEDS_CARD = "void_needs_card"  # a card's sale: refund it with the card instead


class LedgerDown(Exception):
    """The ledger could not be asked (not reachable, or it failed): nothing was done."""


class Desk:
    def __init__(
        self, client: LedgerClient, syncer: Syncer, outbox: Outbox, risk: RiskGate,
        clock: Callable[[], int],
    ) -> None:  # fmt: skip
        self.ledger = CounterLedger(client)
        self._programs: Programs | None = None
        self.syncer, self.outbox, self.risk, self.clock = syncer, outbox, risk, clock

    def _ask(self, question: Callable[[], T]) -> T:
        if not self.syncer.available():
            raise LedgerDown("the ledger is not reachable")
        try:
            return question()
        except httpx.HTTPError as exc:
            raise LedgerDown(f"the ledger did not answer: {exc}") from exc
        except LedgerRefused as exc:
            if exc.status >= 500:
                raise LedgerDown(f"the ledger failed: {exc.code}: {exc.detail}") from exc
            raise

    def programs(self) -> Programs:
        """The ledger's list; the last one it gave while it does not answer (programs change
        rarely, and a sale made from the list is still the ledger's to accept)."""
        try:
            self._programs = self._ask(self.ledger.programs)
        except LedgerDown:
            if self._programs is None:
                raise
        return self._programs

    def quote(self, req: QuoteRequest) -> Quote:
        return self._ask(lambda: self.ledger.quote(req))

    def transaction(self, tx_id: str) -> TransactionView | None:
        """The ledger's record of one of this store's transactions (None: there is none)."""
        try:
            return self._ask(lambda: self.ledger.transaction(tx_id))
        except LedgerRefused as exc:
            if exc.status == 404:
                return None
            raise

    # --- codes -------------------------------------------------------------------------------
    def redeem_code(
        self, code: str, purchase_amount: int, amount: int, request_id: str | None,
        earlier: Callable[[str | None], TapResult | None],
    ) -> TapResult:  # fmt: skip
        """Quote again (the rules decide now, not when the screen was drawn), then send the
        redemption at once. `earlier`: a retried request's first result."""
        first = earlier(request_id)
        if first is not None:
            return first
        quote = self.quote(QuoteRequest(code=code, purchase_amount=purchase_amount,
                                        amount=amount))  # fmt: skip
        base = TapResult("", "redeem", Mode.LOCAL, quote.instrument, amount=amount)
        if quote.code != "ok" or quote.instrument is None:
            return _with(base, code=quote.code)
        if quote.amount != amount:
            why = f"the ledger now takes off {quote.amount}, not {amount}"
            return _with(base, code=QUOTE_CHANGED, detail=why)
        if self.risk.blocked(quote.instrument) is not None:
            return _with(base, code="instrument_blocked", detail="on the hotlist")
        instrument = quote.instrument

        def build(tx_id: str, seq: int) -> TransactionMsg:
            return TransactionMsg(id=tx_id, seq=seq, op="redeem", instrument=instrument,
                                  amount=amount, purchase_amount=purchase_amount,
                                  occurred_at=self.clock())  # fmt: skip

        return self._send(build, base, request_id)

    def sell_code(
        self, code: str, request_id: str | None,
        earlier: Callable[[str | None], TapResult | None],
    ) -> TapResult:  # fmt: skip
        """Sell a printed gift card: issued now for its face value, paid in cash."""
        first = earlier(request_id)
        if first is not None:
            return first
        quote = self.quote(QuoteRequest(code=code))
        base = TapResult("", "issue", Mode.LOCAL, quote.instrument, amount=quote.balance or 0)
        if quote.code != GIFT_NOT_SOLD or quote.instrument is None or not quote.balance:
            sold = quote.code == "ok" or quote.instrument is not None
            return _with(base, code="instrument_exists" if sold else quote.code)
        instrument, program, value = quote.instrument, quote.program, quote.balance

        def build(tx_id: str, seq: int) -> TransactionMsg:
            return TransactionMsg(id=tx_id, seq=seq, op="issue", instrument=instrument,
                                  program=program, amount=value, funding="cash",
                                  occurred_at=self.clock())  # fmt: skip

        return self._send(build, base, request_id)

    def void(
        self, ref: str, request_id: str | None, earlier: Callable[[str | None], TapResult | None],
        card_of: Callable[[str], bool],
    ) -> TapResult:  # fmt: skip
        """Void a code redemption: the voucher's use (the gift value, the entry) comes back.
        `card_of(tx_id)`: whether this till's transaction moved value on a purse card, which
        only a tap of that card can give back (a refund)."""
        first = earlier(request_id)
        if first is not None:
            return first
        base = TapResult("", "void", Mode.LOCAL)
        if card_of(ref):
            return _with(base, code=VOID_NEEDS_CARD)
        found = self.transaction(ref)
        if found is None:
            return _with(base, code="reference_not_found")
        base = _with(base, instrument=found.instrument, amount=found.amount)

        def build(tx_id: str, seq: int) -> TransactionMsg:
            return TransactionMsg(id=tx_id, seq=seq, op="void", instrument=found.instrument,
                                  ref=ref, occurred_at=self.clock())  # fmt: skip

        return self._send(build, base, request_id)

    def _send(
        self, build: Callable[[str, int], TransactionMsg], base: TapResult, request_id: str | None
    ) -> TapResult:
        try:
            entry = self.outbox.reserve(build, request_id=request_id)
        except OutboxFull as exc:
            return _with(base, code=AgentCode.QUEUE_FULL, detail=str(exc))
        try:
            self.syncer.flush()
        except LedgerUnavailable as exc:
            log.warning("code redemption %s not answered yet: %s", entry.id, exc)
        answered = self.outbox.get(entry.id)
        return result_of(answered if answered is not None else entry)


def _with(result: TapResult, **changes: object) -> TapResult:
    return replace(result, **changes)  # type: ignore[arg-type]
