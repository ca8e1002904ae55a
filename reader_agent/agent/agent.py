"""The reader agent's operations, as the local API offers them: tap, balance, issue, top-up,
redeem, refund. Each waits for a card, settles the card's torn operations first, then acts.

Cards: a DESFire card with the purse application is an offline-capable purse (purse_flows.py);
a blank DESFire card can be issued (personalised) as one; any other card (UID / NTAG member
card) is online-only: its value lives in the ledger, reached through the same outbox.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from cardsvc.protocol.client import LedgerClient, LedgerRefused
from cardsvc.protocol.counter import CounterLedger, TransactionView
from cardsvc.protocol.messages import TransactionMsg
from reader_agent.agent.card_updates import write_updates
from reader_agent.agent.instruments import instrument_for_uid, uid_hex
from reader_agent.agent.outbox import Entry, Outbox, OutboxFull, State
from reader_agent.agent.purse_flows import CARD_FAILURES, PurseFlows, ValueRequest
from reader_agent.agent.results import AgentCode, Mode, TapResult
from reader_agent.agent.station import Station
from reader_agent.agent.sync import LedgerUnavailable, Syncer
from reader_agent.cards.desfire import DesfireClient
from reader_agent.cards.desfire_protocol import DesfireProtocolError
from reader_agent.cards.member import read_uid
from reader_agent.cards.purse import PurseCardError, personalise
from reader_agent.drivers.base import CardInfo, Reader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardView:
    kind: str  # purse, blank (DESFire without the purse), online (UID / NTAG)
    uid: str
    instrument: str
    card_value: int | None = None
    card_counter: int | None = None
    ledger: dict[str, Any] | None = None
    recovered: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)  # written at this tap

    @property
    def agree(self) -> bool | None:
        """Whether the purse holds what the ledger says (None when either is unknown)."""
        if self.card_value is None or self.ledger is None:
            return None
        return bool(self.card_value == self.ledger.get("balance"))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "uid": self.uid, "instrument": self.instrument,
            "card_value": self.card_value, "card_counter": self.card_counter,
            "ledger": self.ledger, "agree": self.agree, "recovered": self.recovered,
            "updates": self.updates,
        }  # fmt: skip


def _update_json(result: TapResult) -> dict[str, Any]:
    return {"tx_id": result.tx_id, "amount": result.amount, "code": result.code,
            "card_value": result.card_value, "compensated": result.compensated}  # fmt: skip


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {"tx_id": entry.id, "op": entry.msg.op, "amount": entry.msg.amount,
            "state": entry.state.value, "code": entry.code}  # fmt: skip


class Agent:
    def __init__(
        self,
        station: Station,
        flows: PurseFlows,
        client: LedgerClient,
        syncer: Syncer,
        outbox: Outbox,
        clock: Callable[[], int],
    ) -> None:
        self.station, self.flows, self.client = station, flows, client
        self.syncer, self.outbox, self.clock = syncer, outbox, clock

    # --- identification ----------------------------------------------------------------------
    def _uid(self, reader: Reader, info: CardInfo) -> bytes:
        return info.uid if info.uid else read_uid(reader.transmit)

    @staticmethod
    def _is_desfire(reader: Reader) -> bool:
        try:
            DesfireClient(reader.transmit).select_application(0)
        except DesfireProtocolError:
            return False  # the card does not speak DESFire's wrapped frames
        return True

    def _lookup(self, instrument: str) -> dict[str, Any] | None:
        if not self.syncer.available():
            return None
        try:
            return self.client.lookup(instrument)
        except LedgerRefused as exc:
            return {"error": exc.code, "detail": exc.detail}
        except httpx.HTTPError:
            return None

    def tap(self, timeout: float) -> CardView:
        """Wait for a card; settle its torn operations; show card and ledger balances."""
        with self.station.card(timeout) as (reader, info):
            uid = self._uid(reader, info)
            instrument = instrument_for_uid(uid)
            if not self._is_desfire(reader):
                return CardView("online", uid_hex(uid), instrument, ledger=self._lookup(instrument))
            recovered = [_entry_json(e) for e in self.flows.settle(reader, uid)]
            try:
                done = self._write_updates(reader, uid)
                written = [_update_json(r) for r in done]
                if any(r.code == AgentCode.CARD_REMOVED for r in done):  # torn: tap again
                    return CardView("purse", uid_hex(uid), instrument, recovered=recovered,
                                    updates=written)  # fmt: skip
                seen = self.flows.purse(reader).balance()
            except PurseCardError:
                return CardView("blank", uid_hex(uid), instrument, recovered=recovered)
            return CardView(
                "purse", uid_hex(uid), instrument, seen.value_after, seen.counter_after,
                self._lookup(instrument), recovered, written,
            )  # fmt: skip

    def _write_updates(self, reader: Reader, uid: bytes) -> list[TapResult]:
        """Value changed at the ledger since this card was last tapped goes onto it first."""
        return write_updates(self.flows, self.client, reader, uid)

    def tap_instrument(self, timeout: float) -> str:
        """Wait for a card and name its instrument (a ticket card at a gate): nothing else."""
        with self.station.card(timeout) as (reader, info):
            return instrument_for_uid(self._uid(reader, info))

    # --- value operations --------------------------------------------------------------------
    def redeem(self, amount: int, timeout: float, request_id: str | None = None) -> TapResult:
        return self.operate(ValueRequest("redeem", amount, request_id=request_id), timeout)

    def top_up(
        self, amount: int, timeout: float, funding: str = "cash", request_id: str | None = None
    ) -> TapResult:
        req = ValueRequest("top_up", amount, funding=funding, request_id=request_id)
        return self.operate(req, timeout)

    def refund(
        self, ref: str, amount: int, timeout: float, request_id: str | None = None
    ) -> TapResult:
        return self.operate(ValueRequest("refund", amount, ref=ref, request_id=request_id), timeout)

    def issue(
        self, program: str, amount: int, timeout: float, funding: str = "cash",
        request_id: str | None = None,
    ) -> TapResult:  # fmt: skip
        req = ValueRequest("issue", amount, program=program, funding=funding,
                           request_id=request_id)  # fmt: skip
        return self.operate(req, timeout)

    def operate(self, req: ValueRequest, timeout: float) -> TapResult:
        if req.amount < 0 or (req.amount == 0 and req.op != "issue"):
            raise ValueError("the amount must be a positive number of đồng")
        with self.station.card(timeout) as (reader, info):
            uid = self._uid(reader, info)
            if not self._is_desfire(reader):
                # A retried sale (same request id) answers its first result: never a second charge.
                return (self._earlier(req) or self._refund_refused(req, uid)
                        or self._online_only(uid, req))  # fmt: skip
            self.flows.settle(reader, uid)
            earlier = self._earlier(req) or self._refund_refused(req, uid)
            if earlier is not None:
                return earlier
            if req.op == "issue":
                return self._issue(reader, uid, req)
            refused = self._top_up_refused(req, uid)
            if refused is not None:
                return refused
            with contextlib.suppress(PurseCardError):  # blank: the operation says so
                self._write_updates(reader, uid)
            return self.flows.operate(reader, uid, req)

    def _earlier(self, req: ValueRequest) -> TapResult | None:
        """A retried request whose earlier tap happened: its result, not a second operation."""
        if req.request_id is None:
            return None
        entry = self.outbox.by_request(req.request_id)
        if entry is None or entry.state in (State.CANCELLED, State.UNRESOLVED, State.CARD):
            return None
        return result_of(entry)

    def _refund_refused(self, req: ValueRequest, uid: bytes) -> TapResult | None:
        """A refund names the sale it gives back against: checked with the ledger before the
        card is touched, so a wrong id is refused, never credited then set back."""
        if req.op != "refund" or req.ref is None:
            return None
        if not self.syncer.available():
            return _refusal(req, uid, AgentCode.LEDGER_UNAVAILABLE, "a refund needs the ledger")
        try:
            sale = CounterLedger(self.client).transaction(req.ref)
        except LedgerRefused as exc:
            if exc.status == 404:
                return _refusal(req, uid, "reference_not_found", f"no sale {req.ref}")
            return None  # the ledger's own refusal comes with the refund itself
        except httpx.HTTPError as exc:
            return _refusal(req, uid, AgentCode.LEDGER_UNAVAILABLE, str(exc))
        return _refund_bar(req, uid, sale)

    def _top_up_refused(self, req: ValueRequest, uid: bytes) -> TapResult | None:
        """A top-up of a card whose program takes none (a gift card) is refused before the
        card is written, never credited then set back. Top-ups need the ledger anyway."""
        if req.op != "top_up":
            return None
        view = self._lookup(instrument_for_uid(uid))
        if view is not None and view.get("reloadable") is False:
            return _refusal(req, uid, "not_reloadable", "this card's program takes no top-ups")
        return None

    def _issue(self, reader: Reader, uid: bytes, req: ValueRequest) -> TapResult:
        """A blank card is personalised first (once); then the ledger issues its instrument."""
        if not self.flows.online():
            return _refusal(req, uid, AgentCode.LEDGER_UNAVAILABLE, "issuing needs the ledger")
        try:
            self.flows.purse(reader).balance()
        except PurseCardError:
            try:
                personalise(DesfireClient(reader.transmit), self.flows.keys, self.flows.layout)
            except CARD_FAILURES as exc:
                return _refusal(req, uid, AgentCode.CARD_ERROR, f"personalisation failed: {exc}")
        if req.amount > 0:
            return self.flows.operate(reader, uid, req)
        return self._online_only(uid, req)

    def _online_only(self, uid: bytes, req: ValueRequest) -> TapResult:
        """The ledger alone holds the value: send now; never decided offline."""
        instrument = instrument_for_uid(uid)
        refused = self.flows.risk.blocked(instrument)
        if refused is not None:
            return _refusal(req, uid, refused.value, "on the hotlist")
        if not self.syncer.available():
            return _refusal(req, uid, AgentCode.LEDGER_UNAVAILABLE, "this card works online only")
        if req.op == "top_up" and req.funding == "cash":
            view = self._lookup(instrument)
            if view is not None and view.get("unit", "VND") != "VND":
                # points are given, never sold: cash for points would count as stored value
                return _refusal(req, uid, "unit_mismatch", "a points card takes no cash")

        def build(tx_id: str, seq: int) -> TransactionMsg:
            return TransactionMsg(
                id=tx_id, seq=seq, op=req.op, instrument=instrument, amount=req.amount,
                ref=req.ref, program=req.program, funding=req.funding, occurred_at=self.clock(),
            )  # fmt: skip

        try:
            entry = self.outbox.reserve(build, request_id=req.request_id)
        except OutboxFull as exc:
            return _refusal(req, uid, AgentCode.QUEUE_FULL, str(exc))
        try:
            self.syncer.flush()
        except LedgerUnavailable as exc:
            log.warning("online-only %s not answered yet: %s", entry.id, exc)
        answered = self.outbox.get(entry.id)
        result = result_of(answered if answered is not None else entry)
        if answered is None or answered.state is not State.DONE:
            return result
        # the ledger alone holds this value: say in what unit (member cards hold points)
        view = self._lookup(instrument)
        unit = view.get("unit") if view is not None and "error" not in view else None
        return replace(result, unit=unit if isinstance(unit, str) else None)

    def result(self, tx_id: str) -> TapResult | None:
        entry = self.outbox.get(tx_id)
        return None if entry is None else result_of(entry)


def _refusal(req: ValueRequest, uid: bytes, code: str, detail: str) -> TapResult:
    return TapResult(code, req.op, Mode.LOCAL, instrument_for_uid(uid), uid_hex(uid), req.amount,
                     detail=detail)  # fmt: skip


_REFUNDABLE = ("redeem", "capture", "purchase")  # purchase: a member's sale (loyalty points)


def _refund_bar(req: ValueRequest, uid: bytes, sale: TransactionView) -> TapResult | None:
    """The reasons the core would give, said before the card moves."""
    if sale.op not in _REFUNDABLE or sale.instrument != instrument_for_uid(uid):
        return _refusal(req, uid, "reference_mismatch", f"{req.ref} is not a sale of this card")
    if sale.code not in ("ok", "exists"):
        return _refusal(req, uid, "reference_not_found", f"{req.ref} was refused ({sale.code})")
    if sale.voided:
        return _refusal(req, uid, "already_voided", f"{req.ref} was voided")
    # A member's purchase (loyalty) is refunded against its receipt total, which the ledger
    # judges: its `amount` is the points it spent.
    if sale.op != "purchase" and sale.refunded + req.amount > sale.amount:
        left = sale.amount - sale.refunded
        return _refusal(req, uid, "refund_exceeds_redemption", f"at most {left} left to refund")
    return None


def result_of(entry: Entry) -> TapResult:
    """What an outbox entry amounts to for a front-end."""
    card = entry.msg.card
    if entry.state is State.DONE:
        code, mode = entry.code or "", Mode.ONLINE
    elif entry.state is State.READY:
        code = AgentCode.OK if card is not None else "pending"
        mode = Mode.OFFLINE if entry.offline else Mode.QUEUED
    elif entry.state is State.CARD:
        code, mode = AgentCode.CARD_REMOVED, Mode.LOCAL
    else:
        code, mode = entry.state.value, Mode.LOCAL
    return TapResult(
        code, entry.msg.op, mode, entry.msg.instrument, entry.uid, entry.msg.amount, entry.id,
        card_value=card.after if card else None, card_counter=card.counter if card else None,
        ledger_balance=entry.balance_after, loyalty=entry.loyalty,
    )  # fmt: skip
